#!/bin/sh
# As sleep.sh, but SIGTERM is ignored (by sleep too, which inherits it).
trap '' TERM
echo $$ >"$T_DIR/pid"
sleep 1000
