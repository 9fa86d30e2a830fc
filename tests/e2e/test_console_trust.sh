#!/bin/bash
# Trust in the console: an unknown host key is shown with its SHA256
# fingerprint and trusted only when `yes` is typed (then appended to
# known_hosts); anything else leaves the host unconnected and the file as it
# was. An encrypted identity file is opened with the passphrase typed into
# the console, which never shows it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/console_lib.sh"

KNOWN=$WORK/known_hosts
: >"$KNOWN"
CONF=$WORK/opsdeck.conf
# staging with an empty known_hosts; production with the encrypted ECDSA key
awk -v known="$KNOWN" -v ecdsa="$SBX_KEY_ECDSA" '
    /^\[host / { host = $2 }
    host == "staging-api]" && /^known_hosts =/ { $0 = "known_hosts = " known }
    host == "prod-api]" && /^identity =/ { $0 = "identity = " ecdsa }
    { print }' "$SBX_CONF" >"$CONF"
chmod 600 "$CONF"
FP=$(ssh-keygen -lf "$SBX_STAGING_HOSTKEY" | awk '{print $2}')

start "" "-e staging"
expect "hostkey_dialog_shown" 20 shows "Unknown host key"
expect "hostkey_fingerprint_shown" 5 shows "$FP"
# the question takes keys only once its prompt is up (the type-ahead guard)
expect "hostkey_prompt_after_guard" 5 shows "Type yes"
keys -l "y"
keys Enter
expect "hostkey_y_is_not_yes" 10 eval 'shows "host key refused"'
if [ -s "$KNOWN" ]; then fail "hostkey_refused_adds_nothing" "$(cat "$KNOWN")"; else pass "hostkey_refused_adds_nothing"; fi
expect "hostkey_refused_host_down" 10 hostline_has "down"
keys q

start "" "-e staging"
expect "hostkey_asked_again" 20 eval 'shows "$FP" && shows "Type yes"'
keys -l "yes"
keys Enter
expect "hostkey_yes_connects" 30 eval 'hostline_has " up" || hostline_has " degraded"'
if grep -qF "[$SBX_STAGING_ADDR]:$SBX_STAGING_SSH_PORT ssh-ed25519 $(awk '{print $2}' "$SBX_STAGING_HOSTKEY")" "$KNOWN"; then
    pass "hostkey_appended"
else
    fail "hostkey_appended" "known_hosts: $(cat "$KNOWN")"
fi
keys q

# production reads the ECDSA key: under make sanitize, the slow unwinder lets
# LSan name libssh2's leak there (tests/sanitize/lsan.supp)
start "${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0}" "-e production"
expect "passphrase_dialog_shown" 20 shows "Passphrase (not shown)"
keys -l "$SBX_KEY_ECDSA_PASSPHRASE"
if shows "$SBX_KEY_ECDSA_PASSPHRASE"; then fail "passphrase_not_echoed" "it is on screen"; else pass "passphrase_not_echoed"; fi
keys Enter
expect "passphrase_connects" 30 eval 'hostline_has " up" || hostline_has " degraded"'
expect "passphrase_containers" 30 shows "5/5"
keys q
expect "quits" 10 shows "opsdeck exited 0"
