#!/bin/sh
# Installs, from Debian's packages, whatever opsdeck needs to build, test and
# run its demo that this machine does not have yet. The one install step the
# Makefile calls; safe to run again (it installs only what is missing).
set -eu

PACKAGES="
build-essential pkg-config clang clang-format
libncurses-dev libssh2-1-dev libcurl4-openssl-dev libpq-dev libhiredis-dev
libjansson-dev libinih-dev libyaml-dev libcmocka-dev libssl-dev libclang-rt-14-dev locales
openssh-server openssh-client postgresql redis-server redis-tools docker.io
busybox-static prometheus prometheus-alertmanager prometheus-node-exporter python3
python3-prometheus-client
golang-go golang-github-prometheus-common-dev
python3-websockets tmux jq curl iptables iproute2 procps psmisc
"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to install these Debian packages:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The servers are started by the tests and the demo, never as system
# services: policy-rc.d keeps the packages' scripts from starting them.
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    made_policy=yes
fi
apt-get install -y -qq --no-install-recommends $missing
[ "$made_policy" = yes ] && rm -f "$policy"
exit 0
