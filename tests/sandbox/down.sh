#!/bin/bash
# Stops everything the sandbox in DIR started and leaves nothing running:
#
#   tests/sandbox/down.sh DIR
#
# Safe to call twice, and after an up.sh that failed halfway. It removes the
# containers, stops the daemons by their pid files (with their children),
# then any process still naming DIR on its command line, removes the
# iptables rules tagged opsdeck-sbx:DIR, unmounts what the engines left
# mounted under DIR and releases the address claim. It stops a fleet of
# fleet.sh the same way. DIR itself is left for the caller to delete.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$HERE/lib.sh"

[ $# -eq 1 ] || die "usage: down.sh DIR"
[ -d "$1" ] || exit 0
DIR=$(cd "$1" && pwd)
[ "$DIR" != / ] || die "refusing DIR=/"

CLAIM="" BLACKHOLE_RULE=""
# shellcheck disable=SC1091
[ -f "$DIR/down.env" ] && . "$DIR/down.env"

# 1. Containers: removed by their own engines (SIGKILL; the data is throwaway).
for sock in "$DIR"/*/docker.sock; do
    [ -S "$sock" ] || continue
    (
        d="$SBX_DOCKER_BIN -H unix://$sock"
        # shellcheck disable=SC2086 # $d is a command with its arguments
        ids=$(timeout 10 $d ps -aq 2>/dev/null)
        # shellcheck disable=SC2086
        [ -n "$ids" ] && timeout 20 $d rm -f $ids >/dev/null 2>&1
    ) &
done
wait

# 2. Daemons by pid file, each with everything below it (sshd's sessions,
#    dockerd's containerd and shims).
pids=()
for f in "$DIR"/*/*.pid "$DIR"/*.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f" 2>/dev/null)
    [[ "$p" =~ ^[0-9]+$ ]] || continue
    kill -0 "$p" 2>/dev/null || continue
    mapfile -t -O "${#pids[@]}" pids < <(descendants "$p")
    pids+=("$p")
done
stop_pids 10 "${pids[@]}"

# 3. Anything still naming DIR (a container process whose engine died first),
#    except this script and its callers.
keep=" $$ "
p=$$
while [ "$p" -gt 1 ] 2>/dev/null; do
    p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null) || break
    keep="$keep$p "
done
left=()
# One grep over every command line (not two processes per process: on a
# loaded machine with a thousand processes that took minutes).
# shellcheck disable=SC2013 # /proc paths have no spaces
for c in $(grep -laF -- "$DIR/" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${c#/proc/}
    p=${p%/cmdline}
    case "$keep" in *" $p "*) continue ;; esac
    left+=("$p")
done
stop_pids 5 "${left[@]}"

# 4. The blackhole rule, however many times it was inserted.
if [ -n "$BLACKHOLE_RULE" ]; then
    # shellcheck disable=SC2086
    while iptables -w 5 -C $BLACKHOLE_RULE 2>/dev/null; do
        iptables -w 5 -D $BLACKHOLE_RULE || break
    done
fi

# 4b. Any other rule tagged for this DIR (the fleet's blackholes, put by
#     bench/scale.sh and the fleet test with this comment), in case their
#     own traps did not run.
for chain in INPUT OUTPUT; do
    iptables -w 5 -S "$chain" 2>/dev/null | grep -F -- "--comment opsdeck-sbx:$DIR " |
        sed 's/^-A /-D /' | while read -r rule; do
        # shellcheck disable=SC2086 # the rule as iptables printed it
        eval iptables -w 5 $rule
    done
done

# 5. Mounts the engines left under DIR (netns, container roots), deepest first.
awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done

# 6. The address claim, and the marker that this DIR holds a running sandbox.
[ -n "$CLAIM" ] && rm -rf "$CLAIM"
rm -f "$DIR/sandbox.env" "$DIR/fleet.env"
exit 0
