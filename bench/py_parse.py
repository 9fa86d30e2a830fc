#!/usr/bin/python3
"""prometheus_client's text parser over a file, for bench/compare.sh:
reads FILE once, parses it ITERATIONS times, prints "N MB/s"."""
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

def main():
    path, n = sys.argv[1], int(sys.argv[2])
    with open(path, encoding="utf-8") as f:
        text = f.read()
    size = len(text.encode())
    start = time.monotonic()
    for _ in range(n):
        for family in text_string_to_metric_families(text):
            list(family.samples)
    secs = time.monotonic() - start
    print("%.1f MB/s" % (size * n / secs / 1e6))

main()
