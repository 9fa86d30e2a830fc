#!/bin/bash
# Signals and alerts as a person sees them, in tmux on the sandbox:
# - the production API is told to serve 20 req/s with 20 % errors and 0.3 s
#   latency (POST /control); the signals panel shows its traffic, errors and
#   p95 with sparklines (block characters in a UTF-8 locale, an ASCII ramp
#   otherwise), the errors figure in the critical colour, CPU and memory
#   from its node_exporter; staging, without one, its containers' use;
# - the overview shows the signals at a glance;
# - HighErrorRate, raised by the real Prometheus and Alertmanager, appears
#   in the header's count beside production and on the alerts panel; Enter
#   shows its labels; a silence made in Alertmanager hides it until `s`.
# The API's defaults are restored and the silence expired afterwards.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

C=$SBX_PRODUCTION_CONTROL
AM=http://$SBX_PRODUCTION_ADDR:$SBX_PRODUCTION_AM_PORT
SILENCE=""
# an alert whose name carries an escape sequence and an OSC title
EVIL_NAME='Evil\u001b[31mRED\u001b]0;pwned\u0007'
evil_alert() { # endsAt
    curl -s -m 10 -XPOST -H 'Content-Type: application/json' "$AM/api/v2/alerts" \
        -d "[{\"labels\":{\"alertname\":\"$EVIL_NAME\",\"severity\":\"warning\"},\"annotations\":{\"summary\":\"esc test\"},\"endsAt\":\"$1\"}]" >/dev/null
}
restore() {
    evil_alert "$(date -u +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$C" >/dev/null 2>&1
    [ -n "$SILENCE" ] && curl -s -m 10 -XDELETE "$AM/api/v2/silence/$SILENCE" >/dev/null 2>&1
    cleanup
}
trap restore EXIT

curl -s -m 30 -XPOST -d '{"rate":20,"error_ratio":0.2,"latency_s":0.3}' "$C" >/dev/null

# the traffic row: its label, a figure, then at least 5 bar characters
bars_drawn() { screen | grep -E "^ +traffic +[0-9.]+/s" | grep -qE "$1"; }

start "LANG=C.UTF-8" "-e production"
expect "signals_console_starts" 15 header_has "[production]"
cmd "panel signals"
expect "signals_panel_rows" 30 eval 'shows "traffic" && shows "errors" && shows "latency p95" && shows "WARN / CRIT"'
expect "signals_sparklines_drawn" 60 bars_drawn '[▁▂▃▄▅▆▇█]{5}'
expect "signals_saturation_from_node_exporter" 30 eval 'screen | grep -qE "^ +cpu +[0-9.]+% +70.0% / 90.0%" && screen | grep -qE "^ +memory +[0-9.]+% +80.0% / 90.0%"'
expect "signals_health_and_ws" 10 eval 'screen | grep -qE "health +HTTP 200" && screen | grep -qE "websocket +[0-9]+ connections"'
# 20 % errors is past the 5 % critical threshold: the figure in the
# critical colour of the default theme (red foreground, 31 or 38;5;1)
errors_red() { screen -e | grep -E "errors" | grep -qE $'\e\\[(1;)?(31|38;5;1|38;5;9)m *[0-9.]+%'; }
expect "signals_errors_critical_colour" 30 errors_red
if errors_red; then :; else
    echo "  errors row: $(screen -e | grep errors | cat -v | head -c 300)"
fi

keys 1
expect "overview_shows_signals" 10 eval 'shows "REQ/S" && screen | grep -E "^ +$SBX_PRODUCTION_NAME " | grep -qE "[0-9]+\.[0-9]/s.* [0-9]+\.[0-9]{2}%.* [0-9]+ ms"'

# the alert, from Prometheus through Alertmanager into the header and panel 6
expect "alert_counted_in_header" 90 eval 'line 1 | grep -qE "\[production\] +[0-9]+C"'
keys 6
expect "alerts_panel_lists_it" 10 eval 'shows "HighErrorRate" && shows "critical" && shows "production: "'
keys Enter
expect "alert_details_show_labels" 10 eval 'shows "alert HighErrorRate" && shows "\"alertname\": \"HighErrorRate\"" && shows "annotations:"'
keys q
expect "alert_details_close" 5 shows "SEVERITY"

# silence it in Alertmanager: suppressed alerts are hidden until `s`
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)
SILENCE=$(curl -s -m 10 -XPOST -H 'Content-Type: application/json' "$AM/api/v2/silences" \
    -d "{\"matchers\":[{\"name\":\"alertname\",\"value\":\"HighErrorRate\",\"isRegex\":false}],\"startsAt\":\"$now\",\"endsAt\":\"$end\",\"createdBy\":\"opsdeck-e2e\",\"comment\":\"e2e\"}" |
    jq -r .silenceID)
expect "silenced_alert_hidden" 30 eval 'shows_not "HighErrorRate" && shows "suppressed (hidden, s shows)"'
expect "silenced_alert_not_counted" 10 eval '! line 1 | grep -qE "\[production\] +[0-9]+C"'
keys s
expect "s_shows_suppressed" 10 eval 'screen | grep -E "HighErrorRate" | grep -q "suppressed"'

# remote text in a title (the alert's name heads its details): sanitized
evil_alert "$(date -u -d '+5 minutes' +%Y-%m-%dT%H:%M:%SZ)"
keys /
keys -l "esc test"
keys Enter
expect "escaped_alert_listed" 30 eval 'screen | grep -q "Evil.*RED.*esc test"'
keys Enter
expect "escaped_alert_details" 10 eval 'shows "alert Evil" && shows "annotations:"'
escapes_kept_out "alert_name_escapes_never_reach_the_terminal" "alert_name_title_unchanged"
keys q
keys Escape
keys q
expect "quits" 10 shows "opsdeck exited 0"

# staging has no node_metrics =: its containers' own use stands in
start "LANG=C.UTF-8" "-e staging"
expect "staging_console_starts" 15 header_has "[staging]"
cmd "panel signals"
expect "saturation_from_containers" 30 eval 'screen | grep -qE "no node_metrics: containers use cpu [0-9.]+% \(of one core\), memory [0-9.]+[KMG]"'
keys q
expect "staging_quits" 10 shows "opsdeck exited 0"

# without UTF-8 the sparkline is an ASCII ramp, never raw bytes
start "LANG=C LC_ALL=C" "-e production"
expect "ascii_console_starts" 15 header_has "[production]"
cmd "panel signals"
expect "ascii_sparklines_drawn" 60 bars_drawn '[_.~=+*#-]{5}'
keys q
expect "ascii_quits" 10 shows "opsdeck exited 0"
