#!/bin/bash
# `opsdeck --once` stopped by a signal cleans up after itself, and a run
# removes what dead runs left:
# - SIGTERM in the middle of a run (its tunnel sockets exist): exit 143, the
#   runtime directory and its sockets gone; the same through
#   `timeout -s TERM`, and SIGINT / SIGHUP exit 130 / 129;
# - at start, opsdeck-PID-XXXXXX directories of this user whose process is
#   gone are removed; one whose process lives, another user's, and a
#   symlink (never followed) are kept.
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
work=$(mktemp -d)
rt=$work/runtime # XDG_RUNTIME_DIR of the runs: what is in it is theirs
mkdir -m 700 "$rt"
RUN_PID=""
restore() {
    [ -n "$RUN_PID" ] && kill -KILL "$RUN_PID" 2>/dev/null
    rm -rf "$work"
}
trap restore EXIT

# the sandbox plus a blackholed host: the round stays busy (connect timeout)
conf=$work/opsdeck.conf
{
    cat "$SBX_CONF"
    printf '\n[host blackholed-api]\nenv = production\nssh = %s@%s:%s\nidentity = %s\nknown_hosts = %s\n' \
        "$SBX_USER" "$SBX_BLACKHOLE_ADDR" "$SBX_BLACKHOLE_PORT" "$SBX_KEY" "$SBX_KNOWN_HOSTS"
} >"$conf"
chmod 600 "$conf"
sockets_exist() { [ -n "$(find "$rt" -type s 2>/dev/null | head -n 1)" ]; }
left() { find "$rt" -mindepth 1 2>/dev/null | head -n 5 | tr '\n' ' '; }

for sig in TERM INT HUP; do
    XDG_RUNTIME_DIR=$rt "$OPSDECK_BIN" --once --json -c "$conf" >"$work/out" 2>"$work/err" &
    RUN_PID=$!
    if ! wait_for 60 sockets_exist; then
        fail "once_sig${sig}_mid_run" "no tunnel socket appeared in 60 s: $(head -c 300 "$work/err")"
        kill -KILL "$RUN_PID" 2>/dev/null
        wait "$RUN_PID" 2>/dev/null
        RUN_PID=""
        continue
    fi
    kill -"$sig" "$RUN_PID"
    # bounded: the run must end at once, not after its round
    deadline=$((SECONDS + 15))
    while kill -0 "$RUN_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "$RUN_PID" 2>/dev/null; then
        fail "once_sig${sig}_mid_run" "still running 15 s after SIG$sig"
        kill -KILL "$RUN_PID"
    fi
    wait "$RUN_PID"
    rc=$?
    RUN_PID=""
    want=$((128 + $(kill -l "$sig")))
    if [ "$rc" = "$want" ] && [ -z "$(left)" ] && [ ! -s "$work/out" ]; then
        pass "once_sig${sig}_cleans_up_exit_$want"
    else
        fail "once_sig${sig}_cleans_up_exit_$want" "exit $rc, left: $(left), stdout $(head -c 100 "$work/out")"
    fi
done

# timeout(1), as a cron job uses it (a run against the blackholed host takes
# longer than 3 s: its connection times out after 10)
XDG_RUNTIME_DIR=$rt timeout --preserve-status -s TERM 3 "$OPSDECK_BIN" --once -c "$conf" >/dev/null 2>&1
rc=$?
if [ "$rc" = 143 ] && [ -z "$(left)" ]; then pass "once_timeout_term_exit_143_no_dir"; else
    fail "once_timeout_term_exit_143_no_dir" "exit $rc, left: $(left)"
fi

# --- stale directories -------------------------------------------------------
sleep 0 &
dead=$!
wait "$dead"
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 7919)); done # not reused meanwhile
mkdir -p "$rt/opsdeck-$dead-Ab3xYz/prod-api/postgres"
touch "$rt/opsdeck-$dead-Ab3xYz/prod-api/postgres/.s.PGSQL.5432"
/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
    "$rt/opsdeck-$dead-Ab3xYz/prod-api/redis.sock"
mkdir -p "$rt/opsdeck-$$-LiveOn/x" # this shell is alive
mkdir -p "$rt/opsdeck-$dead-Others"  # another user's
chown nobody "$rt/opsdeck-$dead-Others"
mkdir -p "$work/elsewhere"
touch "$work/elsewhere/keep"
ln -s "$work/elsewhere" "$rt/opsdeck-$dead-Linked"
quick=$work/quick.conf # a host that refuses at once: the run is short
printf '[opsdeck]\ninterval = 1\n[env staging]\n[host dead-api]\nenv = staging\nssh = %s@%s:%s\nidentity = %s\nknown_hosts = %s\n' \
    "$SBX_USER" "$SBX_DEAD_ADDR" "$SBX_DEAD_PORT" "$SBX_KEY" "$SBX_KNOWN_HOSTS" >"$quick"
chmod 600 "$quick"
XDG_RUNTIME_DIR=$rt "$OPSDECK_BIN" --once -c "$quick" >/dev/null 2>&1
if [ ! -e "$rt/opsdeck-$dead-Ab3xYz" ]; then pass "stale_dir_of_dead_pid_removed"; else
    fail "stale_dir_of_dead_pid_removed" "left: $(find "$rt/opsdeck-$dead-Ab3xYz" | tr '\n' ' ')"
fi
if [ -d "$rt/opsdeck-$$-LiveOn/x" ]; then pass "dir_of_live_pid_kept"; else fail "dir_of_live_pid_kept" "removed"; fi
if [ -d "$rt/opsdeck-$dead-Others" ]; then pass "other_users_dir_kept"; else fail "other_users_dir_kept" "removed"; fi
if [ -L "$rt/opsdeck-$dead-Linked" ] && [ -e "$work/elsewhere/keep" ]; then pass "symlink_not_followed"; else
    fail "symlink_not_followed" "link or its target's file removed"
fi
if [ -z "$(find "$rt" -maxdepth 1 -name "opsdeck-*" ! -name "opsdeck-$$-LiveOn" ! -name "opsdeck-$dead-Others" ! -name "opsdeck-$dead-Linked")" ]; then
    pass "quick_run_left_nothing"
else
    fail "quick_run_left_nothing" "$(ls "$rt")"
fi
