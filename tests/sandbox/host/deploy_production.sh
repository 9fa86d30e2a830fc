#!/bin/sh
# scripts/deploy_production.sh [--no-smoke] VERSION: the sandbox's deploy, doing what the
# stack's scripts/deploy_production.sh does for the API:
#   1. a backup of the app's Postgres, backups/pre_deploy_<UTC timestamp>.sql.gz
#   2. the running release recorded as the previous one (releases/previous)
#   3. grupo_gad_api switched to grupogad/api:VERSION (releases/current)
#   4. smoke test: the health check must answer 200 within SMOKE_S seconds
#      (--no-smoke leaves it to the caller: a runbook's verify step)
# Exit 0 deployed and healthy; 1 not deployed (nothing switched); 2 deployed
# but the smoke test failed (roll back with scripts/rollback_production.sh).
set -eu
# shellcheck source=tests/sandbox/host/common.sh
. "$(dirname "$0")/common.sh"
SMOKE_S=${SMOKE_S:-5}

smoke=yes
if [ "${1:-}" = --no-smoke ]; then
    smoke=no
    shift
fi
[ $# -eq 1 ] || die "usage: deploy_production.sh [--no-smoke] VERSION"
version=$1
case $version in '' | *[!0-9A-Za-z._-]*) die "bad version '$version'" ;; esac
image=grupogad/api:$version
take_lock
docker image inspect "$image" >/dev/null 2>&1 || die "no image $image on $APP_HOST"
current=$(docker inspect -f '{{.Config.Image}}' grupo_gad_api 2>/dev/null) ||
    die "grupo_gad_api does not exist on $APP_HOST"
[ "$current" != "$image" ] || die "$image already runs on $APP_HOST"
log "deploying $image on $APP_HOST (running: $current)"

stamp=$(date -u +%Y%m%d_%H%M%S)
while [ -e "$APP_DIR/backups/pre_deploy_$stamp.sql.gz" ]; do # one per second at most
    sleep 1
    stamp=$(date -u +%Y%m%d_%H%M%S)
done
backup "$APP_DIR/backups/pre_deploy_$stamp.sql.gz"

echo "$current" >"$APP_DIR/releases/previous.tmp"
mv "$APP_DIR/releases/previous.tmp" "$APP_DIR/releases/previous"
switch_api "$image"
echo "$image" >"$APP_DIR/releases/current.tmp"
mv "$APP_DIR/releases/current.tmp" "$APP_DIR/releases/current"

if [ $smoke = no ]; then
    log "$image deployed (previous: $current); no smoke test here (--no-smoke)"
elif status=$(wait_health "$SMOKE_S"); then
    log "smoke test passed: health 200; $image deployed (previous: $current)"
else
    log "smoke test FAILED: health answered $status within ${SMOKE_S}s; roll back with scripts/rollback_production.sh"
    exit 2
fi
