#!/bin/sh
# Answers "ok LINE" for each line as it reads (sed writes as its buffer
# fills, long before its input ends).
exec sed 's/^/ok /'
