#!/usr/bin/env python3
"""An RFC 3161 timestamp authority for the tests, on 127.0.0.1 only (python3 standard library).

POST with Content-Type application/timestamp-query -> application/timestamp-reply made by
`openssl ts -reply -config CONFIG`. Other requests get 4xx. One request at a time (openssl
rewrites its serial file without a lock). Each request is counted in --count-file.

Usage: tsa_server.py --config tsa.cnf --port-file F [--port N] [--count-file F]
                     [--basic-auth USER:PASSWORD] [--tls CERT KEY CLIENT_CA]
The port (N, or a free one for 0) is written to --port-file once the socket listens.
--basic-auth answers 401 to a request without those credentials; --tls serves HTTPS with CERT
and KEY and requires a client certificate issued by CLIENT_CA (what commercial TSAs do).
"""
import argparse
import base64
import http.server
import os
import ssl
import subprocess
import tempfile

MAX_QUERY = 64 * 1024


class TsaHandler(http.server.BaseHTTPRequestHandler):
    config = ""
    count_file = ""
    basic_auth = ""

    def log_message(self, fmt, *args):  # quiet: the tests read the count file instead
        pass

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(405, b"RFC 3161 queries are POSTed\n", "text/plain")

    def do_POST(self):
        if self.count_file:
            n = int(open(self.count_file).read() or 0) if os.path.exists(self.count_file) else 0
            with open(self.count_file, "w") as f:
                f.write(str(n + 1))
        if self.basic_auth:
            want = "Basic " + base64.b64encode(self.basic_auth.encode()).decode()
            if self.headers.get("Authorization", "") != want:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="tsa"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/timestamp-query":
            return self.reply(415, b"expected application/timestamp-query\n", "text/plain")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_QUERY:
            return self.reply(400, b"bad Content-Length\n", "text/plain")
        query = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as tmp:
            qpath, rpath = os.path.join(tmp, "q.tsq"), os.path.join(tmp, "r.tsr")
            with open(qpath, "wb") as f:
                f.write(query)
            done = subprocess.run(["openssl", "ts", "-reply", "-config", self.config,
                                   "-queryfile", qpath, "-out", rpath],
                                  capture_output=True, timeout=60)
            if done.returncode != 0 or not os.path.exists(rpath):
                return self.reply(400, b"malformed time-stamp query\n", "text/plain")
            with open(rpath, "rb") as f:
                answer = f.read()
        self.reply(200, answer, "application/timestamp-reply")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--count-file", default="")
    ap.add_argument("--basic-auth", default="")
    ap.add_argument("--tls", nargs=3, metavar=("CERT", "KEY", "CLIENT_CA"))
    args = ap.parse_args()
    TsaHandler.config = os.path.abspath(args.config)
    TsaHandler.count_file = args.count_file
    TsaHandler.basic_auth = args.basic_auth
    server = http.server.HTTPServer(("127.0.0.1", args.port), TsaHandler)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.tls[2])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
