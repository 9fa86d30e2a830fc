# Helpers for the shell tests; source it. Each case prints one line that
# tests/run.sh counts: "PASS: name", "FAIL: name: why" or "SKIP: name: why".
# A case that needs what the machine lacks is skipped with the reason, never
# passed.

OPSDECK_BIN=${OPSDECK_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/opsdeck}

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# wait_for SECONDS COMMAND...: retries the command until it succeeds or the
# time is up (bounded, never a bare sleep-and-hope).
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@" 2>/dev/null; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# The demo API's defaults (tests/sandbox/README.md): POSTed to /control to
# put back what a test changed.
DEFAULTS='{"rate":5,"error_ratio":0,"latency_s":0.05,"ws_clients":2,"health":200,"health_delay_s":0,"idle_in_transaction":0,"slow_queries":0,"blocked_queries":0}'
