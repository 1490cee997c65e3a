#!/bin/sh
# The environment this process was started with, as execve gave it (the
# shell's own additions such as PWD do not show in /proc/PID/environ).
tr '\0' '\n' </proc/$$/environ
