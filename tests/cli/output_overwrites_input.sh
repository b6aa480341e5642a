#!/usr/bin/env bash
# Issue 13, item 7: `grams-build -o X X` silently overwrote its own input;
# an output that is also an input (by another path, a hard link or a
# symbolic link: the same device and inode) is refused and left untouched.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

write_tiny_corpus text.txt
grams-count --order 3 -o c.counts text.txt
cp c.counts keep.counts
ln c.counts hard.counts
ln -s c.counts sym.counts
mkdir sub
for out in c.counts ./c.counts sub/../c.counts hard.counts sym.counts "$SCRATCH/c.counts"; do
  run grams-build -o "$out" c.counts
  expect_rc 1 "grams-build -o $out c.counts"
  grep -q "also" err || { show; fail "-o $out: the error does not say the output is an input"; }
  cmp -s c.counts keep.counts || fail "-o $out: the input was changed"
  if compgen -G "*.tmp-*" >/dev/null; then fail "-o $out: temporary file left"; fi
done
run grams-count --merge -o c.counts c.counts
expect_rc 1 "grams-count --merge -o c.counts c.counts"
cmp -s c.counts keep.counts || fail "grams-count --merge: the input was changed"
run grams-count -o text.txt text.txt
expect_rc 1 "grams-count -o text.txt text.txt"
run grams-build -o other.lm c.counts
expect_rc 0 "a different output"
echo "ok: an output that is also an input is refused"
