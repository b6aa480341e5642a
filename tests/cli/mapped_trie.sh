# grams-convert --to mapped --layout trie: the mapped model's trie layout
# scores the same bytes as the model file it was made from (grams-score in
# its output modes, grams-perplexity, at -j1 and -j2), about half the size
# of the probing layout; grams-info names the layout; --check reads it
# whole; it converts to every form (the probing layout to none but itself),
# and the option's misuses are usage errors. On Brown order 5 (../shared),
# smaller than KenLM's lossless trie binary (33,794,914 bytes) with the same
# perplexity.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"
zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > train.txt
cp "$GRAMS_SOURCE_DIR/data/kjv-test.txt" test.txt
grams-count -q --order 5 train.txt | grams-build -q -o m.lm
grams-convert m.lm --to mapped -o m.lmm
run grams-convert m.lm --to mapped --layout trie -o t.lmm
expect_rc 0 "--layout trie"
expect_no_err
[[ -s t.lmm ]] || fail "no t.lmm"
if compgen -G "t.lmm.tmp-*" >/dev/null; then fail "a temporary file left behind"; fi
trie=$(stat -c %s t.lmm) probing=$(stat -c %s m.lmm)
((trie * 10 < probing * 6)) || fail "the trie layout takes $trie bytes, the probing one $probing"

# The same bytes as the model file's scores.
for args in "--per-token --ngram-length" "--json --per-token --no-bos --no-eos" "--with-perplexity --with-line" "--max-perplexity 300"; do
  for j in 1 2; do
    grams-score -j$j $args m.lm test.txt > want || fail "grams-score $args m.lm"
    run grams-score -j$j $args t.lmm test.txt
    expect_rc 0 "grams-score -j$j $args t.lmm"
    cmp -s out want || fail "grams-score -j$j $args: the trie layout's bytes differ"
  done
done
grams-perplexity m.lm test.txt > want || fail "grams-perplexity m.lm"
run grams-perplexity -j2 t.lmm test.txt
cmp -s out want || fail "grams-perplexity: the trie layout's bytes differ"
# From a pipe, one line at a time.
head -n 50 test.txt | grams-score t.lmm > out.pipe || fail "grams-score from a pipe"
head -n 50 test.txt | grams-score m.lm | cmp -s - out.pipe || fail "from a pipe: bytes differ"

run grams-info t.lmm
expect_rc 0 "grams-info t.lmm"
expect_out "trie layout"
run grams-info m.lmm
expect_out "probing layout"
run grams-convert --check t.lmm
expect_rc 0 "--check t.lmm"
expect_out "t.lmm: OK: order 5"

# It holds the n-grams: it converts to every form, the bytes of the model
# file's conversions, and grams-predict reads it.
for to in model arpa mapped; do
  grams-convert m.lm --to $to -o want.$to || fail "m.lm --to $to"
  run grams-convert t.lmm --to $to -o got.$to
  expect_rc 0 "t.lmm --to $to"
  cmp -s got.$to want.$to || fail "t.lmm --to $to: not the bytes of m.lm --to $to"
done
cmp -s got.model m.lm || fail "t.lmm --to model: not m.lm"
run grams-convert t.lmm --to mapped --layout trie -o again.lmm
cmp -s again.lmm t.lmm || fail "t.lmm --to mapped --layout trie: not t.lmm"
head -n 3 test.txt | grams-predict m.lm > want || fail "grams-predict m.lm"
head -n 3 test.txt | grams-predict t.lmm > out || fail "grams-predict t.lmm"
cmp -s out want || fail "grams-predict: the trie layout's bytes differ"
# The probing layout holds hashes: it cannot be read back.
run grams-convert m.lmm --to mapped --layout trie -o x
expect_rc 1 "a probing mapped model to the trie layout"
expect_err "probing layout"
[[ ! -e x ]] || fail "a failed conversion left x behind"
# Usage errors.
run grams-convert m.lm --to mapped --layout hash -o x
expect_rc 2 "--layout hash"
expect_err "probing or trie"
run grams-convert m.lm --to model --layout trie -o x
expect_rc 2 "--layout with --to model"
expect_err "--to mapped"
# A damaged copy: the full check names the section.
cp t.lmm bad.lmm
size=$(stat -c %s bad.lmm)
printf '\x55\xaa' | dd of=bad.lmm bs=1 seek=$((size - 4000)) conv=notrunc status=none
run grams-convert --check bad.lmm
expect_rc 1 "--check of a damaged trie"
expect_err "checksum mismatch in the order 5 values"

# Brown order 5, KenLM's model: the same perplexity, a smaller file than
# KenLM's trie binary.
shared=${GRAMS_SHARED_DIR:-$GRAMS_SOURCE_DIR/../shared}
arpa=$shared/reference/brown.o5.kenlm.arpa.zst
if [[ -f $arpa ]]; then
  grams-convert "$arpa" --to model -o brown.lm 2> /dev/null || fail "brown to a model file"
  grams-convert brown.lm --to mapped --layout trie -o brown.lmm || fail "brown to the trie layout"
  size=$(stat -c %s brown.lmm)
  ((size < 33794914)) || fail "brown's trie layout takes $size bytes, KenLM's trie 33794914"
  grams-perplexity brown.lm "$shared/corpora/brown/test.txt" > want || fail "brown perplexity"
  run grams-perplexity brown.lmm "$shared/corpora/brown/test.txt"
  cmp -s out want || fail "brown: the trie layout's perplexity differs"
  expect_out "308.8207"
fi
echo "mapped_trie: all checks passed"
