#!/usr/bin/python3
"""A small real HTTP server for test_http: the awkward answers a host can
give (huge, slow, failing), on a TCP port and on a Unix socket.

usage: http_server.py ADDR PORT_FILE UNIX_SOCKET
Writes the port it got into PORT_FILE once it listens on both."""
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ok":
            self.answer(200, b'{"status":"ok"}', "application/json")
        elif self.path == "/unavailable":
            self.answer(503, b'{"status":"down"}', "application/json")
        elif self.path.startswith("/big/"):
            size = int(self.path.split("/")[2])
            self.answer(200, b"x" * size)
        elif self.path == "/endless":  # no Content-Length: only the cap stops it
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"y" * 65536)
            except OSError:
                pass
        elif self.path == "/slow":
            time.sleep(10)
            self.answer(200, b"late")
        else:
            self.answer(404, b"no such path")


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class UnixHandler(Handler):
    def address_string(self):
        return "unix"


def main():
    addr, port_file, sock_path = sys.argv[1:4]
    tcp = ThreadingHTTPServer((addr, 0), Handler)
    tcp.daemon_threads = True
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    unix = UnixServer(sock_path, UnixHandler)
    threading.Thread(target=unix.serve_forever, daemon=True).start()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(tcp.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    tcp.serve_forever()


main()
