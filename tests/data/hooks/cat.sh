#!/bin/sh
# Standard input to standard output, then a mark.
cat
echo "end"
