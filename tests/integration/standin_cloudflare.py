#!/usr/bin/python3
"""A local stand-in for the Cloudflare API v4 (DNS records), for the test
of hooks/cloudflare: the real API is not reachable from here.

standin_cloudflare.py DIR PORT DNSPORT CERT KEY

HTTPS on 127.0.0.1:PORT (serve_https of standin_core.py), the API under
/client/v4; the TXT records it holds are served by serve_dns on
127.0.0.1:DNSPORT, so that `verify_dns = yes` works end to end.
DIR/config.json: {"token": ..., "zones": [zone names], "denied": [zone
names the token may not touch]}; zone ids are the first 32 hex digits of
the name's SHA-256. Each request is checked
against Cloudflare's documented API (method, path, query, the Bearer
token, the JSON body), recorded in DIR/requests.jsonl (note: "bearer:ok",
"bearer:bad" or "none"); the records held are written to DIR/state.json,
{zone name: {id: record}}, after every request. When DIR/fail holds an
HTTP status, every request is answered with it.

  GET    /zones?name=&page=&per_page=        (per_page at most 50)
  GET    /zones/Z
  GET    /zones/Z/dns_records?type=&name=&page=&per_page=  (at most 5,000,000)
  POST   /zones/Z/dns_records                {type, name, content, ttl}
  PUT    /zones/Z/dns_records/ID             the same, replacing ID
  DELETE /zones/Z/dns_records/ID
  POST   /zones/Z/dns_records/batch          {deletes, patches, puts, posts}:
         executed in that order, all or nothing, at most 200 changes
         (the Free plan's limit)

As the issue asks, a TXT content string over 255 octets is refused (the
real Cloudflare splits it), as is content that is not quoted strings, a
name outside the zone, a TTL other than 1 or 60..86400, and a record
identical to one the name holds (code 81058, as Cloudflare does).
"""
import hashlib
import json
import os
import re
import sys
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from standin_core import Refused, serve_dns, serve_https  # noqa: E402

DIR, PORT, DNSPORT, CERT, KEY = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), sys.argv[4], sys.argv[5]
CONFIG = json.load(open(os.path.join(DIR, "config.json")))
ZONES = {hashlib.sha256(z.encode()).hexdigest()[:32]: z
         for z in CONFIG["zones"]}
STATE = {z: {} for z in CONFIG["zones"]}
PREFIX = "/client/v4"
NAME = re.compile(r"^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+"
                  r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
CONTENT = re.compile(r'^"[^"\\]*"( "[^"\\]*")*$')


def error(status, code, message):
    return Refused(status, json.dumps({
        "success": False, "errors": [{"code": code, "message": message}],
        "messages": [], "result": None}).encode(),
        {"Content-Type": "application/json"})


def ok(result, info=None):
    body = {"success": True, "errors": [], "messages": [], "result": result}
    if info:
        body["result_info"] = info
    return 200, {"Content-Type": "application/json"}, \
        json.dumps(body).encode()


def page(items, query, most):
    try:
        n = int(query.get("page", "1"))
        per = int(query.get("per_page", "20"))
    except ValueError:
        raise error(400, 1004, "page and per_page must be numbers")
    if n < 1 or per < 5 or per > most:
        raise error(400, 1004, "per_page must be between 5 and %d" % most)
    total = len(items)
    return ok(items[(n - 1) * per:n * per], {
        "page": n, "per_page": per, "count": len(items[(n - 1) * per:
                                                        n * per]),
        "total_count": total, "total_pages": max(1, -(-total // per))})


def checked(zone, rec, with_id=False):
    """A record body as Cloudflare takes it for TXT: returns it cleaned."""
    if not isinstance(rec, dict):
        raise error(400, 9207, "Request body is invalid.")
    allowed = {"type", "name", "content", "ttl", "comment", "tags",
               "proxied"} | ({"id"} if with_id else set())
    extra = set(rec) - allowed
    if extra:
        raise error(400, 9207, "unknown fields %s" % sorted(extra))
    if rec.get("type") != "TXT":
        raise error(400, 9004, "This record type is not supported here "
                    "(the stand-in takes TXT)")
    name = rec.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise error(400, 9005, "Content for name is invalid: %r" % (name,))
    if name != zone and not name.endswith("." + zone):
        raise error(400, 9005, "DNS record name %s is not in zone %s"
                    % (name, zone))
    content = rec.get("content")
    if not isinstance(content, str) or not CONTENT.match(content):
        raise error(400, 9007, "Content for TXT record is invalid: not "
                    "quoted strings")
    for s in re.findall(r'"([^"]*)"', content):
        if len(s.encode()) > 255:
            raise error(400, 9007, "Content for TXT record is invalid: a "
                        "string is longer than 255 characters")
    ttl = rec.get("ttl", 1)
    if not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
        raise error(400, 9021, "Invalid TTL. Must be between 60 and "
                    "86400 seconds, or 1 for Automatic.")
    return {"type": "TXT", "name": name, "content": content, "ttl": ttl}


def add(state, zone, rec, rid=None):
    for k, r in state.items():
        if k != rid and r["name"] == rec["name"] and \
                r["content"] == rec["content"]:
            raise error(400, 81058, "An identical record already exists.")
    rid = rid or uuid.uuid4().hex
    full = dict(rec, id=rid, zone_id=zone_id(zone), zone_name=zone,
                proxied=False, proxiable=False)
    state[rid] = full
    return full


def zone_id(zone):
    return hashlib.sha256(zone.encode()).hexdigest()[:32]


def json_body(req):
    if req.headers.get("content-type", "").split(";")[0] != \
            "application/json":
        raise error(415, 9000, "Content-Type must be application/json")
    try:
        return json.loads(req.body)
    except ValueError:
        raise error(400, 9207, "Request body is invalid.")


def batch(zone, body):
    if not isinstance(body, dict) or set(body) - {"deletes", "patches",
                                                  "puts", "posts"}:
        raise error(400, 9207, "Request body is invalid.")
    ops = [body.get(k) or [] for k in ("deletes", "patches", "puts",
                                       "posts")]
    if any(not isinstance(o, list) for o in ops):
        raise error(400, 9207, "Request body is invalid.")
    if sum(len(o) for o in ops) > 200:
        raise error(400, 81079, "Too many changes in one batch: at most "
                    "200 on this plan")
    state = dict(STATE[zone])  # all or nothing
    deletes, patches, puts, posts = ops
    out = {"deletes": [], "patches": [], "puts": [], "posts": []}
    for d in deletes:
        rid = d.get("id") if isinstance(d, dict) else None
        if rid not in state:
            raise error(404, 81044, "Record does not exist.")
        out["deletes"].append(state.pop(rid))
    for p in patches:
        rid = p.get("id") if isinstance(p, dict) else None
        if rid not in state:
            raise error(404, 81044, "Record does not exist.")
        rec = dict(state[rid], **{k: v for k, v in p.items() if k != "id"})
        rec = checked(zone, {k: rec[k] for k in ("type", "name", "content",
                                                 "ttl")})
        out["patches"].append(add(state, zone, rec, rid))
    for p in puts:
        rid = p.get("id") if isinstance(p, dict) else None
        if rid not in state:
            raise error(404, 81044, "Record does not exist.")
        out["puts"].append(add(state, zone, checked(zone, p, True), rid))
    for p in posts:
        out["posts"].append(add(state, zone, checked(zone, p)))
    STATE[zone] = state
    return ok(out)


def handle(req):
    req.note = "none"
    try:
        fail = open(os.path.join(DIR, "fail")).read().strip()
    except OSError:
        fail = ""
    if fail:
        raise error(int(fail), 10000 + int(fail), "the stand-in answers %s"
                    % fail)
    auth = req.headers.get("authorization")
    if auth is not None:
        req.note = "bearer:ok" if auth == "Bearer " + CONFIG["token"] \
            else "bearer:bad"
    if req.note != "bearer:ok":
        raise error(403, 9109, "Invalid access token")
    if not req.path.startswith(PREFIX + "/"):
        raise error(404, 7000, "No route for that URI")
    parts = req.path[len(PREFIX) + 1:].split("/")
    q = req.query
    if parts == ["zones"] and req.method == "GET":
        if set(q) - {"name", "page", "per_page"}:
            raise error(400, 1001, "unknown parameters %s" % sorted(q))
        zs = sorted(({"id": k, "name": v, "status": "active"}
                     for k, v in ZONES.items()), key=lambda z: z["name"])
        if "name" in q:
            zs = [z for z in zs if z["name"] == q["name"]]
        return page(zs, q, 50)
    if len(parts) == 2 and parts[0] == "zones" and req.method == "GET" \
            and parts[1] in ZONES:
        return ok({"id": parts[1], "name": ZONES[parts[1]],
                   "status": "active"})
    if len(parts) < 3 or parts[0] != "zones" or parts[2] != "dns_records":
        raise error(404, 7000, "No route for that URI")
    if parts[1] not in ZONES:
        raise error(404, 7003, "Could not route to /zones/%s, perhaps "
                    "your object identifier is invalid?" % parts[1])
    zone = ZONES[parts[1]]
    if zone in CONFIG.get("denied", []):
        raise error(403, 10000, "Authentication error")
    rest = parts[3:]
    if not rest and req.method == "GET":
        if set(q) - {"type", "name", "page", "per_page"}:
            raise error(400, 1001, "unknown parameters %s" % sorted(q))
        recs = sorted(STATE[zone].values(), key=lambda r: (r["name"],
                                                           r["id"]))
        recs = [r for r in recs if q.get("type", "TXT") == r["type"] and
                q.get("name", r["name"]) == r["name"]]
        return page(recs, q, 5000000)
    if not rest and req.method == "POST":
        rec = checked(zone, json_body(req))
        return ok(add(STATE[zone], zone, rec))
    if rest == ["batch"] and req.method == "POST":
        return batch(zone, json_body(req))
    if len(rest) == 1 and req.method in ("PUT", "DELETE"):
        rid = rest[0]
        if rid not in STATE[zone]:
            raise error(404, 81044, "Record does not exist.")
        if req.method == "DELETE":
            del STATE[zone][rid]
            return ok({"id": rid})
        rec = checked(zone, json_body(req))
        return ok(add(STATE[zone], zone, rec, rid))
    raise error(405, 10000, "Method not allowed for this route")


def handle_and_save(req):
    try:
        return handle(req)
    finally:
        tmp = os.path.join(DIR, "state.json.tmp")
        with open(tmp, "w") as f:
            json.dump(STATE, f, sort_keys=True)
        os.replace(tmp, os.path.join(DIR, "state.json"))


def records():
    """What the DNS check sees: every TXT record, its quoted strings."""
    held = {}
    for s in STATE.values():
        for r in s.values():
            held.setdefault(r["name"] + ".", []).append(
                re.findall(r'"([^"]*)"', r["content"]))
    return held


serve_dns(DNSPORT, records)
serve_https(PORT, CERT, KEY, os.path.join(DIR, "requests.jsonl"),
            handle_and_save)
