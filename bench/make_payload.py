#!/usr/bin/python3
"""Writes bench/compare.sh's payload: a real node_exporter page (captured
once from Debian's prometheus-node-exporter, bench/payload/node.prom) with
its samples repeated for 40 CPUs-worth of label values, plus a busy API's
metrics made by the real Prometheus client library: http_requests_total
and http_request_duration_seconds over 150 handlers, 5 methods and 5
statuses. Deterministic (seeded)."""
import random
import re
import sys

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

random.seed(42)
out = []
families = {}
order = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.startswith("#"):
            name = line.split()[2]
            if name not in families:
                families[name] = [[], []]
                order.append(name)
            families[name][0].append(line)
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
        base = m.group(1)
        fam = next((n for n in (base, re.sub(r"_(bucket|sum|count|total|created)$", "", base)) if n in families), None)
        if fam is None:
            families[base] = [[], []]
            order.append(base)
            fam = base
        families[fam][1].append(line)
for name in order:
    head, samples = families[name]
    out.extend(head)
    for copy in range(40):
        for s in samples:
            if "{" in s:
                out.append(s.replace("{", '{replica="r%d",' % copy, 1))
            else:
                n, v = s.split(" ", 1)
                out.append('%s{replica="r%d"} %s' % (n, copy, v))

reg = CollectorRegistry()
req = Counter("http_requests", "Requests", ["handler", "method", "status"], registry=reg)
dur = Histogram("http_request_duration_seconds", "Latency", ["handler", "method"], registry=reg,
                buckets=(.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10))
for h in range(150):
    for meth in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        for st in ("200", "201", "400", "404", "500"):
            req.labels("/api/v1/r%d" % h, meth, st).inc(random.randint(1, 100000))
        for _ in range(20):
            dur.labels("/api/v1/r%d" % h, meth).observe(random.expovariate(10))
out.append(generate_latest(reg).decode())
sys.stdout.write("".join(out))
