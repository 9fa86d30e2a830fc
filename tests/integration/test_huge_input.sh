#!/bin/bash
# A host that answers too much costs bounded memory and time, and says so:
# - a metrics page and a health answer that never end (a real HTTP server on
#   loopback streaming an endless body): refused at their caps (32 MiB,
#   64 KiB) with "response larger than";
# - a docker command that prints one endless line: stopped at 8 MiB with
#   "output over 8388608 bytes: the command was stopped" (not read on until
#   the timeout);
# - a Postgres query whose text is 100 MB, running on the sandbox's
#   production Postgres: listed with its text cut short (Postgres keeps
#   track_activity_query_size bytes of it), the console's memory bounded.
# Each --once comes back in bounded time with its peak memory measured.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
work=$(mktemp -d)
SRV="" PSQL_PID=""
restore() {
    [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
    [ -n "$PSQL_PID" ] && kill "$PSQL_PID" 2>/dev/null
    rm -rf "$work"
}
trap restore EXIT
RSS_MAX_KB=${RSS_MAX_KB:-262144} # 256 MiB: the caps plus the libraries

/usr/bin/python3 "$(dirname "$0")/http_server.py" 127.0.0.1 "$work/port" "$work/http.sock" &
SRV=$!
wait_for 30 test -s "$work/port" || fail huge_http_server_starts "no port written"
PORT=$(cat "$work/port")
cat >"$work/endless-docker" <<'SH'
#!/bin/sh
# the engine is reached through `docker system dial-stdio`: here it answers
# every request with a line that never ends
case "$1" in
system) exec tr -d '\n' </dev/zero | tr '\0' x ;;
*) echo '{}' ;;
esac
SH
chmod +x "$work/endless-docker"
cat >"$work/conf" <<CONF
[opsdeck]
interval = 1
audit_log = $work/audit.log
[env test]
confirm = yes
[host huge]
env = test
docker = $work/endless-docker
metrics = http://127.0.0.1:$PORT/endless
health = http://127.0.0.1:$PORT/endless
CONF
chmod 600 "$work/conf"

t0=$SECONDS
/usr/bin/time -f %M -o "$work/rss" timeout 120 "$OPSDECK_BIN" --once --json -c "$work/conf" \
    >"$work/snap.json" 2>"$work/err"
took=$((SECONDS - t0))
rss=$(tail -n 1 "$work/rss")
src() { jq -r ".hosts[0].$1.error // \"\"" "$work/snap.json"; }
if [ "$took" -lt 100 ] && [ "${rss:-999999999}" -lt "$RSS_MAX_KB" ]; then
    pass "huge_answers_bounded (${took}s, peak ${rss} KiB)"
else
    fail huge_answers_bounded "took ${took}s, peak ${rss} KiB: $(head -c 300 "$work/err")"
fi
# on a loaded machine the 3 s HTTP timeout may come first: bounded as well
case "$(src golden)" in *"response larger than"* | *"timed out after"*"bytes received"*) pass huge_metrics_page_refused ;;
*) fail huge_metrics_page_refused "golden error: $(src golden)" ;; esac
case "$(src health)" in *"response larger than"*) pass huge_health_refused ;;
*) fail huge_health_refused "health error: $(src health)" ;; esac
case "$(src containers)" in *"line is over"*"bytes"*) pass endless_docker_line_refused ;;
*) fail endless_docker_line_refused "containers error: $(src containers)" ;; esac

# --- a 100 MB query text on the sandbox's production Postgres ---------------
{
    printf 'SELECT pg_sleep(120) /* '
    head -c 100000000 /dev/zero | tr '\0' q
    printf ' */;\n'
} >"$work/huge.sql"
"$SBX_PSQL" -X -q -h "$SBX_PRODUCTION_ADDR" -p "$SBX_PRODUCTION_PG_PORT" -U "$SBX_PG_USER" \
    -d "$SBX_PG_DB" -v application_name=sbx-huge -f "$work/huge.sql" >/dev/null 2>&1 &
PSQL_PID=$!
running() {
    [ "$("$SBX_PSQL" -X -At -h "$SBX_PRODUCTION_ADDR" -p "$SBX_PRODUCTION_PG_PORT" -U "$SBX_PG_USER" \
        -d "$SBX_PG_DB" -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(120) /* qqq%'")" = 1 ]
}
wait_for 300 running || fail huge_query_running "the 100 MB query never showed in pg_stat_activity (300 s)"
rm -f "$work/huge.sql"
t0=$SECONDS
/usr/bin/time -f %M -o "$work/rss" timeout 120 "$OPSDECK_BIN" --once --json -c "$SBX_CONF" \
    -H "$SBX_PRODUCTION_NAME" >"$work/pg.json" 2>"$work/err"
took=$((SECONDS - t0))
rss=$(tail -n 1 "$work/rss")
len=$(jq '[.hosts[0].postgres.slow_queries[] | select(.query | startswith("SELECT pg_sleep(120) /* qqq")) | .query | length] | max // -1' "$work/pg.json")
if [ "${len:--1}" -gt 0 ] && [ "$len" -le 1048576 ]; then
    pass "huge_query_listed_cut ($len bytes of 100000000 shown)"
else
    fail huge_query_listed_cut "query length $len: $(jq -c '.hosts[0].postgres | {ok,error}' "$work/pg.json" 2>/dev/null)"
fi
if [ "$took" -lt 100 ] && [ "${rss:-999999999}" -lt "$RSS_MAX_KB" ]; then
    pass "huge_query_bounded (${took}s, peak ${rss} KiB)"
else
    fail huge_query_bounded "took ${took}s, peak ${rss} KiB"
fi
