#!/bin/bash
# shellcheck disable=SC2046,SC2086 # pid lists are split into words on purpose
# make bench-scale: opsdeck watching a fleet of N lightweight hosts
# (tests/sandbox/fleet.sh; docs/BENCHMARKS.md, "Footprint", part 4). Not a
# test: it prints. Starts its own fleet and always stops it.
#
#   bench/scale.sh [N [SECONDS [RUNS [BLACKHOLED]]]]    (100 60 3 10)
#
# Per run, each in a fresh opsdeck:
#  start   the console (-i 2) in a tmux pane tall enough for every host's
#          row: seconds from starting it until every row says up with its
#          golden signals (MEM%, from node_metrics) and its health (200)
#          drawn, i.e. every host connected and every configured source of
#          every host answered; the screen looked at every 50 ms. And the
#          wall time of `opsdeck --once --json -i 1` (a round, 1 s, a second
#          round: an upper bound of the same thing plus 1 s and a round).
#  cpu     that console's CPU over SECONDS (from 3 s after every host
#          answered), % of one core: utime + stime of /proc/PID/stat.
#  memory  its RssAnon (/proc/PID/status) at the end of that, against a
#          console watching one host of the same fleet (-H fleet-001, same
#          pane size: curses' screens grow with the pane) after 20 s:
#          (RssAnon(N) - RssAnon(1)) / (N - 1) per host.
#  faults  a fresh console, every host answered; then BLACKHOLED hosts
#          (every N/BLACKHOLED-th) get an iptables DROP on their sshd (the
#          rule tagged for the fleet's DIR, removed by the trap and by
#          down.sh); at once 240 samples of key latency (bench/key_latency.py:
#          `?` until the help is drawn, through tmux control mode), 0.25 s
#          apart, so over about a minute: while their sessions stall, their
#          sources time out, the sessions are called lost (three silent
#          15 s keepalives) and the first reconnects hang; then, bounded,
#          the status line says N-B up, 0 degraded, B down and every other
#          host's row is up with its stalest source at most two intervals
#          old. Then `opsdeck --once --json -i 2` with those hosts still
#          blackholed: its wall time, the others up and fresh, those not up
#          with every source failed (its reason printed).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$ROOT/tests/sandbox/lib.sh"
N=${1:-100}
SECS=${2:-60}
RUNS=${3:-3}
BH=${4:-10}
BIN=${OPSDECK_BIN:-$ROOT/opsdeck}
HZ=$(getconf CLK_TCK)
INTERVAL=2
SAMPLES=240
KEY_PAUSE=0.25 # the samples spread over the whole fault: about a minute
ROWS=$((N + 40)) # every host's row, the status lines, attention and sources
TMUX_SOCK=opsdeck-scale-$$
WORK=$(mktemp -d /tmp/opsdeck-scale.XXXXXX)
chmod 0711 "$WORK" # the hosts' sshd read the fleet's authorized_keys as the deploy user
FLEET=$WORK/fleet
BLACKHOLED=()

cleanup() {
    local i
    for i in "${BLACKHOLED[@]}"; do blackhole off "$FLEET" "$(addr "$i")" "$(port "$i")"; done
    tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
    "$ROOT/tests/sandbox/down.sh" "$FLEET" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

nice "$ROOT/tests/sandbox/fleet.sh" "$FLEET" "$N" || exit 1
. "$FLEET/fleet.env"
export HOME=$FLEET # the fleet's keys and known_hosts only
addr() { eval echo "\$FLEET_ADDR_$1"; }
port() { eval echo "\$FLEET_PORT_$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ticks() { cut -d')' -f2- "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
rss_anon() { awk '/RssAnon/ { print $2 }' "/proc/$1/status"; }

# the console in a pane of this script's tmux server; prints its pid
console() { # ARGS...
    tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s con -x 200 -y "$ROWS" "exec $BIN -i $INTERVAL -c $FLEET_CONF $*"
    tmux -L "$TMUX_SOCK" list-panes -t con -F '#{pane_pid}'
}
console_stop() { tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1; sleep 1; }
screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t con; }

# shellcheck source=tests/sandbox/fleet_screen.sh
. "$ROOT/tests/sandbox/fleet_screen.sh"
rows() { screen | fleet_rows "$@"; }
all_answered() { [ "$(rows up)" = "$1" ]; }
status_says() { screen | grep -qE "hosts $1 up 0 degraded $2 down"; }

# wait_until SECONDS COMMAND...: every 50 ms, bounded
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB," \
    "load $(cut -d' ' -f1-3 /proc/loadavg); N=$N hosts, -i $INTERVAL, $SECS s of CPU, $RUNS runs, $BH blackholed"
echo "# opsdeck $("$BIN" --version 2>/dev/null | head -1), fleet in $FLEET"

declare -a START ONCE CPU RSS RSS1 PERHOST P50 P99 BHONCE
for r in $(seq "$RUNS"); do
    # --- start, CPU, memory -------------------------------------------------------
    t0=$(now)
    pid=$(console)
    if ! wait_until 60 all_answered "$N"; then
        echo "run $r: not every host answered within 60 s: $(rows up) of $N"
        screen | sed -n 3p
        exit 1
    fi
    START[r]=$(since "$t0")
    sleep 3
    c0=$(ticks "$pid")
    sleep "$SECS"
    c1=$(ticks "$pid")
    CPU[r]=$(echo "scale=2; ($c1 - $c0) * 100 / $HZ / $SECS" | bc)
    RSS[r]=$(rss_anon "$pid")
    console_stop

    pid=$(console -H fleet-001)
    wait_until 30 all_answered 1 || { echo "run $r: fleet-001 alone did not answer"; exit 1; }
    sleep 20
    RSS1[r]=$(rss_anon "$pid")
    console_stop
    PERHOST[r]=$(((RSS[r] - RSS1[r]) / (N - 1)))

    t0=$(now)
    "$BIN" --once --json -i 1 -c "$FLEET_CONF" >"$WORK/once.json" 2>/dev/null
    ONCE[r]=$(since "$t0")
    answered=$(jq '[.hosts[] | select(.state == "up" and .golden.ok and .health.ok)] | length' "$WORK/once.json")
    printf 'run %d: start %5.2f s (console, every host answered)  --once -i 1 %5.2f s (%s of %s up, answered)\n' \
        "$r" "${START[r]}" "${ONCE[r]}" "$answered" "$N"
    printf 'run %d: CPU %5.2f %% of a core at -i %d  RssAnon %d KiB (N=%d) - %d KiB (N=1) = %d KiB per host\n' \
        "$r" "${CPU[r]}" "$INTERVAL" "${RSS[r]}" "$N" "${RSS1[r]}" "${PERHOST[r]}"

    # --- BH of N blackholed ---------------------------------------------------------
    pid=$(console)
    wait_until 60 all_answered "$N" || { echo "run $r: not every host answered before the fault"; exit 1; }
    sleep 2
    BLACKHOLED=()
    for i in $(seq $((N / BH)) $((N / BH)) "$N"); do
        blackhole on "$FLEET" "$(addr "$i")" "$(port "$i")"
        BLACKHOLED+=("$i")
    done
    t0=$(now)
    /usr/bin/python3 "$HERE/key_latency.py" "$TMUX_SOCK" con "$SAMPLES" "$KEY_PAUSE" >"$WORK/keys.txt" || exit 1
    keys_took=$(since "$t0")
    read -r _ 'P50[r]' _ 'P99[r]' _ kmax < <(tail -1 "$WORK/keys.txt")
    if wait_until 90 status_says $((N - BH)) "$BH"; then
        shown=$(since "$t0")
        others=$(rows up $((2 * INTERVAL)))
        verdict="status: $((N - BH)) up, $BH down after $shown s; $others of $((N - BH)) others up and fresh (<= $((2 * INTERVAL)) s)"
    else
        verdict="NOT shown within 90 s: $(screen | grep -oE 'hosts [0-9]+ up [0-9]+ degraded [0-9]+ down')"
    fi
    console_stop
    printf 'run %d: %d blackholed: keys p50 %s ms p99 %s ms max %s ms (%d samples over %s s); %s\n' \
        "$r" "$BH" "${P50[r]}" "${P99[r]}" "$kmax" "$SAMPLES" "$keys_took" "$verdict"

    t0=$(now)
    "$BIN" --once --json -i "$INTERVAL" -c "$FLEET_CONF" >"$WORK/once.json" 2>/dev/null
    BHONCE[r]=$(since "$t0")
    fresh=$(jq --argjson max $((2 * INTERVAL)) '[.hosts[] | select(.state == "up" and .golden.ok and .health.ok and .golden.age_s <= $max and .health.age_s <= $max)] | length' "$WORK/once.json")
    failed=$(jq '[.hosts[] | select(.state != "up" and .golden.error != null and .health.error != null)] | length' "$WORK/once.json")
    printf 'run %d: --once -i %d with %d blackholed: %5.2f s; %s up and fresh, %s not up with every source failed: %s\n' \
        "$r" "$INTERVAL" "$BH" "${BHONCE[r]}" "$fresh" "$failed" \
        "$(jq -r '[.hosts[] | select(.state != "up") | "\(.state): \(.health.error)"] | unique | .[0]' "$WORK/once.json" | head -c 200)"
    for i in "${BLACKHOLED[@]}"; do blackhole off "$FLEET" "$(addr "$i")" "$(port "$i")"; done
    BLACKHOLED=()
done

med() { printf '%s\n' "$@" | median; }
echo "# medians of $RUNS runs, N=$N:"
echo "start (console, every source answered) $(med "${START[@]}") s (target 5)"
echo "start (--once --json -i 1 wall)         $(med "${ONCE[@]}") s"
echo "CPU at -i $INTERVAL                         $(med "${CPU[@]}") % of a core (target 10)"
echo "RssAnon N=$N $(med "${RSS[@]}") KiB, N=1 $(med "${RSS1[@]}") KiB, per host $(med "${PERHOST[@]}") KiB (target 300)"
echo "keys with $BH blackholed                p50 $(med "${P50[@]}") ms, p99 $(med "${P99[@]}") ms (target p99 50)"
echo "--once -i $INTERVAL with $BH blackholed        $(med "${BHONCE[@]}") s"
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
