#!/bin/bash
# What the console itself costs, build beside build (docs/BENCHMARKS.md,
# "Footprint", part 3). Not a test: it prints.
#
#   bench/client-cpu.sh SANDBOX_DIR SECONDS BIN...
#
# Each BIN in turn (give them several times to alternate them): its console
# at -i 2 on the sandbox's hosts in a 160x50 tmux pane, its utime + stime
# (/proc/PID/stat) over SECONDS from 5 s after the start, as % of one core.
set -uo pipefail
DIR=${1:?usage: client-cpu.sh SANDBOX_DIR SECONDS BIN...}
SECS=${2:?usage: client-cpu.sh SANDBOX_DIR SECONDS BIN...}
shift 2
export HOME=$DIR # the sandbox's keys and known_hosts only
SOCK=opsdeck-cc-$$
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1' EXIT
HZ=$(getconf CLK_TCK)
for bin in "$@"; do
    tmux -L "$SOCK" new-session -d -s c -x 160 -y 50 "exec $bin -i 2 -c $DIR/opsdeck.conf"
    sleep 5
    pid=$(tmux -L "$SOCK" list-panes -t c -F '#{pane_pid}')
    a=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    sleep "$SECS"
    b=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    printf '%-40s %6.3f %% of a core  load %s\n' "$bin" \
        "$(echo "($b - $a) * 100 / $HZ / $SECS" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
    tmux -L "$SOCK" kill-session -t c
    sleep 2 # the sessions closed before the next one
done
