#!/bin/bash
# The action path as a person drives it, in tmux on the sandbox, with the
# servers' state checked afterwards, not only the screen:
# - kill idle transactions on production: refused with a wrong typed name
#   (the sessions stay), done with the right one (they are gone);
# - flush on staging with y: DBSIZE is 0 on the real Redis;
# - restart the API container on staging: it was restarted (StartedAt moved)
#   and its health check came back healthy;
# - cancel a slow query from the postgres panel: the backend no longer runs it;
# - with --read-only every action key and command is refused, a denied line
#   is written for each, and nothing changes on the servers;
# - a query whose text holds escape sequences (ESC[31m, an OSC title) is
#   shown without any of them reaching the terminal;
# - the audit log of the run verifies, and holds intent, started, finished.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

AUDIT=$SBX_AUDIT_LOG
REDIS_S=(redis-cli -h "$SBX_STAGING_ADDR" -p "$SBX_STAGING_REDIS_PORT")
ESC_PSQL_PID=""
restore() {
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$SBX_STAGING_CONTROL" >/dev/null 2>&1
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$SBX_PRODUCTION_CONTROL" >/dev/null 2>&1
    [ -n "$ESC_PSQL_PID" ] && kill "$ESC_PSQL_PID" 2>/dev/null
    cleanup
}
trap restore EXIT

psql_on() { # STAGING|PRODUCTION SQL
    local a p
    a=$(eval echo "\$SBX_${1}_ADDR")
    p=$(eval echo "\$SBX_${1}_PG_PORT")
    "$SBX_PSQL" -X -At -h "$a" -p "$p" -U "$SBX_PG_USER" -d "$SBX_PG_DB" -c "$2"
}
alive() { [ "$(psql_on "$1" "SELECT count(*) FROM pg_stat_activity WHERE pid = $2")" = 1 ]; }
audit_lines() { wc -l <"$AUDIT" 2>/dev/null || echo 0; }
last_audit() { tail -n 1 "$AUDIT"; }
action_done() { shows "Enter, Esc or q closes"; }

# --- kill idle transactions on production, typed confirmation -------------
out=$(curl -s -m 60 -XPOST -d '{"idle_in_transaction":2}' "$SBX_PRODUCTION_CONTROL")
idle1=$(jq -r '.pg_backend_pids["sbx-idle"][0] // empty' <<<"$out")
idle2=$(jq -r '.pg_backend_pids["sbx-idle"][1] // empty' <<<"$out")
[ -n "$idle1" ] && [ -n "$idle2" ] || fail "idle_sessions_opened" "$out"
# (the demo API opens sessions only when its target changes: killed ones stay gone)
start "LANG=C.UTF-8" "-e production"
expect "actions_console_starts" 15 header_has "[production]"
cmd "panel postgres"
# idle_txn = 5 in the sandbox: wait until both are past it
expect "idle_sessions_listed" 30 eval "screen | grep -E '^ +$idle1 +idle in txn +([6-9]|[1-9][0-9]+)s' >/dev/null && shows ' $idle2 '"
keys K
expect "kill_idle_dialog_lists_them" 10 eval "shows 'kill-idle?' && shows 'pid $idle1 ' && shows 'pid $idle2 ' && shows 'type its name'"
keys -l "prod"
keys Enter
expect "kill_idle_wrong_name_refused" 10 status_has "kill-idle cancelled: nothing was changed"
if alive PRODUCTION "$idle1" && alive PRODUCTION "$idle2"; then pass "kill_idle_wrong_name_left_them"; else
    fail "kill_idle_wrong_name_left_them" "a session is gone after a refused confirmation"
fi
if last_audit | jq -e '.phase == "cancelled" and .action == "kill-idle" and .env == "production"' >/dev/null; then
    pass "kill_idle_refusal_audited"
else
    fail "kill_idle_refusal_audited" "$(last_audit | head -c 300)"
fi
keys K
expect "kill_idle_dialog_again" 10 eval 'shows "kill-idle?" && shows "type its name"'
keys -l "production"
keys Enter
expect "kill_idle_done" 30 eval 'action_done && shows "kill-idle done and verified"'
if ! alive PRODUCTION "$idle1" && ! alive PRODUCTION "$idle2"; then pass "kill_idle_sessions_gone"; else
    fail "kill_idle_sessions_gone" "pid $idle1 or $idle2 still in pg_stat_activity"
fi
if tail -n 3 "$AUDIT" | jq -se '.[0].phase == "intent" and .[1].phase == "started" and .[2].phase == "finished" and .[2].confirm == "typed:production" and .[2].exit_status == 0' >/dev/null; then
    pass "kill_idle_intent_started_finished"
else
    fail "kill_idle_intent_started_finished" "$(tail -n 3 "$AUDIT" | head -c 900)"
fi
keys Enter
expect "result_box_closes" 10 eval '! action_done'
keys q
expect "actions_console_quits" 10 shows "opsdeck exited 0"

# --- flush, restart and cancel on staging, confirm = yes -------------------
"${REDIS_S[@]}" SET opsdeck:e2e:key 1 >/dev/null
started0=$($SBX_STAGING_DOCKER inspect -f '{{.State.StartedAt}}' grupo_gad_api)
start "LANG=C.UTF-8" "-e staging"
expect "staging_console_starts" 15 header_has "[staging]"
keys 5
expect "redis_panel_keys" 20 eval 'screen | grep -qE "^ keys +[1-9]"'
keys F
expect "flush_dialog" 10 eval 'shows "flush?" && shows "SELECT 0; FLUSHDB" && shows "y to go ahead"'
keys y
expect "flush_done" 20 eval 'action_done && shows "flush done and verified: DBSIZE of database 0 is 0"'
if [ "$("${REDIS_S[@]}" DBSIZE)" = 0 ]; then pass "flush_emptied_redis"; else
    fail "flush_emptied_redis" "DBSIZE $("${REDIS_S[@]}" DBSIZE)"
fi
keys Escape

cmd "panel containers"
expect "containers_listed" 20 shows grupo_gad_api
keys /
keys -l "grupo_gad_api"
keys Enter
keys r
expect "restart_dialog" 10 eval "shows 'restart?' && shows \"restart 'grupo_gad_api'\" && shows 'y to go ahead'"
keys y
expect "restart_verified_healthy" 120 eval 'action_done && shows "restart done and verified: running, healthy"'
started1=$($SBX_STAGING_DOCKER inspect -f '{{.State.StartedAt}} {{.State.Health.Status}}' grupo_gad_api)
if [ "${started1%% *}" != "$started0" ] && [ "${started1##* }" = healthy ]; then
    pass "restart_restarted_and_healthy"
else
    fail "restart_restarted_and_healthy" "StartedAt $started0 -> $started1"
fi
keys Enter
keys Escape

out=$(curl -s -m 60 -XPOST -d '{"slow_queries":1}' "$SBX_STAGING_CONTROL")
slow=$(jq -r '.pg_backend_pids["sbx-slow"][0] // empty' <<<"$out")
keys 4
expect "slow_query_listed" 30 eval "screen | grep -qE '^ +$slow +slow '"
keys /
keys -l "sbx-slow"
keys Enter
keys c
expect "cancel_dialog" 10 eval "shows 'SELECT pg_cancel_backend($slow)' && shows 'y to go ahead'"
keys y
expect "cancel_verified" 30 eval "action_done && shows 'cancel done and verified: pid $slow'"
if [ "$(psql_on STAGING "SELECT count(*) FROM pg_stat_activity WHERE pid = $slow AND state = 'active'")" = 0 ]; then
    pass "cancel_stopped_the_query"
else
    fail "cancel_stopped_the_query" "pid $slow still active"
fi
keys Enter
curl -s -m 60 -XPOST -d '{"slow_queries":0}' "$SBX_STAGING_CONTROL" >/dev/null

# --- a query whose text carries escape sequences ---------------------------
sql=$(printf 'SELECT pg_sleep(120) -- e2e-escape \033[31mRED\033]0;pwned\007 tail')
PGAPPNAME=e2e-escape "$SBX_PSQL" -X -At -h "$SBX_STAGING_ADDR" -p "$SBX_STAGING_PG_PORT" \
    -U "$SBX_PG_USER" -d "$SBX_PG_DB" -c "$sql" >/dev/null 2>&1 &
ESC_PSQL_PID=$!
keys Escape
keys /
keys -l "e2e-escape"
keys Enter
expect "escape_query_listed" 30 eval "screen | grep -qE '^ +[0-9]+ +slow .*e2e-escape'"
keys Enter
expect "escape_query_shown_whole" 10 eval 'shows "backend " && shows "RED" && shows "tail"'
escapes_kept_out "escape_sequences_never_reach_the_terminal" "escape_title_unchanged"
psql_on STAGING "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'e2e-escape'" >/dev/null
keys q
keys Escape
keys q
expect "staging_console_quits" 10 shows "opsdeck exited 0"

# --- read-only: everything refused, nothing changed ------------------------
"${REDIS_S[@]}" SET opsdeck:e2e:key 1 >/dev/null
out=$(curl -s -m 60 -XPOST -d '{"idle_in_transaction":1,"slow_queries":1}' "$SBX_STAGING_CONTROL")
ro_idle=$(jq -r '.pg_backend_pids["sbx-idle"][0] // empty' <<<"$out")
ro_slow=$(jq -r '.pg_backend_pids["sbx-slow"][0] // empty' <<<"$out")
started_ro=$($SBX_STAGING_DOCKER inspect -f '{{.State.StartedAt}}' grupo_gad_api)
before=$(audit_lines)
start "LANG=C.UTF-8" "--read-only -e staging"
expect "readonly_mark_shown" 15 header_has "READ-ONLY"
keys 2
expect "readonly_containers" 20 shows grupo_gad_api
keys r
expect "readonly_r_refused" 5 status_has "read-only: restart refused"
keys 4
expect "readonly_backends_listed" 30 eval "shows ' $ro_slow '"
keys c
expect "readonly_c_refused" 5 status_has "read-only: cancel refused"
keys t
expect "readonly_t_refused" 5 status_has "read-only: terminate refused"
keys K
expect "readonly_K_refused" 5 status_has "read-only: kill-idle refused"
keys F
expect "readonly_F_refused" 5 status_has "read-only: flush refused"
for c in "restart grupo_gad_api" "cancel $ro_slow" "terminate $ro_slow" "kill-idle" "flush"; do
    cmd "$c"
    expect "readonly_cmd_${c%% *}_refused" 5 status_has "read-only: ${c%% *} refused"
done
expect "readonly_mark_still_shown" 5 header_has "READ-ONLY"
keys q
expect "readonly_console_quits" 10 shows "opsdeck exited 0"
denied=$(tail -n +"$((before + 1))" "$AUDIT" | jq -s '[.[] | select(.phase == "denied")] | length')
others=$(tail -n +"$((before + 1))" "$AUDIT" | jq -s '[.[] | select(.phase != "denied")] | length')
if [ "$denied" = 10 ] && [ "$others" = 0 ]; then pass "readonly_denied_lines"; else
    fail "readonly_denied_lines" "$denied denied, $others other lines"
fi
if [ "$("${REDIS_S[@]}" EXISTS opsdeck:e2e:key)" = 1 ] && alive STAGING "$ro_idle" && alive STAGING "$ro_slow" &&
    [ "$($SBX_STAGING_DOCKER inspect -f '{{.State.StartedAt}}' grupo_gad_api)" = "$started_ro" ]; then
    pass "readonly_nothing_changed"
else
    fail "readonly_nothing_changed" "a key, a session or the container changed"
fi

if "$OPSDECK_BIN" --verify-audit "$AUDIT" >/dev/null; then pass "audit_log_verifies"; else
    fail "audit_log_verifies" "$("$OPSDECK_BIN" --verify-audit "$AUDIT")"
fi
