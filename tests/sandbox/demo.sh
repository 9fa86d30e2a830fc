#!/bin/bash
# make demo: starts a sandbox fleet in a temporary directory, runs opsdeck on
# it, and stops the fleet when opsdeck exits (or this script is interrupted).
#
#   tests/sandbox/demo.sh OPSDECK_BIN [OPSDECK ARGS...]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: demo.sh OPSDECK_BIN [ARGS...] (OPSDECK_BIN must be executable)" >&2
    exit 64
fi
BIN=$1
shift

DIR=$(mktemp -d /tmp/opsdeck-demo.XXXXXX)
stop() {
    trap - EXIT INT TERM HUP
    echo "demo: stopping the sandbox fleet..." >&2
    "$HERE/down.sh" "$DIR" >/dev/null 2>&1
    rm -rf "$DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

echo "demo: starting the sandbox fleet in $DIR (about 15 s)..." >&2
if ! "$HERE/up.sh" "$DIR" >"$DIR.log" 2>&1; then
    cat "$DIR.log" >&2
    rm -f "$DIR.log"
    echo "demo: the sandbox did not start" >&2
    exit 1
fi
rm -f "$DIR.log"
# shellcheck disable=SC1091
. "$DIR/sandbox.env"
cat >&2 <<EOF
demo: two hosts are up: $SBX_STAGING_NAME ($SBX_STAGING_ADDR) and $SBX_PRODUCTION_NAME ($SBX_PRODUCTION_ADDR).
demo: make trouble from another terminal, e.g.
demo:   curl -XPOST -d '{"error_ratio":0.2,"latency_s":0.8}' $SBX_PRODUCTION_CONTROL
demo:   curl -XPOST -d '{"idle_in_transaction":2,"blocked_queries":1}' $SBX_STAGING_CONTROL
EOF
"$BIN" -c "$SBX_CONF" "$@"
