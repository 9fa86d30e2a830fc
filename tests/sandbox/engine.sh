#!/bin/bash
# Stops or starts one sandbox host's Docker engine, for tests of a source
# whose engine goes away and comes back:
#
#   tests/sandbox/engine.sh DIR HOST stop    # SIGTERM, waits for it to exit
#   tests/sandbox/engine.sh DIR HOST start   # as up.sh starts it; waits until
#                                            # it answers and its containers run
#
# HOST is staging or production. Exits non-zero when the engine does not do
# so within a bound (30 s stopping, 60 s starting).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sandbox/lib.sh
. "$HERE/lib.sh"

[ $# -eq 3 ] || die "usage: engine.sh DIR HOST stop|start"
DIR=$1 H=$2
[ -d "$DIR/$H" ] || die "$DIR/$H: no such sandbox host"
DOCKER="$SBX_DOCKER_BIN -H unix://$DIR/$H/docker.sock"

case $3 in
stop)
    pid=$(cat "$DIR/$H/dockerd.pid" 2>/dev/null) || exit 0
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    die "$H: dockerd $pid did not stop within 30 s"
    ;;
start)
    start_engine "$DIR" "$H"
    wait_cmd 60 $DOCKER version || die "$H: dockerd did not start (see $DIR/$H/dockerd.log)"
    # containers come back by their restart policy (unless-stopped)
    for _ in $(seq 600); do
        # shellcheck disable=SC2086 # $DOCKER is a command with its arguments
        [ -z "$($DOCKER ps -a --filter status=exited --filter status=created -q)" ] && exit 0
        sleep 0.1
    done
    die "$H: containers did not come back within 60 s"
    ;;
*) die "usage: engine.sh DIR HOST stop|start" ;;
esac
