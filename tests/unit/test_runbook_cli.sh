#!/bin/bash
# The shipped runbooks validate with the shipped config (--check), --check
# names every problem of a broken runbook and the retired [runbook] line,
# and --plan prints the exact commands with its exit statuses (0, 64, 78).
# No host is contacted: these are the command line's own answers.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
t=$(mktemp -d /tmp/opsdeck-rbcli.XXXXXX)
trap 'rm -rf "$t"' EXIT

# --- the examples, with the example config pointed at them ---------------------
sed "s#^runbooks = .*#runbooks = $PWD/examples/runbooks#" examples/opsdeck.conf >"$t/ex.conf"
out=$("$OPSDECK_BIN" --check -c "$t/ex.conf" 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$out" = "$t/ex.conf: ok (2 hosts in 2 environments, 7 runbooks in $PWD/examples/runbooks)" ]; then
    pass examples_check
else
    fail examples_check "exit $rc: $out"
fi
for rb in api-down db-connections high-load disk-full security-incident deploy rollback; do
    if "$OPSDECK_BIN" --plan "$rb" -c "$t/ex.conf" >"$t/plan.$rb" 2>&1; then
        pass "examples_plan_$rb"
    else
        fail "examples_plan_$rb" "$(tail -3 "$t/plan.$rb")"
    fi
done
if grep -qx "for: alert APIDown, alert HighErrorRate, health != 200, container grupo_gad_api unhealthy" "$t/plan.api-down"; then
    pass examples_api_down_for
else
    fail examples_api_down_for "$(grep '^for' "$t/plan.api-down")"
fi

# --- --plan's exact text, for a runbook of this test ---------------------------
mkdir -p "$t/rb"
cat >"$t/conf" <<CONF
[opsdeck]
runbooks = $t/rb
audit_log = $t/audit.log
[env staging]
[env production]
[host stg]
env = staging
compose = /srv/app/dc.yml
health = http://127.0.0.1:8000/health
[host prod]
env = production
docker = sudo docker
compose = /srv/it's here/dc.yml
health = http://127.0.0.1:8000/health
[host other]
env = staging
CONF
cat >"$t/rb/restart-api.yml" <<'YML'
title: Restart the API
envs: [production]
for: [health != 200]
steps:
  - check: State
    run: ${docker} inspect -f '{{.State.Status}}' api
    expect: {output: running}
  - act: Restart
    run: ${docker} compose -f ${compose} restart api
    confirm: true
  - verify: Healthy
    health: 200
    within: 30
YML
cat >"$t/want" <<WANT
runbook restart-api: Restart the API
file: $t/rb/restart-api.yml
for: health != 200
timeout: 600 s

host stg (env staging)
  not run here: runbook restart-api runs in production

host prod (env production)
  confirm: the whole plan, once before the first act: type 'production' then Enter
  1 check: State
    run: 'sudo' 'docker' inspect -f '{{.State.Status}}' api
    passes: the output is "running"
  2 act: Restart
    run: 'sudo' 'docker' compose -f '/srv/it'\''s here/dc.yml' restart api
    confirm: again right before it runs (type 'production' then Enter)
  3 verify: Healthy
    health: http://127.0.0.1:8000/health answers 200
    within: 30 s
WANT
"$OPSDECK_BIN" --plan restart-api -c "$t/conf" -H stg -H prod >"$t/got" 2>"$t/err"
rc=$?
if [ $rc = 0 ] && diff -u "$t/want" "$t/got" >"$t/diff"; then pass plan_exact_text; else
    fail plan_exact_text "exit $rc $(cat "$t/err") $(head -20 "$t/diff")"
fi
"$OPSDECK_BIN" --plan nothing-here -c "$t/conf" >/dev/null 2>"$t/err"
rc=$?
if [ $rc = 64 ] && grep -q "no runbook named 'nothing-here'" "$t/err"; then pass plan_unknown_runbook_64; else
    fail plan_unknown_runbook_64 "exit $rc: $(cat "$t/err")"
fi
"$OPSDECK_BIN" --plan restart-api -c "$t/conf" -H nosuch >/dev/null 2>"$t/err"
rc=$?
if [ $rc = 64 ] && grep -q "no host named 'nosuch'" "$t/err"; then pass plan_unknown_host_64; else
    fail plan_unknown_host_64 "exit $rc: $(cat "$t/err")"
fi
"$OPSDECK_BIN" --plan >/dev/null 2>&1
rc=$?
if [ $rc = 64 ]; then pass plan_needs_a_runbook_64; else fail plan_needs_a_runbook_64 "exit $rc"; fi
printf 'steps:\n  - check: x\n    run: true\n    within: 5\n' >"$t/rb/broken.yml"
"$OPSDECK_BIN" --plan broken -c "$t/conf" >"$t/got" 2>"$t/err"
rc=$?
if [ $rc = 78 ] && grep -qx "$t/rb/broken.yml:4: 'within' is not a key of a check step" "$t/err" &&
    [ ! -s "$t/got" ]; then
    pass plan_invalid_runbook_78
else
    fail plan_invalid_runbook_78 "exit $rc: $(cat "$t/err")"
fi
# a host that lacks a value the runbook needs cannot be planned there
printf 'steps:\n  - act: x\n    run: cd ${compose_dir}\n' >"$t/rb/needs-compose.yml"
"$OPSDECK_BIN" --plan needs-compose -c "$t/conf" -H other >"$t/got" 2>"$t/err"
rc=$?
if [ $rc = 78 ] && grep -q "other: \${compose_dir} is not set for this host" "$t/err" &&
    grep -q "CANNOT BE PLANNED" "$t/got"; then
    pass plan_unplannable_host_78
else
    fail plan_unplannable_host_78 "exit $rc: $(cat "$t/err")"
fi

# --- --check: runbook problems fail it, FILE:LINE each -------------------------
out=$("$OPSDECK_BIN" --check -c "$t/conf" 2>&1)
rc=$?
if [ $rc = 78 ] && grep -qx "$t/rb/broken.yml:4: 'within' is not a key of a check step" <<<"$out" &&
    ! grep -q ": ok (" <<<"$out"; then
    pass check_fails_on_a_runbook
else
    fail check_fails_on_a_runbook "exit $rc: $out"
fi

# --- the retired [runbook] section is named, with where runbooks live now --------
printf '[env s]\n[host a]\nenv = s\n\n[runbook rollback]\nrun = ./rollback.sh\nkey = B\n' >"$t/old.conf"
out=$("$OPSDECK_BIN" --check -c "$t/old.conf" 2>&1)
rc=$?
if [ $rc = 78 ] && grep -q "^$t/old.conf:5: \[runbook rollback\] is retired: a runbook is now a YAML file of its own in the runbooks directory (runbooks = in \[opsdeck\]" <<<"$out" &&
    [ "$(wc -l <<<"$out")" = 1 ]; then
    pass check_names_the_retired_runbook_section
else
    fail check_names_the_retired_runbook_section "exit $rc: $out"
fi
