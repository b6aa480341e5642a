#!/usr/bin/env bash
# The scale-out flow of docs/SCALING.md with a shared vocabulary: the
# vocabulary of the whole first (order 1 of each shard, merged), then each
# shard counted with grams-count --shared-vocab, then the merge, which is
# the trie merge (-v names it) and gives the bytes of counting the whole,
# under a budget and without; and what --shared-vocab refuses.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

zstd -dcq "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" -o full.txt
head -n 6000 full.txt > corpus.txt
mkdir shards
split -n l/6 -d corpus.txt shards/part-
grams-count -q --order 4 corpus.txt -o whole.counts

# Map 1: each shard's words; reduce 1: the vocabulary of the whole.
for f in shards/part-0?; do grams-count -q --order 1 "$f" -o "$f.vocab"; done
grams-count -q --merge shards/part-0?.vocab -o vocab.counts
grams-count -q --order 1 corpus.txt -o whole.vocab
cmp vocab.counts whole.vocab || fail "the merged vocabulary differs from the whole's"
# Map 2: the shards numbered by it; each lists its own words only.
for f in shards/part-0?; do
  grams-count -q --order 4 --shared-vocab vocab.counts "$f" -o "$f.counts"
done
[[ $(grams-info --json shards/part-00.counts | grep -o '"vocab_size": [0-9]*') != \
   $(grams-info --json vocab.counts | grep -o '"vocab_size": [0-9]*') ]] ||
  fail "a shard holds the whole vocabulary"
# Reduce 2: the trie merge, on 1 and 2 threads, with a budget and without.
for opts in "-j1" "-j2" "-j2 -S 64M" "-j2 -S 1G"; do
  # shellcheck disable=SC2086
  grams-count -v $opts --merge shards/part-0?.counts -o merged.counts 2> verbose.txt
  grep -q "trie merge" verbose.txt || fail "$opts: the merge was not the trie merge"
  cmp merged.counts whole.counts || fail "$opts: the trie merge differs from the whole"
done
# In two levels: halves merged with --shared-vocab keep its order, and
# merge again by the trie merge.
grams-count -v --shared-vocab vocab.counts --merge shards/part-0[0-2].counts -o a.counts 2> verbose.txt
grep -q "trie merge" verbose.txt || fail "the first half's merge was not the trie merge"
grams-count -q --shared-vocab vocab.counts --merge shards/part-0[3-5].counts -o b.counts
grams-count -v --merge a.counts b.counts -o merged.counts 2> verbose.txt
grep -q "trie merge" verbose.txt || fail "the halves' merge was not the trie merge"
cmp merged.counts whole.counts || fail "the two-level merge differs from the whole"
ls shards/part-0?.counts > list.txt
grams-count -q --merge-list list.txt -o merged.counts
cmp merged.counts whole.counts || fail "--merge-list differs"
# The partitioned reduce of the same shards joins to the whole too.
for i in 1 2 3; do
  grams-count -q --merge --partition "$i/3" shards/part-0?.counts -o "slice$i.counts"
done
grams-count -q --join slice?.counts -o joined.counts
cmp joined.counts whole.counts || fail "the joined slices differ"
# A damaged shard: named, exit 1, no output.
bytes=$(stat -c %s shards/part-03.counts)
head -c $((bytes - 300)) shards/part-03.counts > cut.counts
run grams-count -q --merge shards/part-00.counts cut.counts shards/part-0[1245].counts -o bad.counts
expect_rc 1 "merge with a shard cut short"
expect_error_line grams-count
expect_err "cut.counts"
no_leftovers bad.counts

# What --shared-vocab refuses: words it lacks, other settings, merges.
printf 'a zebra of unknown origin\n' > odd.txt
for args in "--order 2|'zebra' is not in the vocabulary of vocab.counts|1" \
  "--unit char|vocab.counts: counted with unit=word, but this count has unit=char|1" \
  "--merge --partition 1/2|--shared-vocab applies to counting text and to --merge|2"; do
  IFS='|' read -r opts error rc <<< "$args"
  # shellcheck disable=SC2086
  run grams-count -q $opts --shared-vocab vocab.counts odd.txt -o odd.counts
  expect_rc "$rc" "--shared-vocab with $opts"
  expect_error_line grams-count
  expect_err "$error"
  no_leftovers odd.counts
done
run grams-count -q --shared-vocab missing.counts odd.txt -o odd.counts
expect_rc 1 "--shared-vocab missing.counts"
expect_err "missing.counts"
no_leftovers odd.counts
grams-count --help | grep -q -- "--shared-vocab" || fail "--help lacks --shared-vocab"
echo "ok: shards counted with --shared-vocab merge by the trie merge to the whole"
