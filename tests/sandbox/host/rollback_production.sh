#!/bin/sh
# scripts/rollback_production.sh [--backup-file FILE]: the sandbox's rollback,
# doing what the stack's scripts/rollback_production.sh does:
#   1. stop the API, the bot and Caddy
#   2. an emergency backup of the current database (backups/emergency_*.sql.gz)
#   3. restore the newest backups/pre_deploy_*.sql.gz (or FILE) into Postgres
#   4. start the previous release (releases/previous) as grupo_gad_api
#   5. start the bot and Caddy again
#   6. verify: the health check answers 200 within VERIFY_S seconds
# Exit 0 rolled back and healthy; 1 failed (the step is named); 2 rolled back
# but the health check did not pass.
set -eu
# shellcheck source=tests/sandbox/host/common.sh
. "$(dirname "$0")/common.sh"
VERIFY_S=${VERIFY_S:-30}

file=""
case "${1:-}" in
--backup-file) file=${2:?--backup-file needs a file} ;;
"") ;;
*) die "usage: rollback_production.sh [--backup-file FILE]" ;;
esac
take_lock
previous=$(cat "$APP_DIR/releases/previous" 2>/dev/null) ||
    die "no previous release recorded in $APP_DIR/releases/previous"
if [ -z "$file" ]; then
    # names carry a sortable UTC timestamp: the last is the newest
    file=$(find "$APP_DIR/backups" -maxdepth 1 -name 'pre_deploy_*.sql.gz' | sort | tail -n 1)
    [ -n "$file" ] || die "no pre_deploy_*.sql.gz in $APP_DIR/backups"
fi
[ -f "$file" ] || die "$file: no such backup"
gzip -t "$file" || die "$file: not a whole gzip file"
log "rolling back $APP_HOST to $previous with $file"

log "stopping grupo_gad_api grupo_gad_bot grupo_gad_caddy"
docker stop -t 10 grupo_gad_api grupo_gad_bot grupo_gad_caddy >/dev/null ||
    die "could not stop the services"

backup "$APP_DIR/backups/emergency_$(date -u +%Y%m%d_%H%M%S).sql.gz"

log "restoring $file into $PGDATABASE"
gzip -dc "$file" | "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 --single-transaction >/dev/null ||
    die "restore of $file failed (the database is as it was before the restore)"
log "restored $file"

switch_api "$previous"
echo "$previous" >"$APP_DIR/releases/current.tmp"
mv "$APP_DIR/releases/current.tmp" "$APP_DIR/releases/current"
rm -f "$APP_DIR/releases/previous" # rolled back once; a second rollback has nowhere to go

docker start grupo_gad_bot grupo_gad_caddy >/dev/null || die "could not start the bot and Caddy"
log "started grupo_gad_bot grupo_gad_caddy"

if status=$(wait_health "$VERIFY_S"); then
    log "verified: health 200; $APP_HOST runs $previous"
else
    log "health answered $status within ${VERIFY_S}s after the rollback"
    exit 2
fi
