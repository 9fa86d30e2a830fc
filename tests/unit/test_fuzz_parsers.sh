#!/bin/bash
# Every parser's libFuzzer target but the exposition format's (its own
# test_fuzz_prom.sh): first the kept corpus (fuzz/corpus/NAME: seeds and the
# inputs long runs found) is replayed, each file once; then a short run
# (FUZZ_SECONDS each, default 4) from it. `make fuzz` runs them for long.
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in docker alerts redis_info ws health sanitize theme config runbook engine_api cgroup; do
    bin=$BUILD/fuzz/${t}_fuzz
    if [ ! -x "$bin" ]; then
        fail "fuzz_$t" "$bin was not built (make tests builds it with clang)"
        continue
    fi
    if "$bin" -timeout=10 -rss_limit_mb=1024 fuzz/corpus/"$t"/* >"$work/$t.replay" 2>&1; then
        pass "fuzz_${t}_corpus_replayed ($(ls fuzz/corpus/"$t" | wc -l) inputs)"
    else
        fail "fuzz_${t}_corpus_replayed" "$(grep -E 'ERROR|SUMMARY|Running:' "$work/$t.replay" | tail -n 3 | tr '\n' ' ')"
    fi
    mkdir -p "$work/$t"
    cp fuzz/corpus/"$t"/* "$work/$t/"
    if "$bin" -max_total_time="${FUZZ_SECONDS:-4}" -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$work/$t-" "$work/$t" >"$work/$t.log" 2>&1; then
        pass "fuzz_$t ($(grep -oE 'Done [0-9]+ runs' "$work/$t.log" | head -n 1))"
    else
        fail "fuzz_$t" "$(grep -E 'ERROR|SUMMARY|Test unit written' "$work/$t.log" | head -n 4 | tr '\n' ' ')"
    fi
done
