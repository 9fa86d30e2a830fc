#!/bin/bash
# Jump hosts for the sandbox, beside the fleet of up.sh (a script of its own,
# started by the tests that need it):
#
#   tests/sandbox/bastion.sh up SANDBOX_DIR     writes SANDBOX_DIR/bastion/bastion.env
#   tests/sandbox/bastion.sh stop SANDBOX_DIR a   the jump host a and every session it holds
#   tests/sandbox/bastion.sh start SANDBOX_DIR a  it again, same address, port and key
#   tests/sandbox/bastion.sh down SANDBOX_DIR     everything, the iptables rules included
#
# Three sshd on the fleet's loopback /24: jump-a (.30), jump-b (.31) and
# hidden (.40). The jump hosts' sshd run in a cgroup of their own, so their
# sessions (the direct-tcpip connections they make) do too; an iptables rule
# per hidden sshd (hidden's and jump-b's) resets every connection to it that
# does not come from that cgroup. So hidden is reached only through a jump
# host (jump = jump-a, or the chain jump-a,jump-b), and jump-b only through
# jump-a. Source addresses cannot tell them apart: on loopback every
# connection comes from 127.0.0.1.
#
# bastion.env (shell-sourceable): SBX_JUMP_A_ADDR, SBX_JUMP_A_PORT,
# SBX_JUMP_A_HOSTKEY, the same for _B_ and SBX_HIDDEN_; SBX_JUMP_KNOWN_HOSTS
# (the fleet's known_hosts plus these three); SBX_JUMP_SSH_CONFIG, an ssh
# config with the aliases sbx-jump-a, sbx-jump-b, sbx-hidden (ProxyJump
# sbx-jump-a) and sbx-hidden-chain (ProxyJump sbx-jump-a,sbx-jump-b).
# hidden's sessions get DOCKER_HOST of production's engine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$HERE/lib.sh"

[ $# -ge 2 ] || die "usage: bastion.sh up|down|stop|start SANDBOX_DIR [a|b|hidden]"
CMD=$1
SBX=$(cd "$2" && pwd)
B=$SBX/bastion
# shellcheck disable=SC1091
. "$SBX/sandbox.env"
NET=${SBX_STAGING_ADDR%.*}
CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG_NAME=opsdeck-jump-${NET//./-}

declare -A OCTET=([a]=30 [b]=31 [hidden]=40)
declare -A LABEL=([a]=jump-a [b]=jump-b [hidden]=hidden)

# rule NAME: the iptables rule (without -I/-D) that hides NAME's sshd
rule() {
    local addr=$NET.${OCTET[$1]} port
    port=$(cat "$B/${LABEL[$1]}.port")
    echo "OUTPUT -o lo -p tcp -d $addr --dport $port -m cgroup ! --path $CG_NAME -j REJECT --reject-with tcp-reset"
}

start_one() {
    local n=${LABEL[$1]}
    [ -f "$B/$n.sshd_config" ] || die "$n: not set up (bastion.sh up first)"
    if [ "$1" = hidden ]; then
        spawn "$B/$n.pid" "$B/$n.log" /usr/sbin/sshd -D -e -f "$B/$n.sshd_config"
    else
        # into the cgroup before sshd exists: every session it forks is in it
        spawn "$B/$n.pid" "$B/$n.log" sh -c 'echo $$ >"$1/cgroup.procs" && exec /usr/sbin/sshd -D -e -f "$2"' \
            sh "$CG_ROOT/$CG_NAME" "$B/$n.sshd_config"
    fi
    wait_listening 20 "$NET.${OCTET[$1]}" "$(cat "$B/$n.port")" || die "$n: sshd did not start ($B/$n.log)"
}

stop_one() {
    local f=$B/${LABEL[$1]}.pid p
    [ -f "$f" ] || return 0
    p=$(cat "$f")
    [[ "$p" =~ ^[0-9]+$ ]] || return 0
    kill -0 "$p" 2>/dev/null || return 0
    mapfile -t pids < <(descendants "$p")
    stop_pids 10 "${pids[@]}" "$p"
}

down() {
    for h in a b hidden; do stop_one "$h"; done
    for h in b hidden; do
        [ -f "$B/${LABEL[$h]}.port" ] || continue
        r=$(rule "$h")
        # shellcheck disable=SC2086
        while iptables -w 5 -C $r 2>/dev/null; do iptables -w 5 -D $r || break; done
    done
    [ -n "$CG_ROOT" ] && [ -d "$CG_ROOT/$CG_NAME" ] && rmdir "$CG_ROOT/$CG_NAME" 2>/dev/null
    rm -f "$B/bastion.env"
    return 0
}

up() {
    [ -n "$CG_ROOT" ] || die "no cgroup2 hierarchy mounted (needed to tell the jump hosts' connections apart)"
    [ ! -e "$B/bastion.env" ] || die "$B: already up"
    down # whatever an earlier run left (keys, rules), never reused
    rm -rf "$B"
    mkdir -p "$B" /run/sshd
    chmod 755 "$B"
    trap 'down; die "start failed; stopped what was started"' ERR
    mkdir -p "$CG_ROOT/$CG_NAME"
    ssh-keygen -y -f "$SBX_KEY" >"$B/authorized_keys"
    chmod 644 "$B/authorized_keys"
    cp "$SBX_KNOWN_HOSTS" "$B/known_hosts"
    for h in a b hidden; do
        local n=${LABEL[$h]} addr=$NET.${OCTET[$h]} port
        port=$(pick_port "$addr")
        echo "$port" >"$B/$n.port"
        ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$B/$n.hostkey"
        echo "[$addr]:$port $(cut -d' ' -f1,2 "$B/$n.hostkey.pub")" >>"$B/known_hosts"
        cat >"$B/$n.sshd_config" <<EOF
ListenAddress $addr:$port
HostKey $B/$n.hostkey
PidFile none
AuthorizedKeysFile $B/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $SBX_USER
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
SetEnv DOCKER_HOST=unix://$SBX_PRODUCTION_DOCKER_SOCK SBX_HOST=$n
LogLevel VERBOSE
EOF
    done
    for h in b hidden; do
        # shellcheck disable=SC2046
        iptables -w 5 -I $(rule "$h")
    done
    for h in a b hidden; do start_one "$h"; done
    local pa pb ph
    pa=$(cat "$B/jump-a.port") pb=$(cat "$B/jump-b.port") ph=$(cat "$B/hidden.port")
    cat >"$B/ssh_config" <<EOF
Host sbx-jump-a
    HostName $NET.30
    Port $pa
    User $SBX_USER
    IdentityFile $SBX_KEY
Host sbx-jump-b
    HostName $NET.31
    Port $pb
    User $SBX_USER
    IdentityFile $SBX_KEY
Host sbx-hidden
    HostName $NET.40
    Port $ph
    User $SBX_USER
    IdentityFile $SBX_KEY
    ProxyJump sbx-jump-a
Host sbx-hidden-chain
    HostName $NET.40
    Port $ph
    User $SBX_USER
    IdentityFile $SBX_KEY
    ProxyJump sbx-jump-a,sbx-jump-b
EOF
    cat >"$B/bastion.env.tmp" <<EOF
SBX_JUMP_A_ADDR=$NET.30
SBX_JUMP_A_PORT=$pa
SBX_JUMP_A_HOSTKEY=$B/jump-a.hostkey.pub
SBX_JUMP_B_ADDR=$NET.31
SBX_JUMP_B_PORT=$pb
SBX_JUMP_B_HOSTKEY=$B/jump-b.hostkey.pub
SBX_HIDDEN_ADDR=$NET.40
SBX_HIDDEN_PORT=$ph
SBX_HIDDEN_HOSTKEY=$B/hidden.hostkey.pub
SBX_JUMP_KNOWN_HOSTS=$B/known_hosts
SBX_JUMP_SSH_CONFIG=$B/ssh_config
EOF
    mv "$B/bastion.env.tmp" "$B/bastion.env"
    trap - ERR
}

case "$CMD" in
up) up ;;
down) down ;;
stop) stop_one "${3:?which: a, b or hidden}" ;;
start) start_one "${3:?which: a, b or hidden}" ;;
*) die "usage: bastion.sh up|down|stop|start SANDBOX_DIR [a|b|hidden]" ;;
esac
