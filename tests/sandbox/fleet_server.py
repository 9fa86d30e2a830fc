#!/usr/bin/python3
"""The fleet's one metrics and health server (tests/sandbox/fleet.sh): every
fleet host's tunnel reaches it, as each real host would reach its own API.

usage: fleet_server.py ADDR PORT

GET /metrics  an API's exposition: http_requests_total{method,handler,status}
              and http_request_duration_seconds, moving at RATE requests a
              second since start (1 % of them 5xx, each observed at 0.05 s)
GET /node     node_exporter-style saturation of this machine, read from
              /proc/stat, /proc/meminfo and statvfs("/") at each request
GET /health   200 {"status": "healthy"}

HTTP/1.1 with keep-alive (the clients keep their connections), one thread
per connection, nothing logged."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RATE = 5.0
ERROR_SHARE = 0.01
LATENCY_S = 0.05
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HANDLERS = ("/api/v1/tasks", "/api/v1/users/me")
START = time.time()


def api_page():
    total = (time.time() - START) * RATE / len(HANDLERS)
    errors = int(total * ERROR_SHARE)
    ok = int(total) - errors
    out = ["# HELP http_requests_total Requests.", "# TYPE http_requests_total counter"]
    for h in HANDLERS:
        out.append(f'http_requests_total{{method="GET",handler="{h}",status="2xx"}} {ok}')
        out.append(f'http_requests_total{{method="GET",handler="{h}",status="5xx"}} {errors}')
    out += ["# HELP http_request_duration_seconds Latency.",
            "# TYPE http_request_duration_seconds histogram"]
    n = int(total)
    for h in HANDLERS:
        for le in BUCKETS:
            count = n if le >= LATENCY_S else 0
            out.append(f'http_request_duration_seconds_bucket{{method="GET",handler="{h}",le="{le}"}} {count}')
        out.append(f'http_request_duration_seconds_bucket{{method="GET",handler="{h}",le="+Inf"}} {n}')
        out.append(f'http_request_duration_seconds_sum{{method="GET",handler="{h}"}} {n * LATENCY_S}')
        out.append(f'http_request_duration_seconds_count{{method="GET",handler="{h}"}} {n}')
    return "\n".join(out) + "\n"


def node_page():
    hz = os.sysconf("SC_CLK_TCK")
    modes = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    out = ["# TYPE node_cpu_seconds_total counter"]
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if not parts[0].startswith("cpu") or parts[0] == "cpu":
                continue
            cpu = parts[0][3:]
            for mode, ticks in zip(modes, parts[1:]):
                out.append(f'node_cpu_seconds_total{{cpu="{cpu}",mode="{mode}"}} {int(ticks) / hz}')
    mem = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            mem[key] = int(value.split()[0]) * 1024
    out.append("# TYPE node_memory_MemTotal_bytes gauge")
    out.append(f"node_memory_MemTotal_bytes {mem['MemTotal']}")
    out.append("# TYPE node_memory_MemAvailable_bytes gauge")
    out.append(f"node_memory_MemAvailable_bytes {mem['MemAvailable']}")
    st = os.statvfs("/")
    labels = 'device="rootfs",fstype="ext4",mountpoint="/"'
    out.append("# TYPE node_filesystem_size_bytes gauge")
    out.append(f"node_filesystem_size_bytes{{{labels}}} {st.f_blocks * st.f_frsize}")
    out.append("# TYPE node_filesystem_avail_bytes gauge")
    out.append(f"node_filesystem_avail_bytes{{{labels}}} {st.f_bavail * st.f_frsize}")
    return "\n".join(out) + "\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/metrics":
            self.answer(200, api_page(), "text/plain; version=0.0.4")
        elif self.path == "/node":
            self.answer(200, node_page(), "text/plain; version=0.0.4")
        elif self.path == "/health":
            self.answer(200, json.dumps({"status": "healthy"}), "application/json")
        else:
            self.answer(404, "no such path\n", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a hundred hosts' tunnels connect at once


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    Server((addr, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
