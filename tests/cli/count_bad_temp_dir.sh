#!/usr/bin/env bash
# Issue 13, item 6: grams-count checked -T only at its first spill, so a bad
# -T went unnoticed (exit 0) whenever nothing spilled.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

write_tiny_corpus text.txt
run grams-count -T "$SCRATCH/missing" -o c.counts text.txt
expect_rc 1 "-T missing directory"
grep -q "missing" err || { show; fail "the error does not name the directory"; }
no_leftovers c.counts
touch plain
run grams-count -T plain --text text.txt
expect_rc 1 "-T a file"
grep -q "not a directory" err || { show; fail "-T a file: no 'not a directory'"; }
run grams-count -T "$SCRATCH" -o c.counts text.txt
expect_rc 0 "-T a good directory"
echo "ok: a bad -T is an error even when nothing spills"
