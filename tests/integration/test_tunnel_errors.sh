#!/bin/bash
# A source whose connection goes through the host's SSH tunnel says what
# happened where when the host's side cannot connect, instead of its client
# library's "server closed the connection unexpectedly":
# - Redis stopped on the host (its container stopped for real):
#   "redis: connection refused by ADDR:PORT on staging-api (through ssh)";
# - Postgres and the health check pointed where nothing listens on the host
#   (the sandbox's dead address, as the host's sshd sees it): the same words
#   with that address;
# - no source's error names the host twice; Redis started again is read.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
H=$SBX_STAGING_NAME
work=$(mktemp -d)
D() { $SBX_STAGING_DOCKER "$@"; }
restore() {
    D start grupo_gad_redis >/dev/null 2>&1
    rm -rf "$work"
}
trap restore EXIT

# the sandbox's config with staging's Postgres and health where nothing listens
conf=$work/opsdeck.conf
sed -e "s/^postgres = host=$SBX_STAGING_ADDR port=$SBX_STAGING_PG_PORT /postgres = host=$SBX_DEAD_ADDR port=$SBX_DEAD_PORT /" \
    -e "s|^health = http://$SBX_STAGING_ADDR:$SBX_STAGING_API_PORT/|health = http://$SBX_DEAD_ADDR:$SBX_DEAD_PORT/|" \
    "$SBX_CONF" >"$conf"
chmod 600 "$conf"
if ! grep -q "^postgres = host=$SBX_DEAD_ADDR port=$SBX_DEAD_PORT " "$conf" ||
    ! grep -q "^health = http://$SBX_DEAD_ADDR:$SBX_DEAD_PORT/" "$conf"; then
    fail tunnel_errors_config "the config's postgres/health lines were not rewritten: $(grep -E '^(postgres|health) =' "$SBX_CONF" | head -4)"
    exit 0
fi

snap=$work/snap.json
snapshot() { "$OPSDECK_BIN" --once --json -c "$conf" -H "$H" >"$snap" 2>"$work/err"; }
err_of() { jq -r ".hosts[0].$1.error // empty" "$snap"; }

if ! D stop -t 5 grupo_gad_redis >"$work/stop.log" 2>&1; then
    fail tunnel_errors_redis_stopped "docker stop: $(head -c 300 "$work/stop.log")"
    exit 0
fi
snapshot

want="redis: connection refused by $SBX_STAGING_ADDR:$SBX_STAGING_REDIS_PORT on $H (through ssh)"
got=$(err_of redis)
if [ "$got" = "$want" ]; then pass redis_stopped_says_where; else
    fail redis_stopped_says_where "want \"$want\", got \"$got\""
fi

want="postgres: connection refused by $SBX_DEAD_ADDR:$SBX_DEAD_PORT on $H (through ssh)"
got=$(err_of postgres)
if [ "$got" = "$want" ]; then pass postgres_refused_says_where; else
    fail postgres_refused_says_where "want \"$want\", got \"$got\""
fi

want="connection refused by $SBX_DEAD_ADDR:$SBX_DEAD_PORT on $H (through ssh)"
got=$(err_of health)
if [ "$got" = "$want" ]; then pass health_refused_says_where; else
    fail health_refused_says_where "want \"$want\", got \"$got\""
fi

if jq -r '.hosts[0] | .. | objects | .error? // empty | select(type == "string")' "$snap" |
    grep -i "closed the connection\|empty reply" >"$work/lib_words"; then
    fail no_client_library_words "$(head -3 "$work/lib_words")"
else
    pass no_client_library_words
fi

# every error the snapshot holds names the host at most once
if jq -r '.. | objects | .error? // empty | select(type == "string")' "$snap" |
    awk -v h="$H" '{ n = gsub(h, h); if (n > 1) { print; bad = 1 } } END { exit bad }' >"$work/twice"; then
    pass no_host_named_twice
else
    fail no_host_named_twice "$(head -3 "$work/twice")"
fi

# Redis back: read again, with no refusal left in its error
D start grupo_gad_redis >/dev/null 2>&1
redis_ok() {
    snapshot # exits non-zero: staging's postgres and health still fail
    [ "$(jq -r '.hosts[0].redis.ok' "$snap")" = true ]
}
if wait_for 30 redis_ok; then pass redis_started_again_is_read; else
    fail redis_started_again_is_read "$(jq -c '.hosts[0].redis | {ok, error}' "$snap")"
fi
