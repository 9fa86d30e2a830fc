#!/bin/bash
# R / :reconnect, in tmux on the sandbox: a host whose login is refused (a
# key its sshd does not authorise) is down and stays down (a refused login
# is not retried by itself, even once the key is authorised); R brings it
# up at once. authorized_keys is put back afterwards, even on failure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

AUTH=$SBX_DIR/keys/authorized_keys
cp "$AUTH" "$WORK/authorized_keys.orig"
restore() {
    cat "$WORK/authorized_keys.orig" >"$AUTH"
    cleanup
}
trap restore EXIT

ssh-keygen -q -t ed25519 -N '' -C opsdeck-e2e-reconnect -f "$WORK/newkey"
CONF=$WORK/opsdeck.conf
sed "s|^identity = .*|identity = $WORK/newkey|" "$SBX_CONF" >"$CONF"
chmod 600 "$CONF"

# no agent: only the new key is offered
start "SSH_AUTH_SOCK= LANG=C.UTF-8" "-e staging"
expect "reconnect_console_starts" 15 header_has "[staging]"
expect "refused_login_shown" 60 eval 'hostline_has "down" && shows "authentication refused"'
cat "$WORK/newkey.pub" >>"$AUTH"
# the key is authorised now, but nothing retries a refused login by itself
sleep 3 # longer than the first backoff (1 s): a retry would have happened
if hostline_has "down"; then pass "refused_login_not_retried"; else fail "refused_login_not_retried" "$(line 2)"; fi
keys R
expect "R_reconnects_at_once" 60 eval 'hostline_has " up" || hostline_has " degraded"'
# :reconnect on a host that is up: it goes round once and comes back
cmd "reconnect"
expect "reconnect_command_says_so" 10 eval 'status_has "reconnecting" || hostline_has "connecting"'
expect "reconnect_command_back_up" 60 eval 'hostline_has " up" || hostline_has " degraded"'
keys q
expect "reconnect_console_quits" 10 shows "opsdeck exited 0"
