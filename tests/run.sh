#!/bin/bash
# Runs opsdeck's tests and prints one closing line: "N passed, N failed".
#
#   tests/run.sh unit|integration|e2e|all|faults
#
# Unit and integration tests written with cmocka are binaries under
# $BUILD/tests/; the rest are shell scripts (tests/integration/*.sh,
# tests/unit/*.sh, tests/e2e/*.sh) that print "PASS: name", "FAIL: name: why" or
# "SKIP: name: why" per case (tests/lib.sh). Integration and end-to-end
# tests share one sandbox fleet, started here and always stopped.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export OPSDECK_BIN=${OPSDECK_BIN:-$PWD/opsdeck}
what=${1:-all}

passed=0 failed=0 skipped=0
failures=()

count_cmocka() { # name, output file, exit status
    local p f
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -n1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -n1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ -z "$p$f" ] || { [ "$3" != 0 ] && [ "${f:-0}" = 0 ]; }; then
        failed=$((failed + 1)) # crashed before its summary, or died after it
        failures+=("$1 (exit $3)")
    elif [ "${f:-0}" != 0 ]; then
        failures+=("$1")
    fi
}

count_script() { # name, output file, exit status
    local p f s
    p=$(grep -c '^PASS: ' "$2")
    f=$(grep -c '^FAIL: ' "$2")
    s=$(grep -c '^SKIP: ' "$2")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    grep '^FAIL: ' "$2" | while read -r line; do echo "  $1: $line"; done
    if [ "$f" != 0 ]; then failures+=("$1"); fi
    if [ "$3" != 0 ] && [ "$f" = 0 ]; then
        failed=$((failed + 1))
        failures+=("$1 (exit $3)")
    fi
}

run_one() { # file
    local t=$1 out rc name
    name=${t#"$BUILD"/}
    out=$(mktemp)
    echo "== $name"
    case "$t" in
    *.sh) timeout 900 bash "$t" >"$out" 2>&1 ;;
    *) timeout 900 "$t" >"$out" 2>&1 ;;
    esac
    rc=$?
    cat "$out"
    case "$t" in
    *.sh) count_script "$name" "$out" "$rc" ;;
    *) count_cmocka "$name" "$out" "$rc" ;;
    esac
    rm -f "$out"
}

run_group() { # directory under tests/
    local t
    for t in "$BUILD"/tests/"$1"/test_*; do
        [ -x "$t" ] && run_one "$t"
    done
    for t in tests/"$1"/test_*.sh; do
        [ -f "$t" ] && run_one "$t"
    done
}

sandbox_up() {
    SANDBOX_DIR=$(mktemp -d /tmp/opsdeck-sbx.XXXXXX)
    export SANDBOX_DIR
    trap 'tests/sandbox/down.sh "$SANDBOX_DIR" >/dev/null 2>&1; rm -rf "$SANDBOX_DIR"' EXIT INT TERM
    echo "== sandbox: starting in $SANDBOX_DIR"
    if ! tests/sandbox/up.sh "$SANDBOX_DIR" >"$SANDBOX_DIR.log" 2>&1; then
        cat "$SANDBOX_DIR.log"
        echo "FAIL: sandbox did not start"
        failed=$((failed + 1))
        failures+=("sandbox")
        return 1
    fi
    rm -f "$SANDBOX_DIR.log"
}

case "$what" in
unit | all) run_group unit ;;
esac
# The fleet is started only when some test of the group needs it.
needs_sandbox() {
    compgen -G "tests/integration/test_*" >/dev/null || compgen -G "tests/e2e/test_*" >/dev/null
}

case "$what" in
integration | e2e | all)
    if needs_sandbox && sandbox_up; then
        case "$what" in integration | all) run_group integration ;; esac
        case "$what" in e2e | all) run_group e2e ;; esac
    fi
    ;;
esac

# The fault suite (make faults): not part of "all" (see docs/RELIABILITY.md).
case "$what" in
faults) sandbox_up && run_group faults ;;
esac

if ((${#failures[@]})); then
    echo "failed:"
    printf '  %s\n' "${failures[@]}"
fi
if [ "$skipped" != 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
