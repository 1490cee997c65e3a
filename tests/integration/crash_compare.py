#!/usr/bin/python3
"""Compares a simulation that was killed and rerun (B) with an
uninterrupted one (A), zones sN.test made equal:

  crash_compare.py DIR_A DIR_B

Same keys, states and times (fingerprints differ: keys are random); the
same audited transitions, each exactly once; every hook event of A in B,
and nothing in B that A did not have. Exit 1 with the differences."""
import json
import re
import sys


def norm(text):
    return re.sub(r"\bs[0-9]+\.test\b", "sN.test", text)


def keys(d):
    out = []
    for k in json.load(open(d + "/list.json"))["keys"]:
        k = {f: v for f, v in k.items() if f != "fingerprint"}
        out.append(norm(json.dumps(k, sort_keys=True)))
    return out


def audit(d):
    out = []
    for e in json.load(open(d + "/audit.json")):
        if e["event"] in ("export",):
            continue
        out.append(norm("%s %s %s" % (e["time"], e["event"], e.get("key"))))
    return out


def hooks(d):
    out = set()
    for line in open(d + "/rec/events"):
        f = line.split()
        out.add(norm("%s %s %s %s" % (f[0], f[1], f[2], f[6])))
    return out


def main():
    a, b = sys.argv[1], sys.argv[2]
    bad = 0
    ka, kb = keys(a), keys(b)
    if ka != kb:
        bad = 1
        print("keys differ:")
        for x in sorted(set(ka) ^ set(kb)):
            print("  ", "A" if x in ka else "B", x)
    aa, ab = audit(a), audit(b)
    if aa != ab:
        bad = 1
        print("audit differs:")
        for x in sorted(set(aa) ^ set(ab)):
            print("  ", "A" if x in aa else "B", x)
        dup = [x for x in ab if ab.count(x) > 1]
        if dup:
            print("   twice in B:", sorted(set(dup)))
    ha, hb = hooks(a), hooks(b)
    if ha != hb:
        bad = 1
        print("hook events differ:", sorted(ha ^ hb))
    return bad


if __name__ == "__main__":
    sys.exit(main())
