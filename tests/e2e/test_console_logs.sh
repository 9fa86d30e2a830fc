#!/bin/bash
# A container's log, as a person reads it, in tmux on the sandbox:
# - l on the containers panel opens the demo API's log: its recent lines,
#   each with docker's timestamp;
# - a line the API writes now (POST /control log_stdout) shows while the
#   view follows; a line on its stderr is marked "!";
# - / finds a line, n and N go to the next and previous match, G follows
#   the end again; the last lines of stdout and stderr interleave as written;
# - an ESC/OSC sequence the container writes never reaches the terminal
#   (and the pane's title stays);
# - the view follows on one channel: one `docker logs` runs on the host
#   while it is open, none once it is left (Esc); :logs NAME opens it too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

SOCK=$SBX_STAGING_DOCKER_SOCK
TAG="e2e-logs-$$"
trap 'cleanup' EXIT

# the `docker logs` processes following the API's log on this sandbox's
# staging engine (the host's sshd runs them on this machine, as the deploy user)
followers() { pgrep -u "$SBX_USER" -f -- "$SOCK logs --tail 500 --timestamps --follow grupo_gad_api" | wc -l; }
no_followers() { [ "$(followers)" = 0 ]; }
one_follower() { [ "$(followers)" = 1 ]; }

say stdout "$TAG before one"
say stdout "$TAG before two"
if [ "$(followers)" != 0 ]; then
    fail logs_no_follower_before "a docker logs of the API runs already: $(followers)"
fi

start "LANG=C.UTF-8" "-e staging"
expect "logs_console_starts" 15 header_has "[staging]"
keys 2
expect "logs_containers_listed" 20 shows "grupo_gad_api"
keys /
keys -l "grupo_gad_api"
keys Enter
expect "logs_api_selected" 10 eval "screen | grep -E '^ *grupo_gad_api ' >/dev/null"
keys l
expect "logs_view_opens" 15 shows "logs grupo_gad_api on staging-api"
# the last lines, docker's RFC 3339 timestamp first
expect "logs_recent_lines_with_timestamps" 15 eval \
    "screen | grep -E '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z $TAG before two' >/dev/null"
expect "logs_one_channel_while_open" 10 one_follower

say stdout "$TAG followed now"
expect "logs_new_line_appears_while_following" 10 shows "$TAG followed now"
say stderr "$TAG on stderr"
expect "logs_stderr_line_marked" 10 eval "screen | grep -E '^ *! +20[0-9-]+T[0-9:.]+Z $TAG on stderr' >/dev/null"
if screen | grep -E "^ *! .*$TAG followed now" >/dev/null; then
    fail logs_stdout_line_unmarked "a stdout line is marked as stderr"
else
    pass logs_stdout_line_unmarked
fi

# escape sequences from the container: visible remains may show, the ESC,
# BEL and the title change may not
say stdout $'e2e-escape \e[31mRED\e]0;pwned\a tail '"$TAG"
expect "logs_escape_line_shown" 10 eval "shows 'e2e-escape' && shows 'RED' && shows 'tail $TAG'"
escapes_kept_out "logs_escape_sequences_never_reach_the_terminal" "logs_escape_title_unchanged"

# search: two lines hold "before"; / finds one, n the other, N back
match_line() { screen | grep -oE 'match at line [0-9]+' | head -n 1 | grep -oE '[0-9]+$'; }
keys /
keys -l "$TAG before"
keys Enter
expect "logs_search_finds" 10 eval "shows 'match at line' && ! shows 'following,'"
first=$(match_line)
keys n
expect "logs_n_next_match" 10 eval "[ -n \"\$(match_line)\" ] && [ \"\$(match_line)\" != '$first' ]"
second=$(match_line)
keys N
expect "logs_N_previous_match" 10 eval "[ \"\$(match_line)\" = '$first' ]"
if [ -n "$first" ] && [ -n "$second" ] && [ "$first" -lt "$second" ]; then pass logs_matches_in_order; else
    fail logs_matches_in_order "first $first, next $second"
fi
keys G
expect "logs_G_follows_again" 10 eval "shows 'following,' && ! shows 'match at line'"
say stdout "$TAG after G"
expect "logs_followed_after_G" 10 shows "$TAG after G"

# leaving the view closes the channel: docker logs is gone from the host
keys Escape
expect "logs_view_left" 10 eval "! shows 'logs grupo_gad_api on staging-api'"
expect "logs_channel_closed_on_leave" 15 no_followers

# :logs NAME from another panel, and left with q; the last lines come as
# all of stdout's then all of stderr's, and are shown in the order written
say stdout "$TAG order 1"
say stderr "$TAG order 2"
say stdout "$TAG order 3"
keys 1
cmd "logs grupo_gad_api"
expect "logs_command_opens" 15 eval "shows 'logs grupo_gad_api on staging-api' && shows '$TAG after G' && shows '$TAG order 3'"
order=$(screen | grep -oE "$TAG order [0-9]" | awk '{ print $NF }' | tr -d '\n')
if [ "$order" = 123 ]; then pass logs_streams_in_time_order; else
    fail logs_streams_in_time_order "lines shown in the order $order"
fi
expect "logs_command_one_channel" 10 one_follower
keys q
expect "logs_q_leaves" 10 eval "! shows 'logs grupo_gad_api on staging-api'"
expect "logs_q_closes_the_channel" 15 no_followers
cmd "logs no-such-container"
expect "logs_unknown_container_said" 10 status_has "no container named no-such-container"
keys q
