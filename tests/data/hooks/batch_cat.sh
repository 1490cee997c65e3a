#!/bin/sh
# Stores its standard input in T_DIR/in and says so.
cat >"$T_DIR/in"
echo "stored"
