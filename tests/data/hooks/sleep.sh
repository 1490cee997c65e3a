#!/bin/sh
# Writes its process id, then waits much longer than any test timeout.
echo $$ >"$T_DIR/pid"
sleep 1000
