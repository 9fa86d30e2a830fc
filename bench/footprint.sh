#!/bin/bash
# make bench-footprint: what watching costs, side by side in one run, on a
# running sandbox (docs/BENCHMARKS.md, "Footprint"). Not a test: it prints.
#
#   bench/footprint.sh SANDBOX_DIR [SECONDS]
#
# For each design, SECONDS (60) of the console at -i 2 on both sandbox hosts,
# then per host the CPU used, as % of one core, by: the host's sshd and every
# process below it (the sessions), its dockerd + containerd + shims, its
# Postgres and its Redis (/proc ticks; the sandbox's hosts share this
# machine's kernel, so each host's processes are told apart by pid files).
# Designs: this opsdeck ($OPSDECK_BIN), today's polling ($OPSDECK_OLD, built
# from the commit before the change), the seed runbook's way (one ssh per
# source per refresh) and the same through an OpenSSH ControlMaster. Then
# freshness (--once --json -i 1: wall time, containers' age) and the client's
# own CPU and anonymous RSS beside pg_activity and htop.
set -uo pipefail
DIR=${1:?usage: footprint.sh SANDBOX_DIR [SECONDS]}
SECS=${2:-60}
. "$DIR/sandbox.env"
NEW=${OPSDECK_BIN:-$PWD/opsdeck}
OLD=${OPSDECK_OLD:-$PWD/build/polling/opsdeck}
HZ=$(getconf CLK_TCK)
export HOME=$DIR # known_hosts and keys of the sandbox only

ticks() { awk '{ s += $14 + $15 } END { print s + 0 }' $(for p in "$@"; do echo /proc/$p/stat; done) 2>/dev/null; }
tree() { local p; for p in "$@"; do echo "$p"; tree $(cat /proc/$p/task/*/children 2>/dev/null); done; }
host_pids() { # host: every process that is that host's
    local h=$1 f
    for f in sshd dockerd postgres redis; do
        [ -f "$DIR/$h/$f.pid" ] && tree "$(head -1 "$DIR/$h/$f.pid")"
    done
}
pct() { echo "scale=2; $1 * 100 / $HZ / $SECS" | bc; }

# measure NAME COMMAND...: runs COMMAND in the background for SECS, prints
# each host's CPU % and the client's; the host trees are re-read each second
# (processes started per refresh come and go).
measure() {
    local name=$1
    shift
    "$@" &
    local client=${CLIENT_PID:-$!}
    sleep 3 # connected and steady
    declare -A seen
    local h p t0 t1 total
    for h in $SBX_HOSTS; do for p in $(host_pids "$h"); do seen[$h:$p]=$(ticks "$p"); done; done
    local c0
    c0=$(ticks $(tree $client))
    local end=$((SECONDS + SECS))
    declare -A last
    while [ $SECONDS -lt $end ]; do
        for h in $SBX_HOSTS; do
            for p in $(host_pids "$h"); do
                [ -n "${seen[$h:$p]:-}" ] || seen[$h:$p]=0
                last[$h:$p]=$(ticks "$p")
            done
        done
        sleep 0.2
    done
    local c1
    c1=$(ticks $(tree $client))
    local rss
    rss=$(awk '/RssAnon/ { print $2 }' /proc/$client/status 2>/dev/null)
    kill $! 2>/dev/null
    wait $! 2>/dev/null
    for h in $SBX_HOSTS; do
        total=0
        for k in "${!last[@]}"; do
            [ "${k%%:*}" = "$h" ] || continue
            total=$((total + ${last[$k]:-0} - ${seen[$k]:-0}))
        done
        printf '%-28s %-12s host CPU %6s %% of one core\n' "$name" "$h" "$(pct $total)"
    done
    printf '%-28s client CPU %6s %%  anon RSS %s KiB\n' "$name" "$(pct $((c1 - c0)))" "${rss:-?}"
}

console_pid() { tmux new-session -d -s "$2" -x 160 -y 50 "exec $1 -i 2 -c $SBX_CONF"; tmux list-panes -t "$2" -F '#{pane_pid}'; }

run_console() { # NAME BIN
    local s=fp-$$-$RANDOM pid
    pid=$(console_pid "$2" $s)
    measure_pid "$1" "$pid"
    tmux kill-session -t $s 2>/dev/null
}
measure_pid() { # like measure, for a process already running
    local name=$1 pid=$2
    CLIENT_PID=$pid measure "$name" tail --pid="$pid" -f /dev/null
}

ssh_opts() {
    echo "-q -i $SBX_KEY -o UserKnownHostsFile=$SBX_KNOWN_HOSTS -o BatchMode=yes $*"
}
runbook() { # the seed runbook's way: one ssh per source per refresh, every 2 s
    local extra=$1 h u=${SBX_USER}
    while :; do
        for h in $SBX_HOSTS; do
            H=${h^^}
            local a="$(eval echo \$SBX_${H}_ADDR)" port="$(eval echo \$SBX_${H}_SSH_PORT)"
            local o
            o=$(ssh_opts "$extra -p $port")
            ssh $o "$u@$a" 'docker ps -a; docker stats --no-stream' >/dev/null &
            ssh $o "$u@$a" "psql -h $a -p $(eval echo \$SBX_${H}_PG_PORT) -U grupogad_user grupogad -Atc 'select count(*) from pg_stat_activity'" >/dev/null &
            ssh $o "$u@$a" "redis-cli -h $a -p $(eval echo \$SBX_${H}_REDIS_PORT) info" >/dev/null &
            ssh $o "$u@$a" "curl -s http://$a:$(eval echo \$SBX_${H}_API_PORT)/metrics" >/dev/null &
        done
        wait
        sleep 2
    done
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(awk '/MemTotal/ {print $2}' /proc/meminfo) KiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# host cost, ${SECS} s each, console at -i 2 on both hosts"
run_console "opsdeck (streams)" "$NEW"
[ -x "$OLD" ] && run_console "opsdeck (polling, before)" "$OLD"
measure "runbook: ssh per source" runbook ""
cm=$(mktemp -d)
measure "runbook: ssh ControlMaster" runbook "-o ControlMaster=auto -o ControlPath=$cm/%C -o ControlPersist=60"
rm -rf "$cm"

echo "# freshness: opsdeck --once --json -i 1, 5 runs"
for b in "$NEW" "$OLD"; do
    [ -x "$b" ] || continue
    for _ in 1 2 3 4 5; do
        s=$(date +%s.%N)
        "$b" --once --json -i 1 -c "$SBX_CONF" >/tmp/fp-once.$$ 2>/dev/null
        e=$(date +%s.%N)
        printf '%s wall %.2f s containers age %s\n' "$b" "$(echo "$e - $s" | bc)" \
            "$(jq -c '[.hosts[].containers.age_s]' /tmp/fp-once.$$)"
    done
done
rm -f /tmp/fp-once.$$

echo "# client cost beside pg_activity (one database) and htop"
if command -v pg_activity >/dev/null; then
    s=fp-pga-$$
    tmux new-session -d -s $s -x 160 -y 50 "exec pg_activity -h $SBX_STAGING_ADDR -p $SBX_STAGING_PG_PORT -U grupogad_user -d grupogad --refresh 2"
    measure_pid "pg_activity" "$(tmux list-panes -t $s -F '#{pane_pid}')"
    tmux kill-session -t $s
fi
if command -v htop >/dev/null; then
    s=fp-htop-$$
    tmux new-session -d -s $s -x 160 -y 50 "exec htop -d 20"
    measure_pid "htop" "$(tmux list-panes -t $s -F '#{pane_pid}')"
    tmux kill-session -t $s
fi
