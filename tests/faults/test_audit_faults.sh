#!/bin/bash
# The audit log under faults, with the console in tmux on the sandbox:
# - its disk full (a real 256 KiB tmpfs, filled): :flush is refused before
#   any dialog, with the reason on screen, and Redis keeps its keys;
# - unwritable (on a read-only mount): refused the same way;
# - opsdeck SIGKILLed in the middle of a restart: the next start shows the
#   action INTERRUPTED in the audit panel, and the chain verifies;
# - two consoles appending at once (read-only: each F writes a denied
#   line): every line is there and the chain verifies.
# Every mount is undone and the container started again, even on failure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../e2e/console_lib.sh"

FULL=$WORK/full RO=$WORK/ro
DOCKER_S=($SBX_STAGING_DOCKER)
REDIS_S=(redis-cli -h "$SBX_STAGING_ADDR" -p "$SBX_STAGING_REDIS_PORT")
restore() {
    umount -l "$FULL" 2>/dev/null
    umount -l "$RO" 2>/dev/null
    "${DOCKER_S[@]}" start grupo_gad_api >/dev/null 2>&1
    [ -n "${OTHER:-}" ] && tmux -L "$OTHER" kill-server >/dev/null 2>&1
    cleanup
}
trap restore EXIT

conf_with_log() { # AUDIT_LOG_PATH -> a config path
    local c=$WORK/conf.$RANDOM
    sed "s|^audit_log = .*|audit_log = $1|" "$SBX_CONF" >"$c"
    chmod 600 "$c"
    echo "$c"
}
healthy() { [ "$("${DOCKER_S[@]}" inspect -f '{{.State.Health.Status}}' grupo_gad_api 2>/dev/null)" = healthy ]; }

# --- disk full ---------------------------------------------------------------
mkdir -p "$FULL" "$RO"
mount -t tmpfs -o size=256k tmpfs "$FULL" || fail "full_disk_mounted" "mount tmpfs failed"
"${REDIS_S[@]}" set faults:keep 1 >/dev/null
CONF=$(conf_with_log "$FULL/audit.log")
start "LANG=C.UTF-8" "-e staging"
expect "full_console_starts" 15 header_has "[staging]"
dd if=/dev/zero of="$FULL/filler" bs=4k >/dev/null 2>&1 # until ENOSPC
cmd "flush"
expect "full_disk_refused_with_reason" 10 eval 'status_has "flush refused" && shows "disk full"'
if shows_not "flush?"; then pass "full_disk_no_dialog"; else fail "full_disk_no_dialog" "a dialog opened"; fi
if [ "$("${REDIS_S[@]}" get faults:keep)" = 1 ]; then pass "full_disk_nothing_sent"; else
    fail "full_disk_nothing_sent" "the key is gone"
fi
rm -f "$FULL/filler"
cmd "flush"
expect "space_back_dialog_opens" 10 shows "flush?"
wait_for 5 prompt_up # keys before it are dropped (the type-ahead guard)
keys Escape
expect "space_back_cancel_audited" 10 status_has "flush cancelled"
check "full_disk_chain_verifies" "$OPSDECK_BIN" --verify-audit "$FULL/audit.log"
keys q
expect "full_console_quits" 10 shows "opsdeck exited 0"

# --- unwritable (read-only file system) ------------------------------------
mount -t tmpfs -o size=64k,ro tmpfs "$RO" || fail "ro_mounted" "mount tmpfs ro failed"
CONF=$(conf_with_log "$RO/audit.log")
start "LANG=C.UTF-8" "-e staging"
expect "ro_console_starts" 15 header_has "[staging]"
cmd "flush"
expect "unwritable_refused_with_reason" 10 eval 'status_has "flush refused" && shows "Read-only file system"'
if [ "$("${REDIS_S[@]}" get faults:keep)" = 1 ]; then pass "unwritable_nothing_sent"; else
    fail "unwritable_nothing_sent" "the key is gone"
fi
keys q
expect "ro_console_quits" 10 shows "opsdeck exited 0"

# --- SIGKILL in the middle of a restart ---------------------------------------
LOG=$WORK/kill-audit.log
CONF=$(conf_with_log "$LOG")
wait_for 120 healthy || fail "api_healthy_before_kill" "grupo_gad_api is not healthy"
start "LANG=C.UTF-8" "-e staging"
expect "kill_console_starts" 15 header_has "[staging]"
cmd "panel containers"
expect "kill_containers_listed" 60 shows "grupo_gad_api"
cmd "restart grupo_gad_api"
expect "kill_restart_dialog" 10 shows "restart?"
wait_for 5 prompt_up
keys y
if wait_for 30 grep -q '"phase":"started"' "$LOG"; then
    pid=$(opsdeck_pid)
    kill -KILL "$pid"
    pass "killed_mid_action"
else
    fail "killed_mid_action" "no started line: $(tail -n 2 "$LOG" 2>/dev/null | head -c 400)"
fi
# killed, opsdeck never left the alternate screen: the shell's line lands
# where its cursor was and may wrap (-J joins wrapped lines)
expect "killed_console_gone" 10 eval 'screen -J | grep -qF "opsdeck exited 137"'
if grep -q '"phase":"finished"' "$LOG"; then fail "no_finished_line" "$(tail -n 1 "$LOG")"; else
    pass "no_finished_line"
fi
start "LANG=C.UTF-8" "-e staging"
expect "restarted_console_starts" 15 header_has "[staging]"
# wide enough for the whole PHASE and RESULT columns (at 120 they are cut)
"${TMUX_CMD[@]}" resize-window -t con -x 200 -y 40
cmd "panel audit"
expect "interrupted_shown" 10 eval 'shows "INTERRUPTED" && shows "opsdeck stopped during"'
expect "interrupted_chain_intact" 10 shows "ok, 2 lines intact"
check "interrupted_chain_verifies" "$OPSDECK_BIN" --verify-audit "$LOG"
keys q
expect "interrupted_console_quits" 10 shows "opsdeck exited 0"
"${DOCKER_S[@]}" start grupo_gad_api >/dev/null 2>&1
wait_for 120 healthy || fail "api_healthy_after_kill" "grupo_gad_api did not come back"

# --- two consoles appending at once ---------------------------------------------
LOG=$WORK/two-audit.log
CONF=$(conf_with_log "$LOG")
start "LANG=C.UTF-8" "-r -e staging"
FIRST=("${TMUX_CMD[@]}")
OTHER="opsdeck-e2e-$$-other"
tmux -L "$OTHER" -f /dev/null new-session -d -s con -x 120 -y 40 \
    "env TERM=xterm-256color LANG=C.UTF-8 '$OPSDECK_BIN' -c '$CONF' -r -e production; sleep 600"
expect "two_first_starts" 15 header_has "[staging]"
TMUX_CMD=(tmux -L "$OTHER" -f /dev/null)
expect "two_second_starts" 15 header_has "[production]"
for i in $(seq 1 25); do
    "${FIRST[@]}" send-keys -t con F
    tmux -L "$OTHER" send-keys -t con F
done
if wait_for 60 eval '[ "$(grep -c "\"phase\":\"denied\"" "$LOG")" = 50 ]'; then
    pass "two_consoles_every_line_written"
else
    fail "two_consoles_every_line_written" "$(grep -c denied "$LOG") denied lines of 50"
fi
check "two_consoles_chain_verifies" "$OPSDECK_BIN" --verify-audit "$LOG"
for h in staging-api prod-api; do
    n=$(grep -c "\"host\":\"$h\"" "$LOG")
    if [ "$n" = 25 ]; then pass "two_consoles_$h"; else fail "two_consoles_$h" "$n lines of 25"; fi
done
tmux -L "$OTHER" kill-server >/dev/null 2>&1
TMUX_CMD=("${FIRST[@]}")
