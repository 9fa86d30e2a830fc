#!/usr/bin/python3
"""The sandbox's demo API: the instrumented service opsdeck watches.

It stands in for the real FastAPI application. Its metrics come from the
real Prometheus client library; its WebSocket count comes from real
python3-websockets clients connected to its own /ws; its Postgres sessions
are real psql sessions on the host's PostgreSQL. What it does is set by a
test through /control, so the test knows the truth:

  GET  /metrics          Prometheus exposition (prometheus_client)
  GET  /api/v1/health    the configured status (200 or 503) and a JSON body
  GET  /ws/stats         {active_connections, total_messages_sent,
                          total_broadcasts, last_broadcast_at}
  GET  /ws               WebSocket endpoint (one broadcast a second)
  GET  /control          the current truth (JSON)
  POST /control          JSON, any subset of:
       rate (requests/s), error_ratio (0..1), latency_s, ws_clients,
       health (200|503), health_delay_s, idle_in_transaction,
       slow_queries, blocked_queries
       It answers once the world matches (sessions open, clients counted).
       Also log_stdout, log_stderr (strings, up to 4096 characters): a line
       the API writes at once on its stdout or stderr, as given (escape
       sequences and all), for the container's log (docker logs).

Traffic is generated inside the process: each tick records exactly the
configured number of requests, errors and latency in the real client
library's Counter and Histogram. Requests to this server itself are not
counted, so the counters hold exactly the generated traffic.

Releases: the image it runs in says which release it is (APP_VERSION, set
by the image: grupogad/api:1.0, grupogad/api:1.1). The version is in the
metrics (build_info{version=...} 1) and in the health body. 1.0 is good;
1.1 is the bad release: it starts with health 503 and half its requests
failing (its defaults; /control can still change them, and a restart
returns to them).

Run it with /usr/bin/python3: that is the one that sees Debian's packages.
"""

import argparse
import asyncio
import base64
import datetime
import hashlib
import json
import os
import signal
import struct
import sys
import time

import websockets
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

# The handlers the generated traffic is spread over (method, path).
HANDLERS = [
    ("GET", "/api/v1/tasks"),
    ("POST", "/api/v1/tasks"),
    ("GET", "/api/v1/users/me"),
]
# 5 ms .. 10 s, the Prometheus default buckets plus 7.5 s and 10 s.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
TICK_S = 0.25
BROADCAST_S = 1.0
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 16384
MAX_BODY = 65536
SETTLE_S = 10.0  # how long POST /control waits for the world to match
KEEP_ALIVE_S = 60  # an idle kept-alive connection is closed after this

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, handler and status class (2xx, 5xx)",
    ["method", "handler", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration in seconds",
    ["method", "handler"],
    buckets=BUCKETS,
)

BUILD_INFO = Gauge("build_info", "The running release (always 1)", ["version"])

DEFAULTS = {
    "rate": 5.0,
    "error_ratio": 0.0,
    "latency_s": 0.05,
    "ws_clients": 2,
    "health": 200,
    "health_delay_s": 0.0,
    "idle_in_transaction": 0,
    "slow_queries": 0,
    "blocked_queries": 0,
}

# What each release starts with, over DEFAULTS: 1.1 is the bad one.
RELEASES = {
    "1.0": {},
    "1.1": {"health": 503, "error_ratio": 0.5},
}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def validate(body):
    """Returns the accepted settings from a POST body, or raises ValueError."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    out = {}
    for key, value in body.items():
        if key not in DEFAULTS:
            raise ValueError("unknown key: %s" % key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("%s must be a number" % key)
        if key in ("rate", "latency_s", "health_delay_s"):
            if value < 0 or value > (10000 if key == "rate" else 60):
                raise ValueError("%s out of range" % key)
            out[key] = float(value)
        elif key == "error_ratio":
            if not 0 <= value <= 1:
                raise ValueError("error_ratio must be within 0..1")
            out[key] = float(value)
        elif key == "health":
            if int(value) not in (200, 503):
                raise ValueError("health must be 200 or 503")
            out[key] = int(value)
        else:
            if value != int(value) or not 0 <= value <= 20:
                raise ValueError("%s must be an integer within 0..20" % key)
            out[key] = int(value)
    return out


class Traffic:
    """Records the configured traffic in the metrics, tick by tick.

    Fractions carry over between ticks, so over any whole second the counts
    are exactly rate and rate * error_ratio."""

    def __init__(self, truth):
        self.truth = truth
        self.due = 0.0
        self.err_due = 0.0
        self.next_handler = 0

    def tick(self, dt):
        rate = self.truth["rate"]
        self.due += rate * dt
        n = int(self.due)
        self.due -= n
        self.err_due += n * self.truth["error_ratio"]
        errors = int(self.err_due + 1e-9)
        self.err_due -= errors
        latency = self.truth["latency_s"]
        for i in range(n):
            method, handler = HANDLERS[self.next_handler]
            self.next_handler = (self.next_handler + 1) % len(HANDLERS)
            status = "5xx" if i < errors else "2xx"
            REQUESTS.labels(method, handler, status).inc()
            DURATION.labels(method, handler).observe(latency)

    async def run(self):
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK_S)
            now = time.monotonic()
            self.tick(now - last)
            last = now


class WsServer:
    """The server side of /ws: a minimal RFC 6455 endpoint (text frames out,
    ping/pong and close in) that broadcasts a stats message every second."""

    def __init__(self):
        self.clients = set()
        self.total_messages_sent = 0
        self.total_broadcasts = 0
        self.last_broadcast_at = None

    def stats(self):
        return {
            "active_connections": len(self.clients),
            "total_messages_sent": self.total_messages_sent,
            "total_broadcasts": self.total_broadcasts,
            "last_broadcast_at": self.last_broadcast_at,
        }

    @staticmethod
    def frame(opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        return head + payload

    async def serve(self, reader, writer, headers):
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept
            ).encode()
        )
        await writer.drain()
        self.clients.add(writer)
        try:
            await self.read_frames(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self.clients.discard(writer)
            writer.close()

    async def read_frames(self, reader, writer):
        while True:
            b0, b1 = await reader.readexactly(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await reader.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await reader.readexactly(8))
            if n > MAX_BODY:
                raise ValueError("frame too large")
            mask = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(await reader.readexactly(n)))
            if opcode == 0x8:  # close: answer it and stop
                self.clients.discard(writer)
                writer.write(self.frame(0x8, data[:2]))
                await writer.drain()
                return
            if opcode == 0x9:  # ping
                writer.write(self.frame(0xA, data))
                await writer.drain()

    async def broadcast_forever(self):
        while True:
            await asyncio.sleep(BROADCAST_S)
            self.last_broadcast_at = now_iso()
            self.total_broadcasts += 1
            message = json.dumps({"type": "stats", "at": self.last_broadcast_at}).encode()
            for writer in list(self.clients):
                try:
                    writer.write(self.frame(0x1, message))
                    self.total_messages_sent += 1
                except (ConnectionError, RuntimeError):
                    self.clients.discard(writer)


class WsClients:
    """Real python3-websockets clients connected to our own /ws."""

    def __init__(self, url):
        self.url = url
        self.tasks = []

    async def one_client(self):
        while True:
            try:
                async with websockets.connect(self.url, open_timeout=5, close_timeout=1) as ws:
                    async for _ in ws:
                        pass
            except asyncio.CancelledError:
                raise
            except Exception:
                pass
            await asyncio.sleep(1)  # reconnect, like a browser tab would

    def set_count(self, n):
        while len(self.tasks) > n:
            self.tasks.pop().cancel()
        while len(self.tasks) < n:
            self.tasks.append(asyncio.ensure_future(self.one_client()))


class PgSessions:
    """Real psql sessions on the host's PostgreSQL, by kind:
    idle: BEGIN then a SELECT, left idle in transaction (app sbx-idle);
    slow: SELECT pg_sleep(86400) (app sbx-slow);
    blocked: a pair, sbx-blocker holds pg_advisory_lock(K) and sleeps,
    sbx-blocked waits for the same lock."""

    APPS = {
        "idle_in_transaction": ("sbx-idle",),
        "slow_queries": ("sbx-slow",),
        "blocked_queries": ("sbx-blocker", "sbx-blocked"),
    }

    def __init__(self, psql, conninfo):
        self.psql = psql
        self.conninfo = conninfo
        self.procs = {kind: [] for kind in self.APPS}  # (app, proc, backend pid)
        self.errors = []

    async def open(self, app):
        proc = await asyncio.create_subprocess_exec(
            self.psql, "-X", "-q", "-At", "%s application_name=%s" % (self.conninfo, app),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        pid = await self.ask(proc, "SELECT pg_backend_pid();")
        return proc, int(pid)

    @staticmethod
    async def ask(proc, sql):
        proc.stdin.write((sql + "\n").encode())
        await proc.stdin.drain()
        line = await asyncio.wait_for(proc.stdout.readline(), 5)
        if not line:
            raise RuntimeError("psql ended: %s" % sql)
        return line.decode().strip()

    @staticmethod
    def send(proc, sql):
        proc.stdin.write((sql + "\n").encode())

    async def start(self, kind, i):
        if kind == "idle_in_transaction":
            proc, pid = await self.open("sbx-idle")
            self.send(proc, "BEGIN;\nSELECT now();")
            self.procs[kind].append(("sbx-idle", proc, pid))
        elif kind == "slow_queries":
            proc, pid = await self.open("sbx-slow")
            self.send(proc, "SELECT pg_sleep(86400);")
            self.procs[kind].append(("sbx-slow", proc, pid))
        else:
            key = 4242000 + i
            holder, hpid = await self.open("sbx-blocker")
            await self.ask(holder, "SELECT pg_advisory_lock(%d), 'locked';" % key)
            self.send(holder, "SELECT pg_sleep(86400);")
            waiter, wpid = await self.open("sbx-blocked")
            self.send(waiter, "SELECT pg_advisory_lock(%d);" % key)
            self.procs[kind] += [("sbx-blocker", holder, hpid), ("sbx-blocked", waiter, wpid)]

    async def stop(self, kind):
        apps = "','".join(self.APPS[kind])
        await self.query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name IN ('%s')" % apps
        )
        for _, proc, _ in self.procs[kind]:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        self.procs[kind] = []

    async def query(self, sql):
        proc = await asyncio.create_subprocess_exec(
            self.psql, "-X", "-q", "-At", "-F", "|", "-c", sql,
            "%s application_name=sbx-control" % self.conninfo,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 10)
        if proc.returncode != 0:
            raise RuntimeError(err.decode().strip() or "psql failed")
        return [line.split("|") for line in out.decode().splitlines() if line]

    async def settle(self, targets):
        """Waits until pg_stat_activity shows the targets; bounded."""
        want = {
            "sbx-idle": ("idle in transaction", None, targets["idle_in_transaction"]),
            "sbx-slow": ("active", None, targets["slow_queries"]),
            "sbx-blocked": ("active", "Lock", targets["blocked_queries"]),
        }
        deadline = time.monotonic() + SETTLE_S
        while True:
            rows = await self.query(
                "SELECT application_name, state, coalesce(wait_event_type, '')"
                " FROM pg_stat_activity WHERE application_name LIKE 'sbx-%'"
            )
            ok = all(
                sum(1 for a, s, w in rows if a == app and s == st and (wt is None or w == wt)) == n
                for app, (st, wt, n) in want.items()
            )
            if ok or time.monotonic() > deadline:
                return ok
            await asyncio.sleep(0.1)

    async def reconcile(self, targets, changed):
        for kind in self.APPS:
            if kind in changed:
                await self.stop(kind)
                for i in range(targets[kind]):
                    await self.start(kind, i)
        return await self.settle(targets)

    def pids(self):
        return {
            app: [pid for a, proc, pid in procs if a == app and proc.returncode is None]
            for kind, procs in self.procs.items()
            for app in self.APPS[kind]
        }

    def kill_all(self):
        for procs in self.procs.values():
            for _, proc, _ in procs:
                if proc.returncode is None:
                    proc.kill()


class Api:
    def __init__(self, args):
        self.args = args
        self.truth = dict(DEFAULTS)
        self.truth.update(RELEASES.get(args.version, {}))
        self.started = time.time()
        self.traffic = Traffic(self.truth)
        self.ws = WsServer()
        self.ws_clients = WsClients("ws://%s:%d/ws" % (args.addr, args.port))
        self.pg = PgSessions(args.psql, args.pg)
        self.lock = asyncio.Lock()
        self.pg_error = None

    def current(self):
        out = dict(self.truth)
        out["ws_active_connections"] = len(self.ws.clients)
        out["pg_backend_pids"] = self.pg.pids()
        out["pg_error"] = self.pg_error
        out["environment"] = self.args.env
        out["version"] = self.args.version
        return out

    async def control(self, body):
        if isinstance(body, dict):
            body = dict(body)
            lines = [(body.pop(k), stream) for k, stream in
                     (("log_stdout", sys.stdout), ("log_stderr", sys.stderr)) if k in body]
        else:
            lines = []
        changed = validate(body)
        for text, stream in lines:
            if not isinstance(text, str) or len(text) > 4096:
                raise ValueError("log_stdout and log_stderr must be strings of up to 4096 characters")
        for text, stream in lines:
            stream.write(text + "\n")
            stream.flush()
        async with self.lock:
            self.truth.update(changed)
            self.ws_clients.set_count(self.truth["ws_clients"])
            deadline = time.monotonic() + SETTLE_S
            while len(self.ws.clients) != self.truth["ws_clients"] and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            pg_keys = set(changed) & set(PgSessions.APPS)
            failed = False
            if pg_keys:
                try:
                    self.pg_error = None
                    if not await self.pg.reconcile(self.truth, pg_keys):
                        self.pg_error = "postgres sessions did not settle in %ds" % SETTLE_S
                except (RuntimeError, OSError, ValueError, asyncio.TimeoutError) as e:
                    self.pg_error = "postgres: %s" % e
                failed = self.pg_error is not None
        return self.current(), failed

    async def health(self):
        delay = self.truth["health_delay_s"]
        if delay:
            await asyncio.sleep(delay)
        ok = self.truth["health"] == 200
        return self.truth["health"], {
            "status": "healthy" if ok else "unhealthy",
            "environment": self.args.env,
            "version": self.args.version,
            "database": "connected" if ok else "unavailable",
            "uptime_s": round(time.time() - self.started, 1),
            "timestamp": now_iso(),
        }

    async def route(self, method, path, headers, body):
        path = path.split("?", 1)[0]
        if path == "/metrics" and method == "GET":
            return 200, CONTENT_TYPE_LATEST, generate_latest()
        if path == "/api/v1/health" and method == "GET":
            status, doc = await self.health()
            return status, "application/json", json.dumps(doc).encode()
        if path == "/ws/stats" and method == "GET":
            return 200, "application/json", json.dumps(self.ws.stats()).encode()
        if path == "/control" and method == "GET":
            return 200, "application/json", json.dumps(self.current()).encode()
        if path == "/control" and method == "POST":
            try:
                doc, failed = await self.control(json.loads(body.decode() or "{}"))
            except ValueError as e:
                return 400, "application/json", json.dumps({"error": str(e)}).encode()
            # 500 when the Postgres sessions asked for could not be made.
            return 500 if failed else 200, "application/json", json.dumps(doc).encode()
        return 404, "application/json", b'{"detail":"Not Found"}'

    async def handle(self, reader, writer):
        # HTTP/1.1 keep-alive, as the real API's server (uvicorn) does: a
        # client that reuses its connection is not made to reconnect per
        # request (the footprint benchmark counts the connections).
        try:
            first = True
            while await self.answer_one(reader, writer, 10 if first else KEEP_ALIVE_S):
                first = False
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ConnectionError, ValueError, UnicodeError):
            pass
        finally:
            writer.close()

    async def answer_one(self, reader, writer, wait_s):
        """Answers one request; True when the connection stays open."""
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), wait_s)
        lines = head.decode("latin-1").split("\r\n")
        method, path, version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if path.startswith("/ws") and headers.get("upgrade", "").lower() == "websocket":
            await self.ws.serve(reader, writer, headers)
            return False
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        body = await asyncio.wait_for(reader.readexactly(length), 10) if length else b""
        status, ctype, payload = await self.route(method, path, headers, body)
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
                  503: "Service Unavailable"}
        writer.write(
            (
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                "Connection: %s\r\n\r\n" % (status, reason.get(status, "OK"), ctype, len(payload),
                                              "keep-alive" if keep else "close")
            ).encode()
            + payload
        )
        await writer.drain()
        return keep

    async def main(self):
        server = await asyncio.start_server(self.handle, self.args.addr, self.args.port, limit=MAX_HEAD)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        asyncio.ensure_future(self.traffic.run())
        asyncio.ensure_future(self.ws.broadcast_forever())
        self.ws_clients.set_count(self.truth["ws_clients"])
        BUILD_INFO.labels(self.args.version).set(1)
        print("demo-api %s %s listening on %s:%d" % (self.args.version, self.args.env, self.args.addr,
                                                     self.args.port), flush=True)
        await stop.wait()
        self.pg.kill_all()
        server.close()


def main():
    p = argparse.ArgumentParser(description="opsdeck sandbox demo API")
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--env", required=True)
    p.add_argument("--pg", required=True, help="libpq conninfo of the host's Postgres")
    p.add_argument("--psql", default="/usr/lib/postgresql/15/bin/psql")
    p.add_argument("--version", default=os.environ.get("APP_VERSION", "1.0"),
                   help="the release (default: $APP_VERSION, which the image sets)")
    args = p.parse_args()
    asyncio.run(Api(args).main())
    os._exit(0)


if __name__ == "__main__":
    main()
