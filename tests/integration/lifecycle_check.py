#!/usr/bin/python3
"""Invariants of a simulated year of `dkimkeys rotate` (lifecycle_knot.sh).

  lifecycle_check.py DIR PORT NOW

DIR holds dkimkeys.conf, rec/events (what the recorder hook saw),
rec/deployed/*.pem (the vendor's copies), audit.json (`log --json`),
list.json (`list --json`) and store/. PORT is the DNS server (Knot or
PowerDNS). Prints one line per failed invariant and exits 1 if any failed.
"""
import configparser
import datetime
import glob
import os
import sys

import dkim
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

ORDER = ["publish", "deploy", "retire", "revoke", "withdraw", "destroy",
         "reveal"]
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
GRID = 43200  # the runs' period
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def secs(text):
    return int(text[:-1]) * UNITS[text[-1]]


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def vendors(path):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",))
    cp.read(path)
    out = {}
    for sec in cp.sections():
        if sec.startswith("vendor:"):
            v = cp[sec]
            out[sec[7:]] = {
                "domain": v["domain"],
                "rotate_every": secs(v.get("rotate_every", "180d")),
                "publish_ahead": secs(v.get("publish_ahead", "48h")),
                "overlap": secs(v.get("overlap", "7d")),
                "revoke_for": secs(v.get("revoke_for", "30d")),
                "reveal": v.get("reveal", "no") == "yes",
                "algs": [a.split("-")[0] for a in v["algorithms"].split()],
            }
    return out


def ask(port, name):
    """(rcode, [TXT strings joined]) from the DNS server."""
    q = dns.message.make_query(name, dns.rdatatype.TXT)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=3)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=3)
    txts = [b"".join(rr.strings).decode() for a in r.answer
            if a.rdtype == dns.rdatatype.TXT for rr in a]
    return r.rcode(), txts


def main():
    d, port = sys.argv[1], int(sys.argv[2])  # argv[3], now: unused
    conf = vendors(os.path.join(d, "dkimkeys.conf"))
    import json
    keys = json.load(open(os.path.join(d, "list.json")))["keys"]
    audit = json.load(open(os.path.join(d, "audit.json")))
    events = {}  # record name -> [(time, event, id, prev)]
    for line in open(os.path.join(d, "rec", "events")):
        t, ev, name, evid, alg, fpr, prev = line.split()
        events.setdefault(name.rstrip("."), []).append((ts(t), ev, evid, prev))
    visible = {}
    revoked = {}
    for e in audit:
        if e.get("event") == "visible":
            visible[e["key"].rstrip(".")] = ts(e["time"])
        if e.get("event") == "revoked":
            revoked[e["key"].rstrip(".")] = ts(e["time"])

    by_sched = {}
    for k in keys:
        name = k["key"].rstrip(".")
        v = conf[k["vendor"]]
        evs = events.get(name, [])
        names = [e[1] for e in evs]
        # 1. each event exactly once, in SPEC order
        want = [e for e in ORDER if e != "reveal" or v["reveal"]]
        if names != want[:len(names)]:
            fail("%s: events %s, not in the order %s" % (name, names, want))
        if len(set(e[2] for e in evs)) != len(evs):
            fail("%s: an event id repeats" % name)
        t = {e[1]: e[0] for e in evs}
        by_sched.setdefault((k["vendor"], k["algorithm"]), []).append((k, t))
        # 2. never deployed before DNS served it for publish_ahead
        if "deploy" in t:
            if name not in visible:
                fail("%s: deployed, never seen served" % name)
            elif t["deploy"] < visible[name] + v["publish_ahead"]:
                fail("%s: deployed %ds after DNS served it" %
                     (name, t["deploy"] - visible[name]))
            if visible.get(name, 0) <= t["publish"]:
                fail("%s: checked in the run that published it" % name)
        # 5. retired keys stay served for overlap
        if "revoke" in t and t["revoke"] < t["retire"] + v["overlap"]:
            fail("%s: revoked %ds after retirement" %
                 (name, t["revoke"] - t["retire"]))
        # 6. served revoked for revoke_for
        if "withdraw" in t:
            if name not in revoked:
                fail("%s: withdrawn, its revocation never seen" % name)
            elif t["withdraw"] < revoked[name] + v["revoke_for"]:
                fail("%s: withdrawn %ds after revocation" %
                     (name, t["withdraw"] - revoked[name]))
        check_dns(port, name, k, v)
    for (vendor, alg), ks in by_sched.items():
        v = conf[vendor]
        deployed = sorted((t["deploy"], k, t) for k, t in ks if "deploy" in t)
        for (t0, k0, e0), (t1, k1, e1) in zip(deployed, deployed[1:]):
            # 3. activations rotate_every apart
            gap = t1 - t0
            if not v["rotate_every"] <= gap <= v["rotate_every"] + GRID:
                fail("%s %s: activations %ds apart" % (vendor, alg, gap))
            # 4. the old key retired in the run its successor deployed
            if e0.get("retire") != t1:
                fail("%s: retired at %s, successor deployed at %s" %
                     (k0["key"], e0.get("retire"), t1))
        if len(deployed) < 2:
            fail("%s %s: only %d activations in the year" %
                 (vendor, alg, len(deployed)))
    # every vendor took at least one key through every event
    for vendor, v in conf.items():
        want = [e for e in ORDER if e != "reveal" or v["reveal"]]
        full = [k for k in keys if k["vendor"] == vendor and
                [e[1] for e in events.get(k["key"].rstrip("."), [])] == want]
        if not full:
            fail("%s: no key went through %s" % (vendor, " ".join(want)))
    # 7. destroyed keys: gone from disk; the rest still there
    files = glob.glob(os.path.join(d, "store", "keys", "*.key"))
    live = [k for k in keys if k["state"] != "destroyed"]
    if len(files) != len(live):
        fail("%d key files for %d keys not destroyed" % (len(files), len(live)))
    if not any(k["state"] == "destroyed" for k in keys):
        fail("no key was destroyed in a year")
    # 8. the deployed keys sign what dkimpy verifies against the DNS server
    for k in keys:
        if k["state"] == "active":
            sign_and_verify(d, port, k)
    print("%d keys, %d audit entries, %d hook events checked" %
          (len(keys), len(audit), sum(len(e) for e in events.values())))
    return 1 if failures else 0


def check_dns(port, name, k, v):
    rcode, txts = ask(port, name)
    st = k["state"]
    if st in ("destroyed", "withdrawn"):
        if rcode != dns.rcode.NXDOMAIN or txts:
            fail("%s (%s): still in DNS: %s" % (name, st, txts))
        return
    if st == "pending":
        return
    if len(txts) != 1:
        fail("%s (%s): %d TXT records" % (name, st, len(txts)))
        return
    tags = dict(p.strip().split("=", 1) for p in txts[0].split(";") if "=" in p)
    if st == "revoked":
        if tags.get("p") != "":
            fail("%s: revoked but p= is served" % name)
    elif st in ("published", "active", "retired") and tags.get("p", "") == "":
        fail("%s (%s): p= empty" % (name, st))


def sign_and_verify(d, port, k):
    sel, dom = k["selector"], k["domain"]
    pem = os.path.join(d, "rec", "deployed", "%s.%s.pem" % (sel, dom))
    if not os.path.exists(pem):
        fail("%s: active but the vendor has no copy" % k["key"])
        return
    key = open(pem, "rb").read()
    if k["algorithm"] == "ed25519":
        # dkimpy takes the raw seed: the last 32 octets of the PKCS#8 DER
        import base64
        der = base64.b64decode(b"".join(key.split(b"\n")[1:-2]))
        key = base64.b64encode(der[-32:])
    msg = (b"From: a@%s\r\nTo: b@example.net\r\nSubject: year\r\n\r\n"
           b"signed with the deployed key\r\n" % dom.encode())
    alg = b"ed25519-sha256" if k["algorithm"] == "ed25519" else b"rsa-sha256"
    sig = dkim.sign(msg, sel.encode(), dom.encode(), key,
                    signature_algorithm=alg, include_headers=[b"from"])

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        _, txts = ask(port, name.rstrip("."))
        return txts[0].encode() if txts else None
    if not dkim.verify(sig + msg, dnsfunc=dnsfunc):
        fail("%s: dkimpy does not verify the deployed key against the DNS "
             "server" % k["key"])
    else:
        print("dkimpy verifies %s (%s) against the DNS server" %
              (k["key"], k["algorithm"]))


if __name__ == "__main__":
    sys.exit(main())
