#!/bin/bash
# Reaching hosts the way ssh does, with opsdeck itself (--once --json):
# ad hoc hosts with no config file (user@addr:port, an ~/.ssh/config alias,
# an alias behind a jump host, a chain), a config host behind `jump =`, and
# the hidden host refused when reached directly. The jump hosts are the
# sandbox's tests/sandbox/bastion.sh, started here and always stopped.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
work=$(mktemp -d)
trap 'tests/sandbox/bastion.sh down "$SANDBOX_DIR" >/dev/null 2>&1; rm -rf "$work"' EXIT
if ! tests/sandbox/bastion.sh up "$SANDBOX_DIR" >"$work/bastion.log" 2>&1; then
    fail reach_bastion_up "$(tail -5 "$work/bastion.log")"
    exit 0
fi
. "$SANDBOX_DIR/bastion/bastion.env"
# a home of its own: its ssh config holds the aliases, its known_hosts every key
mkdir -p "$work/home/.ssh"
cp "$SBX_JUMP_SSH_CONFIG" "$work/home/.ssh/config"
cp "$SBX_JUMP_KNOWN_HOSTS" "$work/home/.ssh/known_hosts"
# the identity ssh would find by itself (an ad hoc host has no identity =)
cp "$SBX_KEY" "$work/home/.ssh/id_ed25519"
[ -f "$SBX_KEY.pub" ] && cp "$SBX_KEY.pub" "$work/home/.ssh/id_ed25519.pub"
chmod 600 "$work/home/.ssh/id_ed25519"
od() { env -u OPSDECK_CONFIG -u OPSDECK_SSH_CONFIG -u XDG_CONFIG_HOME HOME="$work/home" "$OPSDECK_BIN" "$@"; }

# host_is NAME STATE: the snapshot's only host is NAME, in STATE, env adhoc
snap_ok() {
    jq -e --arg n "$1" --arg s "$2" --arg e "$3" \
        '.hosts | length == 1 and .[0].name == $n and .[0].state == $s and .[0].env == $e' \
        "$work/snap.json" >/dev/null
}

# --- an ad hoc host by user@addr:port: containers through docker, nothing guessed ---
od --once --json -i 1 "$SBX_USER@$SBX_PRODUCTION_ADDR:$SBX_PRODUCTION_SSH_PORT" >"$work/snap.json" 2>"$work/err"
rc=$?
if snap_ok "$SBX_PRODUCTION_ADDR" up adhoc && [ "$rc" = 0 ]; then pass adhoc_by_address; else
    fail adhoc_by_address "exit $rc: $(jq -c '.hosts' "$work/snap.json" 2>/dev/null | head -c 500) $(head -c 300 "$work/err")"
fi
if jq -e '.hosts[0].containers.ok and ([.hosts[0].containers.items[].name] | index("grupo_gad_api") != null)' "$work/snap.json" >/dev/null; then
    pass adhoc_containers_through_docker
else
    fail adhoc_containers_through_docker "$(jq -c '.hosts[0].containers' "$work/snap.json" 2>/dev/null | head -c 400)"
fi
# the sandbox's API and node_exporter listen on the host's own address, not
# on 127.0.0.1:8000/9100: not found, so not shown (and not shown as failing)
shown=$(jq -r '.hosts[0] | [keys[] | select(. == "golden" or . == "health" or . == "ws")] | join(",")' "$work/snap.json")
if [ -z "$shown" ] && grep -q "^$SBX_PRODUCTION_ADDR: containers$" "$work/err"; then pass adhoc_not_found_not_shown; else
    fail adhoc_not_found_not_shown "shown: '$shown'; stderr: $(head -c 300 "$work/err")"
fi

# --- an alias behind a jump host, and behind a chain ---
for alias in sbx-hidden sbx-hidden-chain; do
    od --once --json -i 1 "$alias" >"$work/snap.json" 2>"$work/err"
    rc=$?
    if snap_ok "$alias" up adhoc && jq -e '.hosts[0].containers.ok' "$work/snap.json" >/dev/null; then
        pass "adhoc_alias_$alias"
    else
        fail "adhoc_alias_$alias" "exit $rc: $(jq -c '.hosts' "$work/snap.json" 2>/dev/null | head -c 500) $(head -c 300 "$work/err")"
    fi
done

# --- the hidden host directly: refused (the jump host is needed) ---
od --once --json -i 1 "$SBX_USER@$SBX_HIDDEN_ADDR:$SBX_HIDDEN_PORT" >"$work/snap.json" 2>"$work/err"
rc=$?
if [ "$rc" = 2 ] && snap_ok "$SBX_HIDDEN_ADDR" down adhoc &&
    jq -e '.hosts[0].error | test("Connection refused")' "$work/snap.json" >/dev/null; then
    pass hidden_refused_directly
else
    fail hidden_refused_directly "exit $rc: $(jq -c '.hosts' "$work/snap.json" 2>/dev/null | head -c 400)"
fi

# --- a config host with jump = ---
cat >"$work/jump.conf" <<CONF
[env production]
[host hidden]
env = production
ssh = $SBX_USER@$SBX_HIDDEN_ADDR:$SBX_HIDDEN_PORT
jump = $SBX_USER@$SBX_JUMP_A_ADDR:$SBX_JUMP_A_PORT
identity = $SBX_KEY
known_hosts = $SBX_JUMP_KNOWN_HOSTS
CONF
if od --check -c "$work/jump.conf" >"$work/err" 2>&1; then pass jump_config_checks; else
    fail jump_config_checks "$(head -c 300 "$work/err")"
fi
od --once --json -i 1 -c "$work/jump.conf" >"$work/snap.json" 2>"$work/err"
rc=$?
if [ "$rc" = 0 ] && snap_ok hidden up production; then pass jump_config_host_up; else
    fail jump_config_host_up "exit $rc: $(jq -c '.hosts' "$work/snap.json" 2>/dev/null | head -c 500)"
fi
# a malformed jump = is a config error with its line
printf '[host x]\nssh = a@b\njump = user@\n' >"$work/bad.conf"
od --check -c "$work/bad.conf" >"$work/err" 2>&1
rc=$?
if [ "$rc" = 78 ] && grep -q "bad.conf:3: jump = user@" "$work/err"; then pass jump_malformed_78; else
    fail jump_malformed_78 "exit $rc: $(head -c 300 "$work/err")"
fi
