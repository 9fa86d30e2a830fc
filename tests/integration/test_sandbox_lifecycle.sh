#!/bin/bash
# The sandbox starts beside another copy without colliding, stops cleanly,
# and leaves nothing behind: not after down.sh (called twice), and not after
# an up.sh interrupted halfway (it must clean up after itself).
. "$(dirname "$0")/../lib.sh"
set -u
SBX=$(cd "$(dirname "$0")/../sandbox" && pwd)

A=$(mktemp -d /tmp/opsdeck-sbx-life.XXXXXX)
B=$(mktemp -d /tmp/opsdeck-sbx-life.XXXXXX)
cleanup() {
    "$SBX/down.sh" "$A" >/dev/null 2>&1
    "$SBX/down.sh" "$B" >/dev/null 2>&1
    rm -rf "$A" "$B" "$A.log" "$B.log"
}
trap cleanup EXIT

# leftovers DIR NET: prints what of the sandbox in DIR (on NET.*) is still there.
leftovers() {
    local dir=$1 net=$2 c p
    for c in /proc/[0-9]*/cmdline; do
        p=${c#/proc/}
        p=${p%/cmdline}
        [ "$p" = $$ ] && continue
        tr '\0' ' ' 2>/dev/null <"$c" | grep -qF -- "$dir/" && echo "process $p: $(tr '\0' ' ' 2>/dev/null <"$c" | cut -c1-80)"
    done
    if [ -n "$net" ]; then
        ss -Htln | awk -v n="$net." 'index($4, n) == 1 { print "listener " $4 }'
        [ -e "/run/opsdeck-sbx/$net" ] && echo "claim /run/opsdeck-sbx/$net"
    fi
    iptables -w 5 -S INPUT | grep -F -- "opsdeck-sbx:$dir" | sed 's/^/iptables /'
    awk -v d="$dir/" 'index($2, d) == 1 { print "mount " $2 }' /proc/self/mounts
}

# Copy A starts fully while copy B is interrupted once it has claimed its
# addresses (polled, not a fixed sleep: on a slow machine a fixed sleep may
# kill it before it did anything, and the test would prove nothing).
"$SBX/up.sh" "$A" >"$A.log" 2>&1 &
up_a=$!
"$SBX/up.sh" "$B" >"$B.log" 2>&1 &
up_b=$!
# interrupted once it holds something to clean up: its address claim
claimed() { grep -q '^CLAIM=' "$B/down.env" && [ -d "$(sed -n 's/^CLAIM=//p' "$B/down.env")" ]; }
wait_for 120 claimed || fail interrupted_copy_claims "up.sh of $B never claimed an address"
kill -TERM "$up_b"
wait "$up_b"
rc_b=$?
net_b=$(sed -n 's|^CLAIM=/run/opsdeck-sbx/||p' "$B/down.env" 2>/dev/null)
wait "$up_a"
rc_a=$?

if [ $rc_a = 0 ] && [ -f "$A/sandbox.env" ]; then
    pass second_copy_starts
else
    fail second_copy_starts "up.sh exit $rc_a: $(tail -n 3 "$A.log" | tr '\n' ' ')"
fi
# shellcheck disable=SC1091
[ -f "$A/sandbox.env" ] && . "$A/sandbox.env"
net_a=${SBX_STAGING_ADDR%.*}
if [ -n "${SANDBOX_DIR:-}" ] && [ -f "$SANDBOX_DIR/sandbox.env" ]; then
    first=$(sed -n 's/^SBX_STAGING_ADDR=//p' "$SANDBOX_DIR/sandbox.env")
    if [ "${first%.*}" != "$net_a" ] && [ "$net_b" != "$net_a" ]; then
        pass copies_do_not_collide
    else
        fail copies_do_not_collide "suite's ${first%.*}, A $net_a, B $net_b"
    fi
fi
if [ -f "$A/sandbox.env" ] && ssh -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=5 \
    -o UserKnownHostsFile="$SBX_KNOWN_HOSTS" -i "$SBX_KEY" -p "$SBX_PRODUCTION_SSH_PORT" \
    "$SBX_USER@$SBX_PRODUCTION_ADDR" true 2>/dev/null; then
    pass second_copy_answers
else
    fail second_copy_answers "ssh to the second copy's prod-api failed"
fi

left=$(leftovers "$B" "$net_b")
if [ $rc_b != 0 ] && [ ! -e "$B/sandbox.env" ] && [ -z "$left" ]; then
    pass interrupted_up_cleans_up
else
    fail interrupted_up_cleans_up "exit $rc_b; left: $(echo "$left" | head -n 3 | tr '\n' ';')"
fi

"$SBX/down.sh" "$A" >/dev/null 2>&1
rc=$?
left=$(leftovers "$A" "$net_a")
if [ $rc = 0 ] && [ -z "$left" ]; then
    pass down_leaves_nothing
else
    fail down_leaves_nothing "exit $rc; left: $(echo "$left" | head -n 3 | tr '\n' ';')"
fi
if "$SBX/down.sh" "$A" >/dev/null 2>&1; then pass down_twice; else fail down_twice "second down.sh failed"; fi
