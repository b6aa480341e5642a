# grams-build --prune in the streaming estimator: with no unigram threshold
# (--prune 0 ...), count pruning streams under -S like an unpruned build
# (no "-S ... do not apply" warning; with -v and a budget that spills, the
# streamed build's "temporary files" line), and writes the model file of the
# in-memory estimator (--arpa loads the counts whole) byte for byte, for
# several orders, thresholds and methods. A unigram threshold still loads
# the counts whole (a vocabulary limit), with the same model either way. And
# a slice of a partitioned merge is refused as such by both estimators.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"

# Part of Brown when the shared corpora are there, else the KJV sample.
shared=${GRAMS_SHARED_DIR:-}
if [[ -n $shared && -f $shared/corpora/brown/train.txt ]]; then
  head -n 15000 "$shared/corpora/brown/train.txt" > text.txt
else
  zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > text.txt
fi
grams-count --order 5 -o c5.counts text.txt
grams-count --order 3 -o c3.counts text.txt
mkdir tmp

# compare COUNTS OPTIONS...: the streamed build (spilling under the least
# budget it takes) and the in-memory one give the same model file.
compare() {
  local counts=$1
  shift
  run grams-build "$@" -o whole.lm --arpa whole.arpa "$counts"
  expect_rc 0 "in-memory $* on $counts"
  # The least budget the estimator takes (it refuses a smaller one, giving
  # the figure), so that the build spills.
  local budget=16M
  rm -f streamed.lm
  run grams-build "$@" -S $budget -T tmp -v -o streamed.lm "$counts"
  if [[ $RC == 1 ]] && grep -q "give -S [0-9]*M or more" err; then
    budget=$(grep -o "give -S [0-9]*M" err | grep -o "[0-9]*M")
    no_leftovers streamed.lm
    run grams-build "$@" -S "$budget" -T tmp -v -o streamed.lm "$counts"
  fi
  expect_rc 0 "streamed $* on $counts (-S $budget)"
  expect_err "temporary files: peak"
  if grep -q "do not apply" err; then show; fail "$*: the counts were loaded whole"; fi
  cmp -s streamed.lm whole.lm || fail "$* on $counts: the streamed model differs from the in-memory one"
  [[ -z $(ls -A tmp) ]] || fail "temporary files left in tmp: $(ls -A tmp)"
  # And within a budget that holds everything.
  run grams-build "$@" -o resident.lm "$counts"
  expect_rc 0 "streamed $* (in memory) on $counts"
  cmp -s resident.lm whole.lm || fail "$* on $counts: the resident streamed model differs"
}

for thresholds in "0 1" "0 0 1" "0 1 2" "0 2 2"; do
  # shellcheck disable=SC2086
  compare c3.counts --prune $thresholds
done
for thresholds in "0 1" "0 0 1" "0 1 2 2 3" "0 0 0 0 1" "0 3"; do
  # shellcheck disable=SC2086
  compare c5.counts --prune $thresholds
done
compare c5.counts --prune 0 0
compare c5.counts --smoothing kn --prune 0 1 1 2
compare c5.counts --smoothing wb --backoff --prune 0 0 1
compare c5.counts --smoothing mkn --backoff --prune 0 1
compare c3.counts --smoothing abs --prune 0 1
compare c3.counts --smoothing stupid --prune 0 1
compare c3.counts --smoothing add --prune 0 0 1

# The pruned model is smaller: the header's order 3 shrinks.
grams-build --prune 0 0 1 -o pruned.lm c3.counts
grams-build -o full.lm c3.counts
n3() { grams-info "$1" | grep "order 3:" | grep -o '[0-9]* n-grams'; }
[[ $(n3 pruned.lm) != "$(n3 full.lm)" ]] || fail "--prune 0 0 1 kept every trigram"

# A unigram threshold limits the vocabulary: the counts are loaded whole
# (-S does not apply, said so), the model the same as the in-memory one.
run grams-build --prune 1 1 -S 16M -o unigram.lm c3.counts
expect_rc 0 "--prune 1 1 -S 16M"
expect_err "do not apply with --prune"
grams-build --prune 1 1 -o whole.lm --arpa whole.arpa c3.counts
cmp -s unigram.lm whole.lm || fail "--prune 1 1: the models differ"

# More thresholds than orders: a usage-level error from either path.
run grams-build --prune 0 1 1 1 -S 16M -o bad.lm c3.counts
expect_rc 1 "--prune for 4 orders of order-3 counts"
expect_err "pruning thresholds are given for orders 1 to 4"
no_leftovers bad.lm

# A slice of a partitioned merge is not the counts: both estimators say it
# must be joined first.
head -n 2000 text.txt > a.txt
tail -n 2000 text.txt > b.txt
grams-count --order 3 -o a.counts a.txt
grams-count --order 3 -o b.counts b.txt
grams-count --merge a.counts b.counts --partition 2/3 -o slice2.counts
for how in "" "--arpa slice.arpa"; do
  # shellcheck disable=SC2086
  run grams-build -o slice.lm $how slice2.counts
  expect_rc 1 "building from a slice ($how)"
  expect_error_line grams-build
  expect_err "slice2.counts: is slice 2 of 3 of a partitioned merge"
  expect_err "grams-count --join"
  no_leftovers slice.lm
done
run grams-build -o slice.lm - < slice2.counts
expect_rc 1 "building from a slice on standard input"
expect_err "is slice 2 of 3"

echo "build_prune_stream: OK"
