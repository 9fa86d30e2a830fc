#!/bin/bash
# Numbers in a decimal-comma locale (LC_ALL=es_ES.UTF-8): the config's
# decimals pass --check, and `--once --json` on the sandbox (golden signals
# by PromQL, a firing alert, Postgres with a slow query and an idle
# transaction) gives the same fields and, within tolerance, the same figures
# as the C locale's run taken at the same moment; no source fails in the
# comma locale where it answers in C. The text snapshot writes a decimal
# point.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
C=$SBX_STAGING_CONTROL
AM=http://$SBX_STAGING_ADDR:$SBX_STAGING_AM_PORT
ALERT=LocaleProbe$$
work=$(mktemp -d)
probe_alert() { # endsAt
    curl -s -m 10 -XPOST -H 'Content-Type: application/json' "$AM/api/v2/alerts" \
        -d "[{\"labels\":{\"alertname\":\"$ALERT\",\"severity\":\"warning\"},\"annotations\":{\"summary\":\"locale test\"},\"startsAt\":\"$(date -u -d '-90 sec' +%Y-%m-%dT%H:%M:%S).250Z\",\"endsAt\":\"$1\"}]" >/dev/null
}
restore() {
    probe_alert "$(date -u +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null
    curl -s -m 30 -XPOST -d "$DEFAULTS" "$C" >/dev/null 2>&1
    rm -rf "$work"
}
trap restore EXIT

if ! locale -a | grep -qix 'es_ES.utf-\?8'; then
    fail locale_es_generated "es_ES.UTF-8 is missing: scripts/install-deps.sh generates it"
    exit 0
fi
ES="LC_ALL=es_ES.UTF-8"

# the sandbox's config with decimal thresholds, as the seed team writes them
conf=$work/opsdeck.conf
sed 's/^slow_query = .*/slow_query = 0.5/' "$SBX_CONF" >"$conf"
sed -i '/^\[opsdeck\]/a error_warn = 0.5%\nerror_crit = 50%\np95_warn = 0.25s\np95_crit = 0.75' "$conf"
chmod 600 "$conf"
out=$(env $ES "$OPSDECK_BIN" --check -c "$conf" 2>&1)
rc=$?
if [ "$rc" = 0 ]; then pass locale_check_reads_decimals; else fail locale_check_reads_decimals "exit $rc: $out"; fi

# trouble with fractional figures: a slow query, an idle transaction, an alert
curl -s -m 60 -XPOST -d '{"slow_queries":1,"idle_in_transaction":1}' "$C" >/dev/null
probe_alert "$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%SZ)"
snap() { # locale-env out
    env "$1" "$OPSDECK_BIN" --once --json -c "$conf" -H "$SBX_STAGING_NAME" -H "$SBX_PRODUCTION_NAME" >"$2" 2>>"$work/err"
}
ready() { # the slow query is past slow_query and the alert is in
    snap LC_ALL=C "$work/c.json" &&
        jq -e '.hosts[] | select(.name == "'"$SBX_STAGING_NAME"'") | (.postgres.slow_queries | length > 0) and (.alerts.items | any(.name == "'"$ALERT"'"))' "$work/c.json" >/dev/null
}
wait_for 90 ready || echo "  (not ready: $(jq -c '.hosts[] | {name, pg: .postgres.slow_queries, alerts: [.alerts.items[].name]}' "$work/c.json" 2>/dev/null | head -c 400))"

# both locales at the same moment, so the figures are comparable
snap LC_ALL=C "$work/c.json" &
snap "$ES" "$work/es.json"
rc_es=$?
wait $!
rc_c=$?
if [ "$rc_c" = "$rc_es" ]; then pass locale_once_same_exit; else fail locale_once_same_exit "C $rc_c, es_ES $rc_es: $(head -c 300 "$work/err")"; fi

# the fields present, source by source
shape='.hosts[] | .name as $n | to_entries[] | select(.value | type == "object") | "\($n).\(.key): \(.value | keys | join(","))"'
differ=$(diff <(jq -r "$shape" "$work/c.json") <(jq -r "$shape" "$work/es.json") | grep '^[<>]' | tr '\n' ' ')
if [ -z "$differ" ] && [ -n "$(jq -r "$shape" "$work/c.json")" ]; then
    pass locale_once_same_fields
else
    fail locale_once_same_fields "< C, > es_ES: $differ"
fi

# no source fails in the comma locale that answers in C; the number paths
# (PromQL, alerts, Postgres) answer in both
failing=$(jq -rn --slurpfile c "$work/c.json" --slurpfile e "$work/es.json" '
    [$c[0].hosts[] as $h | $h | to_entries[] | select(.value | type == "object" and .ok == true) |
     .key as $s | ($e[0].hosts[] | select(.name == $h.name) | .[$s]) as $x |
     select($x.ok != true) | "\($h.name).\($s): \($x.error)"] | join("; ")')
if [ -z "$failing" ]; then pass locale_no_source_fails; else fail locale_no_source_fails "$failing"; fi
for f in c es; do
    bad=$(jq -r '[.hosts[] | .name as $n | (.golden, .alerts, .postgres) | select(.ok != true) | "\($n): \(.error)"] | join("; ")' "$work/$f.json")
    if [ -z "$bad" ]; then pass "locale_number_sources_ok_$f"; else fail "locale_number_sources_ok_$f" "$bad"; fi
done

# figures within tolerance: rates move between two scrapes, configured and
# server figures do not
figures=$(jq -rn --slurpfile c "$work/c.json" --slurpfile e "$work/es.json" '
    def near($a; $b; $abs; $rel): ($a == null and $b == null) or
        ($a != null and $b != null and (($a - $b) | fabs) <= ($abs + $rel * ([$a, $b] | max | fabs)));
    [$c[0].hosts[] as $h | ($e[0].hosts[] | select(.name == $h.name)) as $x |
     (["rps", 0.5, 0.4], ["error_ratio", 0.02, 0], ["latency_p50_s", 0.05, 0.2],
      ["latency_p95_s", 0.05, 0.2], ["latency_p99_s", 0.05, 0.2]) as [$k, $abs, $rel] |
     select(near($h.golden[$k]; $x.golden[$k]; $abs; $rel) | not) | "\($h.name) \($k): \($h.golden[$k]) vs \($x.golden[$k])"] +
    [$c[0].hosts[] as $h | ($e[0].hosts[] | select(.name == $h.name)) as $x |
     select($h.postgres.connections.max != $x.postgres.connections.max or
            $h.redis.maxmemory_bytes != $x.redis.maxmemory_bytes or
            $h.health.http_status != $x.health.http_status) | "\($h.name): pg/redis/health differ"] | join("; ")')
if [ -z "$figures" ]; then pass locale_figures_within_tolerance; else fail locale_figures_within_tolerance "$figures"; fi

# Postgres ages keep their fraction (atof under a comma stopped at the point)
# and the slow query is past slow_query = 0.5 in both
pg_ok() {
    jq -e '.hosts[] | select(.name == "'"$SBX_STAGING_NAME"'") | .postgres |
        (.slow_queries | length > 0) and (.idle_in_transaction | length > 0) and
        ([.slow_queries[], .idle_in_transaction[] | .seconds] | all(. > 0.5) and any(. != floor))' "$1" >/dev/null
}
if pg_ok "$work/c.json" && pg_ok "$work/es.json"; then pass locale_postgres_seconds; else
    fail locale_postgres_seconds "C $(jq -c '.hosts[0].postgres | [.slow_queries[].seconds, .idle_in_transaction[].seconds]' "$work/c.json") es $(jq -c '.hosts[0].postgres | [.slow_queries[].seconds, .idle_in_transaction[].seconds]' "$work/es.json")"
fi
alert_in() { jq -e '[.hosts[].alerts.items[] | select(.name == "'"$ALERT"'")] | length == 1' "$1" >/dev/null; }
if alert_in "$work/c.json" && alert_in "$work/es.json"; then pass locale_alert_present; else fail locale_alert_present "$(jq -c '[.hosts[].alerts.items[].name]' "$work/es.json")"; fi

# the text snapshot writes a decimal point, never a comma
env $ES "$OPSDECK_BIN" --once -c "$conf" -H "$SBX_PRODUCTION_NAME" >"$work/text" 2>&1
if grep -qE 'rps [0-9]+\.[0-9]' "$work/text" && ! grep -qE '[0-9],[0-9]+(%|ms| |$)' "$work/text"; then
    pass locale_text_decimal_point
else
    fail locale_text_decimal_point "$(grep -E 'rps|[0-9],[0-9]' "$work/text" | head -3)"
fi
