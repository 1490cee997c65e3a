"""What the local stand-ins for vendors' APIs share (imported, not run):
an HTTPS server on 127.0.0.1 that records every request, and a small
authoritative DNS server that serves the records a stand-in holds, so that
`verify_dns = yes` works end to end against it.

    serve_https(port, cert, key, log_path, handle)
        handle(req) -> (status, headers, body bytes), req a Request; a
        Refused raised by handle is answered with its status and body. Each
        request is appended to log_path as one JSON line: method, path,
        query, headers (lowercased names), body (text), status, and what
        handle put in req.note. Requests are handled one at a time.

    serve_dns(port, records)
        In a thread: UDP and TCP on 127.0.0.1:port. records() -> {name:
        [[string, ...], ...]}, names lowercase with the final dot, each
        record a list of character-strings. TXT questions for a name there
        are answered authoritatively; other names NXDOMAIN, other types of
        a known name NODATA (with an SOA of the name's parent, TTL 0).
"""
import json
import socketserver
import ssl
import struct
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdtypes.ANY.TXT
import dns.rdataclass
import dns.rdatatype
import dns.rrset

LOCK = threading.Lock()


class Refused(Exception):
    """An answer other than success: status, headers and body bytes."""

    def __init__(self, status, body, headers=None):
        super().__init__(body)
        self.status, self.body, self.headers = status, body, headers or {}


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.headers, self.body = \
            method, path, headers, body
        self.query = dict(urllib.parse.parse_qsl(query))
        self.raw_query = query
        self.note = None


def serve_https(port, cert, key, log_path, handle):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def one(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            url = urllib.parse.urlsplit(self.path)
            hdrs = {k.lower(): v for k, v in self.headers.items()}
            req = Request(self.command, url.path, url.query, hdrs, body)
            with LOCK:
                try:
                    status, headers, data = handle(req)
                except Refused as e:
                    status, headers, data = e.status, e.headers, e.body
                with open(log_path, "a") as f:
                    f.write(json.dumps({
                        "method": req.method, "path": req.path,
                        "query": req.raw_query, "headers": hdrs,
                        "body": body.decode("utf-8", "replace"),
                        "status": status, "note": req.note}) + "\n")
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = one

    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


def _answer(wire, records):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    if not q.question:
        r.set_rcode(dns.rcode.FORMERR)
        return r
    qname = q.question[0].name
    name = qname.to_text().lower()
    with LOCK:
        held = records()
    if name not in held:
        r.set_rcode(dns.rcode.NXDOMAIN)
    elif q.question[0].rdtype == dns.rdatatype.TXT and held[name]:
        rrs = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.TXT)
        for strings in held[name]:
            # a string over 255 octets is served cut in 255-octet pieces,
            # as PowerDNS and Cloudflare do
            octets = [s.encode()[i:i + 255] for s in strings
                      for i in range(0, max(len(s.encode()), 1), 255)]
            rrs.add(dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN,
                                            dns.rdatatype.TXT, octets), 0)
        r.answer.append(rrs)
    if not r.answer:
        parent = qname.parent()
        soa = dns.rrset.from_text(parent, 0, "IN", "SOA",
                                  "ns.%s hostmaster.%s 1 60 60 60 0" %
                                  (parent, parent))
        r.authority.append(soa)
    return r


def serve_dns(port, records):
    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            try:
                sock.sendto(_answer(data, records).to_wire(),
                            self.client_address)
            except Exception:  # a malformed question gets no answer
                pass

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                n = struct.unpack("!H", self.request.recv(2))[0]
                data = b""
                while len(data) < n:
                    chunk = self.request.recv(n - len(data))
                    if not chunk:
                        return
                    data += chunk
                out = _answer(data, records).to_wire()
                self.request.sendall(struct.pack("!H", len(out)) + out)
            except (OSError, struct.error, Exception):
                pass

    socketserver.ThreadingUDPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    udp = socketserver.ThreadingUDPServer(("127.0.0.1", port), Udp)
    tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), Tcp)
    for s in (udp, tcp):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return udp, tcp


if __name__ == "__main__":
    raise SystemExit("standin_core.py is imported by the stand-ins")
