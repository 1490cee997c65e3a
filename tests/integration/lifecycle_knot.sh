#!/bin/sh
# The lifecycle against a real DNS server: Knot DNS on loopback takes the
# records through the nsupdate hook (RFC 2136 with TSIG), and a year of
# `rotate` runs every 12 hours (DKIMKEYS_NOW) carries three vendors (rsa,
# ed25519, both) through every state. lifecycle_check.py then proves the
# invariants from the hooks' record, the audit log, the keystore and what
# Knot serves, and dkimpy verifies a message signed with each deployed key
# against the record Knot serves. The MTA vendor also hands its keys to an
# MTA (hooks/opendkim, its reloads logging the tables they would load)
# and to an in-house system (hooks/webhook to webhook_receiver.py, which
# checks the token and the HMAC): lifecycle_handover.py proves that every
# deploy reached both before the key it replaced was retired.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.inc"
. "$(dirname "$0")/year.inc"
cd "$T" || exit 1

year_knot
check "config" run 0 dk config-check
year_run
check "invariants hold" "$PY" "$ROOT/tests/integration/lifecycle_check.py" \
    "$T" "$PORT" "$now"
check "every deploy reached the MTA and the webhook before the retire" \
    "$PY" "$ROOT/tests/integration/lifecycle_handover.py" "$T"
finish
