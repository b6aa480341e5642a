#!/usr/bin/env bash
# grams-count writes the same bytes whatever the number of threads, for word
# and character units, line and stream boundaries, and when merging.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > all.txt
head -n 12000 all.txt > corpus.txt
for opts in "--order 5" "--order 4 --unit char" "--order 6 --unit byte --boundaries none" \
            "--order 3 --unit char --case-fold --boundaries none"; do
  # shellcheck disable=SC2086
  grams-count $opts -j 1 corpus.txt -o one.counts
  for j in 2 3 5; do
    # shellcheck disable=SC2086
    grams-count $opts -j "$j" corpus.txt -o many.counts
    cmp -s one.counts many.counts || fail "grams-count $opts: -j $j differs from -j 1"
  done
done
split -n l/3 -d corpus.txt part-
for f in part-0?; do grams-count --order 5 -j 1 "$f" -o "$f.counts"; done
grams-count --order 5 -j 1 corpus.txt -o whole.counts
for j in 1 2 4; do
  grams-count --merge -j "$j" part-0?.counts -o merged.counts
  cmp -s merged.counts whole.counts || fail "--merge -j $j differs from counting the whole"
done
run grams-count -j -1 corpus.txt -o x.counts
expect_rc 2 "-j -1"
echo "ok: the same output at every thread count"
