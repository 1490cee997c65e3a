#!/usr/bin/python3
"""Does `dkimkeys plan` agree with what rotate then did? (plan.sh)

  plan_check.py [--verify-dns] PLAN.json SEQ AUDIT.json LIST.json GRID
                [VENDOR@TIME...]

PLAN.json is `plan --json` taken at its "now" when the audit log ended at
entry SEQ (0: empty); AUDIT.json `log --json` and LIST.json `list --json`
after the runs that followed, every GRID seconds, past the plan's "until"
by at least one run. The entries after SEQ are what happened. A planned event names a key
of the keystore, or the n-th key generated after "now" ("new_key": n),
matched to the n-th "generate" entry of that vendor and algorithm after
"now". Every planned event must have happened once, at its date or at most
one run (GRID) later; every event that happened from "now" to "until" must
have been planned. SKIP_VENDOR@TIME leaves out that vendor's events from
TIME on (a compromise or decommission the plan could not know of). With
--verify-dns (the vendors check DNS), each DNS confirmation takes one more
run, as dkimkeys(8) says under plan: that of the revocation moves the
withdrawal by one run, and with that of the withdrawal the destruction
and reveal by two. Prints one line per disagreement and exits 1 if there
is any.
"""
import datetime
import json
import sys

KINDS = {"generate", "publish", "deploy", "retire", "revoke", "withdraw",
         "destroy", "reveal"}


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


# runs added to the allowed lateness with --verify-dns: the DNS
# confirmations that come before the event in its key's chain
DNS_RUNS = {"withdraw": 1, "destroy": 2, "reveal": 2}


def main():
    dns = len(sys.argv) > 1 and sys.argv[1] == "--verify-dns"
    if dns:
        del sys.argv[1]
    plan = json.load(open(sys.argv[1]))
    seq = int(sys.argv[2])
    audit = json.load(open(sys.argv[3]))
    keys = json.load(open(sys.argv[4]))
    grid = int(sys.argv[5])
    skip = {}
    for arg in sys.argv[6:]:
        vendor, when = arg.split("@")
        skip[vendor] = int(when)
    if isinstance(keys, dict):
        keys = keys.get("keys", [])
    alg = {k["key"].rstrip("."): k["algorithm"] for k in keys}
    until = ts(plan["until"])
    bad = []

    def skipped(vendor, when):
        return vendor in skip and when >= skip[vendor]

    # what happened after the plan was made, and the keys generated since
    happened = {}  # (key, kind) -> [times]
    newkeys = {}   # (vendor, alg) -> [key, ...] in order of generation
    for e in audit:
        when = ts(e["time"])
        if e["event"] not in KINDS or e["seq"] <= seq:
            continue
        key = e["key"].rstrip(".")
        happened.setdefault((key, e["event"]), []).append(
            (when, e["vendor"]))
        if e["event"] == "generate":
            newkeys.setdefault((e["vendor"], alg[key]), []).append(key)

    planned = set()
    count = 0
    for s in plan["schedules"]:
        for ev in s["events"]:
            when = ts(ev["at"])
            if skipped(s["vendor"], when):
                continue
            count += 1
            if ev["key"] is not None:
                key = ev["key"].rstrip(".")
                what = key
            else:
                gen = newkeys.get((s["vendor"], s["algorithm"]), [])
                what = "%s %s new key %d" % (s["vendor"], s["algorithm"],
                                             ev["new_key"])
                if ev["new_key"] > len(gen):
                    bad.append("%s: %s planned at %s: the key was never "
                               "generated" % (what, ev["event"], ev["at"]))
                    continue
                key = gen[ev["new_key"] - 1]
            planned.add((key, ev["event"]))
            got = happened.get((key, ev["event"]), [])
            if len(got) != 1:
                bad.append("%s (%s): %s planned at %s happened %d times" %
                           (what, key, ev["event"], ev["at"], len(got)))
                continue
            late = got[0][0] - when
            if late < 0 or late > grid * (1 + (DNS_RUNS.get(ev["event"], 0)
                                               if dns else 0)):
                bad.append("%s (%s): %s planned at %s happened at %s" %
                           (what, key, ev["event"], ev["at"],
                            datetime.datetime.fromtimestamp(
                                got[0][0], datetime.timezone.utc)
                            .strftime("%Y-%m-%dT%H:%M:%SZ")))
    for (key, kind), got in sorted(happened.items()):
        for when, vendor in got:
            if when <= until and not skipped(vendor, when) and \
                    (key, kind) not in planned:
                bad.append("%s: %s happened at %s and was not planned" %
                           (key, kind, datetime.datetime.fromtimestamp(
                               when, datetime.timezone.utc)
                               .strftime("%Y-%m-%dT%H:%M:%SZ")))
    for line in bad:
        print("FAIL:", line)
    print("%d planned events checked, %d disagreements" % (count, len(bad)))
    return 1 if bad else 0


sys.exit(main())
