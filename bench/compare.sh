#!/bin/bash
# bench/compare.sh: opsdeck's exposition parser beside Prometheus's own Go
# parser (expfmt.TextParser) and prometheus_client's Python parser, on one
# payload, in one run. Each parser runs 3 times; the best run counts.
# Exits 1 when opsdeck's is not at least 10 times faster than both.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
out=$BUILD/bench
mkdir -p "$out"
PROM_PARSE=${PROM_PARSE:-$out/prom-parse}
payload=$out/payload.prom
/usr/bin/python3 bench/make_payload.py bench/payload/node.prom >"$payload"
GO111MODULE=off GOPATH="$PWD/$out/gopath:/usr/share/gocode" GOCACHE="$PWD/$out/gocache" \
    GOFLAGS=-mod=mod go build -o "$out/go-parse" bench/go/parse.go

best() { # iterations, command...: the best MB/s of 3 runs
    local n=$1 b=0 r
    shift
    for _ in 1 2 3; do
        r=$("$@" "$payload" "$n" 2>/dev/null | sed -n 's/ MB\/s$//p')
        b=$(awk -v a="$b" -v c="$r" 'BEGIN { print (c > a ? c : a) }')
    done
    echo "$b"
}
c=$(best 40 "$PROM_PARSE")
go=$(best 5 "$out/go-parse")
py=$(best 1 /usr/bin/python3 bench/py_parse.py)
size=$(wc -c <"$payload")
series=$(grep -cv '^#' "$payload")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ratio() { awk -v a="$c" -v b="$1" 'BEGIN { printf "%.1f", a / b }'; }
echo "payload: $size bytes, $series series (bench/make_payload.py on a real node_exporter page)"
echo "machine: $(nproc) cores, $(uname -m), $cpu; best of 3 runs each"
echo
echo "| parser | MB/s | opsdeck is |"
echo "|---|---:|---:|"
echo "| opsdeck (bench/prom-parse) | $c | 1x |"
echo "| Prometheus Go expfmt.TextParser ($(go version | awk '{print $3}')) | $go | $(ratio "$go")x |"
echo "| prometheus_client Python parser | $py | $(ratio "$py")x |"
ok=$(awk -v a="$c" -v g="$go" -v p="$py" 'BEGIN { print (a >= 10 * g && a >= 10 * p) ? 1 : 0 }')
if [ "$ok" != 1 ]; then
    echo "opsdeck's parser is not 10 times faster than both" >&2
    exit 1
fi
