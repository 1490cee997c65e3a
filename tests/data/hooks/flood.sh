#!/bin/sh
# 10 MB of output: short lines, then one long line without LF.
yes 0123456789abcdef | head -c 5000000
head -c 5000000 /dev/zero | tr '\0' a
