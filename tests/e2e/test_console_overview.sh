#!/bin/bash
# The incident overview as a person sees it, in tmux on the sandbox, with
# trouble made on production: errors and latency up, the API's health
# check failing (so Docker marks grupo_gad_api unhealthy), an idle
# transaction, a blocked query, HighErrorRate firing from the real
# Prometheus and Alertmanager, and a second alert silenced in Alertmanager.
# - every one is on the first screen, ranked (critical, then warning, then
#   silenced), each with its "for ..." and the remedy's key;
# - production's status line is there while staging is selected;
# - Enter on the container's line lands on the containers panel with that
#   container selected; on the blocked query's, on the postgres panel with
#   that backend selected;
# - at 80x24 nothing overlaps and the attention list still shows;
# - --once --json has the same trouble in `attention` and the alert in
#   `changes`;
# - a restart of the API (typed confirmation) shows under "What changed"
#   with the audit line's user, and in the JSON's `changes`.
# The trouble is undone on exit, whatever happened (the API's defaults, the
# drill alert expired, the silence removed).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

C=$SBX_PRODUCTION_CONTROL
AM=http://$SBX_PRODUCTION_ADDR:$SBX_PRODUCTION_AM_PORT
SILENCE=""
# (startsAt is given: without it Alertmanager takes endsAt as the start, and
# the alert would begin in the future)
drill_alert() { # endsAt
    curl -s -m 10 -XPOST -H 'Content-Type: application/json' "$AM/api/v2/alerts" \
        -d "[{\"labels\":{\"alertname\":\"OverviewDrill\",\"severity\":\"warning\"},\"annotations\":{\"summary\":\"drill\"},\"startsAt\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"endsAt\":\"$1\"}]" >/dev/null
}
restore() {
    drill_alert "$(date -u +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null
    [ -n "$SILENCE" ] && curl -s -m 10 -XDELETE "$AM/api/v2/silence/$SILENCE" >/dev/null 2>&1
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$C" >/dev/null 2>&1
    cleanup
}
trap restore EXIT

out=$(curl -s -m 60 -XPOST -d '{"rate":20,"error_ratio":0.2,"latency_s":0.6,"health":503,"idle_in_transaction":1,"blocked_queries":1}' "$C")
BLOCKED=$(jq -r '.pg_backend_pids["sbx-blocked"][0] // empty' <<<"$out")
IDLE=$(jq -r '.pg_backend_pids["sbx-idle"][0] // empty' <<<"$out")
if [ -n "$BLOCKED" ] && [ -n "$IDLE" ]; then pass "trouble_made"; else
    fail "trouble_made" "the demo API did not open the sessions: $out"
    exit 1
fi
drill_alert "$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)"
SILENCE=$(curl -s -m 10 -XPOST -H 'Content-Type: application/json' "$AM/api/v2/silences" \
    -d "{\"matchers\":[{\"name\":\"alertname\",\"value\":\"OverviewDrill\",\"isRegex\":false}],\"startsAt\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"endsAt\":\"$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)\",\"createdBy\":\"opsdeck-e2e\",\"comment\":\"overview drill\"}" |
    jq -r .silenceID)

start "LANG=C.UTF-8"
expect "overview_starts_on_staging" 15 header_has "[staging]"
expect "production_status_while_staging" 30 eval 'screen | grep -qE "^ +production +hosts [0-9]+ up"'
cmd "env production"
expect "overview_on_production" 5 header_has "[production]"

# the attention lines: between the title and "What changed"
attention() { screen | sed -n '/Needs attention/,/What changed/p' | grep -E '^ (CRIT|WARN|SILN) '; }
has() { attention | grep -E "$1" | grep -qE 'for [0-9]+'; }
expect "attention_alert_firing" 120 has "CRIT $SBX_PRODUCTION_NAME +alert HighErrorRate"
expect "attention_container_unhealthy" 60 eval 'has "CRIT .*container grupo_gad_api unhealthy" && has "grupo_gad_api unhealthy.*r restart"'
expect "attention_error_ratio" 30 has "CRIT .*error ratio [0-9.]+%"
expect "attention_latency" 30 has "(CRIT|WARN) .*p95 latency [0-9]+ms"
expect "attention_blocked_query" 30 has "CRIT .*query pid $BLOCKED blocked by pid [0-9]+.*t terminate"
expect "attention_idle_transaction" 30 has "WARN .*idle in transaction pid $IDLE.*K kill-idle"
expect "attention_health" 30 has "CRIT .*health answers 503"
expect "attention_silenced_alert" 30 has "SILN .*alert OverviewDrill: drill \(silenced\)"
# ranked: no critical line below a warning, no warning below a silenced one
rank_of() { case $1 in CRIT) echo 0 ;; WARN) echo 1 ;; *) echo 2 ;; esac; }
ranked() {
    local prev=0 r sev
    while read -r sev _; do
        r=$(rank_of "$sev")
        [ "$r" -ge "$prev" ] || return 1
        prev=$r
    done < <(attention)
}
expect "attention_ranked" 5 ranked

# Enter: the panel and the row the line is about
goto_line() { # pattern: select that attention line, then Enter
    local n
    n=$(attention | grep -nE "$1" | head -n 1 | cut -d: -f1)
    [ -n "$n" ] || return 1
    keys g
    for ((i = 1; i < n; i++)); do keys j; done
    keys Enter
}
# (q closes a pager; on a panel it would quit, so only after a pager shows)
if goto_line "container grupo_gad_api unhealthy"; then
    expect "enter_lands_on_containers" 10 hostline_has "2 containers"
    keys Enter
    expect "enter_selected_the_container" 10 shows "container grupo_gad_api"
    shows "container grupo_gad_api" && keys q
else
    fail "enter_lands_on_containers" "no container line to select"
fi
keys 1
expect "back_on_overview" 10 shows "Needs attention"
if goto_line "query pid $BLOCKED blocked"; then
    expect "enter_lands_on_postgres" 10 hostline_has "4 postgres"
    keys Enter
    expect "enter_selected_the_backend" 10 shows "backend $BLOCKED "
    shows "backend $BLOCKED " && keys q
else
    fail "enter_lands_on_postgres" "no blocked query line to select"
fi
keys 1

# 80x24: the classic jump-host terminal
"${TMUX_CMD[@]}" resize-window -t con -x 80 -y 24
small_and_tidy() {
    pane_width_is 80 || return 1
    local s hosts_at att_at changes_at n
    s=$(screen)
    hosts_at=$(grep -nE '^ HOST ' <<<"$s" | cut -d: -f1)
    att_at=$(grep -n 'Needs attention' <<<"$s" | cut -d: -f1)
    changes_at=$(grep -n 'What changed' <<<"$s" | cut -d: -f1)
    [ -n "$hosts_at" ] && [ -n "$att_at" ] && [ -n "$changes_at" ] || return 1
    [ "$hosts_at" -lt "$att_at" ] && [ "$att_at" -lt "$changes_at" ] || return 1
    # every line between the title and "What changed" is an attention line
    n=$(sed -n "$((att_at + 1)),$((changes_at - 1))p" <<<"$s" | grep -cvE '^ (CRIT|WARN|SILN) ')
    [ "$n" = 0 ] || return 1
    [ "$((changes_at - att_at - 1))" -ge 5 ] || return 1
    ! awk 'length($0) > 80 { exit 1 }' <<<"$s" && return 1
    return 0
}
expect "fits_80x24_attention_shown" 10 small_and_tidy
"${TMUX_CMD[@]}" resize-window -t con -x 120 -y 40
expect "grows_back_to_120x40" 10 pane_width_is 120

# the JSON snapshot, against the same trouble
json=$("$OPSDECK_BIN" --once --json -c "$SBX_CONF" -e production 2>/dev/null)
json_has() { # name, jq filter
    if jq -e "$2" >/dev/null 2>&1 <<<"$json"; then pass "$1"; else
        fail "$1" "$(jq -c '.attention' <<<"$json" 2>&1 | head -c 900)"
    fi
}
json_has "json_attention_container" '.attention | any(.kind == "container" and .severity == "critical" and .remedy == "r restart" and (.since | test("Z$")))'
json_has "json_attention_alert" '.attention | any(.kind == "alert" and (.what | test("HighErrorRate")))'
json_has "json_attention_blocked_idle" ".attention | any(.kind == \"blocked\" and (.what | test(\"$BLOCKED\"))) and any(.kind == \"idle_txn\")"
json_has "json_attention_silenced" '.attention | any(.severity == "silenced" and (.what | test("OverviewDrill")))'
json_has "json_attention_ranked" '[.attention[].severity] as $s | ($s | map({"critical":0,"warning":1,"silenced":2}[.])) as $r | $r == ($r | sort)'
json_has "json_changes_alert_began" '.changes | any(.kind == "alert" and (.what | test("HighErrorRate began")))'

# a restart, then "What changed" names it with the audit line's user
cmd "restart grupo_gad_api"
expect "restart_asks_typed" 15 eval 'shows "restart?" && shows "type its name"'
keys -l "production"
keys Enter
expect "restart_done" 180 eval 'shows "Enter, Esc or q closes"'
keys q
keys 1
WHO=$(jq -r 'select(.action == "restart" and .phase == "finished") | .local_user' "$SBX_AUDIT_LOG" | tail -n 1)
expect "what_changed_has_restart_and_user" 30 eval "screen | grep -qE 'restart grupo_gad_api by $WHO: exit 0'"
json=$("$OPSDECK_BIN" --once --json -c "$SBX_CONF" -e production 2>/dev/null)
json_has "json_changes_action_with_user" ".changes | any(.kind == \"action\" and .who == \"$WHO\" and (.what | test(\"restart grupo_gad_api\")))"
