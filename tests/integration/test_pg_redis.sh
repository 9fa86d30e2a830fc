#!/bin/bash
# Postgres and Redis through the SSH tunnel, against the sandbox's real
# servers on the staging host (the demo API's /control opens the sessions):
# - a pg_sleep query shows as slow, with its pid, user, application and age;
# - a session left idle in a transaction shows with its age;
# - a query waiting on an advisory lock names the pid that holds it;
# - connection counts agree with pg_stat_activity, opsdeck's own backend
#   left out; the monitoring session is read-only, named opsdeck;
# - Redis figures match what INFO says at the same moment (version,
#   maxmemory, keys), and a key written shows in the count;
# - with a password set on the server, AUTH from redis_password_file gets
#   in; a wrong one, none, or a file others can read are refused, saying so.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
C=$SBX_STAGING_CONTROL
H=$SBX_STAGING_NAME
work=$(mktemp -d)
REDIS_CLI=(redis-cli -h "$SBX_STAGING_ADDR" -p "$SBX_STAGING_REDIS_PORT")
[ -n "${SBX_REDIS_PASSWORD_FILE:-}" ] && REDIS_CLI+=(--no-auth-warning -a "$(cat "$SBX_REDIS_PASSWORD_FILE")")
PASSWORD="sbx-secret-$$"
restore() {
    "${REDIS_CLI[@]}" --no-auth-warning -a "$PASSWORD" CONFIG SET requirepass "" >/dev/null 2>&1
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$C" >/dev/null 2>&1
    "${REDIS_CLI[@]}" DEL opsdeck:test:key >/dev/null 2>&1
    rm -rf "$work"
}
trap restore EXIT

snap=$work/snap.json
snapshot() { "$OPSDECK_BIN" --once --json -c "$SBX_CONF" -H "$H" >"$snap" 2>"$work/err"; }
pg() { jq -c ".hosts[0].postgres | $1" "$snap" 2>/dev/null; }
psql_q() { PGPASSFILE=${SBX_PGPASSFILE:-} "$SBX_PSQL" -X -At -h "$SBX_STAGING_ADDR" -p "$SBX_STAGING_PG_PORT" -U "$SBX_PG_USER" -d "$SBX_PG_DB" -c "$1"; }

out=$(curl -s -m 60 -XPOST -d '{"idle_in_transaction":1,"slow_queries":1,"blocked_queries":1}' "$C")
idle_pid=$(jq -r '.pg_backend_pids["sbx-idle"][0] // empty' <<<"$out")
slow_pid=$(jq -r '.pg_backend_pids["sbx-slow"][0] // empty' <<<"$out")
blocker_pid=$(jq -r '.pg_backend_pids["sbx-blocker"][0] // empty' <<<"$out")
blocked_pid=$(jq -r '.pg_backend_pids["sbx-blocked"][0] // empty' <<<"$out")
if [ -z "$idle_pid" ] || [ -z "$slow_pid" ] || [ -z "$blocker_pid" ] || [ -z "$blocked_pid" ]; then
    fail "pg_sessions_opened" "control answered: $out"
    exit 0
fi
pass "pg_sessions_opened"
sleep 2 # slow_query = 1 in the sandbox's config: let them age past it

snapshot
if [ "$(pg .ok)" = true ]; then pass "pg_source_ok"; else fail "pg_source_ok" "$(pg .)"; fi

slow=$(pg ".slow_queries[] | select(.pid == $slow_pid)")
if jq -e '(.query | test("pg_sleep")) and .application == "sbx-slow" and .seconds >= 1 and .state == "active"' <<<"$slow" >/dev/null 2>&1; then
    pass "pg_sleep_shows_as_slow"
else
    fail "pg_sleep_shows_as_slow" "pid $slow_pid: ${slow:-absent}; slow: $(pg '[.slow_queries[].pid]')"
fi

idle=$(pg ".idle_in_transaction[] | select(.pid == $idle_pid)")
if jq -e '.application == "sbx-idle" and .seconds >= 1 and (.state | startswith("idle in transaction"))' <<<"$idle" >/dev/null 2>&1; then
    pass "idle_in_transaction_with_age"
else
    fail "idle_in_transaction_with_age" "pid $idle_pid: ${idle:-absent}"
fi

blocked=$(pg ".slow_queries[] | select(.pid == $blocked_pid)")
if jq -e --argjson b "$blocker_pid" '.blocked_by == [$b] and (.wait_event | startswith("Lock"))' <<<"$blocked" >/dev/null 2>&1; then
    pass "blocked_query_names_its_blocker"
else
    fail "blocked_query_names_its_blocker" "pid $blocked_pid (blocker $blocker_pid): ${blocked:-absent}"
fi

# the counts against pg_stat_activity, read by psql (its own backend and
# opsdeck's, gone by now, are not in either count)
want_total=$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
want_idle_txn=$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")
got_total=$(pg .connections.total)
got_idle_txn=$(pg .connections.idle_in_transaction)
# the demo API's control connection may come and go between the two reads
if [ -n "$want_total" ] && [ "$got_idle_txn" = "$want_idle_txn" ] &&
    [ "$((got_total - want_total))" -le 1 ] && [ "$((want_total - got_total))" -le 1 ] && [ "$got_total" -ge 4 ]; then
    pass "pg_connection_counts"
else
    fail "pg_connection_counts" "opsdeck total $got_total idle_txn $got_idle_txn; psql total $want_total idle_txn $want_idle_txn"
fi
if [ "$(pg .connections.max)" = "$(psql_q 'SHOW max_connections')" ]; then
    pass "pg_max_connections"
else
    fail "pg_max_connections" "$(pg .connections.max)"
fi

# opsdeck's own session, seen while the console polls: named, read-only
"$OPSDECK_BIN" -c "$SBX_CONF" -H "$H" --once --json >/dev/null 2>&1 &
seen=""
for _ in $(seq 1 50); do
    seen=$(psql_q "SELECT application_name || ' ' || coalesce(query, '') FROM pg_stat_activity WHERE application_name = 'opsdeck'" | head -n 1)
    [ -n "$seen" ] && break
    sleep 0.1
done
wait
if [ "${seen%% *}" = opsdeck ]; then pass "pg_session_named_opsdeck"; else fail "pg_session_named_opsdeck" "never seen in pg_stat_activity"; fi

# Redis: figures as INFO says them
"${REDIS_CLI[@]}" SET opsdeck:test:key 1 >/dev/null
snapshot
r() { jq -r ".hosts[0].redis | $1" "$snap"; }
info=$("${REDIS_CLI[@]}" INFO | tr -d '\r')
field() { sed -n "s/^$1:\\(.*\\)/\\1/p" <<<"$info"; }
keys_want=$(sed -n 's/^db0:keys=\([0-9]*\).*/\1/p' <<<"$info")
if [ "$(r .ok)" = true ] && [ "$(r .version)" = "$(field redis_version)" ] &&
    [ "$(r .maxmemory_bytes)" = "$(field maxmemory)" ]; then
    pass "redis_version_and_maxmemory_match_info"
else
    fail "redis_version_and_maxmemory_match_info" "$(jq -c '.hosts[0].redis' "$snap")"
fi
if [ "$(r .keys)" = "$keys_want" ]; then
    pass "redis_keys_match_info"
else
    fail "redis_keys_match_info" "opsdeck $(r .keys), INFO $keys_want"
fi
used=$(r .used_memory_bytes)
want_used=$(field used_memory)
# memory moves a little between the two reads: within 10 %
if awk -v a="$used" -v b="$want_used" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= b * 0.1) }'; then
    pass "redis_memory_matches_info"
else
    fail "redis_memory_matches_info" "opsdeck $used, INFO $want_used"
fi
if jq -e '.hosts[0].redis | (.connected_clients >= 1) and (.evicted_keys >= 0) and (.ops_per_sec >= 0)' "$snap" >/dev/null; then
    pass "redis_counters_present"
else
    fail "redis_counters_present" "$(jq -c '.hosts[0].redis' "$snap")"
fi

# AUTH: the server asks for a password; opsdeck reads it from its file
pw=$work/redis.pass
printf '%s\n' "$PASSWORD" >"$pw"
chmod 600 "$pw"
auth_conf=$work/auth.conf
sed "/^redis = $SBX_STAGING_ADDR:$SBX_STAGING_REDIS_PORT\$/a redis_password_file = $pw" "$SBX_CONF" >"$auth_conf"
chmod 600 "$auth_conf"
"${REDIS_CLI[@]}" CONFIG SET requirepass "$PASSWORD" >/dev/null
auth_snapshot() { "$OPSDECK_BIN" --once --json -c "$1" -H "$H" >"$snap" 2>"$work/err"; }
auth_snapshot "$auth_conf"
if [ "$(r .ok)" = true ] && [ "$(r .keys)" -ge 1 ]; then pass "redis_auth_with_password_file"; else
    fail "redis_auth_with_password_file" "$(jq -c '.hosts[0].redis' "$snap")"
fi
auth_snapshot "$SBX_CONF"
if [ "$(r .ok)" = false ] && r .error | grep -qi 'NOAUTH\|auth'; then pass "redis_without_password_refused"; else
    fail "redis_without_password_refused" "$(jq -c '.hosts[0].redis' "$snap")"
fi
printf 'wrong\n' >"$pw"
auth_snapshot "$auth_conf"
if [ "$(r .ok)" = false ] && r .error | grep -q 'AUTH'; then pass "redis_wrong_password_refused"; else
    fail "redis_wrong_password_refused" "$(jq -c '.hosts[0].redis' "$snap")"
fi
printf '%s\n' "$PASSWORD" >"$pw"
chmod 644 "$pw"
auth_snapshot "$auth_conf"
rc=$?
if [ "$rc" = 78 ] && grep -q "redis_password_file $pw can be read by group or others" "$work/err"; then
    pass "redis_password_file_readable_by_others_refused"
else
    fail "redis_password_file_readable_by_others_refused" "exit $rc: $(head -c 300 "$work/err")"
fi
"${REDIS_CLI[@]}" --no-auth-warning -a "$PASSWORD" CONFIG SET requirepass "" >/dev/null
