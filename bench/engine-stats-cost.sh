#!/bin/bash
# shellcheck disable=SC1091,SC2086,SC2207 # the sandbox's env is sourced; ids and tick lists are split into words on purpose
# What the engine spends on one-shot stats, on a running sandbox's staging
# engine (docs/BENCHMARKS.md, "Footprint"; docs/HACKING.md, "Containers"):
#
#   bench/engine-stats-cost.sh SANDBOX_DIR [SECONDS]
#
# 1. When answers come: five one-shot requests (one per running container)
#    sent at once to an idle engine, three times; then five sent 0.8 s
#    after the last answers (while the stats collector sleeps), three
#    times. Seconds per request, as curl times them.
# 2. What they cost: CPU ticks (utime + stime) of dockerd, its containerd
#    and the containers' shims over SECONDS (30) of nothing, of rounds of
#    five one-shot requests, and of rounds of five inspects (the HTTP and
#    JSON part alone), each round 0.8 s after the last one's answers;
#    printed per request, in ms of CPU. Not a test: it prints.
set -uo pipefail
DIR=${1:?usage: engine-stats-cost.sh SANDBOX_DIR [SECONDS]}
T=${2:-30}
. "$DIR/sandbox.env"
S=$SBX_STAGING_DOCKER_SOCK
ids=$($SBX_STAGING_DOCKER ps -q)
n=$(echo $ids | wc -w)
HZ=$(getconf CLK_TCK)
dpid=$(cat "$DIR/staging/dockerd.pid")
cpid=$(pgrep -P "$dpid" containerd | head -1)
own() { cut -d')' -f2- "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
shims() {
    local s=0 p
    for p in $(pgrep -f "containerd-shim.*-address $DIR/staging/"); do s=$((s + $(own "$p"))); done
    echo $s
}
snap() { echo "$(own "$dpid") $(own "$cpid") $(shims)"; }
round() { # PATH_TAIL: one request per running container, at once
    local id
    for id in $ids; do
        curl -s -o /dev/null -w '%{time_total} ' --unix-socket "$S" "http://x/containers/$id/$1" &
    done
    wait
}

echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
    "staging engine $(curl -s --unix-socket "$S" http://x/version | jq -r '.Version + " (API " + .ApiVersion + ")"'), $n running containers"
for _ in 1 2 3; do
    sleep 3
    echo "one-shot x$n at once, idle engine:          $(round 'stats?stream=false&one-shot=true')"
done
for _ in 1 2 3; do
    sleep 0.8
    echo "one-shot x$n 0.8 s after the last answers:  $(round 'stats?stream=false&one-shot=true')"
done
sleep 3
echo "stream=false (no one-shot) x$n, idle engine: $(round 'stats?stream=false')"

cost() { # NAME PATH_TAIL ("" for nothing)
    local a b r=0 end=$((SECONDS + T))
    a=($(snap))
    if [ -z "$2" ]; then sleep "$T"; else
        while [ $SECONDS -lt $end ]; do round "$2" >/dev/null; r=$((r + n)); sleep 0.8; done
    fi
    b=($(snap))
    local d=$((b[0] - a[0])) c=$((b[1] - a[1])) h=$((b[2] - a[2]))
    printf '%-10s %4d requests  ticks dockerd %3d containerd %3d shims %3d' "$1" "$r" "$d" "$c" "$h"
    if [ "$r" -gt 0 ]; then
        printf '  per request above idle %.2f ms (dockerd %.2f containerd %.2f shims %.2f)' \
            "$(echo "($d + $c + $h - (${IDLE[0]} + ${IDLE[1]} + ${IDLE[2]}) * $T / $IT) * 1000 / $HZ / $r" | bc -l)" \
            "$(echo "($d - ${IDLE[0]} * $T / $IT) * 1000 / $HZ / $r" | bc -l)" \
            "$(echo "($c - ${IDLE[1]} * $T / $IT) * 1000 / $HZ / $r" | bc -l)" \
            "$(echo "($h - ${IDLE[2]} * $T / $IT) * 1000 / $HZ / $r" | bc -l)"
    fi
    printf '  load %s\n' "$(cut -d' ' -f1 /proc/loadavg)"
    [ -z "$2" ] && IDLE=("$d" "$c" "$h") && IT=$T
    return 0
}
IDLE=(0 0 0)
IT=1
cost idle ""
cost one-shot 'stats?stream=false&one-shot=true'
cost inspect json
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
