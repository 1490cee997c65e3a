#!/usr/bin/python3
"""A local webhook receiver for tests/integration/hook_webhook.sh: the
in-house system hooks/webhook posts to, on 127.0.0.1 only.

    webhook_receiver.py PORT TOKEN_FILE HMAC_KEY_FILE ANSWER_FILE LOG
                        [CERT KEY]

With CERT and KEY it speaks HTTPS. Each request is checked the way a
receiver should (POST to /dkim, Content-Type application/json, the body
one JSON object, "Authorization: Bearer" equal to the token, and
"X-Dkimkeys-Signature: sha256=HEX" equal to the HMAC-SHA256 of the exact
body under the key, compared in constant time) and appended to LOG as one
JSON line: path, method, auth_ok, sig_ok, json_ok, status, body, and
the command line and environment of the process at the other end of the
connection, read from /proc while it waits for the answer (peer_cmdline,
peer_environ: lists of strings, null when not found). A bad
token answers 401, a bad signature 403, anything else malformed 400.
Otherwise the answer is the first line of ANSWER_FILE, read at each
request: "STATUS [MESSAGE]" (200 when the file is missing or empty), so
a test changes the answer between runs by rewriting the file. Prints
"ready" once it listens.
"""
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import time


def peer_process(port):
    """(cmdline, environ) of the process holding the connection from
    127.0.0.1:port, as lists of strings; (None, None) when not found."""
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == "0100007F:%04X" % port:
                inode = fields[9]
    if inode is None:
        return None, None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            for fd in fds:
                link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
                if link == "socket:[%s]" % inode:
                    out = []
                    for what in ("cmdline", "environ"):
                        with open("/proc/%s/%s" % (pid, what), "rb") as f:
                            raw = f.read().decode("utf-8", "replace")
                        out.append(raw.split("\0")[:-1])
                    return tuple(out)
        except OSError:
            continue
    return None, None


def secret(path):
    with open(path, "rb") as f:
        data = f.read()
    return data[:-1] if data.endswith(b"\n") else data


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self, status, message):
        data = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(405, "POST only")

    def do_POST(self):
        srv = self.server
        # /proc/net/tcp is read in pieces while other tests open and close
        # sockets, so an entry can be missed: look again, for up to 5 s (a
        # loaded machine; the poster waits for the answer meanwhile)
        for _ in range(100):
            cmdline, environ = peer_process(self.client_address[1])
            if cmdline is not None:
                break
            time.sleep(0.05)
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        token = b"Bearer " + srv.token
        auth = self.headers.get("Authorization", "").encode("latin-1")
        auth_ok = hmac.compare_digest(auth, token)
        want = "sha256=" + hmac.new(srv.hmac_key, body,
                                    hashlib.sha256).hexdigest()
        sig = self.headers.get("X-Dkimkeys-Signature", "")
        sig_ok = hmac.compare_digest(sig.encode("latin-1"), want.encode())
        try:
            doc = json.loads(body)
            json_ok = isinstance(doc, dict)
        except ValueError:
            json_ok = False
        try:
            with open(srv.answer_file) as f:
                line = f.readline().strip()
        except FileNotFoundError:
            line = ""
        status, _, message = (line or "200 ok").partition(" ")
        status = int(status)
        if not auth_ok:
            status, message = 401, "bad token"
        elif not sig_ok:
            status, message = 403, "bad signature"
        elif (self.path != "/dkim" or not json_ok or
              self.headers.get("Content-Type") != "application/json"):
            status, message = 400, "not a dkimkeys event"
        with open(srv.log, "a") as f:
            f.write(json.dumps({
                "method": self.command, "path": self.path,
                "auth_ok": auth_ok, "sig_ok": sig_ok, "json_ok": json_ok,
                "status": status, "body": body.decode("utf-8", "replace"),
                "peer_cmdline": cmdline, "peer_environ": environ,
            }) + "\n")
        self.answer(status, message or "ok")


def main():
    port, token, key, answer, log = sys.argv[1:6]
    srv = http.server.HTTPServer(("127.0.0.1", int(port)), Handler)
    srv.token, srv.hmac_key = secret(token), secret(key)
    srv.answer_file, srv.log = answer, log
    if len(sys.argv) > 7:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[6], sys.argv[7])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
