#!/bin/bash
# `opsdeck --once` against the sandbox fleet: the snapshot's schema and exit
# codes, a dead host and a blackholed one (the snapshot still comes back in
# bounded time with the live hosts reported), and the usage/config errors.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the healthy fleet ---
# Without node_metrics: the sandbox's node_exporter reports this machine,
# whose CPU other work can hold at 100 % (critical: exit 2); whether the
# fleet is healthy must not depend on that.
grep -v '^node_metrics = ' "$SBX_CONF" >"$work/healthy.conf"
chmod 600 "$work/healthy.conf"
"$OPSDECK_BIN" --once --json -c "$work/healthy.conf" >"$work/snap.json" 2>"$work/err"
rc=$?
if [ "$rc" = 0 ]; then pass once_healthy_exit_0; else
    fail once_healthy_exit_0 "exit $rc: $(head -c 400 "$work/err") $(jq -c '.hosts[]|{name,state,error}' "$work/snap.json" 2>/dev/null)"
fi
if jq -e '.opsdeck and .taken_at and (.interval_s == 1) and (.hosts | length == 2)' "$work/snap.json" >/dev/null; then
    pass once_json_header
else
    fail once_json_header "$(head -c 300 "$work/snap.json")"
fi
names=$(jq -r '[.hosts[].name] | sort | join(",")' "$work/snap.json")
want=$(printf '%s\n' "$SBX_STAGING_NAME" "$SBX_PRODUCTION_NAME" | sort | paste -sd,)
if [ "$names" = "$want" ]; then pass once_both_hosts; else fail once_both_hosts "got $names"; fi
if jq -e --arg h "$SBX_PRODUCTION_NAME" '.hosts[] | select(.name == $h) | .env == "production" and .state == "up" and .error == null' "$work/snap.json" >/dev/null; then
    pass once_host_fields
else
    fail once_host_fields "$(jq -c '.hosts[]|{name,env,state,error}' "$work/snap.json")"
fi

# The container list is what the engine itself says.
for H in STAGING PRODUCTION; do
    name_var=SBX_${H}_NAME docker_var=SBX_${H}_DOCKER
    want=$(${!docker_var} ps -a --format '{{.Names}} {{.State}}' | sort)
    got=$(jq -r --arg h "${!name_var}" '.hosts[] | select(.name == $h) | .containers.items[] | "\(.name) \(.state)"' "$work/snap.json" | sort)
    if [ -n "$want" ] && [ "$want" = "$got" ]; then pass "once_containers_match_docker_$H"; else
        fail "once_containers_match_docker_$H" "docker: $(echo $want) opsdeck: $(echo $got)"
    fi
done
if jq -e --arg h "$SBX_STAGING_NAME" '.hosts[] | select(.name == $h) | .containers | .ok and (.age_s < 5) and (.items[] | select(.name == "grupo_gad_api") | .image != "" and .health == "healthy" and .restarts >= 0)' "$work/snap.json" >/dev/null; then
    pass once_container_fields
else
    fail once_container_fields "$(jq -c --arg h "$SBX_STAGING_NAME" '.hosts[] | select(.name == $h) | .containers' "$work/snap.json" | head -c 600)"
fi

# The second round starts one interval after the first began (the first
# takes about one engine stats tick, ~1 s): not interval + both rounds.
# Measured from the first's end, -i 4 took about 6.2 s here. Exit 2 (something
# needs attention, as a loaded machine's CPU) still printed the snapshot.
t0=$(date +%s%N)
"$OPSDECK_BIN" --once --json -i 4 -c "$SBX_CONF" >"$work/i4.json" 2>/dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if { [ "$rc" = 0 ] || [ "$rc" = 2 ]; } && [ "$ms" -ge 4000 ] && [ "$ms" -lt 5800 ] &&
    jq -e '[.hosts[].containers.items[] | select(.state == "running") | .cpu_percent != null] | length > 0 and all' "$work/i4.json" >/dev/null; then
    pass once_second_round_one_interval_after_the_first_began
else
    fail once_second_round_one_interval_after_the_first_began "exit $rc after $ms ms: $(jq -c '[.hosts[].containers.items[] | {name, state, cpu_percent}]' "$work/i4.json" 2>/dev/null | head -c 400)"
fi

# -H selects, text output names the host.
"$OPSDECK_BIN" --once -c "$SBX_CONF" -H "$SBX_STAGING_NAME" >"$work/text" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "$SBX_STAGING_NAME" "$work/text" && ! grep -q "$SBX_PRODUCTION_NAME" "$work/text"; then
    pass once_text_selected_host
else
    fail once_text_selected_host "exit $rc: $(head -c 300 "$work/text")"
fi

# --- a dead host: connection refused, reported, exit 2, quickly ---
dead_conf=$work/dead.conf
{
    cat "$SBX_CONF"
    printf '\n[host dead-api]\nenv = production\nssh = %s@%s:%s\nidentity = %s\nknown_hosts = %s\n' \
        "$SBX_USER" "$SBX_DEAD_ADDR" "$SBX_DEAD_PORT" "$SBX_KEY" "$SBX_KNOWN_HOSTS"
} >"$dead_conf"
chmod 600 "$dead_conf"
start=$SECONDS
"$OPSDECK_BIN" --once --json -c "$dead_conf" >"$work/dead.json" 2>/dev/null
rc=$?
took=$((SECONDS - start))
if [ "$rc" = 2 ] && jq -e '.hosts[] | select(.name == "dead-api") | .state == "down" and (.error | test("refused"))' "$work/dead.json" >/dev/null &&
    jq -e --arg h "$SBX_STAGING_NAME" '.hosts[] | select(.name == $h) | .containers.ok' "$work/dead.json" >/dev/null; then
    pass once_dead_host_reported
else
    fail once_dead_host_reported "exit $rc: $(jq -c '.hosts[]|{name,state,error}' "$work/dead.json" 2>/dev/null)"
fi

# --- a blackholed host (iptables DROP): bounded, the live hosts reported ---
bh_conf=$work/blackhole.conf
{
    cat "$SBX_CONF"
    printf '\n[host blackholed-api]\nenv = production\nssh = %s@%s:%s\nidentity = %s\nknown_hosts = %s\n' \
        "$SBX_USER" "$SBX_BLACKHOLE_ADDR" "$SBX_BLACKHOLE_PORT" "$SBX_KEY" "$SBX_KNOWN_HOSTS"
} >"$bh_conf"
chmod 600 "$bh_conf"
start=$SECONDS
timeout 90 "$OPSDECK_BIN" --once --json -c "$bh_conf" >"$work/bh.json" 2>/dev/null
rc=$?
took=$((SECONDS - start))
if [ "$rc" = 2 ] && [ "$took" -le 45 ] &&
    jq -e '.hosts[] | select(.name == "blackholed-api") | .state == "down" and (.error | test("timed out|no answer"))' "$work/bh.json" >/dev/null &&
    jq -e --arg h "$SBX_PRODUCTION_NAME" '.hosts[] | select(.name == $h) | .state == "up" and .containers.ok' "$work/bh.json" >/dev/null; then
    pass once_blackholed_host_bounded
else
    fail once_blackholed_host_bounded "exit $rc after ${took}s: $(jq -c '.hosts[]|{name,state,error}' "$work/bh.json" 2>/dev/null)"
fi

# --- usage and config errors ---
"$OPSDECK_BIN" --once -c "$SBX_CONF" -H no-such-host >/dev/null 2>"$work/err"
rc=$?
if [ "$rc" = 64 ] && grep -q no-such-host "$work/err"; then pass once_unknown_host_64; else fail once_unknown_host_64 "exit $rc"; fi
"$OPSDECK_BIN" --once -c "$SBX_CONF" -e no-such-env >/dev/null 2>&1
rc=$?
if [ "$rc" = 64 ]; then pass once_unknown_env_64; else fail once_unknown_env_64 "exit $rc"; fi
"$OPSDECK_BIN" --json -c "$SBX_CONF" >/dev/null 2>&1
rc=$?
if [ "$rc" = 64 ]; then pass json_without_once_64; else fail json_without_once_64 "exit $rc"; fi
printf '[opsdeck]\ninterval = 2\n\n[host x]\nenv = staging\nbogus_key = 1\n' >"$work/bad.conf"
chmod 600 "$work/bad.conf"
"$OPSDECK_BIN" --once -c "$work/bad.conf" >/dev/null 2>"$work/err"
rc=$?
if [ "$rc" = 78 ] && grep -q "bad.conf:6:" "$work/err"; then pass once_bad_config_78; else
    fail once_bad_config_78 "exit $rc: $(head -c 300 "$work/err")"
fi
"$OPSDECK_BIN" --check -c "$SBX_CONF" >"$work/out" 2>&1
rc=$?
if [ "$rc" = 0 ]; then pass check_sandbox_conf_ok; else fail check_sandbox_conf_ok "exit $rc: $(head -c 300 "$work/out")"; fi
"$OPSDECK_BIN" --check -c "$work/bad.conf" >"$work/out" 2>&1
rc=$?
if [ "$rc" = 78 ] && grep -q "bad.conf:6: .*bogus_key" "$work/out"; then pass check_bad_conf_names_line; else
    fail check_bad_conf_names_line "exit $rc: $(head -c 300 "$work/out")"
fi
