#!/bin/bash
# A real deploy and a real rollback on the production sandbox host, run as
# the deploy user over ssh, as opsdeck's runbooks run them: deploy of the bad
# release (a backup first, health goes 503, the API says 1.1), a row written
# after the backup, then the rollback: the previous image runs, health is 200,
# and the row is gone (the backup was really restored). The fleet is left as
# found: 1.0 running, the data as at the start.
# shellcheck disable=SC2016 # $APP_DIR is expanded on the host, by its sshd's SetEnv
. "$(dirname "$0")/../lib.sh"
set -u

if [ -z "${SANDBOX_DIR:-}" ] || [ ! -f "$SANDBOX_DIR/sandbox.env" ]; then
    fail sandbox_env "no \$SANDBOX_DIR/sandbox.env (run through tests/run.sh)"
    exit 1
fi
# shellcheck disable=SC1091
. "$SANDBOX_DIR/sandbox.env"

A=$SBX_PRODUCTION_ADDR
API=http://$A:$SBX_PRODUCTION_API_PORT
D=$SBX_PRODUCTION_DOCKER
APP=$SBX_PRODUCTION_APP_DIR
MARK="written after the backup $$"

on_host() { # COMMAND: as the deploy user, through the host's sshd
    ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$SBX_KNOWN_HOSTS" -o ConnectTimeout=10 -p "$SBX_PRODUCTION_SSH_PORT" \
        -i "$SBX_KEY" "$SBX_USER@$A" "$1"
}
psql_p() {
    "$SBX_PSQL" -X -At -h "$A" -p "$SBX_PRODUCTION_PG_PORT" -U "$SBX_PG_USER" -d "$SBX_PG_DB" -c "$1" 2>&1
}
health_code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$API/api/v1/health"; }
health_is() { [ "$(health_code)" = "$1" ]; }
version_is() { curl -s -m 5 "$API/api/v1/health" | grep -q "\"version\": \"$1\""; }
image_is() { [ "$($D inspect -f '{{.Config.Image}}' grupo_gad_api 2>/dev/null)" = "grupogad/api:$1" ]; }
metrics_version() { curl -s -m 5 "$API/metrics" | grep -q "^build_info{version=\"$1\"} 1.0$"; }

# Whatever happens, production runs the good release again at the end.
cleanup() {
    if ! image_is "$SBX_RELEASE_GOOD"; then
        $D rm -f grupo_gad_api >/dev/null 2>&1
        runuser -u "$SBX_USER" -- "$APP/scripts/run_api.sh" "grupogad/api:$SBX_RELEASE_GOOD" >/dev/null 2>&1
        $D start grupo_gad_bot grupo_gad_caddy >/dev/null 2>&1
    fi
    psql_p "DELETE FROM tasks WHERE title = '$MARK'" >/dev/null
}
trap cleanup EXIT

# --- before: 1.0 runs and says so -----------------------------------------------
if image_is "$SBX_RELEASE_GOOD" && version_is "$SBX_RELEASE_GOOD" && metrics_version "$SBX_RELEASE_GOOD" &&
    health_is 200; then
    pass release_good_at_start
else
    fail release_good_at_start "image $($D inspect -f '{{.Config.Image}}' grupo_gad_api), health $(health_code)"
fi
backups_before=$(find "$APP/backups" -name 'pre_deploy_*.sql.gz' | wc -l)

# --- deploy the bad release as the deploy user ------------------------------------
out=$(on_host '"$APP_DIR/scripts/deploy_production.sh" '"$SBX_RELEASE_BAD" 2>&1)
rc=$?
# 2: switched, but its smoke test saw the 503 (what the bad release does)
if [ $rc = 2 ] && [[ "$out" == *"backup $APP/backups/pre_deploy_"*".sql.gz"* ]]; then
    pass deploy_bad_release_ran
else
    fail deploy_bad_release_ran "exit $rc: $out"
fi
backup=$(find "$APP/backups" -name 'pre_deploy_*.sql.gz' | sort | tail -n 1)
if [ "$(find "$APP/backups" -name 'pre_deploy_*.sql.gz' | wc -l)" = $((backups_before + 1)) ] &&
    [ "$(stat -c %U "$backup")" = "$SBX_USER" ] && gzip -dc "$backup" | grep -q 'seed task 1'; then
    pass deploy_backup_taken
else
    fail deploy_backup_taken "newest backup '$backup'"
fi
if image_is "$SBX_RELEASE_BAD" && wait_for 30 version_is "$SBX_RELEASE_BAD" &&
    metrics_version "$SBX_RELEASE_BAD" && health_is 503; then
    pass deploy_bad_release_runs
else
    fail deploy_bad_release_runs "image $($D inspect -f '{{.Config.Image}}' grupo_gad_api), health $(health_code)"
fi
if [ "$(cat "$APP/releases/previous")" = "grupogad/api:$SBX_RELEASE_GOOD" ] &&
    [ "$(cat "$APP/releases/current")" = "grupogad/api:$SBX_RELEASE_BAD" ]; then
    pass deploy_records_previous
else
    fail deploy_records_previous "previous '$(cat "$APP/releases/previous")'"
fi

# --- a row written after the backup -------------------------------------------------
psql_p "INSERT INTO tasks (title) VALUES ('$MARK')" >/dev/null
if [ "$(psql_p "SELECT count(*) FROM tasks WHERE title = '$MARK'")" = 1 ]; then
    pass row_after_backup_written
else
    fail row_after_backup_written "$(psql_p "SELECT count(*) FROM tasks WHERE title = '$MARK'")"
fi

# --- rollback, as the deploy user ------------------------------------------------------
out=$(on_host '"$APP_DIR/scripts/rollback_production.sh"' 2>&1)
rc=$?
if [ $rc = 0 ] && [[ "$out" == *"restored $backup"* ]]; then
    pass rollback_ran
else
    fail rollback_ran "exit $rc: $out"
fi
if image_is "$SBX_RELEASE_GOOD" && health_is 200 && version_is "$SBX_RELEASE_GOOD"; then
    pass rollback_previous_image_healthy
else
    fail rollback_previous_image_healthy "image $($D inspect -f '{{.Config.Image}}' grupo_gad_api), health $(health_code)"
fi
rows=$(psql_p "SELECT string_agg(title, ',' ORDER BY id) FROM tasks")
if [ "$rows" = "seed task 1,seed task 2,seed task 3" ]; then
    pass rollback_restored_backup
else
    fail rollback_restored_backup "tasks: $rows"
fi
states=$($D inspect -f '{{.Name}}={{.State.Status}}' grupo_gad_bot grupo_gad_caddy | tr '\n' ' ')
if [ "$states" = "/grupo_gad_bot=running /grupo_gad_caddy=running " ]; then
    pass rollback_others_started
else
    fail rollback_others_started "$states"
fi
# nothing left to go back to: a second rollback refuses and changes nothing
out=$(on_host '"$APP_DIR/scripts/rollback_production.sh"' 2>&1)
rc=$?
if [ $rc = 1 ] && [[ "$out" == *"no previous release recorded"* ]] && image_is "$SBX_RELEASE_GOOD"; then
    pass rollback_twice_refused
else
    fail rollback_twice_refused "exit $rc: $out"
fi

# Leave the fleet as found: the bad release's alerts resolve (bounded).
am_alerts() { curl -s -m 5 "http://$A:$SBX_PRODUCTION_AM_PORT/api/v2/alerts?active=true&silenced=false&inhibited=false"; }
alerts_clear() { [ "$(am_alerts)" = "[]" ]; }
if wait_for 90 alerts_clear; then pass release_alerts_resolve; else fail release_alerts_resolve "$(am_alerts)"; fi
