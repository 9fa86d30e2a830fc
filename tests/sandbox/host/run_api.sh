#!/bin/sh
# scripts/run_api.sh IMAGE: creates and starts grupo_gad_api from IMAGE, as
# `docker compose up -d api` would with the stack's file: the same name,
# compose labels, health check, mounts and command for every release. Used
# by up.sh for the first release and by deploy_production.sh and
# rollback_production.sh to switch releases. Runs as the deploy user.
set -eu
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$APP_DIR/host.env"
export DOCKER_HOST
[ $# -eq 1 ] || {
    echo "usage: run_api.sh IMAGE" >&2
    exit 64
}
docker run -d --name grupo_gad_api --init --network host --restart unless-stopped \
    --label com.docker.compose.project=grupo_gad \
    --label com.docker.compose.service=api \
    --label com.docker.compose.container-number=1 \
    --label com.docker.compose.oneoff=False \
    --label com.docker.compose.project.working_dir=/opt/grupogad \
    --label com.docker.compose.project.config_files=/opt/grupogad/docker-compose.prod.yml \
    -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v /etc:/etc:ro \
    -v "$SHARE_DIR:$SHARE_DIR:ro" -v "$DATA_DIR:$DATA_DIR" \
    -e PYTHONUNBUFFERED=1 \
    --health-cmd "/usr/bin/curl -fsS -m 2 -o /dev/null $API_URL/api/v1/health" \
    --health-interval 2s --health-timeout 3s --health-retries 2 --health-start-period 5s \
    "$1" /usr/bin/python3 "$SHARE_DIR/demo_api.py" --addr "$API_ADDR" --port "$API_PORT" \
    --env "$APP_ENV" --pg "host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER" >/dev/null
