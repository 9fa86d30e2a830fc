#!/bin/bash
# `make READONLY=1` leaves the action code out altogether: no symbol of
# src/actions/ may be in its library or its binary, while the normal build
# has them (so this test would notice if the symbols were renamed away).
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
ro=$(mktemp -d /tmp/opsdeck-ro.XXXXXX)
trap 'rm -rf "$ro"' EXIT

# Functions that only the action code defines.
action_symbols='action_engine_new|action_engine_begin|restart_plan|flush_plan|pg_kill_idle_plan|pg_cancel_plan|confirm_begin|confirm_key'

if ! make --no-print-directory -j2 READONLY=1 BUILD="$ro/build" OPSDECK="$ro/opsdeck" \
    "$ro/opsdeck" >"$ro/log" 2>&1; then
    fail readonly_build_builds "$(tail -5 "$ro/log")"
    exit 0
fi
pass readonly_build_builds

found=$(nm --defined-only "$ro/build/libopsdeck.a" "$ro/opsdeck" 2>/dev/null |
    grep -Ew "T ($action_symbols)")
if [ -z "$found" ]; then pass readonly_build_has_no_action_symbols; else
    fail readonly_build_has_no_action_symbols "$found"
fi

normal=$(nm --defined-only "${BUILD:-build}/libopsdeck.a" 2>/dev/null | grep -Ew "T ($action_symbols)" | wc -l)
if [ "$normal" -ge 8 ]; then pass normal_build_has_action_symbols; else
    fail normal_build_has_action_symbols "only $normal of them in ${BUILD:-build}/libopsdeck.a"
fi

if "$ro/opsdeck" --version >/dev/null 2>&1; then pass readonly_binary_runs; else
    fail readonly_binary_runs "exit $?"
fi
