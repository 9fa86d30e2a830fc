#!/bin/bash
# The fleet mode of the sandbox (tests/sandbox/fleet.sh) and opsdeck on it,
# with bounded waits: 20 hosts, 3 of them blackholed (iptables DROP on
# their sshd, tagged for the fleet's DIR; a trap and down.sh remove it).
# - the fleet starts: 20 sshd, each its own address and host key, one
#   known_hosts line each, the shared server answering;
# - `--once --json` with 3 blackholed from the start: the snapshot comes
#   back in bounded time, the 17 others up with every source fresh, the 3
#   not up with every source failed on its timeout;
# - the console (keepalive = 1), every host answered; 3 blackholed while it
#   runs: the status line says 17 up, 0 degraded, 3 down within a few
#   keepalives (no answer to the keepalives: connection lost), a blackholed
#   host's line gives that reason, they stay down through a reconnect
#   attempt (12 s) while the 17 stay up and fresh, `?` answers at once;
#   the rules removed, all 20 up and answered again.
# Needs root (sshd, iptables); its own fleet, not the suite's sandbox.
. "$(dirname "$0")/../lib.sh"
SBX_SCRIPTS=$(cd "$(dirname "$0")/../sandbox" && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$SBX_SCRIPTS/lib.sh"
# shellcheck source=tests/sandbox/fleet_screen.sh
. "$SBX_SCRIPTS/fleet_screen.sh"

N=20
BLACKHOLED=(5 10 15)
INTERVAL=2
WORK=$(mktemp -d /tmp/opsdeck-fleet.XXXXXX)
chmod 0711 "$WORK" # the hosts' sshd read the fleet's keys as the deploy user
FLEET=$WORK/fleet
TMUX_CMD=(tmux -L "opsdeck-fleet-$$" -f /dev/null)
holes=no

addr() { eval echo "\$FLEET_ADDR_$1"; }
port() { eval echo "\$FLEET_PORT_$1"; }
holes() { # on|off
    local i
    for i in "${BLACKHOLED[@]}"; do blackhole "$1" "$FLEET" "$(addr "$i")" "$(port "$i")"; done
    holes=$1
}
cleanup() {
    [ "$holes" = on ] && holes off
    "${TMUX_CMD[@]}" kill-server >/dev/null 2>&1
    "$SBX_SCRIPTS/down.sh" "$FLEET" >/dev/null 2>&1
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
    fail fleet_starts "needs root (sshd on many addresses, iptables)"
    exit 1
fi

# --- the fleet itself ---------------------------------------------------------------
t0=$SECONDS
if ! "$SBX_SCRIPTS/fleet.sh" "$FLEET" "$N" >"$WORK/fleet.log" 2>&1; then
    fail fleet_starts "$(tail -n 5 "$WORK/fleet.log")"
    exit 1
fi
. "$FLEET/fleet.env"
export HOME=$FLEET
listening=0
for i in $(seq "$N"); do is_listening "$(addr "$i")" "$(port "$i")" && listening=$((listening + 1)); done
keys=$(for i in $(seq "$N"); do cut -d' ' -f2,3 "$FLEET/fleet-$(printf %03d "$i")/ssh_host_ed25519_key.pub"; done | sort -u | wc -l)
if [ "$listening" = "$N" ] && [ "$keys" = "$N" ] && [ "$(wc -l <"$FLEET/known_hosts")" = "$N" ] &&
    [ "$(grep -c '^\[host fleet-' "$FLEET_CONF")" = "$N" ] && curl -sf "$FLEET_SERVER/health" >/dev/null; then
    pass fleet_starts
else
    fail fleet_starts "listening $listening, distinct host keys $keys, known_hosts $(wc -l <"$FLEET/known_hosts") of $N"
fi
echo "fleet of $N started in $((SECONDS - t0)) s"

# keepalive = 1: a stalled session is called lost after three silent seconds
CONF=$WORK/opsdeck.conf
sed 's/^interval = 2$/interval = 2\nkeepalive = 1/' "$FLEET_CONF" >"$CONF"
chmod 0600 "$CONF"
if "$OPSDECK_BIN" --check -c "$CONF" >/dev/null 2>&1; then pass fleet_config_checks; else
    fail fleet_config_checks "$("$OPSDECK_BIN" --check -c "$CONF" 2>&1 | head -n 3)"
fi

# --- --once, 3 blackholed from the start ----------------------------------------------
holes on
t0=$SECONDS
timeout 60 "$OPSDECK_BIN" --once --json -i "$INTERVAL" -c "$CONF" >"$WORK/once.json" 2>"$WORK/once.err"
rc=$?
took=$((SECONDS - t0))
holes off
fresh=$(jq --argjson max $((2 * INTERVAL)) '[.hosts[] | select(.state == "up" and .golden.ok and .health.ok
    and .golden.age_s <= $max and .health.age_s <= $max)] | length' "$WORK/once.json" 2>/dev/null)
want_down=$(printf '"fleet-%03d",' "${BLACKHOLED[@]}")
# not up, and every source says why: the HTTP fetches' 3 s timeout ends
# both rounds before the 10 s connect timeout, so --once reports them still
# "connecting" (a host with no HTTP source waits for the connect: "down")
down=$(jq "[.hosts[] | select(.state != \"up\" and (.golden.error // \"\" | test(\"timed out\"))
    and (.health.error // \"\" | test(\"timed out\"))) | .name] | sort == ([${want_down%,}] | sort)" \
    "$WORK/once.json" 2>/dev/null)
# bounded: two rounds an interval apart, each cut by the 3 s fetch timeout
if [ "$rc" = 2 ] && [ "$took" -le 15 ] && [ "$fresh" = $((N - 3)) ] && [ "$down" = true ]; then
    pass once_blackholed_hosts_failed_others_fresh
else
    fail once_blackholed_hosts_failed_others_fresh "exit $rc in $took s, $fresh fresh, the 3 failed with a reason: $down; $(jq -c '[.hosts[] | select(.state != "up") | {name, state, error, golden: .golden.error}]' "$WORK/once.json" 2>/dev/null | head -c 400)"
fi

# --- the console, 3 blackholed while it runs -------------------------------------------
screen() { "${TMUX_CMD[@]}" capture-pane -p -t con; }
all_answered() { [ "$(screen | fleet_rows up)" = "$N" ]; }
faults_shown() { screen | grep -qE "hosts $((N - 3)) up 0 degraded 3 down"; }
others_fresh() { [ "$(screen | fleet_rows up $((2 * INTERVAL)))" = $((N - 3)) ]; }
"${TMUX_CMD[@]}" new-session -d -s con -x 200 -y $((N + 40)) \
    "exec env TERM=xterm-256color '$OPSDECK_BIN' -i $INTERVAL -c '$CONF'"
if wait_for 30 all_answered; then pass console_every_host_answered; else
    fail console_every_host_answered "$(screen | fleet_rows up) of $N: $(screen | sed -n 3p)"
fi
holes on
t0=$(date +%s.%N)
if wait_for 15 faults_shown; then
    pass console_blackholed_hosts_down
    echo "blackholed hosts shown down after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
else
    fail console_blackholed_hosts_down "$(screen | sed -n 3p) $(screen | fleet_state_rows down) rows down"
fi
"${TMUX_CMD[@]}" send-keys -t con ":" && "${TMUX_CMD[@]}" send-keys -t con -l "host fleet-005" &&
    "${TMUX_CMD[@]}" send-keys -t con Enter
reason_shown() { screen | sed -n 2p | grep -qE "host fleet-005 down .*no answer for [0-9]+ s"; }
if wait_for 5 reason_shown; then pass console_down_host_says_why; else
    fail console_down_host_says_why "line 2: $(screen | sed -n 2p | tr -s ' ')"
fi
# and they stay down while they are reconnected: a connect into the black
# hole takes its 10 s timeout, all of it still "down", the others fresh
held=yes
for _ in $(seq 24); do
    if ! faults_shown || ! others_fresh; then
        held="$(screen | sed -n 3p | tr -s ' '); $(screen | fleet_rows up $((2 * INTERVAL))) of $((N - 3)) fresh"
        break
    fi
    sleep 0.5
done
if [ "$held" = yes ]; then pass console_down_while_reconnecting_others_fresh; else
    fail console_down_while_reconnecting_others_fresh "$held"
fi
help_shown() { screen | grep -qF "this help"; }
t0=$(date +%s%N)
"${TMUX_CMD[@]}" send-keys -t con "?"
for _ in $(seq 100); do help_shown && break; sleep 0.01; done
ms=$((($(date +%s%N) - t0) / 1000000))
if help_shown && [ "$ms" -le 1000 ]; then pass console_answers_keys_during_faults; else
    fail console_answers_keys_during_faults "help not drawn within 1 s ($ms ms)"
fi
echo "? drawn after $ms ms"
"${TMUX_CMD[@]}" send-keys -t con Escape

holes off
# back within the reconnect backoff (attempts 1, 2, 4 ... s apart, each
# waiting out its 10 s connect timeout while the drop was on)
all_fresh() { [ "$(screen | fleet_rows up $((2 * INTERVAL)))" = "$N" ]; }
if wait_for 40 all_fresh; then pass console_all_back_after_the_fault; else
    fail console_all_back_after_the_fault "$(screen | sed -n 3p)"
fi
