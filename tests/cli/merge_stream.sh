#!/usr/bin/env bash
# grams-count --merge as a stream under -S, --merge-list, and the
# partitioned merge (--partition I/K, --join): every way gives the bytes of
# counting the whole text; bad shards and slices are clear errors naming the
# file, exit 1, and leave no output.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

zstd -dcq "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" -o full.txt
head -n 6000 full.txt > corpus.txt
mkdir shards
split -n l/6 -d corpus.txt shards/part-
for f in shards/part-0?; do grams-count -q --order 4 "$f" -o "$f.counts"; done
grams-count -q --order 4 corpus.txt -o whole.counts

# The whole merge under budgets small and large, from a list, from a list on
# stdin, with a compressed shard and a shard on standard input.
mkdir tmp
for budget in 16M 40M 1G; do
  grams-count -q --merge -S "$budget" -T tmp shards/part-0?.counts -o merged.counts
  cmp merged.counts whole.counts || fail "merge under -S $budget differs from the whole"
  [[ -z $(ls tmp) ]] || fail "temporary files left in tmp"
done
# Halves, large beside a 16M budget: each goes to a spill of its own.
mkdir halves
split -n l/2 -d corpus.txt halves/half-
for f in halves/half-0?; do grams-count -q --order 4 "$f" -o "$f.counts"; done
grams-count -v --merge -S 16M -T tmp halves/half-0?.counts -o merged.counts 2> verbose.txt
cmp merged.counts whole.counts || fail "merge of the halves under -S 16M differs from the whole"
grep -q "temporary disk peak" verbose.txt || fail "the merge of the halves did not spill"
ls shards/part-0?.counts > list.txt
printf '\n' >> list.txt  # blank lines are skipped
grams-count -q --merge-list list.txt -S 16M -o merged.counts
cmp merged.counts whole.counts || fail "--merge-list differs"
ls shards/part-0?.counts | grams-count -q --merge-list - -S 16M -o merged.counts
cmp merged.counts whole.counts || fail "--merge-list - differs"
# FILE... and a list together; a shard compressed, and one read from stdin.
zstd -q shards/part-02.counts -o shards/part-02.counts.zst
ls shards/part-0[3-5].counts > rest.txt
grams-count -q --merge -S 16M shards/part-00.counts - shards/part-02.counts.zst \
  --merge-list rest.txt -o merged.counts < shards/part-01.counts
cmp merged.counts whole.counts || fail "merge with a compressed shard and stdin differs"

# The partitioned merge: K reducers, then the join, in any order of slices.
for K in 1 3 4; do
  rm -f slice-*
  for ((i = 1; i <= K; i++)); do
    grams-count -q --merge --partition "$i/$K" -S 16M --merge-list list.txt -o "slice-$i"
  done
  grams-count -q --join $(ls slice-* | sort -r) -o joined.counts
  cmp joined.counts whole.counts || fail "join of $K slices differs from the whole"
done
grams-build -q joined.counts -o joined.lm
grams-build -q whole.counts -o whole.lm
cmp joined.lm whole.lm || fail "models differ"

# A slice is neither counts to build from nor counts to merge.
run grams-count --merge -S 16M slice-1 shards/part-00.counts -o bad.counts
expect_rc 1 "merging a slice"
expect_error_line grams-count
expect_err "slice-1: is slice 1/4 of a partitioned merge"
no_leftovers bad.counts

# Bad shards: missing, other order, other settings, corrupt, cut short.
printf 'the cat sat\n' > other.txt
grams-count -q --order 3 other.txt -o order3.counts
grams-count -q --order 4 --case-fold other.txt -o folded.counts
cp shards/part-01.counts flipped.counts
size=$(stat -c %s flipped.counts)
printf '\xff\xfe\xfd' | dd of=flipped.counts bs=1 seek=$((size - 60)) conv=notrunc status=none
head -c $((size / 2)) shards/part-01.counts > cut.counts
check_bad() {  # check_bad FILE TEXT [OPTIONS...]
  local file=$1 text=$2
  shift 2
  run grams-count -S 16M "$@" shards/part-00.counts "$file" -o bad.counts
  expect_rc 1 "merge with $file ($*)"
  expect_error_line grams-count
  expect_err "$file"
  expect_err "$text"
  no_leftovers bad.counts
}
for mode in "--merge" "--merge --partition 1/2"; do
  # shellcheck disable=SC2086
  {
    check_bad missing.counts "" $mode
    check_bad order3.counts "order 3, but the counts merged so far have order 4" $mode
    check_bad folded.counts "counted with case_fold=1" $mode
    check_bad flipped.counts "corrupted" $mode
    check_bad cut.counts "truncated" $mode
    check_bad other.txt "not a grams" $mode
  }
done
run grams-count --merge-list no-such-list.txt -o bad.counts
expect_rc 1 "missing list"
expect_err "no-such-list.txt: cannot open the list of counts files"
no_leftovers bad.counts
printf '\n\n' > empty.txt
run grams-count --merge-list empty.txt -o bad.counts
expect_rc 2 "empty list"
expect_err "no files listed"

# Bad slices for --join: one missing, one twice, from another merge.
grams-count -q --merge --partition 2/4 -S 16M shards/part-0[0-3].counts -o other-2
for args in "slice-1 slice-3 slice-4|slice 2/4 is missing" \
  "slice-1 slice-2 slice-2 slice-3 slice-4|slice-2: is slice 2/4 again" \
  "slice-1 other-2 slice-3 slice-4|other-2: is not a slice of the same merge" \
  "slice-1 slice-2 slice-3 whole.counts|whole.counts: is not a slice"; do
  # shellcheck disable=SC2086
  run grams-count --join ${args%%|*} -o bad.counts
  expect_rc 1 "join ${args%%|*}"
  expect_error_line grams-count
  expect_err "${args#*|}"
  no_leftovers bad.counts
done

# Usage errors.
for args in "--partition 1/2 shards/part-00.counts" "--merge --partition 0/2 x" \
  "--merge --partition 3/2 x" "--merge --partition 1 x" "--join --merge x" \
  "--join" "--merge --partition 1/2 --text x" "--join --order 3 x"; do
  # shellcheck disable=SC2086
  run grams-count $args -o bad.counts
  expect_rc 2 "grams-count $args"
  expect_error_line grams-count
  no_leftovers bad.counts
done
run grams-count --merge --partition 1/2 -S 16M shards/part-00.counts - -o bad.counts < shards/part-01.counts
expect_rc 1 "partition with stdin"
expect_err "standard input cannot be one"
echo "ok: streaming merge, --merge-list, --partition and --join"
