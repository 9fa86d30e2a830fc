#!/bin/bash
# The console as a person uses it: in tmux, keys in, screen out.
#
# Starts `opsdeck -c $SBX_CONF` in a private tmux server (120x40) and
# checks: both environments as tabs, the containers of the sandbox hosts,
# :env / :host / :panel, Tab, the / filter, ? help, a panel not built yet,
# an unknown command, resizing (and a terminal too small), q quitting with
# the process gone and the terminal restored; NO_COLOR; a broken theme.
# Every wait is bounded (wait_for).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

start "" ""
expect "console_starts" 15 header_has "opsdeck"
expect "both_environments_as_tabs" 5 eval 'header_has staging && header_has production'
PID=$(opsdeck_pid)
# the default theme draws production white on red: background 41 (or 48;5;1)
if screen -e | head -n 1 | grep -qE $'\e\\[(41|48;5;1)m[^\e]*\\[?production'; then
    pass "production_in_its_colour"
else
    fail "production_in_its_colour" "header: $(screen -e | head -n 1 | cat -v)"
fi

cmd "env production"
expect "env_command" 5 header_has "[production]"
cmd "host $SBX_PRODUCTION_NAME"
expect "host_command" 5 hostline_has "host $SBX_PRODUCTION_NAME"
expect "host_connects" 30 eval 'hostline_has " up" || hostline_has " degraded"'
cmd "panel containers"
expect "panel_command" 5 hostline_has "2 containers"
expect "containers_shown" 30 eval 'shows grupo_gad_api && shows grupo_gad_db && shows grupo_gad_redis'
expect "container_age_shown" 5 eval 'screen | grep -qE "[0-9]+(s|m[0-9]+s) old"'

keys Tab
expect "tab_next_environment" 5 header_has "[staging]"
expect "staging_containers" 30 eval 'hostline_has "host $SBX_STAGING_NAME" && shows grupo_gad_api'

keys "/"
keys -l "caddy"
keys Enter
expect "filter_keeps_matches" 5 eval 'shows grupo_gad_caddy && shows "/caddy: 1 shown"'
expect "filter_hides_the_rest" 5 eval 'shows_not grupo_gad_api && shows_not grupo_gad_db'
keys Escape
expect "esc_clears_filter" 5 eval 'shows grupo_gad_api && shows grupo_gad_caddy && shows_not "/caddy"'

keys Enter
expect "enter_opens_details" 5 eval 'shows "container grupo_gad_" && shows "compose service"'
keys q
expect "details_close" 5 shows "RESTARTS"

keys "?"
expect "help_shows_keys" 5 eval 'shows "Everywhere:" && shows ":panel NAME" && shows "containers panel:"'
keys q
expect "help_closes" 5 shows_not "Everywhere:"

cmd "panel nosuch"
expect "unknown_panel_named" 5 status_has "no panel named 'nosuch'"
cmd "frobnicate"
expect "unknown_command_named" 5 status_has "unknown command ':frobnicate'"
cmd "env nowhere"
expect "unknown_env_named" 5 status_has "no environment named 'nowhere'"
# a panel this build may not have: it is either shown or said to be missing
keys 8
expect "unbuilt_panel_says_so" 5 eval 'hostline_has "8 audit" || status_has "8: no panel in this build"'
keys 1
expect "overview_panel" 5 eval 'hostline_has "1 overview" && shows "CTRS" && shows "$SBX_STAGING_NAME"'
# staging has one host: ] and [ stay on it (they never leave the environment)
keys "]"
keys "["
expect "host_keys_stay_in_environment" 5 eval 'hostline_has "host $SBX_STAGING_NAME" && header_has "[staging]"'

"${TMUX_CMD[@]}" resize-window -t con -x 70 -y 20
expect "resize_redraws" 5 eval 'pane_width_is 70 && header_has opsdeck && header_has production && hostline_has overview'
"${TMUX_CMD[@]}" resize-window -t con -x 30 -y 8
expect "too_small_says_so" 5 shows "terminal too small"
"${TMUX_CMD[@]}" resize-window -t con -x 120 -y 40
expect "grows_back" 5 eval 'pane_width_is 120 && header_has staging && shows CTRS'

keys q
expect "q_quits" 10 shows "opsdeck exited 0"
if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    fail "process_gone" "pid $PID still runs after q"
else
    pass "process_gone"
fi
expect "terminal_restored" 5 shows "icanon echo"

# NO_COLOR: no colour escapes at all, and production still stands out
start "NO_COLOR=1" "-e production"
expect "no_color_starts" 15 eval 'header_has production && hostline_has host'
if ! header_has production; then
    fail "no_color_has_no_colour" "the console did not start"
elif screen -e | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|38;|48;)'; then
    fail "no_color_has_no_colour" "colour escapes on screen: $(screen -e | head -n 2 | cat -v)"
else
    pass "no_color_has_no_colour"
fi
if screen -e | head -n 1 | grep -qE $'\e\\[[0-9;]*7[0-9;]*m\\[production\\]'; then
    pass "no_color_production_reversed"
else
    fail "no_color_production_reversed" "header: $(screen -e | head -n 1 | cat -v)"
fi
keys q
expect "no_color_quits" 10 shows "opsdeck exited 0"

# A broken theme names file:line and the console does not start
printf 'ok = green\nprod = red\n' >"$WORK/broken.theme"
out=$(timeout 10 "$OPSDECK_BIN" -c "$SBX_CONF" -t "$WORK/broken.theme" </dev/null 2>&1)
rc=$?
if [ "$rc" = 78 ] && grep -qF "$WORK/broken.theme:2: unknown role 'prod'" <<<"$out"; then
    pass "broken_theme_named"
else
    fail "broken_theme_named" "exit $rc: $out"
fi
