#!/bin/bash
# One connection per source, kept (issue 10): the console at -i 1 on both
# sandbox hosts makes no new connection to Postgres, Redis, the API
# (metrics, health, ws stats), Prometheus, Alertmanager or node_exporter
# from one refresh to the next. Counted where it cannot be missed: an
# iptables rule per server counts every TCP SYN the hosts' sshd (the
# tunnels' far end, running as the sandbox's login) sends to it.
# - every server was connected to while the console started (the rules
#   count what opsdeck does, so the next check can fail);
# - none is connected to again over the following REFRESHES refreshes.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
REFRESHES=6
TAG=opsdeck-reuse-$$
SOCK=opsdeck-reuse-$$
export HOME=$SANDBOX_DIR # the sandbox's keys and known_hosts only
rules=()
cleanup() {
    tmux -L "$SOCK" kill-server >/dev/null 2>&1
    local r
    for r in "${rules[@]}"; do iptables -w 5 -D OUTPUT $r 2>/dev/null; done
}
trap cleanup EXIT

# the servers: NAME ADDR PORT
servers=()
for h in $SBX_HOSTS; do
    H=${h^^}
    addr=$(eval echo "\$SBX_${H}_ADDR")
    for s in PG REDIS API PROM AM NODE; do
        port=$(eval echo "\${SBX_${H}_${s}_PORT:-}")
        [ -n "$port" ] && servers+=("$h-${s,,} $addr $port")
    done
done
for s in "${servers[@]}"; do
    read -r name addr port <<<"$s"
    r="-p tcp --syn -d $addr --dport $port -m owner --uid-owner $SBX_USER -m comment --comment $TAG-$name -j RETURN"
    iptables -w 5 -I OUTPUT $r || {
        fail "count_rules" "iptables: cannot add $r"
        exit 0
    }
    rules+=("$r")
done
# counts NAME...: the SYNs counted so far for each server, "name=n" a line
counts() { iptables -w 5 -L OUTPUT -n -v -x | awk -v t="$TAG-" '{ for (i = 1; i <= NF; i++) if (index($i, t) == 1) print substr($i, length(t) + 1) "=" $1 }' | sort; }

tmux -L "$SOCK" new-session -d -x 160 -y 50 "exec $OPSDECK_BIN -i 1 -c $SBX_CONF"
# started: every server connected to at least once (bounded)
all_connected() { ! counts | grep -q '=0$'; }
if wait_for 30 all_connected; then pass "every_server_connected_at_start"; else
    fail "every_server_connected_at_start" "not connected to: $(counts | grep '=0$' | tr '\n' ' ')"
fi
sleep 3 # the first refreshes done: every source answered once
before=$(counts)
sleep "$REFRESHES"
after=$(counts)
if [ "$before" = "$after" ]; then
    pass "no_reconnect_in_${REFRESHES}_refreshes"
else
    fail "no_reconnect_in_${REFRESHES}_refreshes" "before: $(echo $before) after: $(echo $after)"
fi
echo "# connections made (SYNs) by the end: $(echo $after)"
