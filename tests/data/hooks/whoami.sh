#!/bin/sh
# The user and HOME the hook runs with.
echo "uid=$(id -u) gid=$(id -g) home=$HOME"
