# shellcheck shell=bash disable=SC2034
# Helpers shared by up.sh and down.sh; source it. No side effects here.

SBX_PG_BIN=/usr/lib/postgresql/15/bin
SBX_DOCKER_BIN=/usr/bin/docker # the client that matches Debian's dockerd
SBX_PORT_MIN=20000
SBX_PORT_MAX=32767

say() { echo "sandbox: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# is_listening ADDR PORT: something listens on ADDR:PORT (or on *:PORT).
is_listening() {
    [ -n "$(ss -Htln "( sport = :$2 )" 2>/dev/null | awk -v a="$1" \
        '{ split($4, p, ":"); if (p[1] == a || p[1] == "*" || p[1] == "0.0.0.0" || $4 ~ /^\[/) print }')" ]
}

# pick_port ADDR: prints a random port in 20000-32767 free on ADDR and not
# already handed out by this run (the list is in SBX_TAKEN_PORTS).
SBX_TAKEN_PORTS=" "
pick_port() {
    local p tries=0
    while [ $tries -lt 200 ]; do
        p=$((SBX_PORT_MIN + RANDOM % (SBX_PORT_MAX - SBX_PORT_MIN + 1)))
        tries=$((tries + 1))
        case "$SBX_TAKEN_PORTS" in *" $p "*) continue ;; esac
        is_listening "$1" "$p" && continue
        SBX_TAKEN_PORTS="$SBX_TAKEN_PORTS$p "
        echo "$p"
        return 0
    done
    return 1
}

# claim_net DIR: claims a free 127.A.B.0/24 for the sandbox in DIR with an
# atomic mkdir (two copies started at the same moment never share one),
# notes the claim in DIR/down.env for down.sh and prints 127.A.B.
SBX_CLAIMS=/run/opsdeck-sbx
claim_net() {
    local cand
    mkdir -p "$SBX_CLAIMS"
    for _ in $(seq 50); do
        cand="127.$((2 + RANDOM % 253)).$((1 + RANDOM % 254))"
        ss -Htln | awk -v p="$cand." 'index($4, p) == 1 { f = 1 } END { exit !f }' && continue
        if mkdir "$SBX_CLAIMS/$cand" 2>/dev/null; then
            echo "$1" >"$SBX_CLAIMS/$cand/dir"
            echo "CLAIM=$SBX_CLAIMS/$cand" >>"$1/down.env"
            echo "$cand"
            return 0
        fi
    done
    return 1
}

# blackhole on|off DIR ADDR PORT: drops (on) every packet to ADDR:PORT, as
# a host that vanished from the network: connects hang until their timeout
# and established sessions stall. The rule is tagged opsdeck-sbx:DIR, so
# down.sh DIR removes what a caller's own trap did not. off removes it
# however many times it was put.
blackhole() {
    local rule="INPUT -d $3/32 -p tcp --dport $4 -m comment --comment opsdeck-sbx:$2 -j DROP"
    if [ "$1" = on ]; then
        # shellcheck disable=SC2086
        iptables -w 5 -I $rule
    else
        # shellcheck disable=SC2086
        while iptables -w 5 -C $rule 2>/dev/null; do iptables -w 5 -D $rule || return 1; done
    fi
}

# wait_listening SECONDS ADDR PORT: bounded wait until ADDR:PORT listens.
wait_listening() {
    local deadline=$((SECONDS + $1))
    until ss -Htln "( sport = :$3 )" 2>/dev/null | awk -v a="$2:$3" '$4 == a { f = 1 } END { exit !f }'; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# wait_cmd SECONDS COMMAND...: bounded retry of a command.
wait_cmd() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# spawn PIDFILE LOGFILE COMMAND...: starts a daemon in its own session, its
# output in LOGFILE, its pid in PIDFILE (for down.sh).
spawn() {
    local pidfile=$1 log=$2
    shift 2
    setsid "$@" </dev/null >"$log" 2>&1 &
    echo $! >"$pidfile"
}

# start_engine DIR HOST: that host's dockerd, as up.sh starts it (and
# engine.sh again after a stop).
start_engine() {
    local dir=$1 h=$2
    spawn "$dir/$h/dockerd.spawn.pid" "$dir/$h/dockerd.log" dockerd \
        --host "unix://$dir/$h/docker.sock" --data-root "$dir/$h/docker" \
        --exec-root "$dir/$h/exec" --pidfile "$dir/$h/dockerd.pid" \
        --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
        --group "$SBX_DOCKER_GROUP" \
        --log-level=warn
}

# descendants PID: every process below PID, deepest first.
descendants() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null); do
        descendants "$c"
        echo "$c"
    done
}

# stop_pids SECONDS PID...: TERM, a bounded wait, then KILL what is left.
stop_pids() {
    local wait=$1 p deadline alive
    shift
    [ $# -eq 0 ] && return 0
    kill -TERM "$@" 2>/dev/null
    deadline=$((SECONDS + wait))
    while :; do
        alive=""
        for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
        [ -z "$alive" ] && return 0
        [ "$SECONDS" -ge "$deadline" ] && break
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null
    return 0
}

# The plain user opsdeck logs in as on every sandbox host, as production's
# deploy user: /bin/sh (no rc files on each exec), no password, the docker
# group (each host's dockerd gives its socket to that group). One user for
# every copy of the sandbox on this machine; its keys are per copy
# (AuthorizedKeysFile in DIR).
SBX_DEPLOY_USER=opsdeck-deploy
SBX_DOCKER_GROUP=docker

# ensure_deploy_user: creates the user and group, or mends them; idempotent,
# and safe when two copies start at once (useradd locks /etc/passwd; the
# loser finds the user made).
ensure_deploy_user() {
    local u=$SBX_DEPLOY_USER g=$SBX_DOCKER_GROUP
    getent group "$g" >/dev/null || groupadd -f "$g"
    if ! id -u "$u" >/dev/null 2>&1; then
        # '*': no password, but not "locked" ('!'), which sshd without PAM refuses
        useradd -m -d "/home/$u" -s /bin/sh -G "$g" -p '*' -c "opsdeck sandbox deploy user" "$u" \
            2>/dev/null || id -u "$u" >/dev/null 2>&1 || return 1
    fi
    [ "$(getent passwd "$u" | cut -d: -f7)" = /bin/sh ] || usermod -s /bin/sh "$u"
    id -nG "$u" | tr ' ' '\n' | grep -qx "$g" || usermod -a -G "$g" "$u"
    [ "$(getent shadow "$u" | cut -d: -f2)" = '*' ] || usermod -p '*' "$u"
    [ -d "/home/$u" ] || install -d -o "$u" -g "$u" -m 0750 "/home/$u"
}
