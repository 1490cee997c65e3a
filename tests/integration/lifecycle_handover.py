#!/usr/bin/python3
"""The MTA vendor's hand-overs in a simulated year (lifecycle_knot.sh).

  lifecycle_handover.py DIR

DIR holds rec/events (the recorder hook: NOW EVENT NAME ID ALG FPR PREV),
mta/reloads (one line per reload of hooks/opendkim: NOW ALG and the
SigningTable's keys at that moment) and webhook.log (webhook_receiver.py:
one JSON line per request, with its token and HMAC checks). Proves, for
the vendor on example.test:

  - every request the webhook receiver took carried the right token and
    HMAC, and was answered 200;
  - every deploy dkimkeys made reached the MTA (a reload at that time
    whose SigningTable holds the new key) and the webhook (a deploy
    document for that key and time);
  - the key a deploy replaced was retired no earlier than that deploy,
    and after the retire's reload the MTA's SigningTable no longer holds
    it.

Prints one line per failure and exits 1 if any.
"""
import datetime
import json
import os
import sys

DOMAIN = "example.test"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def selector(name):
    """The selector of SELECTOR._domainkey.example.test., or None."""
    sel, _, rest = name.rstrip(".").partition("._domainkey.")
    return sel if rest == DOMAIN else None


def main():
    d = sys.argv[1]
    deploys, retires = [], {}  # (time, alg, sel, prev); sel -> time
    for line in open(os.path.join(d, "rec", "events")):
        t, ev, name, _evid, alg, _fpr, prev = line.split()
        sel = selector(name)
        if sel is None:
            continue
        if ev == "deploy":
            deploys.append((ts(t), alg, sel, None if prev == "-" else prev))
        elif ev == "retire":
            retires.setdefault(sel, ts(t))

    reloads = []  # (time, alg, set of selectors in the SigningTable)
    for line in open(os.path.join(d, "mta", "reloads")):
        t, alg, *keys = line.split()
        reloads.append((ts(t), alg, {selector(k) for k in keys}))

    posted = set()  # (event, selector, time)
    requests = 0
    for line in open(os.path.join(d, "webhook.log")):
        r = json.loads(line)
        requests += 1
        if not (r["auth_ok"] and r["sig_ok"] and r["json_ok"]) \
                or r["status"] != 200:
            fail("webhook request %d: auth %s, hmac %s, json %s, answered "
                 "%s" % (requests, r["auth_ok"], r["sig_ok"], r["json_ok"],
                         r["status"]))
            continue
        b = json.loads(r["body"])
        posted.add((b["event"], b["selector"], ts(b["now"])))

    if not deploys:
        fail("no deploy of the MTA vendor's keys was recorded")
    for t, alg, sel, prev in deploys:
        if not any(rt == t and ra == alg and sel in held
                   for rt, ra, held in reloads):
            fail("%s: deployed at %d, the MTA reloaded no table holding it"
                 % (sel, t))
        if ("deploy", sel, t) not in posted:
            fail("%s: deployed at %d, no webhook deploy for it" % (sel, t))
        if prev is None:
            continue
        if prev not in retires:
            continue  # retired after the simulation's end
        if retires[prev] < t:
            fail("%s retired at %d, before its successor %s was deployed "
                 "at %d" % (prev, retires[prev], sel, t))
        after = [held for rt, ra, held in reloads
                 if ra == alg and rt == retires[prev]]
        if not after or prev in after[-1] or sel not in after[-1]:
            fail("%s: after its retire the MTA's table is %r" %
                 (prev, after[-1] if after else None))
        if ("retire", prev, retires[prev]) not in posted:
            fail("%s: retired, no webhook retire for it" % prev)
    handed = sum(1 for _t, _a, _s, p in deploys if p in retires)
    if handed == 0:
        fail("no key of the MTA vendor was replaced and retired")
    if failures:
        sys.exit(1)
    print("%d deploys, %d hand-overs to a retired key, %d reloads, %d "
          "webhook requests checked" %
          (len(deploys), handed, len(reloads), requests))


main()
