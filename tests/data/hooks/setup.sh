#!/bin/sh
# Arguments, folder, umask and process group of the hook.
echo "argc=$# argv1=${1-}"
echo "cwd=$(pwd -P)"
echo "umask=$(umask)"
# /proc/PID/stat: pid (comm) state ppid pgrp session ...
read -r pid _ _ _ pgrp sid _ </proc/$$/stat
echo "pgrp=$((pgrp - pid)) sid=$((sid - pid))"
