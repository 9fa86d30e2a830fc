#!/bin/bash
# shellcheck disable=SC2046,SC2086,SC2206 # pid lists and ssh options are split into words on purpose
# make bench-footprint: what watching costs, side by side in one run, on a
# running sandbox (docs/BENCHMARKS.md, "Footprint"). Not a test: it prints.
#
#   bench/footprint.sh SANDBOX_DIR [SECONDS]
#
# For each way of watching, SECONDS (60) of it at a 2 s refresh on both
# sandbox hosts, then per host the CPU used, as % of one core, by:
#   sshd    the host's sshd and every process below it (the sessions and
#           whatever they start);
#   engine  its dockerd, the containerd below it and its containers' shims;
#   pg      its Postgres container (postmaster, every backend);
#   redis   its Redis container.
# Each is the sum of utime + stime + cutime + cstime (/proc/PID/stat) over
# the process tree, taken after a 3 s start and again SECONDS later: a
# process that started and ended in between is in its parent's cutime, so
# short-lived ones (a docker CLI per refresh) are counted whole. The hosts
# share this machine's kernel; each host's processes are told apart by its
# pid files and its engine. "idle" is nobody watching (the sandbox's own
# work: health checks, Prometheus scraping, the demo traffic); the designs'
# figures are printed as measured and above idle.
# Ways: this opsdeck ($OPSDECK_BIN), optionally the build before a change
# ($OPSDECK_PREV, console and freshness), the polling design before the streams
# ($OPSDECK_OLD, `make bench-footprint` builds it), the seed runbook's way
# (one ssh per source per refresh) and the same through an OpenSSH
# ControlMaster. Then freshness (--once --json -i 1: wall time, containers'
# age), then pg_activity (one database) and htop beside opsdeck's own CPU
# and anonymous RSS (RssAnon).
set -uo pipefail
DIR=${1:?usage: footprint.sh SANDBOX_DIR [SECONDS]}
SECS=${2:-60}
. "$DIR/sandbox.env"
NEW=${OPSDECK_BIN:-$PWD/opsdeck}
OLD=${OPSDECK_OLD:-$PWD/build/polling/opsdeck}
# optional: the build before a change, measured beside it the same way
PREV=${OPSDECK_PREV:-}
HZ=$(getconf CLK_TCK)
export HOME=$DIR # known_hosts and keys of the sandbox only
WORK=$(mktemp -d /tmp/opsdeck-fp.XXXXXX)
TMUX_SOCK=opsdeck-fp-$$
cleanup() {
    tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
    jobs -p | xargs -r kill 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# The old build knows neither runbooks = nor state_dir = (not about watching).
grep -Ev '^(runbooks|state_dir) *=' "$SBX_CONF" >"$WORK/old.conf"

# ticks PID...: utime + stime + cutime + cstime of each, summed
ticks() {
    local p s=0 f
    for p in "$@"; do
        f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
        # after "comm)": state is field 1, utime 12 ... cstime 15
        s=$((s + $(echo "$f" | awk '{ print $12 + $13 + $14 + $15 }')))
    done
    echo $s
}
tree() { local p; for p in "$@"; do echo "$p"; tree $(cat /proc/$p/task/*/children 2>/dev/null); done; }
docker_of() { eval echo "\$SBX_${1^^}_DOCKER"; }
container_pid() { $(docker_of "$1") inspect -f '{{.State.Pid}}' "$2" 2>/dev/null; }
shims() { pgrep -f "containerd-shim.*-address $DIR/$1/" || true; }

# snapshot: "host component ticks" lines for every host
snapshot() {
    local h
    for h in $SBX_HOSTS; do
        echo "$h sshd $(ticks $(tree "$(head -1 "$DIR/$h/sshd.pid")"))"
        echo "$h engine $(($(ticks $(tree "$(head -1 "$DIR/$h/dockerd.pid")")) + $(ticks $(shims "$h"))))"
        echo "$h pg $(ticks $(tree "$(container_pid "$h" grupo_gad_db)"))"
        echo "$h redis $(ticks $(tree "$(container_pid "$h" grupo_gad_redis)"))"
    done
}
pct() { echo "scale=2; $1 * 100 / $HZ / $SECS" | bc; }

# measure NAME CLIENT_PID: SECS of whatever runs, from 3 s after now;
# prints each host's CPU by component, and the client's CPU and RssAnon.
declare -A IDLE
measure() {
    local name=$1 client=${2:-}
    sleep 3 # connected and steady
    snapshot >"$WORK/a"
    local c0=0 c1=0 rss=-
    [ -n "$client" ] && c0=$(ticks $(tree "$client"))
    sleep "$SECS"
    snapshot >"$WORK/b"
    if [ -n "$client" ]; then
        c1=$(ticks $(tree "$client"))
        rss=$(awk '/RssAnon/ { print $2 }' "/proc/$client/status" 2>/dev/null)
    fi
    local h comp a b total
    for h in $SBX_HOSTS; do
        local line="" total=0
        for comp in sshd engine pg redis; do
            a=$(awk -v h="$h" -v c="$comp" '$1 == h && $2 == c { print $3 }' "$WORK/a")
            b=$(awk -v h="$h" -v c="$comp" '$1 == h && $2 == c { print $3 }' "$WORK/b")
            line+=" $comp $(pct $((b - a)))"
            total=$((total + b - a))
        done
        if [ "$name" = idle ]; then
            IDLE[$h]=$total
            printf '%-26s %-10s host %6s %%  (%s)\n' "$name" "$h" "$(pct "$total")" "${line# }"
        else
            printf '%-26s %-10s host %6s %%  above idle %6s %%  (%s)\n' "$name" "$h" "$(pct "$total")" \
                "$(pct $((total - ${IDLE[$h]:-0})))" "${line# }"
        fi
    done
    [ -n "$client" ] && printf '%-26s client CPU %6s %%  RssAnon %s KiB\n' "$name" "$(pct $((c1 - c0)))" "$rss"
}

# in_tmux NAME COMMAND: runs COMMAND in a pane of this script's tmux
# server; prints the pane's pid (the command, exec'd)
in_tmux() {
    tmux -L "$TMUX_SOCK" new-session -d -s "$1" -x 160 -y 50 "exec $2"
    tmux -L "$TMUX_SOCK" list-panes -t "$1" -F '#{pane_pid}'
}
stop_tmux() { tmux -L "$TMUX_SOCK" kill-session -t "$1" 2>/dev/null; }

console() { # NAME BIN CONF
    local pid
    pid=$(in_tmux console "$2 -i 2 -c $3")
    measure "$1" "$pid"
    stop_tmux console
    sleep 2 # the sessions closed and reaped before the next one
}

# the seed runbook's way: every 2 s, one ssh per source per host (the
# containers, Postgres, Redis, the HTTP sources), waited for
runbook() { # EXTRA_SSH_OPTIONS
    local h
    while :; do
        for h in $SBX_HOSTS; do
            local H=${h^^} a port
            a=$(eval echo "\$SBX_${H}_ADDR")
            port=$(eval echo "\$SBX_${H}_SSH_PORT")
            local s=(ssh -q -i "$SBX_KEY" -o UserKnownHostsFile="$SBX_KNOWN_HOSTS" -o BatchMode=yes $1 -p "$port" "$SBX_USER@$a")
            local api prom
            api="http://$a:$(eval echo "\$SBX_${H}_API_PORT")"
            prom="http://$a:$(eval echo "\$SBX_${H}_PROM_PORT")"
            "${s[@]}" "$(docker_of "$h") ps -a; $(docker_of "$h") stats --no-stream" >/dev/null &
            "${s[@]}" "$SBX_PSQL -h $a -p $(eval echo "\$SBX_${H}_PG_PORT") -U $SBX_PG_USER $SBX_PG_DB -Atc 'select count(*) from pg_stat_activity'" >/dev/null &
            "${s[@]}" "redis-cli -h $a -p $(eval echo "\$SBX_${H}_REDIS_PORT") info" >/dev/null &
            "${s[@]}" "curl -s $api/metrics $api/api/v1/health $api/ws/stats $prom/api/v1/query?query=up http://$a:$(eval echo "\$SBX_${H}_AM_PORT")/api/v2/alerts" >/dev/null &
        done
        wait
        sleep 2
    done
}
run_runbook() { # NAME EXTRA_SSH_OPTIONS
    runbook "$2" &
    local pid=$!
    measure "$1" "$pid"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sleep 2
}

echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB," \
    "load $(cut -d' ' -f1-3 /proc/loadavg); $SECS s each, a 2 s refresh, hosts: $SBX_HOSTS"
measure idle
console "opsdeck (streams)" "$NEW" "$SBX_CONF"
[ -n "$PREV" ] && [ -x "$PREV" ] && console "opsdeck (before)" "$PREV" "$SBX_CONF"
[ -x "$OLD" ] && console "opsdeck (polling, before)" "$OLD" "$WORK/old.conf"
run_runbook "runbook: ssh per source" ""
run_runbook "runbook: ssh ControlMaster" "-o ControlMaster=auto -o ControlPath=$WORK/cm-%C -o ControlPersist=60"
ssh -q -o ControlPath="$WORK/cm-%C" -O exit -p "$SBX_STAGING_SSH_PORT" "$SBX_USER@$SBX_STAGING_ADDR" 2>/dev/null
ssh -q -o ControlPath="$WORK/cm-%C" -O exit -p "$SBX_PRODUCTION_SSH_PORT" "$SBX_USER@$SBX_PRODUCTION_ADDR" 2>/dev/null

# 3 s apart: each run starts with the engine's stats collector idle, as a
# run of its own would (a run started within a second of the last one's
# stats is answered at the collector's pending tick, sooner)
echo "# freshness: opsdeck --once --json -i 1 on both hosts, 3 runs each, 3 s apart"
for b in "$NEW" "$PREV" "$OLD"; do
    [ -n "$b" ] && [ -x "$b" ] || continue
    conf=$SBX_CONF
    [ "$b" = "$OLD" ] && conf=$WORK/old.conf
    for _ in 1 2 3; do
        sleep 3
        t0=$(date +%s.%N)
        "$b" --once --json -i 1 -c "$conf" >"$WORK/once.json" 2>/dev/null
        t1=$(date +%s.%N)
        case $b in
        "$NEW") what="opsdeck (streams)" ;;
        "$PREV") what="opsdeck (before)" ;;
        *) what="opsdeck (polling, before)" ;;
        esac
        printf '%-26s wall %5.2f s  containers age %s\n' "$what" \
            "$(echo "$t1 - $t0" | bc)" "$(jq -c '[.hosts[].containers.age_s | . * 100 | round / 100]' "$WORK/once.json")"
    done
done

echo "# the client beside pg_activity (one database) and htop, at a 2 s refresh"
pga=$(in_tmux pga "/usr/bin/python3 /usr/bin/pg_activity -h $SBX_STAGING_ADDR -p $SBX_STAGING_PG_PORT -U $SBX_PG_USER -d $SBX_PG_DB --refresh 2")
ht=$(in_tmux htop "htop -d 20")
op=$(in_tmux console "$NEW -i 2 -c $SBX_CONF")
sleep 3
declare -A c0
for p in $pga $ht $op; do c0[$p]=$(ticks $(tree "$p")); done
sleep "$SECS"
for n in "opsdeck (streams):$op" "pg_activity:$pga" "htop:$ht"; do
    p=${n##*:}
    printf '%-26s client CPU %6s %%  RssAnon %s KiB\n' "${n%:*}" "$(pct $(($(ticks $(tree "$p")) - ${c0[$p]})))" \
        "$(awk '/RssAnon/ { print $2 }' "/proc/$p/status" 2>/dev/null)"
done
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
