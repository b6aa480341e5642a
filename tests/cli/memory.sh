#!/usr/bin/env bash
# grams-count under a memory budget (-S) spills runs to the temporary
# directory (-T) and writes the same counts file, byte for byte; bad budgets
# and directories are refused clearly; the runs vanish however it ends.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > corpus.txt
mkdir tmp
grams-count --order 5 corpus.txt -o memory.counts
for j in 1 2; do
  run grams-count --order 5 -j "$j" -S 16M -T tmp -v corpus.txt -o spilled.counts
  expect_rc 0 "-S 16M -j $j"
  grep -q "temporary disk peak" err || { show; fail "-S 16M: -v does not report spilling"; }
  cmp -s memory.counts spilled.counts || fail "-S 16M -j $j: differs from the in-memory count"
done
[[ -z $(ls -A tmp) ]] || fail "files left in the temporary directory: $(ls -A tmp)"

# Through pipes, and with TMPDIR instead of -T.
zstd -c corpus.txt | TMPDIR=$PWD/tmp grams-count --order 5 -S 16M > piped.counts
cmp -s memory.counts piped.counts || fail "-S 16M through a pipe differs"

# Merging under a budget equals counting the whole.
split -n l/3 -d corpus.txt part-
for f in part-0?; do grams-count --order 5 "$f" -o "$f.counts"; done
grams-count --merge -S 16M -T tmp part-0?.counts -o merged.counts
cmp -s memory.counts merged.counts || fail "--merge -S 16M differs from counting the whole"

# Text output after spilling.
grams-count --order 3 --text corpus.txt -o a.txt
grams-count --order 3 --text -S 16M corpus.txt -o b.txt
cmp -s a.txt b.txt || fail "--text -S 16M differs"

for bad in abc 0 10K 150% 0% -5M 12Q; do
  run grams-count -S "$bad" corpus.txt -o x.counts
  expect_rc 2 "-S $bad"
  grep -q -- "--memory" err || { show; fail "-S $bad: the error does not name --memory"; }
done
run grams-count --order 5 -S 16M -T missing-dir corpus.txt -o x.counts
expect_rc 1 "-T missing-dir"
grep -q "missing-dir" err || { show; fail "-T missing-dir: the error does not name the directory"; }
[[ ! -e x.counts ]] || fail "-T missing-dir: an output was written"
if compgen -G "x.counts.tmp-*" >/dev/null; then fail "-T missing-dir: temporary output left"; fi

# Ctrl-C while runs are on disk: no output, and the runs' space is gone
# (they are unlinked from the start: the process holds them open in tmp/).
cat corpus.txt corpus.txt corpus.txt > big.txt
grams-count --order 5 -j 1 -S 16M -T tmp big.txt -o big.counts 2>err &
pid=$!
seen=0
for _ in $(seq 1 1000); do
  if ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$PWD/tmp/"; then seen=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.005
done
interrupt INT "$pid"
[[ $seen == 1 ]] || fail "Ctrl-C: never saw a spilled run open in tmp/ (finished too fast?)"
[[ $RC -ne 0 ]] || fail "Ctrl-C: grams-count exited 0"
[[ ! -e big.counts ]] || fail "Ctrl-C: an output was written"
[[ -z $(ls -A tmp) ]] || fail "Ctrl-C: files left in tmp/"
echo "ok: -S/-T spill and merge to the same bytes and leave nothing behind"
