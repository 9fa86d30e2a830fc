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
python3-websockets tmux jq curl iptables iproute2 procps psmisc bc
pg-activity htop
"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done

# The comma-decimal locales the locale tests run under (tests/*/test_locale*):
# generated only when `locale -a` lacks them, so running this again is free.
TEST_LOCALES="es_ES.UTF-8 de_DE.UTF-8"
generate_locales() {
    command -v locale-gen >/dev/null 2>&1 || return 0
    have=$(locale -a 2>/dev/null | tr 'A-Z' 'a-z' | sed 's/utf-8/utf8/')
    need=""
    for l in $TEST_LOCALES; do
        key=$(echo "$l" | tr 'A-Z' 'a-z' | sed 's/utf-8/utf8/')
        echo "$have" | grep -qx "$key" || need="$need $l"
    done
    [ -z "$need" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps: need root to generate the locales:$need" >&2
        return 1
    fi
    for l in $need; do
        line="$l UTF-8"
        if grep -q "^# *$line\$" /etc/locale.gen 2>/dev/null; then
            sed -i "s/^# *$line\$/$line/" /etc/locale.gen
        elif ! grep -qx "$line" /etc/locale.gen 2>/dev/null; then
            echo "$line" >>/etc/locale.gen
        fi
    done
    echo "install-deps: generating locales:$need"
    locale-gen >/dev/null
}

if [ -z "$missing" ]; then
    generate_locales
    exit 0
fi

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
generate_locales
exit 0
