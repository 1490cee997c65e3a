#!/bin/sh
# Leaves a child behind that holds standard output open, and exits 0.
sleep 1000 &
echo $! >"$T_DIR/pid"
echo "started"
exit 0
