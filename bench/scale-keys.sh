#!/bin/bash
# A key's redraw at N hosts, builds side by side on one fleet
# (docs/BENCHMARKS.md, "4. Scale", the keys). Not a test: it prints.
#
#   bench/scale-keys.sh N ROUNDS SAMPLES BIN...       (e.g. 100 3 240 A B)
#
# Starts a fleet of N hosts (tests/sandbox/fleet.sh) and always stops it.
# Per round, each BIN in turn, so that the builds share the machine's load:
# a fresh console (-i 2) in a 200 x N+40 tmux pane, every host answered
# (as bench/scale.sh waits for it), 2 s, then SAMPLES of the sampler
# (bench/key_latency.py, or KEY_SAMPLER=, called the same way): `?` until
# the help shows, Escape, 0.25 s. That is bench/scale.sh's key measure
# without the blackholed hosts. Prints p50, p99 and max per round and
# build, with the load average, then each build's medians.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
[ $# -ge 4 ] || { echo "usage: $0 N ROUNDS SAMPLES BIN..." >&2; exit 2; }
N=$1 ROUNDS=$2 SAMPLES=$3
shift 3
SAMPLER=${KEY_SAMPLER:-$HERE/key_latency.py}
TMUX_SOCK=opsdeck-keys-$$
WORK=$(mktemp -d /tmp/opsdeck-keys.XXXXXX)
chmod 0711 "$WORK" # the hosts' sshd read the fleet's authorized_keys as the deploy user
FLEET=$WORK/fleet

cleanup() {
    tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
    "$ROOT/tests/sandbox/down.sh" "$FLEET" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

nice "$ROOT/tests/sandbox/fleet.sh" "$FLEET" "$N" >/dev/null || exit 1
. "$FLEET/fleet.env"
export HOME=$FLEET # the fleet's keys and known_hosts only
# shellcheck source=tests/sandbox/fleet_screen.sh
. "$ROOT/tests/sandbox/fleet_screen.sh"
load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
    "N=$N, $ROUNDS rounds of $SAMPLES keys, sampler $SAMPLER"
declare -A P50 P99
for r in $(seq "$ROUNDS"); do
    for bin in "$@"; do
        tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s con -x 200 -y $((N + 40)) \
            "exec $bin -i 2 -c $FLEET_CONF"
        deadline=$((SECONDS + 60))
        until [ "$(tmux -L "$TMUX_SOCK" capture-pane -p -t con | fleet_rows up)" = "$N" ]; do
            [ "$SECONDS" -ge "$deadline" ] && { echo "$bin: not every host answered in 60 s"; exit 1; }
            sleep 0.05
        done
        sleep 2
        before=$(load)
        /usr/bin/python3 "$SAMPLER" "$TMUX_SOCK" con "$SAMPLES" 0.25 >"$WORK/keys.txt" || exit 1
        read -r _ p50 _ p99 _ max < <(tail -1 "$WORK/keys.txt")
        P50[$bin]+="$p50 " P99[$bin]+="$p99 "
        echo "round $r $bin: p50 $p50 ms p99 $p99 ms max $max ms (load $before-$(load))"
        tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
        sleep 1
    done
done
for bin in "$@"; do
    # shellcheck disable=SC2086 # the lists are split into words on purpose
    echo "median $bin: p50 $(printf '%s\n' ${P50[$bin]} | median) ms" \
        "p99 $(printf '%s\n' ${P99[$bin]} | median) ms"
done
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
