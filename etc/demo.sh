#!/bin/sh
# make run: the main job on the embedded defaults (etc/dkimkeys.conf, the
# keystore in keystore/store with the demo passphrase keystore/demo.pass).
# The first run makes and publishes every vendor's keys; each later run
# does what is due by then, as the cron job would.
set -eu
cd "$(dirname "$0")/.."
dk() { ./dkimkeys -c etc/dkimkeys.conf "$@"; }

if [ ! -f keystore/demo.pass ]; then
	(umask 077 && printf 'demo passphrase: not for production\n' \
	    >keystore/demo.pass)
fi
dk config-check
if [ ! -d keystore/store ]; then
	dk init --kdf interactive --new-passphrase-file keystore/demo.pass
fi
echo
echo "== dkimkeys rotate"
dk rotate
echo
echo "== dkimkeys status"
dk status
echo
echo "== dkimkeys txt (what DNS must hold; the zonefile hook wrote" \
    "keystore/demo.zone)"
dk txt
