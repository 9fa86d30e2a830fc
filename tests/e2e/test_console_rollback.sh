#!/bin/bash
# A deploy of the bad release and its rollback, driven through the console
# on production as a person would, with the sandbox's own runbooks
# (tests/sandbox/runbooks/deploy.yml and rollback.yml):
# - `:run deploy`: its checks run by themselves, release 1.1 is chosen, the
#   plan is confirmed with the typed environment name; the deploy takes a
#   backup and switches the API to 1.1, whose health is 503;
# - the verify fails and on_failure offers the rollback; a row is written
#   to Postgres after the backup; the rollback is accepted with the typed
#   name, and its act (confirm: true) asks again, typed;
# - afterwards the previous image (1.0) runs, health is 200, the row is gone
#   (the backup was really restored), and the audit log has every step of
#   both runbooks (intent before started before finished) and verifies.
# The fleet is left as found: 1.0 running, the data as at the start.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

AUDIT=$WORK/audit.log
export XDG_STATE_HOME=$WORK/xdg
CONF=$WORK/opsdeck.conf
sed -e "/^audit_log *=/d" -e "s|^\[opsdeck\]|[opsdeck]\naudit_log = $AUDIT|" "$SBX_CONF" >"$CONF"
chmod 600 "$CONF"
export CONF

A=$SBX_PRODUCTION_ADDR
D=$SBX_PRODUCTION_DOCKER
APP=$SBX_PRODUCTION_APP_DIR
MARK="e2e: written after the backup $$"
health_code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$A:$SBX_PRODUCTION_API_PORT/api/v1/health"; }
health_is() { [ "$(health_code)" = "$1" ]; }
image_is() { [ "$($D inspect -f '{{.Config.Image}}' grupo_gad_api 2>/dev/null)" = "grupogad/api:$1" ]; }
psql_p() {
    "$SBX_PSQL" -X -At -h "$A" -p "$SBX_PRODUCTION_PG_PORT" -U "$SBX_PG_USER" -d "$SBX_PG_DB" -c "$1" 2>&1
}
audit_has() { jq -e -s "$1" "$AUDIT" >/dev/null 2>&1; }
typed_prompt_up() { shows "type its name"; }
answer_typed() { # the environment's name, once the prompt is drawn
    wait_for 60 typed_prompt_up || return 1
    keys -l "production"
    keys Enter
}

# Whatever happens, production runs the good release again at the end.
restore() {
    if ! image_is "$SBX_RELEASE_GOOD"; then
        $D rm -f grupo_gad_api >/dev/null 2>&1
        runuser -u "$SBX_USER" -- "$APP/scripts/run_api.sh" "grupogad/api:$SBX_RELEASE_GOOD" >/dev/null 2>&1
        $D start grupo_gad_bot grupo_gad_caddy >/dev/null 2>&1
    fi
    psql_p "DELETE FROM tasks WHERE title = '$MARK'" >/dev/null
    cleanup
}
trap restore EXIT

if image_is "$SBX_RELEASE_GOOD" && health_is 200; then pass "good_release_at_start"; else
    fail "good_release_at_start" "image $($D inspect -f '{{.Config.Image}}' grupo_gad_api), health $(health_code)"
fi

# --- the deploy of the bad release ------------------------------------------
start "LANG=C.UTF-8" "-e production"
expect "rollback_console_starts" 20 eval "header_has '[production]' && hostline_has ' up '"
cmd "run deploy"
expect "deploy_checks_run" 60 eval "shows 'Choose (press its number)' && shows 'health 200 as expected 200'"
keys 1
expect "deploy_plan_typed" 20 eval "shows 'run the plan of deploy?' && typed_prompt_up"
answer_typed
expect "deploy_verify_fails" 90 eval "shows 'verify failed: run on_failure?' && typed_prompt_up"
if image_is "$SBX_RELEASE_BAD" && health_is 503; then pass "bad_release_runs"; else
    fail "bad_release_runs" "image $($D inspect -f '{{.Config.Image}}' grupo_gad_api), health $(health_code)"
fi
backup=$(find "$APP/backups" -name 'pre_deploy_*.sql.gz' -newer "$CONF" | sort | tail -n 1)
if [ -n "$backup" ]; then pass "deploy_took_a_backup"; else fail "deploy_took_a_backup" "no new backup in $APP/backups"; fi
psql_p "INSERT INTO tasks (title) VALUES ('$MARK')" >/dev/null
if [ "$(psql_p "SELECT count(*) FROM tasks WHERE title = '$MARK'")" = 1 ]; then
    pass "row_after_backup_written"
else
    fail "row_after_backup_written" "$(psql_p "SELECT count(*) FROM tasks WHERE title = '$MARK'")"
fi

# --- the rollback, offered by on_failure, every confirmation typed ---------
answer_typed
# the rollback's own plan, then its act's second confirmation (confirm: true)
for _ in 1 2; do
    wait_for 60 eval "typed_prompt_up || shows 'on_failure rollback passed'" || break
    typed_prompt_up && answer_typed
done
expect "rollback_passes" 120 eval "shows 'on_failure rollback passed every step, after verify 4' && screen | grep -E '^ *passed +F\.[0-9]+ +verify +Health is back' >/dev/null"
if image_is "$SBX_RELEASE_GOOD" && health_is 200; then pass "previous_release_healthy"; else
    fail "previous_release_healthy" "image $($D inspect -f '{{.Config.Image}}' grupo_gad_api), health $(health_code)"
fi
if [ "$(psql_p "SELECT count(*) FROM tasks WHERE title = '$MARK'")" = 0 ]; then
    pass "backup_really_restored"
else
    fail "backup_really_restored" "the row written after the backup is still there"
fi
steps_in_order() { # RUNBOOK STEP_TITLE: intent < started < finished
    audit_has "[.[] | select(.runbook == \"$1\" and .step.title == \"$2\") | .phase] |
        (index(\"intent\") < index(\"started\")) and (index(\"started\") < index(\"finished\"))"
}
if steps_in_order deploy "Back up Postgres, then switch grupo_gad_api to grupogad/api:1.1" &&
    steps_in_order rollback "Stop API, bot and Caddy; restore the newest pre-deploy backup; start the previous release" &&
    audit_has '[.[] | select(.runbook == "rollback" and .phase == "finished" and .step.title == "Health is back")] | length == 1' &&
    audit_has '[.[] | select(.runbook == "rollback" and .phase == "started")][0].confirm | startswith("typed")'; then
    pass "audit_has_every_step"
else
    fail "audit_has_every_step" "$(jq -c '{phase, runbook, step: .step.title, confirm}' "$AUDIT" | tail -n 20 | tr '\n' ' ')"
fi
if "$OPSDECK_BIN" --verify-audit "$AUDIT" >/dev/null; then pass "rollback_audit_verifies"; else
    fail "rollback_audit_verifies" "$("$OPSDECK_BIN" --verify-audit "$AUDIT")"
fi
keys Enter
keys q
wait_for 10 shows "opsdeck exited" || { keys y; wait_for 10 shows "opsdeck exited"; }
