#!/bin/bash
# A host whose sshd refuses direct-streamlocal channels (AllowStreamLocalForwarding
# no, as some hardened hosts have) still shows its containers: the containers
# source sees the channel refused and reaches the engine over `docker system
# dial-stdio` on the session instead (docs/HACKING.md, "Containers"), with no
# failure shown. A second sshd for the staging host, on its own port, with the
# staging host's key and config but that one line changed.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
. "$(dirname "$0")/../sandbox/lib.sh"
H=$SBX_STAGING_NAME
A=$SBX_STAGING_ADDR
work=$(mktemp -d)
sshd_pid=
cleanup() {
    [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

port=$(pick_port "$A")
sed -e "s/^ListenAddress .*/ListenAddress $A:$port/" \
    -e "s/^AllowStreamLocalForwarding .*/AllowStreamLocalForwarding no/" \
    "$SBX_DIR/staging/sshd_config" >"$work/sshd_config"
if ! grep -q "^AllowStreamLocalForwarding no" "$work/sshd_config"; then
    fail engine_fallback_sshd "staging's sshd_config has no AllowStreamLocalForwarding line to turn off"
    exit 0
fi
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
if ! wait_listening 20 "$A" "$port"; then
    fail engine_fallback_sshd "the second sshd did not listen: $(head -c 300 "$work/sshd.log")"
    exit 0
fi

cp "$SBX_KNOWN_HOSTS" "$work/known_hosts"
echo "[$A]:$port $(cut -d' ' -f1,2 "$SBX_STAGING_HOSTKEY")" >>"$work/known_hosts"
sed -e "s|^ssh = $SBX_USER@$A:$SBX_STAGING_SSH_PORT\$|ssh = $SBX_USER@$A:$port|" \
    -e "s|^known_hosts = .*|known_hosts = $work/known_hosts|" "$SBX_CONF" >"$work/opsdeck.conf"
chmod 600 "$work/opsdeck.conf"
if ! grep -q "^ssh = $SBX_USER@$A:$port\$" "$work/opsdeck.conf"; then
    fail engine_fallback_config "staging's ssh line was not rewritten"
    exit 0
fi

snap=$work/snap.json
"$OPSDECK_BIN" --once --json -c "$work/opsdeck.conf" -H "$H" >"$snap" 2>"$work/err"
running=$(jq '[.hosts[0].containers.items[]? | select(.state == "running")] | length' "$snap" 2>/dev/null)
want=$($SBX_STAGING_DOCKER ps -q | wc -l)
err=$(jq -r '.hosts[0].containers.error // empty' "$snap" 2>/dev/null)
if [ -n "$running" ] && [ "$running" -gt 0 ] && [ "$running" = "$want" ] && [ -z "$err" ]; then
    pass "engine_fallback_lists_containers ($running running)"
else
    fail engine_fallback_lists_containers "running=$running (docker ps: $want) error=\"$err\": $(head -c 300 "$work/err")"
fi
cpu=$(jq '[.hosts[0].containers.items[]? | select(.state == "running" and .cpu_percent != null)] | length' "$snap" 2>/dev/null)
if [ -n "$cpu" ] && [ "$cpu" = "$running" ]; then pass engine_fallback_has_stats; else
    fail engine_fallback_has_stats "$cpu of $running running containers have a CPU figure"
fi
# what happened on the host: the channel was refused, then a command ran on
# the session (dial-stdio), as sshd logged it
if grep -q "refused streamlocal port forward" "$work/sshd.log" &&
    grep -q "Starting session: command" "$work/sshd.log"; then
    pass engine_fallback_refused_then_dial_stdio
else
    fail engine_fallback_refused_then_dial_stdio "sshd log: $(grep -E 'streamlocal|Starting session' "$work/sshd.log" | head -5)"
fi
