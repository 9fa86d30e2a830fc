#!/bin/bash
# A figure that is not known is null in `--once --json`, never 0: with the
# demo API's URLs pointed at a port where nothing listens (seen from the
# staging host, through its tunnel), golden (by direct scrape and by
# PromQL), health and ws are ok false with an error, and every figure of
# theirs is null; the sources that still answer keep their numbers.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
H=$SBX_STAGING_NAME
DEAD=http://$SBX_DEAD_ADDR:$SBX_DEAD_PORT

dead_api() { # conf; prometheus dead too when $1 = promql
    sed -e "s|^metrics = .*|metrics = $DEAD/metrics|" -e "s|^health = .*|health = $DEAD/api/v1/health|" \
        -e "s|^ws_stats = .*|ws_stats = $DEAD/ws/stats|" "$SBX_CONF" |
        if [ "$1" = promql ]; then sed "s|^prometheus = .*|prometheus = $DEAD|"; else grep -v '^prometheus = \|^promql_window = '; fi
}
for how in metrics promql; do
    conf=$work/$how.conf
    dead_api $how >"$conf"
    chmod 600 "$conf"
    "$OPSDECK_BIN" --once --json -c "$conf" -H "$H" >"$work/$how.json" 2>"$work/err"
    rc=$?
    g=$(jq -c '.hosts[0].golden' "$work/$how.json" 2>/dev/null)
    if jq -e '.hosts[0].golden | (.ok == false) and (.error | length > 0) and .rps == null and .error_ratio == null
            and .latency_p50_s == null and .latency_p95_s == null and .latency_p99_s == null' "$work/$how.json" >/dev/null; then
        pass "null_golden_figures_by_$how"
    else
        fail "null_golden_figures_by_$how" "exit $rc: $g $(head -c 200 "$work/err")"
    fi
    if jq -e '.hosts[0] | (.health.ok == false) and .health.http_status == null and .health.latency_s == null
            and (.ws.ok == false) and .ws.active_connections == null and .ws.messages_per_s == null' "$work/$how.json" >/dev/null; then
        pass "null_health_ws_figures_by_$how"
    else
        fail "null_health_ws_figures_by_$how" "$(jq -c '.hosts[0] | {health, ws}' "$work/$how.json" | head -c 400)"
    fi
done
# the sources that answer are untouched: Redis still has its numbers
if jq -e '.hosts[0].redis | .ok and (.used_memory_bytes | type == "number")' "$work/metrics.json" >/dev/null; then
    pass "answering_sources_keep_numbers"
else
    fail "answering_sources_keep_numbers" "$(jq -c '.hosts[0].redis' "$work/metrics.json" | head -c 300)"
fi
