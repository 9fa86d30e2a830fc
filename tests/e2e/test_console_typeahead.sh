#!/bin/bash
# Only keys pressed after a confirmation is on screen answer it
# (man/opsdeck.1, ACTIONS), checked on the real Redis of the sandbox:
# - staging: `:flush` Enter `y` sent in one burst does not flush (DBSIZE is
#   unchanged); a `y` sent once the dialog is drawn and its half second is
#   over does;
# - production: `:flush` Enter and the typed name, Enter in one burst do not
#   confirm;
# - a bracketed paste (tmux paste-buffer -p) of `y`, or of the name, never
#   answers a confirmation; a paste still fills the `:` line.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

REDIS_S=(redis-cli -h "$SBX_STAGING_ADDR" -p "$SBX_STAGING_REDIS_PORT")
REDIS_P=(redis-cli -h "$SBX_PRODUCTION_ADDR" -p "$SBX_PRODUCTION_REDIS_PORT")
fill() { "$@" SET opsdeck:e2e:typeahead 1 >/dev/null; }
dbsize() { "$@" DBSIZE; }
paste_text() { # bracketed, as a terminal pastes
    "${TMUX_CMD[@]}" set-buffer -b e2e -- "$1"
    "${TMUX_CMD[@]}" paste-buffer -p -b e2e -t con
}
no_dialog() { ! shows "flush?"; }

# --- staging: the burst does not flush, a later y does ---------------------
fill "${REDIS_S[@]}"
start "LANG=C.UTF-8" "-e staging"
expect "typeahead_console_starts" 15 header_has "[staging]"
expect "typeahead_staging_up" 60 eval 'hostline_has " up" || hostline_has " degraded"'
keys ":flush" Enter y
expect "typeahead_dialog_stays_open" 10 eval 'shows "flush?" && prompt_up'
if [ "$(dbsize "${REDIS_S[@]}")" != 0 ] && ! shows "flush done"; then pass "typeahead_y_did_not_flush"; else
    fail "typeahead_y_did_not_flush" "DBSIZE $(dbsize "${REDIS_S[@]}")"
fi
# a pasted y does not answer it either (the dialog stays, nothing runs)
paste_text y
sleep 0.6 # the paste is delivered; the dialog must still be there after it
if shows "flush?" && prompt_up && [ "$(dbsize "${REDIS_S[@]}")" != 0 ]; then pass "paste_y_does_not_confirm"; else
    fail "paste_y_does_not_confirm" "DBSIZE $(dbsize "${REDIS_S[@]}"); $(screen | grep -v '^$' | tail -n 3 | tr '\n' '|')"
fi
keys y
expect "typed_y_after_guard_flushes" 30 shows "flush done and verified"
if [ "$(dbsize "${REDIS_S[@]}")" = 0 ]; then pass "flush_after_guard_emptied_redis"; else
    fail "flush_after_guard_emptied_redis" "DBSIZE $(dbsize "${REDIS_S[@]}")"
fi
keys Enter
# a paste still fills the : line (Enter typed by hand runs it)
keys :
paste_text "panel redis"
keys Enter
expect "paste_fills_command_line" 10 eval 'line 2 | grep -qF "5 redis"'
keys q
expect "typeahead_staging_quits" 10 shows "opsdeck exited 0"

# --- production: the typed name in the burst does not confirm ---------------
fill "${REDIS_P[@]}"
before=$(dbsize "${REDIS_P[@]}")
start "LANG=C.UTF-8" "-e production"
expect "typeahead_prod_starts" 15 header_has "[production]"
expect "typeahead_prod_up" 60 eval 'hostline_has " up" || hostline_has " degraded"'
keys ":flush" Enter "production" Enter
expect "typeahead_prod_dialog_stays" 10 eval 'shows "flush?" && shows "type its name"'
if [ "$(dbsize "${REDIS_P[@]}")" = "$before" ] && ! screen | grep -q "type its name, then Enter: p"; then
    pass "typeahead_name_did_not_confirm"
else
    fail "typeahead_name_did_not_confirm" "DBSIZE $before -> $(dbsize "${REDIS_P[@]}"); $(screen | grep -F "type its name")"
fi
# pasted, the name is not taken; Enter typed by hand then refuses
paste_text "production"
sleep 0.6 # the paste is delivered
if screen | grep -q "type its name, then Enter: p"; then
    fail "paste_name_not_taken" "$(screen | grep -F "type its name")"
else
    pass "paste_name_not_taken"
fi
keys Enter
expect "paste_name_then_enter_refused" 10 eval 'no_dialog && status_has "flush cancelled"'
if [ "$(dbsize "${REDIS_P[@]}")" = "$before" ]; then pass "production_redis_untouched"; else
    fail "production_redis_untouched" "DBSIZE $before -> $(dbsize "${REDIS_P[@]}")"
fi
"${REDIS_P[@]}" DEL opsdeck:e2e:typeahead >/dev/null
keys q
expect "typeahead_prod_quits" 10 shows "opsdeck exited 0"
