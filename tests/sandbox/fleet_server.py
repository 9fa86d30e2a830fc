#!/usr/bin/python3
"""The fleet's one metrics and health server (tests/sandbox/fleet.sh): every
fleet host's tunnel reaches it, as each real host would reach its own API.

usage: fleet_server.py ADDR PORT

GET /metrics  an API's exposition: http_requests_total{method,handler,status}
              and http_request_duration_seconds, moving at RATE requests a
              second since start (0.2 % of them 5xx, each observed at 0.05 s)
GET /node     node_exporter-style saturation of a steady host: 2 CPUs 25 %
              busy (counters moving with time), memory 40 % used, the root
              filesystem 50 % free
GET /health   200 {"status": "healthy"}

HTTP/1.1 with keep-alive (the clients keep their connections), one thread
per connection, nothing logged."""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RATE = 5.0
ERROR_SHARE = 0.002  # under the 1 % warning: a healthy fleet
LATENCY_S = 0.05
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HANDLERS = ("/api/v1/tasks", "/api/v1/users/me")
CPUS = 2
CPU_BUSY = 0.25
MEM_TOTAL = 8 * 1024**3
MEM_USED = 0.40
DISK_SIZE = 100 * 1024**3
DISK_FREE = 0.50
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
    """A steady host's saturation, the same for every host: this machine's
    own (the sandbox's node_exporter) swings with whatever else runs on it,
    and a hundred hosts at once over a threshold would fill the console's
    attention list with one cause, pushing the hosts off the screen."""
    up = time.time() - START
    out = ["# TYPE node_cpu_seconds_total counter"]
    for cpu in range(CPUS):
        busy = up * CPU_BUSY
        for mode, seconds in (("user", busy * 0.7), ("system", busy * 0.3),
                              ("idle", up - busy), ("iowait", 0.0)):
            out.append(f'node_cpu_seconds_total{{cpu="{cpu}",mode="{mode}"}} {seconds:.2f}')
    out.append("# TYPE node_memory_MemTotal_bytes gauge")
    out.append(f"node_memory_MemTotal_bytes {MEM_TOTAL}")
    out.append("# TYPE node_memory_MemAvailable_bytes gauge")
    out.append(f"node_memory_MemAvailable_bytes {int(MEM_TOTAL * (1 - MEM_USED))}")
    labels = 'device="/dev/vda1",fstype="ext4",mountpoint="/"'
    out.append("# TYPE node_filesystem_size_bytes gauge")
    out.append(f"node_filesystem_size_bytes{{{labels}}} {DISK_SIZE}")
    out.append("# TYPE node_filesystem_avail_bytes gauge")
    out.append(f"node_filesystem_avail_bytes{{{labels}}} {int(DISK_SIZE * DISK_FREE)}")
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
