# --tables: a model file's trie answers at once, its hash tables take over
# when built (background), are built first, or never. The scores are the
# same bytes whichever answers, in every output mode, at any -j; a mapped
# model ignores the option; a bad value is a usage error.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"
zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > train.txt
cp "$GRAMS_SOURCE_DIR/data/kjv-test.txt" test.txt
grams-count -q --order 5 train.txt | grams-build -q -o m.lm
grams-convert m.lm --to mapped -o m.lmm
for _ in $(seq 1 8); do cat test.txt; done > big.txt

run grams-score --tables sometimes m.lm test.txt
expect_rc 2 "--tables sometimes"
expect_err "tables"
run grams-perplexity --tables "" m.lm test.txt
expect_rc 2 "--tables ''"

# same_bytes TOOL ARGS...: TOOL --tables WHEN ARGS writes the same bytes for
# every WHEN, at -j1 and -j2.
same_bytes() {
  local tool=$1
  shift
  run "$tool" --tables first -j1 "$@"
  expect_rc 0 "$tool --tables first $*"
  mv out out.first
  [[ -s out.first ]] || fail "$tool $*: no output"
  for when in background never; do
    for j in 1 2; do
      run "$tool" --tables $when -j$j "$@"
      expect_rc 0 "$tool --tables $when -j$j $*"
      cmp -s out out.first || fail "$tool --tables $when -j$j $*: not the bytes of --tables first"
    done
  done
}

same_bytes grams-score --per-token --ngram-length m.lm big.txt
same_bytes grams-score --json --per-token --no-bos --no-eos m.lm test.txt
same_bytes grams-perplexity m.lm big.txt
same_bytes grams-perplexity --json m.lm test.txt
# The default is the background build: one line at a time through a pipe.
run grams-score --tables first --per-token m.lm test.txt
mv out out.first
head -c 100000 test.txt | grams-score --per-token m.lm > out.pipe || fail "grams-score from a pipe"
cmp -s out.pipe <(head -c 100000 test.txt | grams-score --tables first --per-token m.lm) ||
  fail "the default from a pipe: not the bytes of --tables first"
# A mapped model has its tables: the option changes nothing.
run grams-score --tables never --per-token m.lmm test.txt
expect_rc 0 "a mapped model with --tables never"
cmp -s out out.first || fail "the mapped model's scores differ"
echo "score_tables: all checks passed"
