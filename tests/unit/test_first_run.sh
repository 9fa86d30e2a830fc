#!/bin/bash
# The first run: no config file anywhere and no destination. opsdeck says
# where the example config is, how to check it and how to start, and exits
# 78; it does not send the newcomer to --check (which would point back at
# the missing file). A malformed destination is a usage error.
. "$(dirname "$0")/../lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { env -u OPSDECK_CONFIG -u XDG_CONFIG_HOME HOME="$work" "$OPSDECK_BIN" "$@" >"$work/out" 2>&1; }

if [ -e /etc/opsdeck/opsdeck.conf ]; then
    fail first_run "/etc/opsdeck/opsdeck.conf exists on this machine: not a first run"
    exit 0
fi
run
rc=$?
if [ "$rc" = 78 ]; then pass first_run_exit_78; else fail first_run_exit_78 "exit $rc: $(head -c 300 "$work/out")"; fi
example=$(grep -o '[^ ]*examples/opsdeck.conf' "$work/out" | head -1)
if [ -n "$example" ] && [ -r "$example" ]; then pass first_run_names_the_example; else
    fail first_run_names_the_example "no readable example named: $(head -c 400 "$work/out")"
fi
if grep -q "opsdeck --check" "$work/out" && grep -q "$work/.config/opsdeck/opsdeck.conf" "$work/out" &&
    grep -q "opsdeck deploy@" "$work/out" && ! grep -q "has problems" "$work/out"; then
    pass first_run_says_how_to_start
else
    fail first_run_says_how_to_start "$(head -c 600 "$work/out")"
fi
# what it says works: the example copied where it says passes --check
mkdir -p "$work/.config/opsdeck"
cp "$example" "$work/.config/opsdeck/opsdeck.conf"
if env -u OPSDECK_CONFIG -u XDG_CONFIG_HOME HOME="$work" "$OPSDECK_BIN" --check >"$work/check" 2>&1; then
    pass first_run_example_checks
else
    fail first_run_example_checks "$(head -c 400 "$work/check")"
fi
rm -f "$work/.config/opsdeck/opsdeck.conf"
run --once
rc=$?
if [ "$rc" = 78 ] && grep -q "examples/opsdeck.conf" "$work/out"; then pass first_run_once_too; else
    fail first_run_once_too "exit $rc: $(head -c 300 "$work/out")"
fi
run 'two words'
rc=$?
if [ "$rc" = 64 ] && grep -q "expected \[user@\]host\[:port\]" "$work/out"; then pass destination_malformed_64; else
    fail destination_malformed_64 "exit $rc: $(head -c 300 "$work/out")"
fi
run -c "$work/x.conf" somehost
rc=$?
if [ "$rc" = 64 ]; then pass destination_with_config_64; else fail destination_with_config_64 "exit $rc"; fi
