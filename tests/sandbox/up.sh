#!/bin/bash
# shellcheck disable=SC2086 # ${DOCKER[h]} is a command with its arguments
# Starts the sandbox fleet in DIR and writes DIR/sandbox.env (the contract in
# docs/HACKING.md, every key in tests/sandbox/README.md):
#
#   tests/sandbox/up.sh DIR
#
# Two hosts on loopback addresses 127.A.B.10 (staging-api) and 127.A.B.20
# (prod-api), A.B random per copy, each with its own sshd, dockerd (running
# grupo_gad_api, _db, _redis, _caddy, _bot), Prometheus and Alertmanager. On
# any failure it stops what it started (down.sh) and exits non-zero.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$HERE/lib.sh"

[ $# -eq 1 ] || die "usage: up.sh DIR"
mkdir -p "$1"
DIR=$(cd "$1" && pwd)
# The engines' unix sockets live under DIR; their paths must fit in 108 bytes.
[ ${#DIR} -le 55 ] || die "$DIR: path too long for the engines' sockets (55 characters at most)"
# A fresh directory: keys and data from an earlier run are never reused.
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty (give up.sh a new directory)"
[ "$(id -u)" = 0 ] || die "needs root (dockerd, iptables)"
T0=$(date +%s.%N)

ok=no
on_exit() {
    if [ "$ok" != yes ] && [ "${SBX_KEEP_ON_FAIL:-}" = 1 ]; then
        say "start failed; left running for a look (SBX_KEEP_ON_FAIL=1): down.sh $DIR"
    elif [ "$ok" != yes ]; then
        say "start failed; stopping what was started"
        "$HERE/down.sh" "$DIR" >&2 || true
    fi
}
trap on_exit EXIT
trap 'exit 1' INT TERM

HOSTS="staging production"
declare -A NAME=([staging]=staging-api [production]=prod-api)
declare -A OCTET=([staging]=10 [production]=20)
declare -A ADDR SSH_PORT API_PORT PG_PORT REDIS_PORT PROM_PORT AM_PORT CADDY_PORT NODE_PORT DOCKER
USER_NAME=$SBX_DEPLOY_USER # the hosts' login: plain, /bin/sh, docker group
PG_USER=grupogad_user
PG_DB=grupogad
PG_UID=$(id -u postgres)
PG_GID=$(id -g postgres)
# The demo API's releases, as images on every host: 1.0 good (runs at start),
# 1.1 bad (health 503, half the requests fail).
RELEASE_GOOD=1.0
RELEASE_BAD=1.1

# --- addresses and ports -----------------------------------------------------
# A copy claims its 127.A.B.0/24 (claim_net), so two copies started at the
# same moment never share addresses; down.sh releases the claim.
net=$(claim_net "$DIR") || die "no free 127.x.y.0/24 found"

for h in $HOSTS; do
    a="$net.${OCTET[$h]}"
    ADDR[$h]=$a
    SSH_PORT[$h]=$(pick_port "$a")
    API_PORT[$h]=$(pick_port "$a")
    PG_PORT[$h]=$(pick_port "$a")
    REDIS_PORT[$h]=$(pick_port "$a")
    PROM_PORT[$h]=$(pick_port "$a")
    AM_PORT[$h]=$(pick_port "$a")
    CADDY_PORT[$h]=$(pick_port "$a")
    # node_exporter on production only: staging shows saturation the other
    # way, from its containers
    [ "$h" = production ] && NODE_PORT[$h]=$(pick_port "$a")
    DOCKER[$h]="$SBX_DOCKER_BIN -H unix://$DIR/$h/docker.sock"
done
DEAD_ADDR="$net.30"
DEAD_PORT=$(pick_port "$DEAD_ADDR")
BLACKHOLE_ADDR="$net.40"
BLACKHOLE_PORT=$(pick_port "$BLACKHOLE_ADDR")

# The postgres uid must reach its data directory inside DIR.
chmod 0711 "$DIR"
mkdir -p "$DIR/keys" "$DIR/share"
cp "$HERE/demo_api.py" "$HERE/alert_rules.yml" "$DIR/share/"
mkdir -p "$DIR/runbooks" && cp "$HERE"/runbooks/*.yml "$DIR/runbooks/"
for h in $HOSTS; do
    install -d -m 0711 "$DIR/$h" "$DIR/$h/data"
    mkdir -p "$DIR/$h/prometheus" "$DIR/$h/alertmanager" "$DIR/$h/data/redis" "$DIR/$h/data/www"
    install -d -o postgres -g postgres -m 0700 "$DIR/$h/data/pgsock"
done

# --- each host's /opt/grupogad: deploy and rollback, backups, releases -------
# Owned by the deploy user, who runs the scripts through opsdeck as on a
# real host. host.env is what the scripts know about their host.
ensure_deploy_user || die "could not create the deploy user $SBX_DEPLOY_USER"
make_app_dir() { # HOST
    local h=$1 app=$DIR/$1/opt/grupogad u=$SBX_DEPLOY_USER
    install -d -m 0711 "$DIR/$h/opt"
    install -d -o "$u" -g "$u" -m 0755 "$app" "$app/scripts" "$app/releases"
    install -d -o "$u" -g "$u" -m 0700 "$app/backups"
    # opsdeck's runbook runs and locks (state_dir =): one per host, since every
    # host shares this machine's /tmp
    install -d -o "$u" -g "$u" -m 0700 "$DIR/$h/opsdeck-state"
    install -o "$u" -g "$u" -m 0755 "$HERE/host/run_api.sh" "$HERE/host/deploy_production.sh" \
        "$HERE/host/rollback_production.sh" "$app/scripts/"
    install -o "$u" -g "$u" -m 0644 "$HERE/host/common.sh" "$app/scripts/"
    cat >"$app/host.env" <<EOF
# Written by tests/sandbox/up.sh: what this host's scripts know about it.
APP_HOST=${NAME[$h]}
APP_ENV=$h
DOCKER_HOST=unix://$DIR/$h/docker.sock
API_ADDR=${ADDR[$h]}
API_PORT=${API_PORT[$h]}
API_URL=http://${ADDR[$h]}:${API_PORT[$h]}
PGHOST=${ADDR[$h]}
PGPORT=${PG_PORT[$h]}
PGUSER=$PG_USER
PGDATABASE=$PG_DB
PG_BIN=$SBX_PG_BIN
SHARE_DIR=$DIR/share
DATA_DIR=$DIR/$h/data
EOF
    chown "$u:$u" "$app/host.env"
}
for h in $HOSTS; do make_app_dir "$h"; done

# --- engines first: they take longest ----------------------------------------
for h in $HOSTS; do
    start_engine "$DIR" "$h"
done

# --- Postgres: one initdb, copied to each host --------------------------------
make_pg_template() {
    local t=$DIR/pgtemplate
    install -d -o postgres -g postgres -m 0700 "$t"
    runuser -u postgres -- "$SBX_PG_BIN/initdb" -D "$t" -U "$PG_USER" -A trust \
        -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1
    # The hosts' addresses are not 127.0.0.1: trust all of loopback.
    echo "host all all 127.0.0.0/8 trust" >>"$t/pg_hba.conf"
    echo "CREATE DATABASE $PG_DB;" |
        runuser -u postgres -- "$SBX_PG_BIN/postgres" --single -D "$t" postgres >>"$DIR/initdb.log" 2>&1
    # The app's data, so a backup and a restore have something to carry.
    printf '%s\n' "CREATE TABLE tasks (id serial PRIMARY KEY, title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());" \
        "INSERT INTO tasks (title) VALUES ('seed task 1'), ('seed task 2'), ('seed task 3');" |
        runuser -u postgres -- "$SBX_PG_BIN/postgres" --single -j -D "$t" "$PG_DB" >>"$DIR/initdb.log" 2>&1
    for h in $HOSTS; do cp -a "$t" "$DIR/$h/data/pg"; done
    rm -rf "$t"
}
make_pg_template &
pg_template_job=$!

# --- keys ----------------------------------------------------------------------
ECDSA_PASS="sbx-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
ssh-keygen -q -t ed25519 -N '' -C sbx-user -f "$DIR/keys/id_ed25519"
ssh-keygen -q -t ecdsa -b 256 -N "$ECDSA_PASS" -C sbx-user-ecdsa -f "$DIR/keys/id_ecdsa"
cat "$DIR/keys/id_ed25519.pub" "$DIR/keys/id_ecdsa.pub" >"$DIR/keys/authorized_keys"
: >"$DIR/known_hosts"
for h in $HOSTS; do
    ssh-keygen -q -t ed25519 -N '' -C "${NAME[$h]}" -f "$DIR/$h/ssh_host_ed25519_key"
    echo "[${ADDR[$h]}]:${SSH_PORT[$h]} $(cut -d' ' -f1,2 "$DIR/$h/ssh_host_ed25519_key.pub")" \
        >>"$DIR/known_hosts"
done

# --- sshd ----------------------------------------------------------------------
# Sessions get DOCKER_HOST, so a plain "docker" on a host reaches that host's
# engine, as it would on a real one, and APP_DIR, the host's /opt/grupogad
# (every copy's hosts share this machine, so the path differs per host).
mkdir -p /run/sshd
for h in $HOSTS; do
    cat >"$DIR/$h/sshd_config" <<EOF
ListenAddress ${ADDR[$h]}:${SSH_PORT[$h]}
HostKey $DIR/$h/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile $DIR/keys/authorized_keys
StrictModes no
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $USER_NAME
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
SetEnv DOCKER_HOST=unix://$DIR/$h/docker.sock SBX_HOST=${NAME[$h]} APP_DIR=$DIR/$h/opt/grupogad
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
    spawn "$DIR/$h/sshd.pid" "$DIR/$h/sshd.log" /usr/sbin/sshd -D -e -f "$DIR/$h/sshd_config"
done

# --- Prometheus and Alertmanager, one pair per host ------------------------------
for h in $HOSTS; do
    cat >"$DIR/$h/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
  external_labels: {env: $h, host: ${NAME[$h]}}
rule_files: ["$DIR/share/alert_rules.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["${ADDR[$h]}:${AM_PORT[$h]}"]}]
scrape_configs:
  - job_name: api
    metrics_path: /metrics
    static_configs: [{targets: ["${ADDR[$h]}:${API_PORT[$h]}"], labels: {instance_name: grupo_gad_api}}]
EOF
    cat >"$DIR/$h/alertmanager.yml" <<EOF
route:
  receiver: sandbox
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sandbox
EOF
    spawn "$DIR/$h/prometheus.pid" "$DIR/$h/prometheus.log" prometheus \
        --config.file="$DIR/$h/prometheus.yml" --storage.tsdb.path="$DIR/$h/prometheus" \
        --storage.tsdb.retention.time=1h --web.listen-address="${ADDR[$h]}:${PROM_PORT[$h]}" \
        --web.enable-lifecycle --log.level=warn
    spawn "$DIR/$h/alertmanager.pid" "$DIR/$h/alertmanager.log" prometheus-alertmanager \
        --config.file="$DIR/$h/alertmanager.yml" --storage.path="$DIR/$h/alertmanager" \
        --web.listen-address="${ADDR[$h]}:${AM_PORT[$h]}" --cluster.listen-address= \
        --log.level=warn
    if [ -n "${NODE_PORT[$h]:-}" ]; then
        # this machine's CPU, memory and root filesystem, as the host's
        spawn "$DIR/$h/node_exporter.pid" "$DIR/$h/node_exporter.log" prometheus-node-exporter \
            --web.listen-address="${ADDR[$h]}:${NODE_PORT[$h]}" --collector.disable-defaults \
            --collector.cpu --collector.meminfo --collector.filesystem --log.level=warn
    fi
done

# --- containers --------------------------------------------------------------------
make_rootfs() { # a busybox-static root filesystem, as a tar
    local r=$DIR/rootfs a
    mkdir -p "$r/bin" "$r/etc" "$r/usr" "$r/lib" "$r/lib64" "$r/tmp" "$r/proc" "$r/sys" \
        "$r/dev" "$r/run" "$r/var/run"
    chmod 1777 "$r/tmp"
    cp /bin/busybox "$r/bin/busybox"
    # every applet's link in one process (an ln per applet is 400 forks,
    # which a loaded machine makes slow)
    /bin/busybox --list | /usr/bin/python3 -c 'import os, sys
for a in sys.stdin.read().split():
    if a != "busybox":
        os.symlink("busybox", os.path.join(sys.argv[1], a))' "$r/bin"
    tar -C "$r" -cf "$DIR/rootfs.tar" .
    rm -rf "$r"
}
make_rootfs

# run_container HOST SERVICE IMAGE [docker-run options...] -- COMMAND...
# Named and labelled as docker compose names the real stack's containers.
run_container() {
    local h=$1 svc=$2 image=$3
    shift 3
    local opts=()
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    ${DOCKER[$h]} run -d --name "grupo_gad_$svc" --init --network host \
        --restart unless-stopped \
        --label com.docker.compose.project=grupo_gad \
        --label "com.docker.compose.service=$svc" \
        --label com.docker.compose.container-number=1 \
        --label com.docker.compose.oneoff=False \
        --label com.docker.compose.project.working_dir=/opt/grupogad \
        --label com.docker.compose.project.config_files=/opt/grupogad/docker-compose.prod.yml \
        -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v /etc:/etc:ro \
        -v "$DIR/share:$DIR/share:ro" -v "$DIR/$h/data:$DIR/$h/data" \
        "${opts[@]}" "$image" "$@" >/dev/null
}

for h in $HOSTS; do
    wait_cmd 120 ${DOCKER[$h]} version || die "$h: dockerd did not start (see $DIR/$h/dockerd.log)"
    ${DOCKER[$h]} import -c 'CMD ["/bin/sh"]' "$DIR/rootfs.tar" sbx/busybox:latest >/dev/null
    for image in postgres:15 redis:7 caddy:2 grupogad/bot:latest; do
        ${DOCKER[$h]} tag sbx/busybox:latest "$image"
    done
    # The API's releases: the same filesystem (its one layer is shared), each
    # image saying which release it is, as a real build would.
    for v in $RELEASE_GOOD $RELEASE_BAD; do
        ${DOCKER[$h]} import -c 'CMD ["/bin/sh"]' -c "ENV APP_VERSION=$v" \
            -c "LABEL org.opencontainers.image.version=$v" "$DIR/rootfs.tar" "grupogad/api:$v" >/dev/null
    done
done
rm -f "$DIR/rootfs.tar"
wait "$pg_template_job" || die "initdb failed (see $DIR/initdb.log)"

for h in $HOSTS; do
    a=${ADDR[$h]}
    d=$DIR/$h/data
    run_container "$h" db postgres:15 --user "$PG_UID:$PG_GID" --stop-signal SIGINT -- \
        "$SBX_PG_BIN/postgres" -D "$d/pg" -c "listen_addresses=$a" -c "port=${PG_PORT[$h]}" \
        -c "unix_socket_directories=$d/pgsock" -c shared_buffers=16MB -c max_connections=60 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c client_connection_check_interval=1000
    run_container "$h" redis redis:7 -- /usr/bin/redis-server --bind "$a" \
        --port "${REDIS_PORT[$h]}" --dir "$d/redis" --save '' --appendonly no \
        --maxmemory 64mb --maxmemory-policy allkeys-lru --protected-mode no
    # the API as a deploy starts it: the host's own script, as the deploy user
    runuser -u "$SBX_DEPLOY_USER" -- "$DIR/$h/opt/grupogad/scripts/run_api.sh" "grupogad/api:$RELEASE_GOOD" ||
        die "$h: could not start grupo_gad_api"
    echo "grupogad/api:$RELEASE_GOOD" >"$DIR/$h/opt/grupogad/releases/current"
    echo "<h1>grupo_gad ${NAME[$h]}</h1>" >"$d/www/index.html"
    run_container "$h" caddy caddy:2 -- /bin/busybox httpd -f -p "$a:${CADDY_PORT[$h]}" -h "$d/www"
    run_container "$h" bot grupogad/bot:latest -- \
        /bin/sh -c 'while :; do sleep 3600; done' grupo_gad_bot "$d"
done

# --- the packets to the blackhole address are dropped --------------------------
BLACKHOLE_RULE="INPUT -d $BLACKHOLE_ADDR/32 -p tcp --dport $BLACKHOLE_PORT -m comment --comment opsdeck-sbx:$DIR -j DROP"
echo "BLACKHOLE_RULE=\"$BLACKHOLE_RULE\"" >>"$DIR/down.env"
# shellcheck disable=SC2086
iptables -w 5 -I $BLACKHOLE_RULE

# --- wait until every service answers (bounded) --------------------------------
for h in $HOSTS; do
    a=${ADDR[$h]}
    for p in "${SSH_PORT[$h]}" "${API_PORT[$h]}" "${PG_PORT[$h]}" "${REDIS_PORT[$h]}" \
        "${PROM_PORT[$h]}" "${AM_PORT[$h]}" "${CADDY_PORT[$h]}" ${NODE_PORT[$h]:-}; do
        wait_listening 30 "$a" "$p" || die "$h: nothing listens on $a:$p (logs in $DIR/$h)"
    done
    wait_cmd 30 "$SBX_PG_BIN/pg_isready" -q -h "$a" -p "${PG_PORT[$h]}" || die "$h: postgres not ready"
    wait_cmd 30 curl -sf "http://$a:${AM_PORT[$h]}/-/ready" || die "$h: alertmanager not ready"
    # A few keys, so the cache is not empty.
    for i in 1 2 3 4 5; do
        redis-cli -h "$a" -p "${REDIS_PORT[$h]}" SET "grupogad:cache:task:$i" "{\"id\":$i}" >/dev/null
    done
done
api_healthy() { [ "$(${DOCKER[$1]} inspect -f '{{.State.Health.Status}}' grupo_gad_api)" = healthy ]; }
prom_scraped() {
    curl -sf "http://${ADDR[$1]}:${PROM_PORT[$1]}/api/v1/query?query=up" | grep -q '"value":\[[0-9.]*,"1"\]'
}
for h in $HOSTS; do
    wait_cmd 90 api_healthy "$h" || die "$h: grupo_gad_api is not healthy"
    wait_cmd 90 prom_scraped "$h" || die "$h: prometheus has not scraped the api"
done

# --- opsdeck.conf and sandbox.env ------------------------------------------------
CONF=$DIR/opsdeck.conf
umask 077
{
    cat <<EOF
; Written by tests/sandbox/up.sh for the sandbox in $DIR
[opsdeck]
interval = 1
audit_log = $DIR/audit.log
slow_query = 1
idle_txn = 5
runbooks = $DIR/runbooks

[env staging]
confirm = yes

[env production]
confirm = typed
EOF
    for h in $HOSTS; do
        a=${ADDR[$h]}
        api="http://$a:${API_PORT[$h]}"
        cat <<EOF

[host ${NAME[$h]}]
env = $h
ssh = $USER_NAME@$a:${SSH_PORT[$h]}
identity = $DIR/keys/id_ed25519
known_hosts = $DIR/known_hosts
docker = ${DOCKER[$h]}
metrics = $api/metrics
health = $api/api/v1/health
ws_stats = $api/ws/stats
prometheus = http://$a:${PROM_PORT[$h]}
; the sandbox's Prometheus scrapes every second: a short window follows
; a change of traffic within seconds
promql_window = 10s
alertmanager = http://$a:${AM_PORT[$h]}${NODE_PORT[$h]:+
node_metrics = http://$a:${NODE_PORT[$h]}/metrics}
postgres = host=$a port=${PG_PORT[$h]} dbname=$PG_DB user=$PG_USER
redis = $a:${REDIS_PORT[$h]}
; the hosts share this machine: each its own runbook runs and locks
state_dir = $DIR/$h/opsdeck-state
EOF
    done
} >"$CONF.tmp"
mv "$CONF.tmp" "$CONF"

ENVF=$DIR/sandbox.env
{
    echo "SBX_DIR=$DIR"
    echo "SBX_CONF=$CONF"
    echo "SBX_USER=$USER_NAME"
    echo "SBX_KEY=$DIR/keys/id_ed25519"
    echo "SBX_KEY_ECDSA=$DIR/keys/id_ecdsa"
    echo "SBX_KEY_ECDSA_PASSPHRASE=$ECDSA_PASS"
    echo "SBX_KNOWN_HOSTS=$DIR/known_hosts"
    echo "SBX_AUDIT_LOG=$DIR/audit.log"
    echo "SBX_HOSTS=\"$HOSTS\""
    echo "SBX_PG_USER=$PG_USER"
    echo "SBX_PG_DB=$PG_DB"
    echo "SBX_PSQL=$SBX_PG_BIN/psql"
    echo "SBX_RELEASE_GOOD=$RELEASE_GOOD"
    echo "SBX_RELEASE_BAD=$RELEASE_BAD"
    for h in $HOSTS; do
        H=${h^^}
        a=${ADDR[$h]}
        echo "SBX_${H}_NAME=${NAME[$h]}"
        echo "SBX_${H}_ENV=$h"
        echo "SBX_${H}_ADDR=$a"
        echo "SBX_${H}_SSH_PORT=${SSH_PORT[$h]}"
        echo "SBX_${H}_HOSTKEY=$DIR/$h/ssh_host_ed25519_key.pub"
        echo "SBX_${H}_DOCKER=\"${DOCKER[$h]}\""
        echo "SBX_${H}_DOCKER_SOCK=$DIR/$h/docker.sock"
        echo "SBX_${H}_API_PORT=${API_PORT[$h]}"
        echo "SBX_${H}_PG_PORT=${PG_PORT[$h]}"
        echo "SBX_${H}_REDIS_PORT=${REDIS_PORT[$h]}"
        echo "SBX_${H}_PROM_PORT=${PROM_PORT[$h]}"
        echo "SBX_${H}_AM_PORT=${AM_PORT[$h]}"
        echo "SBX_${H}_CADDY_PORT=${CADDY_PORT[$h]}"
        echo "SBX_${H}_NODE_PORT=${NODE_PORT[$h]:-}"
        echo "SBX_${H}_CONTROL=http://$a:${API_PORT[$h]}/control"
        echo "SBX_${H}_APP_DIR=$DIR/$h/opt/grupogad"
    done
    echo "SBX_DEAD_ADDR=$DEAD_ADDR"
    echo "SBX_DEAD_PORT=$DEAD_PORT"
    echo "SBX_BLACKHOLE_ADDR=$BLACKHOLE_ADDR"
    echo "SBX_BLACKHOLE_PORT=$BLACKHOLE_PORT"
} >"$ENVF.tmp"
chmod 0600 "$ENVF.tmp"
mv "$ENVF.tmp" "$ENVF"
ok=yes
say "up in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s: $ENVF"
