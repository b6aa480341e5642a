#!/usr/bin/env bash
# The sharded flow of docs/SCALING.md, run locally with GNU parallel: split the
# text, count every shard in parallel, merge, build. The merged counts file
# must equal, byte for byte, the one from counting the whole text at once,
# and so must the model built from it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
command -v parallel >/dev/null || fail "GNU parallel is not installed (Debian package 'parallel'; .ci/deps installs it)"

corpus="$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst"
zstd -dc "$corpus" > corpus.txt
mkdir shards
split -n l/4 -d corpus.txt shards/part-
parallel --will-cite -j 2 grams-count --order 4 {} -o {}.counts ::: shards/part-*
[[ $(ls shards/*.counts | wc -l) == 4 ]] || fail "expected 4 shard counts"
grams-count --merge shards/part-*.counts -o merged.counts
grams-count --order 4 corpus.txt -o whole.counts
cmp merged.counts whole.counts || fail "merged shard counts differ from counting the whole"

grams-build merged.counts -o merged.lm
grams-build whole.counts -o whole.lm
cmp merged.lm whole.lm || fail "models differ"

# Shards read through a pipe and compressed shards work the same way.
zstd -q shards/part-01 -o shards/part-01.zst
rm shards/part-01.counts
parallel --will-cite -j 2 grams-count --order 4 {} -o {.}.counts ::: shards/part-01.zst
grams-count --merge shards/part-00.counts shards/part-01.counts shards/part-02.counts \
  shards/part-03.counts -o merged2.counts
cmp merged2.counts whole.counts || fail "merge with a compressed shard differs"
echo "ok: sharded counting + merge equals counting the whole"
