#!/usr/bin/env bash
# Issue 13, item 3: a model given through a FIFO hung forever, and through
# <(...) failed with "bad magic": the file was opened twice, once to sniff
# its magic. The magic is sniffed from the stream that is then read.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

write_tiny_corpus text.txt
grams-count --order 3 -o c.counts text.txt
grams-build -q -o m.lm c.counts 2>/dev/null
grams-build -q --arpa m.arpa c.counts 2>/dev/null
grams-perplexity m.lm text.txt > want.txt
grams-score m.lm text.txt > want_score.txt

for model in m.lm m.arpa; do
  # Process substitution (a pipe under /dev/fd).
  run timeout 60 grams-perplexity <(cat "$model") text.txt
  expect_rc 0 "$model through <(...)"
  diff out want.txt || fail "$model through <(...): another perplexity"
  # A named FIFO.
  rm -f fifo
  mkfifo fifo
  cat "$model" > fifo &
  run timeout 60 grams-score fifo text.txt
  expect_rc 0 "$model through a FIFO"
  wait
  diff out want_score.txt || fail "$model through a FIFO: other scores"
  # /dev/stdin, a pipe.
  cat "$model" | { run timeout 60 grams-perplexity /dev/stdin text.txt; expect_rc 0 "$model via /dev/stdin"; diff out want.txt; } ||
    fail "$model through /dev/stdin"
  run timeout 60 grams-info <(cat "$model")
  expect_rc 0 "grams-info on $model through <(...)"
done
echo "ok: models read through FIFOs and pipes"
