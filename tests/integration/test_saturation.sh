#!/bin/bash
# Saturation from a real node_exporter (prometheus-node-exporter, started
# by the sandbox for the production host, `node_metrics =`), against the
# truth of this machine, which it describes:
# - memory used within 3 points of 1 - MemAvailable/MemTotal (/proc/meminfo);
# - the root filesystem's free share within 1 point of df's;
# - CPU busy at 80 % or more while both cores are kept busy on purpose;
# and staging, which has no node_metrics =, reports no saturation figures
# (its containers' own use is what the console shows there).
. "$(dirname "$0")/../lib.sh"
. "$SANDBOX_DIR/sandbox.env"
work=$(mktemp -d)
spinners=()
restore() {
    [ "${#spinners[@]}" -gt 0 ] && kill "${spinners[@]}" 2>/dev/null
    rm -rf "$work"
}
trap restore EXIT

if [ -z "${SBX_PRODUCTION_NODE_PORT:-}" ]; then
    fail "node_exporter_in_sandbox" "the sandbox has no node_exporter for production"
    exit 0
fi
g() { jq -r ".hosts[0].golden | $1" "$work/snap.json"; }
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a == a + 0 && d <= t) }'; }

"$OPSDECK_BIN" --once --json -c "$SBX_CONF" -H "$SBX_PRODUCTION_NAME" >"$work/snap.json" 2>"$work/err"
mem_truth=$(awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { printf "%.3f", (1 - a / t) * 100 }' /proc/meminfo)
read -r avail size < <(df -B1 --output=avail,size / | tail -n 1)
disk_truth=$(awk -v a="$avail" -v s="$size" 'BEGIN { printf "%.3f", a / s * 100 }')

if [ "$(g .ok)" = true ]; then pass "saturation_source_ok"; else fail "saturation_source_ok" "$(g .error)"; fi
if within "$(g .mem_percent)" "$mem_truth" 3; then pass "memory_matches_meminfo"; else
    fail "memory_matches_meminfo" "opsdeck $(g .mem_percent), /proc/meminfo $mem_truth"
fi
if within "$(g .disk_free_percent)" "$disk_truth" 1; then pass "disk_free_matches_df"; else
    fail "disk_free_matches_df" "opsdeck $(g .disk_free_percent), df $disk_truth"
fi

# both cores busy for the length of a snapshot: busy CPU is near 100 %
for _ in $(seq "$(nproc)"); do
    timeout 30 sh -c 'while :; do :; done' &
    spinners+=($!)
done
sleep 1
"$OPSDECK_BIN" --once --json -c "$SBX_CONF" -H "$SBX_PRODUCTION_NAME" >"$work/snap.json" 2>"$work/err"
kill "${spinners[@]}" 2>/dev/null
spinners=()
if awk -v c="$(g .cpu_percent)" 'BEGIN { exit !(c == c + 0 && c >= 80 && c <= 100) }'; then
    pass "cpu_busy_when_cores_are_busy"
else
    fail "cpu_busy_when_cores_are_busy" "cpu_percent $(g .cpu_percent) with every core spinning"
fi

"$OPSDECK_BIN" --once --json -c "$SBX_CONF" -H "$SBX_STAGING_NAME" >"$work/snap.json" 2>"$work/err"
# without node_metrics the host's own figures are unknown (left out); the
# containers' summed use stands in, marked as such, and is exactly the sum of
# the containers' figures in the same snapshot
if [ "$(g '.ok and .saturation_source == "containers" and (has("mem_percent") or has("disk_free_percent") | not)')" = true ] &&
    jq -e '.hosts[0] | ([.containers.items[].cpu_percent // 0] | add) as $c
        | ([.containers.items[].mem_bytes // 0] | add) as $m
        | (.golden.cpu_percent - $c | fabs) < 0.01 and .golden.mem_bytes == $m and $m > 0' \
        "$work/snap.json" >/dev/null; then
    pass "no_node_metrics_containers_saturation"
else
    fail "no_node_metrics_containers_saturation" "$(jq -c '.hosts[0] | {golden, c: [.containers.items[] | {cpu_percent, mem_bytes}]}' "$work/snap.json")"
fi
