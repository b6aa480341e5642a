#!/usr/bin/env bash
# grams-build writes the same model file whatever the number of threads
# (-j): the streaming estimator's suffix links and per-context arithmetic
# run in batches of 131,072 n-grams on the threads, so the KJV sample at
# order 5 (895K tokens; about a million n-grams an order) spans several
# batches. Checked for every streaming method, resident and spilled (the
# least budget the estimator takes), with count pruning, at order 2, and
# against the in-memory estimator (--arpa loads the counts whole).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > corpus.txt
grams-count --order 5 corpus.txt -o c5.counts
grams-count --order 2 corpus.txt -o c2.counts
mkdir tmp

# same COUNTS OPTIONS...: -j 1 and -j 2, 3 and 7 give the same model.
same() {
  local counts=$1
  shift
  run grams-build -j 1 "$@" -o one.lm "$counts"
  expect_rc 0 "grams-build -j 1 $* $counts"
  local j
  for j in 2 3 7; do
    run grams-build -j "$j" "$@" -o many.lm "$counts"
    expect_rc 0 "grams-build -j $j $* $counts"
    cmp -s one.lm many.lm || fail "grams-build $* $counts: -j $j differs from -j 1"
  done
}

for method in mkn kn wb abs add mle stupid; do
  same c5.counts --smoothing "$method"
done
same c2.counts
same c5.counts --prune 0 1
same c5.counts --smoothing kn --backoff

# Spilled: the least budget the estimator takes.
run grams-build -S 16M -T tmp -o spilled.lm c5.counts
budget=16M
if [[ $RC == 1 ]] && grep -q "give -S [0-9]*M or more" err; then
  budget=$(grep -o "give -S [0-9]*M" err | grep -o "[0-9]*M")
fi
same c5.counts -S "$budget" -T tmp
cp one.lm spilled.lm
[[ -z $(ls -A tmp) ]] || fail "temporary files left in tmp: $(ls -A tmp)"

# The in-memory estimator (the counts loaded whole for --arpa) agrees.
run grams-build -j 3 -o whole.lm --arpa whole.arpa c5.counts
expect_rc 0 "in-memory build"
cmp -s whole.lm spilled.lm || fail "the in-memory model differs from the streamed one"

run grams-build -j -1 c5.counts -o x.lm
expect_rc 2 "-j -1"
expect_err "between 0 and 64"
run grams-build -j 65 c5.counts -o x.lm
expect_rc 2 "-j 65"
echo "ok: the same model at every thread count"
