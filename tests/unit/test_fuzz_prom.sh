#!/bin/bash
# A short libFuzzer run of the exposition parser (make fuzz runs it longer):
# from the seed corpus, both formats, under ASan and UBSan.
. "$(dirname "$0")/../lib.sh"
BIN=${BUILD:-build}/fuzz/prom_fuzz
if [ ! -x "$BIN" ]; then
    fail "prom_fuzz" "$BIN was not built (make tests builds it with clang)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp fuzz/corpus/prom/* "$work/"
if "$BIN" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=5 -rss_limit_mb=1024 \
    -artifact_prefix="$work/" "$work" >"$work/log" 2>&1; then
    pass "prom_fuzz ($(grep -oE 'Done [0-9]+ runs' "$work/log" | head -n 1))"
else
    fail "prom_fuzz" "$(grep -E 'ERROR|SUMMARY|crash-|Test unit written' "$work/log" | head -n 5 | tr '\n' ' ')"
fi
