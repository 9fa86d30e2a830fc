#!/bin/bash
# Runbooks as a person drives them, in tmux on the sandbox, with the host's
# state checked afterwards (runbooks of tests/e2e/runbooks/, each host's
# state_dir private to this test):
# - staging's API made unhealthy through its control endpoint; e2e-api's
#   checks run by themselves and show their findings (health 503), the
#   restart option is chosen and the plan (a logs check's docker logs
#   command too) confirmed with y; the container
#   was restarted and the verify saw health 200; the audit log has every
#   step with its runbook, step and run id, and verifies;
# - type-ahead: the key that opens the plan and a y in the same burst do
#   not confirm it (nothing runs, no intent line);
# - detached: opsdeck SIGKILLed in the middle of a long act; the act ends
#   on the host; a second opsdeck, started meanwhile, is refused by the lock
#   and told the holder; a new opsdeck re-attaches and shows the whole
#   output and the exit status, writes the act's finished line the killed
#   one could not, gives the lock back, and the next start does not
#   re-attach it again;
# - read-only: the checks run, the act is refused with a denied line, and
#   the container was not restarted.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
runbooks_setup "$HERE"/runbooks/*.yml
restore() {
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$SBX_STAGING_CONTROL" >/dev/null 2>&1
    [ -n "${SECOND:-}" ] && tmux -L "$SECOND" kill-server >/dev/null 2>&1
    cleanup
}
trap restore EXIT

DOCKER_S=(env DOCKER_HOST="unix://$SBX_STAGING_DOCKER_SOCK" docker)
started_at() { "${DOCKER_S[@]}" inspect -f '{{.State.StartedAt}}' grupo_gad_api; }
health_is() { [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$SBX_STAGING_ADDR:$SBX_STAGING_API_PORT/api/v1/health")" = "$1" ]; }
run_view() { shows "runbook $1:"; }
prompt_up() { shows "y to go ahead"; }

# --- API down on staging, checks by themselves, restart confirmed with y ----
curl -s -m 30 -XPOST -d '{"health":503}' "$SBX_STAGING_CONTROL" >/dev/null
wait_for 20 health_is 503 || fail "api_made_unhealthy" "health is not 503"
before=$(started_at)
start "LANG=C.UTF-8" "-e staging"
expect "runbooks_console_starts" 20 header_has "[staging]"
keys 7
expect "panel_lists_runbooks" 10 eval "shows 'e2e-api' && shows 'API unhealthy (e2e)' && shows 'e2e-long'"
expect "panel_shows_locks_free" 20 eval "screen | grep 'e2e-api' | grep -q free"
cmd "run e2e-api"
expect "checks_run_by_themselves" 40 eval "shows 'Choose (press its number)' && shows 'health 503' && shows '20 lines read'"
if screen | grep -E 'passed +0 ' | grep -q "output 'running'"; then pass "check_finding_shown"; else
    fail "check_finding_shown" "$(screen | grep -E ' 0 ' | head -n 2)"
fi
keys 1
expect "plan_asked_before_the_act" 20 eval "prompt_up && shows 'run the plan of e2e-api?'"
# the whole plan fits the dialog: every step, checks too, with its command
# a logs check says what it reads: its docker logs command (cut at the
# dialog's width after the sandbox's long docker = value)
if shows "e2e-api on staging-api: every step" && shows "0 check: Is the API container running? -- " &&
    screen | grep -q "2 check: Recent API lines -- '[^ ]*docker' " &&
    shows "verify: Health is back" && screen | grep -q "act: Restart grupo_gad_api -- .*restart"; then
    pass "plan_shows_every_step"
else
    fail "plan_shows_every_step" "$(screen | grep -E 'check:|act:|verify:|every step' | tr '\n' '|')"
fi
keys y
expect "verify_sees_health_200" 90 eval "shows 'health 200 as expected 200' && shows 'passed: every step of e2e-api'"
if [ "$(started_at)" != "$before" ]; then pass "api_container_restarted"; else
    fail "api_container_restarted" "StartedAt did not move ($before)"
fi
if health_is 200; then pass "api_healthy_after"; else fail "api_healthy_after" "health is not 200"; fi
if audit_has '[.[] | select(.runbook == "e2e-api" and .step.title == "Restart grupo_gad_api") | .phase] | (index("intent") < index("started")) and (index("started") < index("finished"))' &&
    audit_has '[.[] | select(.runbook == "e2e-api" and .step.index == "0" and .phase == "finished" and .command != null)] | length == 1' &&
    audit_has '[.[] | select(.runbook == "e2e-api")] | map(.run_id) | unique | length == 1' &&
    audit_has '[.[] | select(.runbook == "e2e-api" and .action == "restart")][0].confirm == "y"'; then
    pass "audit_has_every_step"
else
    fail "audit_has_every_step" "$(jq -c '{phase, action, runbook, step, confirm}' "$AUDIT" | head -n 12 | tr '\n' ' ')"
fi
audit_verifies runbook_audit_verifies
keys Enter

# --- type-ahead: the key that opens the plan and y in one burst -------------
lines_before=$(wc -l <"$AUDIT")
keys "Wy"
expect "plan_opened_by_the_key" 20 eval "shows 'run the plan of e2e-first?'"
sleep 1 # the burst has been read by now: a dialog that took it would be gone
if shows 'run the plan of e2e-first?' && ! audit_has '[.[] | select(.runbook == "e2e-first" and .phase == "intent")] | length > 0'; then
    pass "type_ahead_does_not_confirm"
else
    fail "type_ahead_does_not_confirm" "the plan was answered by the burst"
fi
keys Escape
expect "plan_refused_by_escape" 20 eval "shows 'cancelled at act'"
keys Enter
quit_console() {
    keys q
    wait_for 10 shows "opsdeck exited" || { keys y; wait_for 10 shows "opsdeck exited"; }
}
quit_console

# --- detached: SIGKILL in the middle of a long act ---------------------------
start "LANG=C.UTF-8" "-e staging"
expect "second_console_starts" 20 header_has "[staging]"
keys 7
expect "panel_again" 10 shows "e2e-long"
cmd "run e2e-long"
expect "long_plan_asked" 20 prompt_up
keys y
expect "long_act_streams" 20 eval "shows 'started' && header_has 'RUN e2e-long'"
pid=$(opsdeck_pid)
# a second opsdeck (its own tmux server) is refused by the lock, names the holder
SECOND="opsdeck-e2e-$$-second"
tmux -L "$SECOND" -f /dev/null new-session -d -s con -x 120 -y 40 \
    "env TERM=xterm-256color LANG=C.UTF-8 XDG_STATE_HOME=$WORK/xdg2 '$OPSDECK_BIN' -c '$CONF' -e staging; sleep 600"
screen2() { tmux -L "$SECOND" capture-pane -p -t con; }
wait_for 20 eval "screen2 | grep -qF '[staging]'"
tmux -L "$SECOND" send-keys -t con ":" && tmux -L "$SECOND" send-keys -t con -l "run e2e-long" &&
    tmux -L "$SECOND" send-keys -t con Enter
if wait_for 30 eval "screen2 | grep -q 'refused: e2e-long on .* is held by .*since'"; then pass "lock_refuses_second"; else
    fail "lock_refuses_second" "$(screen2 | grep -v '^$' | head -n 5 | tr '\n' '|')"
fi
tmux -L "$SECOND" kill-server >/dev/null 2>&1
kill -KILL "$pid"
expect "opsdeck_killed" 10 shows "opsdeck exited 137"
act_dir=$(ls -d "$WORK"/state/runs/*/s0 2>/dev/null | while read -r d; do grep -q 'Sleep, then' "$d/title" && echo "$d"; done | tail -n 1)
if [ -n "$act_dir" ] && wait_for 20 test -f "$act_dir/exit" && [ "$(cat "$act_dir/exit")" = 0 ] &&
    grep -q done "$act_dir/out"; then
    pass "act_finished_on_the_host"
else
    fail "act_finished_on_the_host" "no exit status in ${act_dir:-the state dir}"
fi
start "LANG=C.UTF-8" "-e staging"
expect "reattached_on_start" 30 eval "shows 're-attached' || shows 'run e2e-long'"
expect "reattached_whole_output" 30 eval "shows 'started' && shows 'done' && shows 'exit 0'"
# what the killed opsdeck could not write, the re-attach did: the act's exit
# status and the run's verdict; and the run is not re-attached again
if wait_for 10 audit_has '[.[] | select(.runbook == "e2e-long" and .phase == "finished" and .step.index == "0")][0].exit_status == 0' &&
    audit_has '[.[] | select(.runbook == "e2e-long" and .phase == "finished" and .step.index == null)] | length == 1'; then
    pass "reattach_writes_the_ending"
else
    fail "reattach_writes_the_ending" "$(jq -c 'select(.runbook == "e2e-long") | {phase, step, exit_status}' "$AUDIT" | tr '\n' ' ')"
fi
audit_verifies reattach_audit_verifies
quit_console
start "LANG=C.UTF-8" "-e staging"
expect "third_console_starts" 20 hostline_has " up "
keys 7
expect "lock_given_back_after_reattach" 20 eval "screen | grep 'e2e-long' | grep -q free"
if ! shows "re-attached"; then pass "not_reattached_twice"; else fail "not_reattached_twice" "re-attached again"; fi
quit_console

# --- read-only: checks run, the act is refused, nothing changes ------------
curl -s -m 30 -XPOST -d '{"health":503}' "$SBX_STAGING_CONTROL" >/dev/null
before=$(started_at)
start "LANG=C.UTF-8" "-r -e staging"
expect "readonly_console_starts" 20 header_has "READ-ONLY"
expect "readonly_host_up" 20 hostline_has " up "
cmd "run e2e-api"
expect "readonly_checks_run" 40 eval "shows 'Choose (press its number)' && shows 'health 503'"
keys 1
expect "readonly_act_refused" 40 eval "shows 'refused' && shows 'read-only: the checks ran, 1 act refused'"
if [ "$(started_at)" = "$before" ] && health_is 503; then pass "readonly_changed_nothing"; else
    fail "readonly_changed_nothing" "the container was restarted or health changed"
fi
if audit_has '[.[] | select(.runbook == "e2e-api" and .phase == "denied")] | length >= 1'; then
    pass "readonly_denied_line"
else
    fail "readonly_denied_line" "no denied line for the act"
fi
quit_console
