#!/bin/bash
# The tree keeps clang-format (the repo's .clang-format) happy.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
if ! command -v clang-format >/dev/null; then
    skip "clang_format_clean" "clang-format is not installed"
    exit 0
fi
files=$(find src include tests bench fuzz -name '*.[ch]' 2>/dev/null)
if out=$(clang-format --dry-run -Werror $files 2>&1); then
    pass "clang_format_clean"
else
    fail "clang_format_clean" "$(grep -c 'error:' <<<"$out") places; run make format: $(head -n 3 <<<"$out")"
fi
