# The papercuts of issue 12 a new user hits: Katz leaving words without
# probability, MODEL and FILE swapped, binary files given as text, IRSTLM's
# positive log probabilities, <s> and </s> in the training text.
source "$(dirname "$0")/lib.bash"

write_tiny_corpus corpus.txt
grams-count --order 3 -o c.counts corpus.txt

# --- Katz: every word of the vocabulary and <unk> get a non-zero probability
# in every context (SRILM's "incrementing denominator" when a context's seen
# words keep all its mass), and the model and its ARPA agree.
grams-build --smoothing katz -o k.lm --arpa k.arpa c.counts 2>/dev/null
words=$(cut -f1 <(grams-count --order 1 --text corpus.txt) | grep -v '^<') 
words="$words zebra"  # an OOV: <unk>
: > pairs.txt
for a in $words; do
  for b in $words; do
    echo "$a $b" >> pairs.txt
    for c in the cat zebra; do echo "$a $b $c" >> pairs.txt; done
  done
done
run grams-score --per-token k.lm pairs.txt
expect_rc 0 "katz per-token"
! grep -qi 'inf' out || { grep -i inf out | head -3; fail "katz gave a word probability 0"; }
run grams-perplexity --json k.lm pairs.txt
expect_rc 0 "katz perplexity (model)"
cp out ppl_model.json
! grep -qi 'inf' out || fail "katz perplexity is infinite: $(cat out)"
run grams-perplexity --json k.arpa pairs.txt
expect_rc 0 "katz perplexity (ARPA)"
ppl_arpa=$(grep -o '"perplexity":[^,]*' out)
ppl_model=$(grep -o '"perplexity":[^,]*' ppl_model.json)
[[ -n $ppl_model && $ppl_model == "$ppl_arpa" ]] ||
  fail "katz: model and its ARPA disagree: $ppl_model vs $ppl_arpa"
# The unigram <unk> got mass of its own (written as a finite log10 probability).
grep -qP '^-[0-9.]+\t<unk>' k.arpa || fail "katz: <unk> has no probability in the ARPA"

# --- MODEL and FILE swapped: a clear error, fast, naming the order.
big=big.txt
for _ in $(seq 3000); do cat corpus.txt; done > "$big"  # ~600 KB of text
for tool in grams-score grams-perplexity; do
  run "$tool" "$big" k.lm
  expect_rc 1 "$tool FILE MODEL"
  expect_error_line "$tool"
  expect_err "looks like text"
  expect_err "MODEL [FILE...]"
  # Stopped within the first 64 KiB of text, not at the end of the file.
  expect_err "in the first 65536 bytes"
done
# A short text file: still says it looks like text.
run grams-perplexity corpus.txt k.lm
expect_rc 1 "short text as MODEL"
expect_err "looks like text"

# --- Binary files given to grams-count as text are refused, naming them.
run grams-count --text c.counts
expect_rc 1 "counts file as text"
expect_error_line grams-count
expect_err "c.counts: is a grams counts file"
run grams-count --text k.lm
expect_rc 1 "model file as text"
expect_err "k.lm: is a grams model file"
grams-convert --to mapped k.lm -o k.lmm
run grams-count --text k.lmm
expect_rc 1 "mapped model as text"
expect_err "is a mapped grams model"
K=$GRAMS_SOURCE_DIR/tests/formats/kenlm
run grams-count --text "$K/tiny.probing"
expect_rc 1 "KenLM binary as text"
expect_err "is a KenLM binary model"
run grams-count --text - < "$K/tiny.trie"
expect_rc 1 "KenLM binary on stdin"
expect_err "is a KenLM binary model"
# ... and to the scorers as the text to score (the same reader of text).
run grams-perplexity k.lm k.lmm
expect_rc 1 "mapped model as text to score"
expect_error_line grams-perplexity
expect_err "k.lmm: is a mapped grams model, not text to score"
run grams-score k.lm - < "$K/tiny.probing"
expect_rc 1 "KenLM binary as text to score"
expect_err "is a KenLM binary model, not text to score"
# Other binary-looking input: counted, with one warning.
printf 'a\0b c\nd\0e\n' > nul.txt
run grams-count --unit char --text nul.txt
expect_rc 0 "NUL bytes"
[[ $(grep -c 'warning: .*NUL byte' err) == 1 ]] || { show; fail "expected one NUL warning"; }
expect_err "nul.txt:1:"
# grams-build --from-arpa given a KenLM binary or a model file: says what it is.
run grams-build --from-arpa "$K/tiny.probing" -o x.lm
expect_rc 1 "--from-arpa KenLM binary"
expect_error_line grams-build
expect_err "is a KenLM binary model, not ARPA"
expect_err "grams-convert"
run grams-build --from-arpa k.lm -o x.lm
expect_rc 1 "--from-arpa model file"
expect_err "is already a grams model file"
no_leftovers x.lm

# --- IRSTLM's positive log probabilities: an error naming --lenient-arpa,
# or with it clamped to 0 with one warning (count and largest value).
sed -e 's/^-[0-9.]*\(\t<unk>\)/1.76602e-07\1/' \
    -e '0,/^-[0-9.]*\tcat\t/s/^-[0-9.]*\(\tcat\t\)/3e-08\1/' k.arpa > irst.arpa
[[ $(grep -c $'^[0-9.]*e-0[78]\t' irst.arpa) == 2 ]] || fail "irst.arpa not as planned"
run grams-build --from-arpa irst.arpa -o irst.lm
expect_rc 1 "positive log probability"
expect_err "positive log probability"
expect_err "--lenient-arpa"
no_leftovers irst.lm
run grams-build --from-arpa irst.arpa --lenient-arpa -o irst.lm
expect_rc 0 "--lenient-arpa"
[[ $(grep -c 'warning: .*clamped' err) == 1 ]] || { show; fail "expected one clamp warning"; }
expect_err "clamped 2 positive log probabilities to 0"
expect_err "the largest was 1.76602e-07"
for tool in grams-score grams-perplexity; do
  run "$tool" irst.arpa corpus.txt
  expect_rc 1 "$tool positive log probability"
  expect_err "--lenient-arpa"
  run "$tool" --lenient-arpa irst.arpa corpus.txt
  expect_rc 0 "$tool --lenient-arpa"
  expect_err "clamped 2 positive"
done
run grams-convert --lenient-arpa irst.arpa --to model -o irst2.lm
expect_rc 0 "grams-convert --lenient-arpa"
expect_err "clamped 2 positive"
run grams-convert irst.arpa --to model -o irst3.lm
expect_rc 1 "grams-convert without --lenient-arpa"
expect_err "--lenient-arpa"
run grams-build --lenient-arpa c.counts -o y.lm
expect_rc 2 "--lenient-arpa without --from-arpa"

# --- <s> and </s> in the training text: an error naming --skip-markers, or
# skipped as whitespace with it (lmplz's --skip_symbols).
printf 'the <s> cat </s> sat\nthe cat sat\n' > marked.txt
printf 'the cat sat\nthe cat sat\n' > plain.txt
run grams-count --text marked.txt
expect_rc 1 "markers in the text"
expect_err "marked.txt:1:"
expect_err "--skip-markers"
run grams-count --text --skip-markers marked.txt
expect_rc 0 "--skip-markers"
cp out skipped.txt
grams-count --text plain.txt > plain.counts.txt
diff skipped.txt plain.counts.txt || fail "--skip-markers does not count as if the markers were whitespace"

echo "papercuts: all checks passed"
