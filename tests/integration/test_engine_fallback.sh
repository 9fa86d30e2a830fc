#!/bin/bash
# Hosts whose sshd offers less than the sandbox's still show their containers
# with CPU and memory (docs/HACKING.md, "Containers"), with no failure shown:
# - no SFTP subsystem and no direct-streamlocal channels (AllowStreamLocalForwarding
#   no, as some hardened hosts have): the channel is refused, the engine is
#   reached over `docker system dial-stdio` on the session, and the figures
#   come from the engine's stats, not from the cgroup files;
# - no SFTP subsystem only: the engine's socket through streamlocal channels,
#   the figures from the engine's stats.
# Each a second sshd for the staging host, on its own port, with the staging
# host's key and config but those lines changed.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
. "$(dirname "$0")/../sandbox/lib.sh"
H=$SBX_STAGING_NAME
A=$SBX_STAGING_ADDR
work=$(mktemp -d)
sshd_pid=
stop_sshd() {
    [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
    sshd_pid=
}
cleanup() {
    stop_sshd
    rm -rf "$work"
}
trap cleanup EXIT

# run_case NAME STREAMLOCAL(yes|no): the staging host behind an sshd
# without SFTP and with that AllowStreamLocalForwarding
run_case() {
local name=$1 streamlocal=$2
port=$(pick_port "$A")
sed -e "s/^ListenAddress .*/ListenAddress $A:$port/" \
    -e "s/^AllowStreamLocalForwarding .*/AllowStreamLocalForwarding $streamlocal/" \
    -e "/^Subsystem/d" \
    "$SBX_DIR/staging/sshd_config" >"$work/sshd_config"
if ! grep -q "^AllowStreamLocalForwarding $streamlocal" "$work/sshd_config"; then
    fail ${name}_sshd "staging's sshd_config has no AllowStreamLocalForwarding line to change"
    return
fi
if ! grep -q "^Subsystem" "$SBX_DIR/staging/sshd_config"; then
    fail ${name}_sshd "staging's sshd_config has no Subsystem line to take out"
    return
fi
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
if ! wait_listening 20 "$A" "$port"; then
    fail ${name}_sshd "the second sshd did not listen: $(head -c 300 "$work/sshd.log")"
    return
fi

cp "$SBX_KNOWN_HOSTS" "$work/known_hosts"
echo "[$A]:$port $(cut -d' ' -f1,2 "$SBX_STAGING_HOSTKEY")" >>"$work/known_hosts"
sed -e "s|^ssh = $SBX_USER@$A:$SBX_STAGING_SSH_PORT\$|ssh = $SBX_USER@$A:$port|" \
    -e "s|^known_hosts = .*|known_hosts = $work/known_hosts|" "$SBX_CONF" >"$work/opsdeck.conf"
chmod 600 "$work/opsdeck.conf"
if ! grep -q "^ssh = $SBX_USER@$A:$port\$" "$work/opsdeck.conf"; then
    fail ${name}_config "staging's ssh line was not rewritten"
    return
fi

snap=$work/snap.json
"$OPSDECK_BIN" --once --json -c "$work/opsdeck.conf" -H "$H" >"$snap" 2>"$work/err"
running=$(jq '[.hosts[0].containers.items[]? | select(.state == "running")] | length' "$snap" 2>/dev/null)
want=$($SBX_STAGING_DOCKER ps -q | wc -l)
err=$(jq -r '.hosts[0].containers.error // empty' "$snap" 2>/dev/null)
if [ -n "$running" ] && [ "$running" -gt 0 ] && [ "$running" = "$want" ] && [ -z "$err" ]; then
    pass "${name}_lists_containers ($running running)"
else
    fail ${name}_lists_containers "running=$running (docker ps: $want) error=\"$err\": $(head -c 300 "$work/err")"
fi
cpu=$(jq '[.hosts[0].containers.items[]? | select(.state == "running" and .cpu_percent != null)] | length' "$snap" 2>/dev/null)
if [ -n "$cpu" ] && [ "$cpu" = "$running" ]; then pass ${name}_has_stats; else
    fail ${name}_has_stats "$cpu of $running running containers have a CPU figure"
fi
# what happened on the host, as sshd logged it: SFTP asked for and refused
# (so the figures are the engine's), and then either the channel to the
# socket refused and a command run on the session (dial-stdio), or neither
if grep -q "subsystem request for sftp by user .* failed, subsystem not found" "$work/sshd.log"; then
    pass ${name}_sftp_refused
else
    fail ${name}_sftp_refused "sshd log: $(grep -E 'subsystem|Starting session' "$work/sshd.log" | head -5)"
fi
if [ "$streamlocal" = no ]; then
    if grep -q "refused streamlocal port forward" "$work/sshd.log" &&
        grep -q "Starting session: command" "$work/sshd.log"; then
        pass ${name}_refused_then_dial_stdio
    else
        fail ${name}_refused_then_dial_stdio "sshd log: $(grep -E 'streamlocal|Starting session' "$work/sshd.log" | head -5)"
    fi
elif ! grep -qE "refused streamlocal port forward|Starting session: command" "$work/sshd.log"; then
    pass ${name}_socket_without_process
else
    fail ${name}_socket_without_process "sshd log: $(grep -E 'streamlocal|Starting session' "$work/sshd.log" | head -5)"
fi
stop_sshd
}

run_case engine_fallback no
run_case engine_stats_without_sftp yes
