#!/bin/bash
# A fleet of N lightweight hosts for scale tests and bench/scale.sh, beside
# (never instead of) the sandbox of up.sh; stopped by down.sh like it:
#
#   tests/sandbox/fleet.sh DIR N     writes DIR/fleet.env and DIR/opsdeck.conf
#   tests/sandbox/down.sh DIR        stops it, also after a failed start
#
# Each host is one sshd on its own address 127.A.B.I (I = 1..N) of a
# 127.A.B.0/24 claimed as up.sh claims one (so never an address of another
# copy or of the normal sandbox), with its own ed25519 host key and its own
# known_hosts line, accepting the sandbox's deploy user (lib.sh) with this
# fleet's key. No dockerd: the hosts say `docker = none`. One metrics and
# health server (fleet_server.py, /usr/bin/python3) on 127.A.B.254 is
# shared by every host: opsdeck reaches it through each host's tunnel, as
# it would reach each host's own API. Nothing leaves loopback.
#
# opsdeck.conf: [env fleet] and hosts fleet-001..fleet-N (interval 2), each
# with metrics (the API's exposition), node_metrics (node_exporter-style,
# this machine's /proc) and health. fleet.env (shell-sourceable):
# FLEET_DIR, FLEET_N, FLEET_CONF, FLEET_NET (127.A.B), FLEET_KEY,
# FLEET_KNOWN_HOSTS, FLEET_USER, FLEET_SERVER (http://ADDR:PORT), and per
# host I: FLEET_ADDR_I, FLEET_PORT_I (sshd).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$HERE/lib.sh"

[ $# -eq 2 ] || die "usage: fleet.sh DIR N"
N=$2
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ] || [ "$N" -gt 250 ]; then die "N: 1 to 250 hosts"; fi
mkdir -p "$1"
DIR=$(cd "$1" && pwd)
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty (give fleet.sh a new directory)"
[ "$(id -u)" = 0 ] || die "needs root (sshd on many addresses, the deploy user)"
T0=$(date +%s.%N)

ok=no
on_exit() {
    if [ "$ok" != yes ]; then
        say "fleet start failed; stopping what was started"
        "$HERE/down.sh" "$DIR" >&2 || true
    fi
}
trap on_exit EXIT
trap 'exit 1' INT TERM

net=$(claim_net "$DIR") || die "no free 127.x.y.0/24 found"
ensure_deploy_user || die "could not create the deploy user $SBX_DEPLOY_USER"
name() { printf 'fleet-%03d' "$1"; }

# --- keys: the user's, and one host key per host ------------------------------
mkdir -p "$DIR/keys" /run/sshd
chmod 0711 "$DIR"
ssh-keygen -q -t ed25519 -N '' -C fleet-user -f "$DIR/keys/id_ed25519"
cp "$DIR/keys/id_ed25519.pub" "$DIR/keys/authorized_keys"
chmod 0644 "$DIR/keys/authorized_keys"
: >"$DIR/known_hosts"
declare -a PORT
for i in $(seq "$N"); do
    h=$DIR/$(name "$i")
    mkdir "$h"
    PORT[i]=$(pick_port "$net.$i") || die "no free port on $net.$i"
    ssh-keygen -q -t ed25519 -N '' -C "$(name "$i")" -f "$h/ssh_host_ed25519_key"
    echo "[$net.$i]:${PORT[i]} $(cut -d' ' -f1,2 "$h/ssh_host_ed25519_key.pub")" >>"$DIR/known_hosts"
done

# --- the shared metrics and health server ---------------------------------------
SERVER_ADDR=$net.254
SERVER_PORT=$(pick_port "$SERVER_ADDR") || die "no free port on $SERVER_ADDR"
mkdir "$DIR/server"
spawn "$DIR/server/server.pid" "$DIR/server/server.log" /usr/bin/python3 "$HERE/fleet_server.py" \
    "$SERVER_ADDR" "$SERVER_PORT"

# --- one sshd per host -----------------------------------------------------------
# LogLevel INFO, not VERBOSE: a hundred hosts log every channel otherwise.
for i in $(seq "$N"); do
    h=$DIR/$(name "$i")
    cat >"$h/sshd_config" <<EOF
ListenAddress $net.$i:${PORT[i]}
HostKey $h/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile $DIR/keys/authorized_keys
StrictModes no
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $SBX_DEPLOY_USER
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
SetEnv SBX_HOST=$(name "$i")
LogLevel INFO
EOF
    spawn "$h/sshd.pid" "$h/sshd.log" /usr/sbin/sshd -D -e -f "$h/sshd_config"
done

for i in $(seq "$N"); do
    wait_listening 30 "$net.$i" "${PORT[i]}" || die "$(name "$i"): sshd did not start ($DIR/$(name "$i")/sshd.log)"
done
wait_cmd 30 curl -sf "http://$SERVER_ADDR:$SERVER_PORT/health" ||
    die "the fleet server does not answer ($DIR/server/server.log)"

# --- opsdeck.conf and fleet.env ----------------------------------------------------
SERVER=http://$SERVER_ADDR:$SERVER_PORT
umask 077
{
    cat <<EOF
; Written by tests/sandbox/fleet.sh: $N hosts in $DIR
[opsdeck]
interval = 2
audit_log = $DIR/audit.log

[env fleet]
confirm = yes
EOF
    for i in $(seq "$N"); do
        cat <<EOF

[host $(name "$i")]
env = fleet
ssh = $SBX_DEPLOY_USER@$net.$i:${PORT[i]}
identity = $DIR/keys/id_ed25519
known_hosts = $DIR/known_hosts
docker = none
metrics = $SERVER/metrics
node_metrics = $SERVER/node
health = $SERVER/health
EOF
    done
} >"$DIR/opsdeck.conf.tmp"
mv "$DIR/opsdeck.conf.tmp" "$DIR/opsdeck.conf"
{
    echo "FLEET_DIR=$DIR"
    echo "FLEET_N=$N"
    echo "FLEET_CONF=$DIR/opsdeck.conf"
    echo "FLEET_NET=$net"
    echo "FLEET_KEY=$DIR/keys/id_ed25519"
    echo "FLEET_KNOWN_HOSTS=$DIR/known_hosts"
    echo "FLEET_USER=$SBX_DEPLOY_USER"
    echo "FLEET_SERVER=$SERVER"
    for i in $(seq "$N"); do
        echo "FLEET_ADDR_$i=$net.$i"
        echo "FLEET_PORT_$i=${PORT[i]}"
    done
} >"$DIR/fleet.env.tmp"
mv "$DIR/fleet.env.tmp" "$DIR/fleet.env"
ok=yes
say "fleet of $N up in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s: $DIR/fleet.env"
