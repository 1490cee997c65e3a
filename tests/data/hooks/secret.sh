#!/bin/sh
# Echoes the secret read from standard input, whole and in part.
read -r k
echo "before"
echo "the key is $k here"
echo "tail ${k#????????????}"
echo "after"
