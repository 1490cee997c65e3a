#!/usr/bin/python3
"""A local stand-in for the Amazon Route 53 API, for the test of
hooks/route53 (tests/integration/hook_route53.sh): the real API is not
reachable from here. Built on standin_core.py.

standin_route53.py DIR PORT DNSPORT CERT KEY

HTTPS on 127.0.0.1:PORT (CERT/KEY), the REST-XML API as Debian's aws 2.9
calls it (paths of API version 2013-04-01), each request's SigV4
signature verified (service route53, region us-east-1) with the keys of
DIR/config.json: {"access_key": ..., "secret_key": ...,
"zones": [{"id": "Z1", "name": "example.org.", "private": false}, ...]}.

  GET  /2013-04-01/hostedzonesbyname[?dnsname=D&hostedzoneid=Z&maxitems=N]
  GET  /2013-04-01/hostedzone/Z/rrset[?name=N&type=T&maxitems=N]
  POST /2013-04-01/hostedzone/Z/rrset/   ChangeResourceRecordSetsRequest

A change batch is checked and applied as Route 53 does, all or nothing:
CREATE, UPSERT and DELETE; TXT values must be double-quoted strings of at
most 255 octets (InvalidTXTRDATA otherwise); a DELETE must give the
current TTL and values; a name outside the zone, a record set twice in one
batch, over 1,000 ResourceRecord elements or over 32,000 characters of
Value (UPSERT counting both twice) are refused (InvalidChangeBatch).
Every request is logged by standin_core to DIR/requests.jsonl, with note
{"auth": "sigv4:AKID" or null, "changes": [[action, name, n], ...]};
the records after each change are in DIR/state.json ({zone id: {name:
{"ttl": N, "values": [...]}}}). DIR/fail holding an HTTP status makes
every request after the signature check answer it. UDP and TCP on
127.0.0.1:DNSPORT serve the TXT records held (standin_core.serve_dns).
"""
import hashlib
import hmac
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from standin_core import Refused, serve_dns, serve_https  # noqa: E402

DIR, PORT, DNSPORT, CERT, KEY = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), sys.argv[4], sys.argv[5]
CONFIG = json.load(open(os.path.join(DIR, "config.json")))
NS = "https://route53.amazonaws.com/doc/2013-04-01/"
ZONES = {z["id"]: z for z in CONFIG["zones"]}
STATE = {z: {} for z in ZONES}
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def error(status, code, message):
    body = ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error>'
            '<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
            '<RequestId>standin</RequestId></ErrorResponse>' %
            (NS, code, escape(message))).encode()
    return Refused(status, body, {"Content-Type": "text/xml"})


def sigv4_check(req):
    """The SigV4 Authorization header verified with the configured secret,
    as standin.py does for SES: returns the access key id it names."""
    auth = req.headers.get("authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                 r"([^/]+)/aws4_request, SignedHeaders=([^,]+), "
                 r"Signature=([0-9a-f]{64})$", auth)
    if not m:
        raise error(403, "IncompleteSignature",
                    "missing or malformed SigV4 Authorization")
    akid, day, region, service, signed, sig = m.groups()
    if akid != CONFIG["access_key"]:
        raise error(403, "InvalidClientTokenId", "The security token "
                    "included in the request is invalid.")
    if region != "us-east-1" or service != "route53":
        raise error(403, "SignatureDoesNotMatch", "Credential should be "
                    "scoped to a valid region and service route53, not "
                    "%s/%s" % (region, service))
    canon_headers = "".join(
        "%s:%s\n" % (n, " ".join(req.headers.get(n, "").split()))
        for n in signed.split(";"))
    query = "&".join(sorted(
        "%s=%s" % (urllib.parse.quote(k, safe="-_.~"),
                   urllib.parse.quote(v, safe="-_.~"))
        for k, v in urllib.parse.parse_qsl(req.raw_query,
                                           keep_blank_values=True)))
    canon = "\n".join([req.method, urllib.parse.quote(req.path, safe="/~"),
                       query, canon_headers, signed,
                       hashlib.sha256(req.body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    tosign = "\n".join(["AWS4-HMAC-SHA256",
                        req.headers.get("x-amz-date", ""), scope,
                        hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + CONFIG["secret_key"]).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    want = hmac.new(k, tosign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        raise error(403, "SignatureDoesNotMatch", "The request signature "
                    "we calculated does not match the signature you "
                    "provided.")
    return "sigv4:" + akid


def fqdn(name):
    name = name.lower()
    return name if name.endswith(".") else name + "."


def order(name):
    """Route 53's order of names: by labels, right to left."""
    return list(reversed(name.rstrip(".").split(".")))


def ok(xml):
    return 200, {"Content-Type": "text/xml"}, \
        ('<?xml version="1.0"?>\n' + xml).encode()


def list_zones(req):
    start = fqdn(req.query["dnsname"]) if req.query.get("dnsname") else ""
    maxitems = int(req.query.get("maxitems", "100"))
    zones = sorted(ZONES.values(), key=lambda z: (order(z["name"]), z["id"]))
    if start:
        zones = [z for z in zones if order(z["name"]) >= order(start)]
    page, rest = zones[:maxitems], zones[maxitems:]
    xml = "".join(
        "<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name>"
        "<CallerReference>standin-%s</CallerReference><Config>"
        "<PrivateZone>%s</PrivateZone></Config><ResourceRecordSetCount>%d"
        "</ResourceRecordSetCount></HostedZone>" %
        (z["id"], z["name"], z["id"], str(z.get("private", False)).lower(),
         len(STATE[z["id"]])) for z in page)
    more = ""
    if rest:
        more = "<NextDNSName>%s</NextDNSName><NextHostedZoneId>%s" \
            "</NextHostedZoneId>" % (rest[0]["name"], rest[0]["id"])
    return ok('<ListHostedZonesByNameResponse xmlns="%s"><HostedZones>%s'
              '</HostedZones>%s<IsTruncated>%s</IsTruncated><MaxItems>%d'
              '</MaxItems></ListHostedZonesByNameResponse>' %
              (NS, xml, more, str(bool(rest)).lower(), maxitems))


def rrset_xml(name, rr):
    return ("<ResourceRecordSet><Name>%s</Name><Type>TXT</Type><TTL>%d</TTL>"
            "<ResourceRecords>%s</ResourceRecords></ResourceRecordSet>" %
            (name, rr["ttl"], "".join(
                "<ResourceRecord><Value>%s</Value></ResourceRecord>" %
                escape(v) for v in rr["values"])))


def list_rrsets(zone, req):
    """The zone's record sets from (name, type) on: its SOA and NS sets
    first at the apex, as Route 53 holds them, then the TXT sets."""
    apex = ZONES[zone]["name"]
    sets = [(order(apex), "NS", "<ResourceRecordSet><Name>%s</Name><Type>NS"
             "</Type><TTL>172800</TTL><ResourceRecords><ResourceRecord><Value>"
             "ns-1.standin.invalid.</Value></ResourceRecord></ResourceRecords>"
             "</ResourceRecordSet>" % apex, apex),
            (order(apex), "SOA", "<ResourceRecordSet><Name>%s</Name><Type>SOA"
             "</Type><TTL>900</TTL><ResourceRecords><ResourceRecord><Value>"
             "ns-1.standin.invalid. hostmaster.standin.invalid. 1 7200 900 "
             "1209600 86400</Value></ResourceRecord></ResourceRecords>"
             "</ResourceRecordSet>" % apex, apex)]
    sets += [(order(n), "TXT", rrset_xml(n, rr), n)
             for n, rr in STATE[zone].items()]
    sets.sort(key=lambda s: (s[0], s[1]))
    if req.query.get("name"):
        start = (order(fqdn(req.query["name"])), req.query.get("type", ""))
        sets = [s for s in sets if (s[0], s[1]) >= start]
    maxitems = min(int(req.query.get("maxitems", "300")), 300)
    page, rest = sets[:maxitems], sets[maxitems:]
    more = ""
    if rest:
        more = "<NextRecordName>%s</NextRecordName><NextRecordType>%s" \
            "</NextRecordType>" % (rest[0][3], rest[0][1])
    return ok('<ListResourceRecordSetsResponse xmlns="%s"><ResourceRecordSets>'
              '%s</ResourceRecordSets><IsTruncated>%s</IsTruncated>%s'
              '<MaxItems>%d</MaxItems></ListResourceRecordSetsResponse>' %
              (NS, "".join(s[2] for s in page), str(bool(rest)).lower(),
               more, maxitems))


def txt_check(value):
    """Refuses, as Route 53 does, a TXT value that is not double-quoted
    strings of at most 255 octets each."""
    strings = STRING.findall(value)
    if not strings or STRING.sub("", value).strip() != "":
        raise error(400, "InvalidChangeBatch", "[Invalid Resource Record: "
                    "'FATAL problem: InvalidTXTRDATA (Value should be "
                    "enclosed in quotation marks) encountered with '%s'']"
                    % value[:60])
    for s in strings:
        if len(s.encode()) > 255:
            raise error(400, "InvalidChangeBatch", "[Invalid Resource "
                        "Record: 'FATAL problem: TXTRDATATooLong (Value is "
                        "too long) encountered with '%s'']" % s[:60])


def change(zone, req):
    q = "{%s}" % NS
    try:
        root = ET.fromstring(req.body)
    except ET.ParseError as e:
        raise error(400, "InvalidInput", "malformed XML: %s" % e)
    if root.tag != q + "ChangeResourceRecordSetsRequest":
        raise error(400, "InvalidInput", "not a ChangeResourceRecordSets"
                    "Request: %s" % root.tag)
    changes = root.findall("%sChangeBatch/%sChanges/%sChange" % (q, q, q))
    if not changes:
        raise error(400, "InvalidInput", "no Change in ChangeBatch")
    apex, held = ZONES[zone]["name"], dict(STATE[zone])
    seen, records, chars, log = set(), 0, 0, []
    for c in changes:
        action = c.findtext(q + "Action")
        rs = c.find(q + "ResourceRecordSet")
        name = fqdn(rs.findtext(q + "Name") or "")
        kind = rs.findtext(q + "Type")
        ttl = rs.findtext(q + "TTL")
        values = [v.text or "" for v in rs.findall(
            "%sResourceRecords/%sResourceRecord/%sValue" % (q, q, q))]
        log.append([action, name, len(values)])
        if action not in ("CREATE", "UPSERT", "DELETE"):
            raise error(400, "InvalidInput", "Action %s" % action)
        if kind != "TXT":
            raise error(400, "InvalidChangeBatch", "the stand-in holds "
                        "only TXT records, not %s" % kind)
        if name != apex and not name.endswith("." + apex):
            raise error(400, "InvalidChangeBatch", "RRSet with DNS name %s "
                        "is not permitted in zone %s" % (name, apex))
        if name in seen:
            raise error(400, "InvalidChangeBatch", "The request contains "
                        "an invalid set of changes for a resource record "
                        "set 'TXT %s'" % name)
        seen.add(name)
        if not values or ttl is None or not ttl.isdigit():
            raise error(400, "InvalidInput", "%s needs a TTL and "
                        "ResourceRecords" % name)
        for v in values:
            txt_check(v)
        twice = 2 if action == "UPSERT" else 1
        records += twice * len(values)
        chars += twice * sum(len(v) for v in values)
        rr = {"ttl": int(ttl), "values": values}
        if action == "DELETE":
            if name not in held:
                raise error(400, "InvalidChangeBatch", "Tried to delete "
                            "resource record set [name='%s', type='TXT'] "
                            "but it was not found" % name)
            if held[name] != rr:
                raise error(400, "InvalidChangeBatch", "Tried to delete "
                            "resource record set [name='%s', type='TXT'] "
                            "but the values provided do not match the "
                            "current values" % name)
            del held[name]
        elif action == "CREATE" and name in held:
            raise error(400, "InvalidChangeBatch", "Tried to create resource "
                        "record set [name='%s', type='TXT'] but it already "
                        "exists" % name)
        else:
            held[name] = rr
    req.note["changes"] = log
    if records > 1000:
        raise error(400, "InvalidChangeBatch", "Number of records limit of "
                    "1000 exceeded (%d)" % records)
    if chars > 32000:
        raise error(400, "InvalidChangeBatch", "Number of characters of "
                    "Value limit of 32000 exceeded (%d)" % chars)
    STATE[zone] = held
    save()
    return ok('<ChangeResourceRecordSetsResponse xmlns="%s"><ChangeInfo>'
              '<Id>/change/C%d</Id><Status>PENDING</Status><SubmittedAt>'
              '2026-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo>'
              '</ChangeResourceRecordSetsResponse>' % (NS, len(log)))


def save():
    tmp = os.path.join(DIR, "state.json.tmp")
    with open(tmp, "w") as f:
        json.dump(STATE, f, sort_keys=True, indent=1)
    os.replace(tmp, os.path.join(DIR, "state.json"))


def handle(req):
    req.note = {"auth": None}
    req.note["auth"] = sigv4_check(req)
    try:
        fail = int(open(os.path.join(DIR, "fail")).read())
    except (OSError, ValueError):
        fail = 0
    if fail:
        raise error(fail, "ServiceUnavailable" if fail >= 500 else
                    "Throttling", "the stand-in answers %d" % fail)
    if req.method == "GET" and req.path == "/2013-04-01/hostedzonesbyname":
        return list_zones(req)
    m = re.fullmatch(r"/2013-04-01/hostedzone/([A-Z0-9]+)/rrset/?", req.path)
    if m and m.group(1) not in ZONES:
        raise error(404, "NoSuchHostedZone", "No hosted zone found with "
                    "ID: %s" % m.group(1))
    if m and req.method == "GET":
        return list_rrsets(m.group(1), req)
    if m and req.method == "POST":
        return change(m.group(1), req)
    raise error(404, "UnknownOperationException", "%s %s" %
                (req.method, req.path))


def records():
    """What DNS serves: every TXT set held, its values as strings."""
    return {n: [[s.replace('\\"', '"').replace("\\\\", "\\")
                 for s in STRING.findall(v)] for v in rr["values"]]
            for zone in STATE.values() for n, rr in zone.items()}


if __name__ == "__main__":
    save()
    serve_dns(DNSPORT, records)
    serve_https(PORT, CERT, KEY, os.path.join(DIR, "requests.jsonl"), handle)
