#!/usr/bin/env bash
# Progress: shown on a terminal (script(1) provides one), silent with --quiet
# or when stderr is not a terminal; --verbose reports each stage.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
command -v script >/dev/null || fail "script(1) is not installed (Debian package bsdutils)"

zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > corpus.txt

# Not a terminal: stderr stays empty.
grams-count --order 3 corpus.txt -o a.counts 2>err
[[ ! -s err ]] || fail "progress written to a non-terminal stderr: $(head -c 200 err)"
grams-build a.counts -o a.lm 2>err
[[ ! -s err ]] || fail "grams-build wrote to a non-terminal stderr: $(head -c 200 err)"

# A terminal: the stage line appears (and is cleared); --quiet silences it.
script -qec "grams-count --order 3 corpus.txt -o b.counts" /dev/null > tty.out
grep -q "grams-count: counting .*corpus.txt" tty.out || { cat -v tty.out | head -5 >&2; fail "no counting progress on a terminal"; }
grep -q "grams-count: sorting" tty.out || { cat -v tty.out | head -5 >&2; fail "no sorting progress on a terminal"; }
script -qec "grams-build b.counts -o b.lm" /dev/null > tty.out
grep -q "grams-build: estimating: order" tty.out || { cat -v tty.out | head -5 >&2; fail "no estimation progress on a terminal"; }
script -qec "grams-count -q --order 3 corpus.txt -o c.counts" /dev/null > tty.out
[[ ! -s tty.out ]] || { cat -v tty.out | head -5 >&2; fail "--quiet still showed progress"; }
cmp -s a.counts b.counts && cmp -s a.counts c.counts || fail "progress changed the output"

# --verbose: one line per stage with its time and memory.
# (A counts file is written order by order while sorting; text is written after.)
grams-count -v --order 3 corpus.txt -o d.counts 2>err
for stage in "counting .*corpus.txt" sorting; do
  grep -Eq "^grams-count: $stage: [0-9.]+ s, peak RSS so far [0-9.]+ MB$" err ||
    { cat err >&2; fail "--verbose: no '$stage' line"; }
done
grams-count -v --order 2 --text corpus.txt -o d.txt 2>err
grep -Eq "^grams-count: writing d.txt: [0-9.]+ s, peak RSS so far [0-9.]+ MB$" err ||
  { cat err >&2; fail "--verbose --text: no writing line"; }
grams-build -v d.counts -o d.lm 2>err
grep -Eq "^grams-build: estimating: [0-9.]+ s, peak RSS so far [0-9.]+ MB$" err || { cat err >&2; fail "grams-build --verbose: no estimating line"; }
echo "ok: progress on terminals only, --quiet, --verbose"
