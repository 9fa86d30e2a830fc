#!/bin/bash
# The sandbox fleet keeps its contract (docs/HACKING.md, tests/sandbox/README.md):
# every host answers over ssh with both keys and the known host key, its
# engine runs the stack's five containers, its services answer, the demo
# API's truth can be set and is what its metrics, WebSocket stats, Postgres
# and alerts then show, and the dead and blackholed addresses behave.
# Everything changed is put back before the script ends.
. "$(dirname "$0")/../lib.sh"
set -u

if [ -z "${SANDBOX_DIR:-}" ] || [ ! -f "$SANDBOX_DIR/sandbox.env" ]; then
    fail sandbox_env "no \$SANDBOX_DIR/sandbox.env (run through tests/run.sh)"
    exit 1
fi
# shellcheck disable=SC1091
. "$SANDBOX_DIR/sandbox.env"

# v NAME: the value of the variable named NAME (SBX_<H>_... lookups).
v() { printf '%s' "${!1}"; }
cleanup() {
    for H in STAGING PRODUCTION; do
        curl -s -m 20 -XPOST -d "$DEFAULTS" "$(v SBX_${H}_CONTROL)" >/dev/null
    done
    rm -f "$ASKPASS"
}
ASKPASS=$(mktemp)
trap cleanup EXIT

sshopts() { # ADDR PORT
    echo -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$SBX_KNOWN_HOSTS" -o ConnectTimeout=5 -p "$2"
}

# --- the environment file --------------------------------------------------
check_env() {
    local k missing=""
    for k in SBX_DIR SBX_CONF SBX_USER SBX_KEY SBX_KEY_ECDSA SBX_KEY_ECDSA_PASSPHRASE \
        SBX_KNOWN_HOSTS SBX_HOSTS SBX_PG_USER SBX_PG_DB SBX_AUDIT_LOG SBX_DEAD_ADDR \
        SBX_DEAD_PORT SBX_BLACKHOLE_ADDR SBX_BLACKHOLE_PORT; do
        [ -n "${!k:-}" ] || missing="$missing $k"
    done
    for H in STAGING PRODUCTION; do
        for k in NAME ADDR SSH_PORT HOSTKEY DOCKER DOCKER_SOCK API_PORT PG_PORT REDIS_PORT \
            PROM_PORT AM_PORT CONTROL; do
            [ -n "$(v "SBX_${H}_$k")" ] || missing="$missing SBX_${H}_$k"
        done
    done
    if [ -n "$missing" ]; then fail env_keys "missing:$missing"; else pass env_keys; fi
    if [ "$SBX_HOSTS" = "staging production" ] && [ "$SBX_STAGING_NAME" = staging-api ] &&
        [ "$SBX_PRODUCTION_NAME" = prod-api ]; then
        pass env_host_names
    else
        fail env_host_names "SBX_HOSTS='$SBX_HOSTS' names $SBX_STAGING_NAME $SBX_PRODUCTION_NAME"
    fi
    if [ "$(stat -c %a "$SBX_CONF")" = 600 ] && grep -q '^\[host staging-api\]' "$SBX_CONF" &&
        grep -q '^\[host prod-api\]' "$SBX_CONF" && grep -q "^runbooks = $SBX_DIR/runbooks\$" "$SBX_CONF" &&
        [ -f "$SBX_DIR/runbooks/restart-api.yml" ]; then
        pass conf_written
    else
        fail conf_written "$SBX_CONF: mode $(stat -c %a "$SBX_CONF") or sections missing"
    fi
}

# --- ssh ----------------------------------------------------------------------
check_ssh() { # H
    local a p out
    a=$(v "SBX_${1}_ADDR")
    p=$(v "SBX_${1}_SSH_PORT")
    # shellcheck disable=SC2046
    out=$(ssh $(sshopts "$a" "$p") -i "$SBX_KEY" "$SBX_USER@$a" 'echo ok' 2>&1)
    if [ "$out" = ok ]; then pass "ssh_ed25519_$1"; else fail "ssh_ed25519_$1" "$out"; fi
    # The login is a plain deploy user, as in production: not root, /bin/sh
    # (no rc files on each exec), in the group that owns the engine's socket,
    # and root itself is refused.
    # shellcheck disable=SC2046,SC2016
    out=$(ssh $(sshopts "$a" "$p") -i "$SBX_KEY" "$SBX_USER@$a" \
        'echo "$(id -un) $(id -u) $(getent passwd "$(id -un)" | cut -d: -f7) $(stat -c %G "${DOCKER_HOST#unix://}")"; id -nG' 2>&1)
    local sock_group
    sock_group=$(stat -c %G "$(v "SBX_${1}_DOCKER_SOCK")")
    if [[ "$out" == "$SBX_USER "[1-9]*" /bin/sh $sock_group"$'\n'*"$sock_group"* ]] && [ "$SBX_USER" != root ]; then
        pass "ssh_deploy_user_$1"
    else
        fail "ssh_deploy_user_$1" "$out"
    fi
    # shellcheck disable=SC2046
    if ssh $(sshopts "$a" "$p") -i "$SBX_KEY" "root@$a" true 2>/dev/null; then
        fail "ssh_root_refused_$1" "root logged in"
    else
        pass "ssh_root_refused_$1"
    fi

    if ssh-keygen -y -P '' -f "$SBX_KEY_ECDSA" >/dev/null 2>&1; then
        fail "ssh_ecdsa_$1" "$SBX_KEY_ECDSA is not passphrase-protected"
    else
        printf '#!/bin/sh\necho "%s"\n' "$SBX_KEY_ECDSA_PASSPHRASE" >"$ASKPASS"
        chmod 0700 "$ASKPASS"
        # shellcheck disable=SC2046
        out=$(SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
            ssh $(sshopts "$a" "$p" | sed 's/BatchMode=yes/BatchMode=no/') -i "$SBX_KEY_ECDSA" \
            "$SBX_USER@$a" 'echo ok' </dev/null 2>&1)
        if [ "$out" = ok ]; then pass "ssh_ecdsa_$1"; else fail "ssh_ecdsa_$1" "$out"; fi
    fi

    local known scanned
    known=$(awk -v h="[$a]:$p" '$1 == h { print $2, $3 }' "$SBX_KNOWN_HOSTS")
    scanned=$(ssh-keyscan -T 5 -t ed25519 -p "$p" "$a" 2>/dev/null | awk '{ print $2, $3 }')
    if [ -n "$known" ] && [ "$known" = "$scanned" ] &&
        [ "$known" = "$(cut -d' ' -f1,2 "$(v "SBX_${1}_HOSTKEY")")" ]; then
        pass "hostkey_$1"
    else
        fail "hostkey_$1" "known_hosts '$known', server '$scanned'"
    fi
}

# --- the engine and its containers ---------------------------------------------
check_docker() { # H
    local d names c state want="grupo_gad_api grupo_gad_bot grupo_gad_caddy grupo_gad_db grupo_gad_redis"
    d=$(v "SBX_${1}_DOCKER")
    names=$($d ps -a --filter label=com.docker.compose.project=grupo_gad --format '{{.Names}}' | sort | xargs)
    if [ "$names" = "$want" ]; then pass "containers_named_$1"; else fail "containers_named_$1" "got '$names'"; fi
    for c in $want; do
        state=$($d inspect -f '{{.State.Status}}' "$c" 2>&1)
        [ "$state" = running ] || break
    done
    if [ "$state" = running ]; then pass "containers_running_$1"; else fail "containers_running_$1" "$c: $state"; fi
    state=$($d inspect -f '{{.State.Health.Status}}' grupo_gad_api 2>&1)
    if [ "$state" = healthy ]; then pass "api_healthy_$1"; else fail "api_healthy_$1" "health: $state"; fi

    # Over ssh, a plain "docker" reaches this host's engine (the runbook relies on it).
    local a p id_local id_ssh
    a=$(v "SBX_${1}_ADDR")
    p=$(v "SBX_${1}_SSH_PORT")
    id_local=$($d inspect -f '{{.Id}}' grupo_gad_api)
    # shellcheck disable=SC2046
    id_ssh=$(ssh $(sshopts "$a" "$p") -i "$SBX_KEY" "$SBX_USER@$a" \
        "docker inspect -f '{{.Id}}' grupo_gad_api" 2>&1)
    if [ "$id_ssh" = "$id_local" ]; then pass "ssh_docker_$1"; else fail "ssh_docker_$1" "$id_ssh"; fi
}

# --- Postgres, Redis, the demo API's endpoints ------------------------------------
psql_h() { # H SQL
    "$SBX_PSQL" -X -At -h "$(v "SBX_${1}_ADDR")" -p "$(v "SBX_${1}_PG_PORT")" \
        -U "$SBX_PG_USER" -d "$SBX_PG_DB" -c "$2" 2>&1
}
check_services() { # H
    local a out
    a=$(v "SBX_${1}_ADDR")
    out=$(psql_h "$1" 'SHOW server_version_num')
    case "$out" in 15*) pass "postgres_$1" ;; *) fail "postgres_$1" "$out" ;; esac
    out=$(redis-cli -h "$a" -p "$(v "SBX_${1}_REDIS_PORT")" PING 2>&1)
    if [ "$out" = PONG ]; then pass "redis_$1"; else fail "redis_$1" "$out"; fi

    out=$(curl -s -m 5 "http://$a:$(v "SBX_${1}_API_PORT")/metrics")
    if grep -q '^http_requests_total{handler="[^"]*",method="[A-Z]*",status="2xx"}' <<<"$out" &&
        grep -q '^http_request_duration_seconds_bucket{.*le="0.005".*}' <<<"$out" &&
        grep -q '^http_request_duration_seconds_bucket{.*le="10.0".*}' <<<"$out"; then
        pass "metrics_$1"
    else
        fail "metrics_$1" "http_requests_total or the 5 ms..10 s buckets missing"
    fi
    out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$a:$(v "SBX_${1}_API_PORT")/api/v1/health")
    if [ "$out" = 200 ]; then pass "health_$1"; else fail "health_$1" "HTTP $out"; fi
    out=$(curl -s -m 5 "http://$a:$(v "SBX_${1}_API_PORT")/ws/stats" | jq -r 'keys | join(",")' 2>&1)
    if [ "$out" = "active_connections,last_broadcast_at,total_broadcasts,total_messages_sent" ]; then
        pass "ws_stats_$1"
    else
        fail "ws_stats_$1" "keys: $out"
    fi
}

# --- the truth set through /control shows up where it should ------------------------
counter_sum() { # H STATUS_REGEX: sum of http_requests_total over matching statuses
    curl -s -m 5 "http://$(v "SBX_${1}_ADDR"):$(v "SBX_${1}_API_PORT")/metrics" |
        awk -v re="$2" '/^http_requests_total\{/ { if (match($0, /status="[^"]*"/)) {
            s = substr($0, RSTART + 8, RLENGTH - 9); if (s ~ re) n += $NF } } END { printf "%d\n", n }'
}
ws_sent_reaches() { # H N
    [ "$(curl -s -m 5 "http://$(v "SBX_${1}_ADDR"):$(v "SBX_${1}_API_PORT")/ws/stats" |
        jq -r .total_messages_sent)" -ge "$2" ]
}
requests_reach() { [ "$(counter_sum "$1" .)" -ge "$2" ]; } # H N
# "TOTAL ERRORS" from one scrape: two scrapes would count the requests made
# between them on one side only
totals() { # H
    curl -s -m 5 "http://$(v "SBX_${1}_ADDR"):$(v "SBX_${1}_API_PORT")/metrics" |
        awk '/^http_requests_total\{/ { t += $NF; if ($0 ~ /status="5/) e += $NF }
             END { printf "%d %d\n", t, e }'
}
check_control() { # H
    local c a out t0 e0 t1 e1
    c=$(v "SBX_${1}_CONTROL")
    a=$(v "SBX_${1}_ADDR")
    out=$(curl -s -m 20 -XPOST -d '{"rate":40,"error_ratio":0.25,"health":503,"ws_clients":4}' "$c")
    if [ "$(jq -r '[.rate, .error_ratio, .health, .ws_clients] | join(",")' <<<"$out")" = "40,0.25,503,4" ] &&
        [ "$(curl -s -m 5 "$c" | jq -r .health)" = 503 ]; then
        pass "control_set_$1"
    else
        fail "control_set_$1" "$out"
    fi
    out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$a:$(v "SBX_${1}_API_PORT")/api/v1/health")
    if [ "$out" = 503 ]; then pass "control_health_$1"; else fail "control_health_$1" "HTTP $out"; fi
    out=$(curl -s -m 5 "http://$a:$(v "SBX_${1}_API_PORT")/ws/stats" | jq -r .active_connections)
    if [ "$out" = 4 ]; then pass "control_ws_clients_$1"; else fail "control_ws_clients_$1" "active_connections $out"; fi
    # Broadcasts reach the clients: messages sent grows.
    local m0
    m0=$(curl -s -m 5 "http://$a:$(v "SBX_${1}_API_PORT")/ws/stats" | jq -r .total_messages_sent)
    if wait_for 10 ws_sent_reaches "$1" $((m0 + 4)); then
        pass "ws_broadcasts_$1"
    else
        fail "ws_broadcasts_$1" "total_messages_sent stuck at $m0"
    fi
    # The generated traffic: a quarter of what is counted from now on is 5xx.
    read -r t0 e0 < <(totals "$1")
    wait_for 15 requests_reach "$1" $((t0 + 60))
    read -r t1 e1 < <(totals "$1")
    if awk -v t=$((t1 - t0)) -v e=$((e1 - e0)) 'BEGIN { exit !(t >= 60 && e / t > 0.2 && e / t < 0.3) }'; then
        pass "control_traffic_$1"
    else
        fail "control_traffic_$1" "$((e1 - e0)) errors of $((t1 - t0)) requests, want 25%"
    fi
    out=$(curl -s -m 20 -XPOST -d "$DEFAULTS" "$c")
    if [ "$(jq -r '[.rate, .error_ratio, .health, .ws_active_connections] | join(",")' <<<"$out")" = "5,0,200,2" ]; then
        pass "control_reset_$1"
    else
        fail "control_reset_$1" "$out"
    fi
}

check_pg_sessions() { # H
    local c out
    c=$(v "SBX_${1}_CONTROL")
    out=$(curl -s -m 30 -w '\n%{http_code}' -XPOST \
        -d '{"idle_in_transaction":2,"slow_queries":1,"blocked_queries":1}' "$c")
    out=$(psql_h "$1" "SELECT string_agg(application_name || ':' || state || ':' ||
        coalesce(wait_event_type, '') || ':' || cardinality(pg_blocking_pids(pid)), ' '
        ORDER BY application_name) FROM pg_stat_activity WHERE application_name LIKE 'sbx-%'")
    local want="sbx-blocked:active:Lock:1 sbx-blocker:active:Timeout:0 sbx-idle:idle in transaction:Client:0 sbx-idle:idle in transaction:Client:0 sbx-slow:active:Timeout:0"
    if [ "$out" = "$want" ]; then pass "control_pg_sessions_$1"; else fail "control_pg_sessions_$1" "$out"; fi
    curl -s -m 30 -XPOST -d '{"idle_in_transaction":0,"slow_queries":0,"blocked_queries":0}' "$c" >/dev/null
    out=$(psql_h "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'sbx-%'")
    if [ "$out" = 0 ]; then pass "control_pg_reset_$1"; else fail "control_pg_reset_$1" "$out sessions left"; fi
}

# --- Prometheus and Alertmanager ---------------------------------------------------
check_monitoring() { # H
    local prom am out
    prom="http://$(v "SBX_${1}_ADDR"):$(v "SBX_${1}_PROM_PORT")"
    am="http://$(v "SBX_${1}_ADDR"):$(v "SBX_${1}_AM_PORT")"
    out=$(curl -s -m 5 "$prom/api/v1/targets" | jq -r '[.data.activeTargets[] | .labels.job + "=" + .health] | join(",")')
    if [ "$out" = "api=up" ]; then pass "prometheus_target_$1"; else fail "prometheus_target_$1" "$out"; fi
    out=$(curl -s -m 5 "$prom/api/v1/rules" | jq -r '[.data.groups[].rules[] | .name + ":" + .labels.severity] | sort | join(",")')
    if [[ "$out" == *"APIDown:critical"* && "$out" == *"HighErrorRate:critical"* && "$out" == *"HighLatencyP95:warning"* ]]; then
        pass "prometheus_rules_$1"
    else
        fail "prometheus_rules_$1" "$out"
    fi
    out=$(curl -s -m 5 "$am/api/v2/status" | jq -r .cluster.status 2>&1)
    if [ "$out" = disabled ]; then pass "alertmanager_$1"; else fail "alertmanager_$1" "status: $out"; fi
}

am_alerts() { # H: names of the active alerts in Alertmanager
    curl -s -m 5 "http://$(v "SBX_${1}_ADDR"):$(v "SBX_${1}_AM_PORT")/api/v2/alerts?active=true" |
        jq -r '[.[] | .labels.alertname + ":" + .labels.severity + ":" + .labels.env] | sort | join(",")'
}
check_alert() { # H
    local c env
    c=$(v "SBX_${1}_CONTROL")
    env=$(v "SBX_${1}_ENV")
    curl -s -m 20 -XPOST -d '{"error_ratio":0.5,"latency_s":0.8,"rate":20}' "$c" >/dev/null
    if wait_for 45 alert_present "$1" "HighErrorRate:critical:$env"; then
        pass "alert_error_rate_fires_$1"
    else
        fail "alert_error_rate_fires_$1" "no HighErrorRate in Alertmanager after 45 s: $(am_alerts "$1")"
    fi
    if wait_for 20 alert_present "$1" "HighLatencyP95:warning:$env"; then
        pass "alert_latency_fires_$1"
    else
        fail "alert_latency_fires_$1" "no HighLatencyP95 in Alertmanager: $(am_alerts "$1")"
    fi
    curl -s -m 20 -XPOST -d "$DEFAULTS" "$c" >/dev/null
    # Leave the fleet as found: the alerts resolve once the errors stop.
    if wait_for 60 alerts_clear "$1"; then
        pass "alerts_resolve_$1"
    else
        fail "alerts_resolve_$1" "still active: $(am_alerts "$1")"
    fi
}
alert_present() { [[ "$(am_alerts "$1")" == *"$2"* ]]; }
alerts_clear() { [ -z "$(am_alerts "$1")" ]; }

# --- the sandbox's runbook command runs on the host as written -------------------------
check_runbook() { # H
    local a p d cmd before after out
    a=$(v "SBX_${1}_ADDR")
    p=$(v "SBX_${1}_SSH_PORT")
    d=$(v "SBX_${1}_DOCKER")
    cmd=$(awk '/^ *run: / { sub(/^ *run: /, ""); print; exit }' "$SBX_DIR/runbooks/restart-api.yml")
    before=$($d inspect -f '{{.State.StartedAt}}' grupo_gad_api)
    # shellcheck disable=SC2046
    out=$(ssh $(sshopts "$a" "$p") -i "$SBX_KEY" "$SBX_USER@$a" "$cmd" 2>&1)
    after=$($d inspect -f '{{.State.StartedAt}}' grupo_gad_api)
    if [ -n "$cmd" ] && [ "$out" = grupo_gad_api ] && [ "$before" != "$after" ]; then
        pass "runbook_restart_$1"
    else
        fail "runbook_restart_$1" "'$cmd' said '$out'"
    fi
    if wait_for 20 api_is_healthy "$d"; then pass "runbook_healthy_again_$1"; else fail "runbook_healthy_again_$1" "not healthy 20 s after the restart"; fi
}
api_is_healthy() { [ "$($1 inspect -f '{{.State.Health.Status}}' grupo_gad_api)" = healthy ]; }

# --- the addresses that fail ---------------------------------------------------------
check_failing_addrs() {
    local rc t0
    t0=$SECONDS
    timeout 5 bash -c "exec 3<>/dev/tcp/$SBX_DEAD_ADDR/$SBX_DEAD_PORT" 2>/dev/null
    rc=$?
    if [ $rc = 1 ] && [ $((SECONDS - t0)) -le 1 ]; then pass dead_refuses; else fail dead_refuses "exit $rc"; fi
    timeout 2 bash -c "exec 3<>/dev/tcp/$SBX_BLACKHOLE_ADDR/$SBX_BLACKHOLE_PORT" 2>/dev/null
    rc=$?
    if [ $rc = 124 ]; then pass blackhole_drops; else fail blackhole_drops "connect ended with exit $rc, want a timeout"; fi
}

check_env
for H in STAGING PRODUCTION; do
    check_ssh "$H"
    check_docker "$H"
    check_services "$H"
    check_monitoring "$H"
done
check_control STAGING
check_pg_sessions PRODUCTION
check_alert PRODUCTION
check_failing_addrs
check_runbook STAGING
