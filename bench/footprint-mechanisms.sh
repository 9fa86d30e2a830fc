#!/bin/bash
# Engine CPU (dockerd + containerd) per way of watching containers, each
# alone on the sandbox's staging engine (docs/HACKING.md, "Containers"):
#   bench/footprint-mechanisms.sh SANDBOX_DIR SECONDS
. "$1/sandbox.env"
D="$SBX_STAGING_DOCKER"; SOCK=${D##*unix://}; S=$2
dpid=$(cat $1/staging/dockerd.pid)
cpid=$(pgrep -P $dpid containerd | head -1)
ticks() { awk '{print $14+$15+$16+$17}' /proc/$1/stat 2>/dev/null || echo 0; }
tree_ticks() { local t=0; for p in "$@"; do t=$((t + $(ticks $p))); done; echo $t; }
hz=$(getconf CLK_TCK)
measure() { # name, then pids to watch via function
  local name=$1; shift
  local d0=$(tree_ticks $dpid $cpid); sleep $S; local d1=$(tree_ticks $dpid $cpid)
  echo "$name engine $(echo "scale=3; ($d1-$d0)*100/$hz/$S" | bc)%"
}
idle() { measure idle; }
cli() {
  $D events --format '{{json .}}' --filter type=container >/dev/null & e=$!
  $D stats --no-trunc --format '{{json .}}' >/dev/null & s=$!
  sleep 3; local c0=$(tree_ticks $e $s); measure cli-streams; local c1=$(tree_ticks $e $s)
  echo "cli-streams clients $(echo "scale=3; ($c1-$c0)*100/$hz/$S" | bc)%"; kill $e $s; wait $e $s 2>/dev/null
}
api_stream() {
  pids=(); for id in $($D ps -q); do curl -sN --unix-socket $SOCK "http://x/containers/$id/stats?stream=true" >/dev/null & pids+=($!); done
  curl -sN --unix-socket $SOCK "http://x/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D" >/dev/null & pids+=($!)
  sleep 3; measure api-stats-stream; kill ${pids[@]}; wait 2>/dev/null
}
api_oneshot() {
  ids=$($D ps -q); ( end=$((SECONDS+S+3)); while [ $SECONDS -lt $end ]; do for id in $ids; do curl -s --unix-socket $SOCK "http://x/containers/$id/stats?stream=false&one-shot=true" >/dev/null; done; sleep 2; done ) & p=$!
  sleep 3; measure api-oneshot-every-2s; kill $p; wait 2>/dev/null
}
old() { ( end=$((SECONDS+S+3)); while [ $SECONDS -lt $end ]; do ids=$($D ps -aq); $D inspect $ids >/dev/null; $D stats --no-stream >/dev/null; sleep 2; done ) & p=$!; sleep 3; measure polling-ps-inspect-stats-every-2s; kill $p; wait 2>/dev/null; }
idle; cli; api_stream; api_oneshot; old
