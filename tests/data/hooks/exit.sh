#!/bin/sh
# Prints a line on each stream and exits T_CODE, reading nothing.
echo "to stdout"
echo "to stderr" >&2
exit "${T_CODE:-0}"
