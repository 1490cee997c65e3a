#!/usr/bin/python3
"""A local HTTPS stand-in for the Amazon SES v2 and Mailgun Domain Keys
APIs, for the tests of hooks/ses-byodkim and hooks/mailgun: the real APIs
are not reachable from here.

standin.py ses|mailgun DIR PORT CERT KEY

Listens on 127.0.0.1:PORT with CERT/KEY. Each request is checked against
the vendor's documented API (method, path, authentication, body) and
appended to DIR/requests.jsonl as one JSON object: method, path, query,
auth (what the check found), body (parsed) and status. The vendor's state
after each request is written to DIR/state.json. When DIR/fail holds an
HTTP status, every request is answered with it (recorded all the same).
DIR/config.json gives what authentication to expect: for ses
{"access_key": ..., "secret_key": ..., "region": ..., "identities": [...]},
for mailgun {"api_key": ...}.

SES v2 (restJson, SigV4 service "ses"):
  GET  /v2/email/identities/ID                  GetEmailIdentity
  PUT  /v2/email/identities/ID/dkim             PutEmailIdentityDkimAttributes
  PUT  /v1/email/identities/ID/dkim/signing     PutEmailIdentityDkimSigningAttributes
  (v1 there, as in the API reference and botocore's model)
Mailgun (basic auth api:KEY):
  POST   /v1/dkim/keys     multipart signing_domain, selector, pem (PKCS#1)
  DELETE /v1/dkim/keys?signing_domain=D&selector=S
  PUT    /v4/domains/D/keys/S/activate | deactivate
"""
import base64
import email.parser
import hashlib
import hmac
import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KIND, DIR, PORT, CERT, KEY = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
CONFIG = json.load(open(os.path.join(DIR, "config.json")))
LOCK = threading.Lock()
LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
STATE = {}
if KIND == "ses":
    STATE = {d: {"SigningEnabled": True, "SigningAttributesOrigin": "AWS_SES",
                 "Tokens": ["easy1", "easy2", "easy3"], "PrivateKey": None}
             for d in CONFIG["identities"]}


class Refused(Exception):
    def __init__(self, status, message, code=None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def sigv4_check(h):
    """The SigV4 Authorization header, verified with the configured
    secret: returns the access key id it names."""
    auth = h.headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                 r"([^/]+)/aws4_request, SignedHeaders=([^,]+), "
                 r"Signature=([0-9a-f]{64})$", auth)
    if not m:
        raise Refused(403, "missing or malformed SigV4 Authorization",
                      "IncompleteSignatureException")
    akid, day, region, service, signed, sig = m.groups()
    if akid != CONFIG["access_key"]:
        raise Refused(403, "the security token included in the request is "
                      "invalid", "UnrecognizedClientException")
    if region != CONFIG["region"] or service != "ses":
        raise Refused(403, "credential scope %s/%s is not %s/ses" %
                      (region, service, CONFIG["region"]),
                      "InvalidSignatureException")
    amzdate = h.headers.get("X-Amz-Date", "")
    names = signed.split(";")
    canon_headers = "".join(
        "%s:%s\n" % (n, " ".join(h.headers.get(n, "").split()))
        for n in names)
    url = urllib.parse.urlsplit(h.path)
    query = "&".join(sorted(
        "%s=%s" % (urllib.parse.quote(k, safe="-_.~"),
                   urllib.parse.quote(v, safe="-_.~"))
        for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True)))
    canon = "\n".join([h.command, urllib.parse.quote(url.path, safe="/~"),
                       query, canon_headers, signed,
                       hashlib.sha256(h.body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    tosign = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                        hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + CONFIG["secret_key"]).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    want = hmac.new(k, tosign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        raise Refused(403, "the request signature we calculated does not "
                      "match the signature you provided",
                      "SignatureDoesNotMatchException")
    return "sigv4:" + akid


def ses(h, rec):
    m = re.match(r"^/(v[12])/email/identities/([^/]+)(/dkim(/signing)?)?$",
                 urllib.parse.urlsplit(h.path).path)
    if not m or (m.group(1) == "v1") != bool(m.group(4)):
        raise Refused(404, "no such operation", "NotFoundException")
    _, ident, dkim, signing = m.groups()
    ident = urllib.parse.unquote(ident)
    body = json.loads(h.body or b"{}")
    rec["body"] = body
    if ident not in STATE:
        raise Refused(404, "Email identity %s does not exist." % ident,
                      "NotFoundException")
    st = STATE[ident]
    if h.command == "GET" and not dkim:
        return 200, {
            "IdentityType": "DOMAIN", "FeedbackForwardingStatus": True,
            "VerifiedForSendingStatus": True,
            "DkimAttributes": {
                "SigningEnabled": st["SigningEnabled"], "Status": "SUCCESS",
                "Tokens": st["Tokens"],
                "SigningAttributesOrigin": st["SigningAttributesOrigin"]},
            "MailFromAttributes": {"MailFromDomainStatus": "PENDING",
                                   "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
            "Policies": {}, "Tags": []}
    if h.command == "PUT" and signing:
        origin = body.get("SigningAttributesOrigin")
        attrs = body.get("SigningAttributes") or {}
        sel = attrs.get("DomainSigningSelector", "")
        pk = attrs.get("DomainSigningPrivateKey", "")
        if origin != "EXTERNAL":
            raise Refused(400, "SigningAttributesOrigin is %r, not EXTERNAL"
                          % origin, "BadRequestException")
        if not LABEL.match(sel):
            raise Refused(400, "invalid DomainSigningSelector %r" % sel,
                          "BadRequestException")
        if not re.match(r"^[A-Za-z0-9+/]+=*$", pk):
            raise Refused(400, "DomainSigningPrivateKey is not one base64 "
                          "string", "BadRequestException")
        der = base64.b64decode(pk)
        if der[:1] != b"\x30" or len(der) > 1300:
            raise Refused(400, "DomainSigningPrivateKey is not an RSA key of "
                          "at most 2048 bits", "BadRequestException")
        st.update(SigningAttributesOrigin="EXTERNAL", Tokens=[sel],
                  PrivateKey=pk)
        return 200, {"DkimStatus": "PENDING", "DkimTokens": [sel]}
    if h.command == "PUT" and dkim:
        if not isinstance(body.get("SigningEnabled"), bool):
            raise Refused(400, "SigningEnabled is not a boolean",
                          "BadRequestException")
        st["SigningEnabled"] = body["SigningEnabled"]
        return 200, {}
    raise Refused(405, "method not allowed", "BadRequestException")


def basic_check(h):
    """Basic auth api:KEY with the configured key: returns "basic:ok"."""
    auth = h.headers.get("Authorization", "")
    want = "Basic " + base64.b64encode(
        ("api:" + CONFIG["api_key"]).encode()).decode()
    if not hmac.compare_digest(auth, want):
        raise Refused(401, "Invalid private key")
    return "basic:ok"


def mailgun(h, rec):
    url = urllib.parse.urlsplit(h.path)
    q = dict(urllib.parse.parse_qsl(url.query))
    if url.path == "/v1/dkim/keys" and h.command == "POST":
        ctype = h.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            raise Refused(400, "expected multipart/form-data")
        msg = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + h.body)
        form = {}
        for part in msg.get_payload():
            name = part.get_param("name", header="content-disposition")
            form[name] = part.get_payload(decode=True).decode()
        rec["body"] = form
        dom, sel, pem = (form.get("signing_domain", ""),
                         form.get("selector", ""), form.get("pem", ""))
        if not dom or not sel:
            raise Refused(400, "signing_domain and selector are required")
        if not pem.startswith("-----BEGIN RSA PRIVATE KEY-----\n") or \
                not pem.rstrip().endswith("-----END RSA PRIVATE KEY-----"):
            raise Refused(400, "pem is not a PKCS #1 RSA private key")
        key = dom + "/" + sel
        # The reference does not say how Mailgun answers a duplicate; the
        # hook takes any 4xx whose message says "already exists".
        if key in STATE:
            raise Refused(409, "Domain key %s already exists" % key)
        STATE[key] = {"active": False, "pem": pem}
        return 200, {"signing_domain": dom, "selector": sel, "dns_record": {
            "name": "%s._domainkey.%s" % (sel, dom), "record_type": "TXT",
            "valid": "unknown", "value": "k=rsa; p=...", "cached": []}}
    if url.path == "/v1/dkim/keys" and h.command == "DELETE":
        rec["body"] = q
        key = q.get("signing_domain", "") + "/" + q.get("selector", "")
        if key not in STATE:
            raise Refused(404, "domain key not found")
        del STATE[key]
        return 200, {"message": "success"}
    m = re.match(r"^/v4/domains/([^/]+)/keys/([^/]+)/(activate|deactivate)$",
                 url.path)
    if m and h.command == "PUT":
        dom, sel, what = m.groups()
        key = dom + "/" + sel
        if key not in STATE:
            raise Refused(404, "domain key not found")
        STATE[key]["active"] = what == "activate"
        return 200, {"message": "domain key %sd" % what, "authority": dom,
                     "selector": sel, "active": STATE[key]["active"]}
    raise Refused(404, "not found")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(n) if n else b""
        url = urllib.parse.urlsplit(self.path)
        rec = {"method": self.command, "path": url.path, "query": url.query,
               "auth": None, "body": None}
        with LOCK:
            try:
                fail = open(os.path.join(DIR, "fail")).read().strip()
            except OSError:
                fail = ""
            try:
                rec["auth"] = (sigv4_check if KIND == "ses" else
                               basic_check)(self)
                if fail:
                    raise Refused(int(fail), "Service Unavailable",
                                  "ServiceUnavailable" if KIND == "ses"
                                  else None)
                status, answer = (ses if KIND == "ses" else mailgun)(self, rec)
                code = None
            except Refused as e:
                status, answer, code = e.status, {"message": e.message}, e.code
            except (ValueError, KeyError) as e:
                status, answer, code = 400, {"message": "bad request: %s" % e}, \
                    "BadRequestException"
            rec["status"] = status
            with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
            tmp = os.path.join(DIR, "state.json.tmp")
            with open(tmp, "w") as f:
                json.dump(STATE, f, sort_keys=True, indent=1)
            os.replace(tmp, os.path.join(DIR, "state.json"))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if code:
            self.send_header("x-amzn-ErrorType", code)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = handle_one


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(DIR, "state.json"), "w") as f:
        json.dump(STATE, f)
    srv.serve_forever()


if __name__ == "__main__":
    main()
