# shellcheck shell=sh
# Shared by the host's deploy and rollback scripts (sourced): the host's
# settings, logging, and the bounded waits both need. POSIX sh: the deploy
# user's shell is /bin/sh.
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$APP_DIR/host.env"
export DOCKER_HOST PGHOST PGPORT PGUSER PGDATABASE
# A restore never waits forever behind someone's lock: it fails and says so.
export PGOPTIONS="-c lock_timeout=10s"
SCRIPT=$(basename "$0" .sh)

log() { printf '%s %s: %s\n' "$(date -u +%H:%M:%S)" "$SCRIPT" "$*"; }
die() {
    printf '%s %s: FAILED: %s\n' "$(date -u +%H:%M:%S)" "$SCRIPT" "$*" >&2
    exit 1
}

# One deploy or rollback at a time on this host (mkdir is atomic).
take_lock() {
    mkdir "$APP_DIR/releases/.lock" 2>/dev/null ||
        die "another deploy or rollback holds $APP_DIR/releases/.lock ($(cat "$APP_DIR/releases/.lock/holder" 2>/dev/null))"
    echo "$SCRIPT pid $$ since $(date -u +%FT%TZ)" >"$APP_DIR/releases/.lock/holder"
    trap 'rm -rf "$APP_DIR/releases/.lock"' EXIT
    trap 'exit 130' INT TERM HUP
}

# health_status: the HTTP status of the API's health check (000: no answer).
health_status() {
    curl -s -m 3 -o /dev/null -w '%{http_code}' "$API_URL/api/v1/health" 2>/dev/null || true
}

# wait_health SECONDS: until the health check answers 200 (0), or the time
# is up (1); prints the last status seen.
wait_health() {
    _end=$(($(date +%s) + $1))
    while :; do
        _s=$(health_status)
        [ "$_s" = 200 ] && break
        [ "$(date +%s)" -ge "$_end" ] && break
        sleep 0.5
    done
    echo "$_s"
    [ "$_s" = 200 ]
}

# backup FILE: pg_dump of the app's database, gzip'd, written whole or not at all.
backup() {
    "$PG_BIN/pg_dump" --clean --if-exists --no-owner -Z 6 -f "$1.part" ||
        die "pg_dump of $PGDATABASE at $PGHOST:$PGPORT failed"
    mv "$1.part" "$1"
    log "backup $1 ($(stat -c %s "$1") bytes)"
}

# switch_api IMAGE: replaces grupo_gad_api by a container of IMAGE.
switch_api() {
    docker rm -f grupo_gad_api >/dev/null 2>&1 || true
    "$APP_DIR/scripts/run_api.sh" "$1" || die "could not start grupo_gad_api from $1"
    log "grupo_gad_api runs $1"
}
