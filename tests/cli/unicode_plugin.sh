#!/usr/bin/env bash
# The Unicode plugin (lib/tokenize/unicode_plugin.h): the tools do not link
# ICU or SentencePiece (a process that scores a word model does not pay for
# loading them); the settings that need them (normalization, case folding,
# grapheme and segment units, sentencepiece) open libgrams_unicode.so, found
# from the tool's own directory; without it those settings fail with an
# error that names the plugin and GRAMS_UNICODE_PLUGIN, and everything else
# works as before; GRAMS_UNICODE_PLUGIN names another place for it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

plugin=$(cd "$GRAMS_BIN/../lib/grams" 2>/dev/null && pwd)/libgrams_unicode.so
[[ -f $plugin ]] || fail "the plugin is not at $GRAMS_BIN/../lib/grams/libgrams_unicode.so"

# No tool loads ICU or SentencePiece by itself. (ldd's output goes to a file
# first: grep -q could end the pipe early.)
for tool in grams-count grams-build grams-score grams-perplexity grams-convert; do
  ldd "$GRAMS_BIN/$tool" > ldd.txt
  if grep -E "libicu|libsentencepiece" ldd.txt; then fail "$tool links ICU or SentencePiece"; fi
done
ldd "$plugin" > ldd.txt
grep -q libicuuc ldd.txt || fail "the plugin does not link ICU"
grep -q libsentencepiece ldd.txt || fail "the plugin does not link SentencePiece"

printf 'Ça été une très belle journée\nÉcole, ÉCOLE et école\n' > fr.txt
write_tiny_corpus train.txt

# With the plugin where the tools find it: normalization, case folding and
# grapheme units work, and give what the same settings gave before.
run grams-count --order 2 --unit grapheme --normalize nfc --case-fold fr.txt --text
expect_rc 0 "count --unit grapheme --normalize nfc --case-fold"
grep -q "^é	" out || { show; fail "no folded, normalized grapheme 'é' in the counts"; }
cp out with_plugin.txt

# Without it (GRAMS_UNICODE_PLUGIN names a file that is not there): word,
# byte and char units still count and score; the others fail, clearly.
export GRAMS_UNICODE_PLUGIN=$SCRATCH/nowhere/libgrams_unicode.so
for unit in word byte char; do
  run grams-count --order 3 --unit "$unit" train.txt -o "$unit.counts"
  expect_rc 0 "count --unit $unit without the plugin"
  run grams-build "$unit.counts" -o "$unit.lm"
  expect_rc 0 "build --unit $unit without the plugin"
  run grams-score "$unit.lm" train.txt
  expect_rc 0 "score --unit $unit without the plugin"
done
run grams-count --order 2 --unit grapheme fr.txt --text
expect_rc 1 "count --unit grapheme without the plugin"
expect_error_line grams-count
expect_err "libgrams_unicode.so"
expect_err "GRAMS_UNICODE_PLUGIN"
run grams-count --order 2 --case-fold fr.txt --text
expect_rc 1 "count --case-fold without the plugin"
expect_err "libgrams_unicode.so"
# A model whose settings need it: scoring fails the same way, loading does not.
unset GRAMS_UNICODE_PLUGIN
run grams-count --order 2 --normalize nfkc fr.txt -o nfkc.counts
expect_rc 0 "count --normalize nfkc"
run grams-build nfkc.counts -o nfkc.lm
expect_rc 0 "build of an nfkc model"
GRAMS_UNICODE_PLUGIN=$SCRATCH/nowhere.so run grams-score nfkc.lm fr.txt
expect_rc 1 "score an nfkc model without the plugin"
expect_err "libgrams_unicode.so"

# Named explicitly, from elsewhere, it is used.
mkdir -p elsewhere
cp "$plugin" elsewhere/
GRAMS_UNICODE_PLUGIN=$SCRATCH/elsewhere/libgrams_unicode.so \
  run grams-count --order 2 --unit grapheme --normalize nfc --case-fold fr.txt --text
expect_rc 0 "count with GRAMS_UNICODE_PLUGIN"
cmp -s out with_plugin.txt || fail "the plugin named by GRAMS_UNICODE_PLUGIN counts otherwise"
# Something that is not the plugin is refused with the reason.
printf 'not a library\n' > elsewhere/fake.so
GRAMS_UNICODE_PLUGIN=$SCRATCH/elsewhere/fake.so run grams-count --order 2 --unit segment fr.txt --text
expect_rc 1 "count with a fake plugin"
expect_err "fake.so"
echo "PASS"
