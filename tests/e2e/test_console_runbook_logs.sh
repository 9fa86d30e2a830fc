#!/bin/bash
# A runbook's logs check, as a person reads it, in tmux on the sandbox
# (tests/e2e/runbooks/e2e-logs.yml on staging):
# - the lines the API printed just before (POST /control log_stdout and
#   log_stderr) are in the run view, each with docker's timestamp, the
#   stderr one marked "!" as the log view marks it, stdout and stderr in the
#   order written; the check passes on the text it expects;
# - a container that does not exist fails the check with docker's own
#   words on screen, and the run goes on;
# - an ESC/OSC sequence the container wrote never reaches the terminal;
# - PgUp scrolls the lines shown back, PgDn forward again;
# - every check is audited: its exact command, exit status and finding;
# - read-only (-r) runs it too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
runbooks_setup "$HERE"/runbooks/e2e-logs.yml
TAG="e2e-runbook-logs-$$"
# the smallest "$TAG seq N" on screen
lowest_seq() { screen | grep -oE "$TAG seq [0-9]+" | awk '{ print $NF }' | sort -n | head -n 1; }

# older lines first (more than fit on screen), then the ones to find
say stdout "$(for i in $(seq 1 120); do echo "$TAG seq $i"; done)"
say stdout "$TAG order 1"
say stderr "$TAG order 2"
say stdout "$TAG order 3"
say stdout $'e2e-escape \e[31mRED\e]0;pwned\a tail '"$TAG"

start "LANG=C.UTF-8" "-e staging"
expect "logs_check_console_starts" 20 header_has "[staging]"
expect "logs_check_host_up" 20 hostline_has " up "
cmd "run e2e-logs"
expect "logs_check_run_ends" 60 eval "shows 'passed: every step of e2e-logs'"
# the view shows the last step's lines; k k shows the first check's
keys k
keys k
# its command as it ran (the sandbox's long docker = value first: the rest
# is cut at the pane's width; the audit below has all of it)
expect "logs_check_first_step_shown" 10 eval "screen | grep -q \"0 Recent API lines: '[^ ]*docker'\""
expect "logs_check_lines_with_timestamps" 10 eval \
    "screen | grep -E '^ +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z $TAG order 1' >/dev/null"
expect "logs_check_stderr_marked" 10 eval \
    "screen | grep -E '^ *! +20[0-9-]+T[0-9:.]+Z $TAG order 2' >/dev/null"
if screen | grep -E "^ *! .*$TAG order [13]" >/dev/null; then
    fail logs_check_stdout_unmarked "a stdout line is marked as stderr"
else
    pass logs_check_stdout_unmarked
fi
order=$(screen | grep -oE "$TAG order [0-9]" | awk '{ print $NF }' | tr -d '\n')
if [ "$order" = 123 ]; then pass logs_check_streams_in_time_order; else
    fail logs_check_streams_in_time_order "lines shown in the order $order"
fi
if screen | grep -E 'passed +0 ' | grep -q "in line"; then pass logs_check_found_its_text; else
    fail logs_check_found_its_text "$(screen | grep -E ' 0 ' | head -n 2)"
fi
expect "logs_check_escape_line_shown" 10 eval "shows 'e2e-escape' && shows 'RED' && shows 'tail $TAG'"
escapes_kept_out "logs_check_escape_sequences_never_reach_the_terminal" "logs_check_escape_title_unchanged"

# PgUp shows older lines, PgDn the last ones again
before=$(lowest_seq)
keys PPage
expect "logs_check_pgup_scrolls_back" 10 eval \
    "[ -n \"\$(lowest_seq)\" ] && [ \"\$(lowest_seq)\" -lt '${before:-0}' ] && ! shows '$TAG order 3'"
keys NPage
keys NPage
keys NPage
expect "logs_check_pgdn_back_to_the_end" 10 shows "$TAG order 3"

# the container that is not there: docker's own words, the run went on
keys j
expect "logs_check_missing_container_reason" 10 eval \
    "shows '1 A container that is not there' && screen | grep -E '^ *! +.*No such container: no-such-container-e2e' >/dev/null"
if screen | grep -E 'failed +1 ' | grep -q "exit 1: "; then pass logs_check_missing_container_failed; else
    fail logs_check_missing_container_failed "$(screen | grep -E ' 1 ' | head -n 2)"
fi
if screen | grep -E 'passed +2 ' | grep -q "in none of the 5 lines"; then pass logs_check_absent_passes; else
    fail logs_check_absent_passes "$(screen | grep -E ' 2 ' | head -n 2)"
fi

if audit_has '[.[] | select(.runbook == "e2e-logs" and .step.index == "0" and .phase == "finished" and .exit_status == 0 and (.command | test("logs --tail 100 --timestamps .?grupo_gad_api")))] | length == 1' &&
    audit_has '[.[] | select(.runbook == "e2e-logs" and .step.index == "1" and .phase == "finished" and .exit_status == 1 and (.verify | test("No such container: no-such-container-e2e")))] | length == 1'; then
    pass "logs_check_audited"
else
    fail "logs_check_audited" "$(jq -c 'select(.runbook == "e2e-logs") | {phase, step, command, exit_status, verify}' "$AUDIT" | tr '\n' ' ')"
fi
audit_verifies logs_check_audit_verifies
keys Enter
keys q
wait_for 10 shows "opsdeck exited" || { keys y; wait_for 10 shows "opsdeck exited"; }

# read-only: a logs check changes nothing and runs all the same
start "LANG=C.UTF-8" "-r -e staging"
expect "logs_check_readonly_starts" 20 header_has "READ-ONLY"
expect "logs_check_readonly_host_up" 20 hostline_has " up "
cmd "run e2e-logs"
expect "logs_check_readonly_runs" 60 eval "shows 'passed: every step of e2e-logs' && shows '$TAG order 3'"
