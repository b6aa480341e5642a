# SentencePiece units (issue 11, item 5): a SentencePiece model trained here
# with spm_train; counting raw text with --unit sentencepiece --sp-model
# equals counting spm_encode's output as words, byte for byte (counts text,
# the counts and model files past their headers, scores, ARPA); the counts,
# model and ARPA files carry the SentencePiece model, so scoring needs no
# other file; merging; and the errors of a missing or corrupt model and of
# the options used alone.
source "$(dirname "$0")/lib.bash"

command -v spm_train >/dev/null && command -v spm_encode >/dev/null ||
  fail "spm_train and spm_encode are needed (Debian package sentencepiece, see .ci/deps)"

# Text: Brown when the shared corpora are there, else the KJV sample.
if [[ -n ${GRAMS_SHARED_DIR:-} && -f $GRAMS_SHARED_DIR/corpora/brown/train.txt ]]; then
  head -n 10000 "$GRAMS_SHARED_DIR/corpora/brown/train.txt" > train.txt
  head -n 500 "$GRAMS_SHARED_DIR/corpora/brown/test.txt" > test.txt
  head -n 500 "$GRAMS_SHARED_DIR/corpora/brown/dev.txt" > dev.txt
else
  : "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"
  # (zstd stops on the closed pipe once head has its lines)
  { zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" 2>/dev/null || true; } | head -n 10000 > train.txt
  [[ $(wc -l < train.txt) == 10000 ]] || fail "cannot read data/kjv-train.txt.zst"
  head -n 300 "$GRAMS_SOURCE_DIR/data/kjv-test.txt" > test.txt
  tail -n +301 "$GRAMS_SOURCE_DIR/data/kjv-test.txt" > dev.txt
fi
[[ $(wc -l < test.txt) -ge 100 ]] || fail "too little test text"

# A small model, trained in seconds on a sample.
head -n 2000 train.txt > sample.txt
spm_train --input=sample.txt --model_prefix=sp --vocab_size=800 --num_threads=2 \
  --minloglevel=2 > spm_train.log 2>&1 || { cat spm_train.log >&2; fail "spm_train failed"; }
[[ -s sp.model ]] || fail "spm_train wrote no sp.model"
for f in train test dev; do spm_encode --model=sp.model < $f.txt > $f.enc; done
grep -q $'\xe2\x96\x81' train.enc || fail "spm_encode's pieces hold no U+2581"

# The bytes of a grams binary file after its header (prelude, header, CRC).
past_header() {
  python3 - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
(length,) = struct.unpack_from("<I", data, 16)
sys.stdout.buffer.write(data[20 + length + 4:])
EOF
}

# -------------------------------------------- counts: sp unit = encoded words
grams-count --order 4 --unit sentencepiece --sp-model sp.model --text train.txt > sp.text
grams-count --order 4 --text train.enc > words.text
[[ -s sp.text ]] || fail "empty counts text"
cmp sp.text words.text || fail "--unit sentencepiece counts text differs from counting spm_encode's output"
grams-count --order 4 --unit sentencepiece --sp-model sp.model --text --top 50 train.txt > sp.top
grams-count --order 4 --text --top 50 train.enc > words.top
cmp sp.top words.top || fail "key gram lists differ"

grams-count -q --order 4 --unit sentencepiece --sp-model sp.model -o sp.counts train.txt
grams-count -q --order 4 -o words.counts train.enc
past_header sp.counts > sp.counts.body
past_header words.counts > words.counts.body
cmp sp.counts.body words.counts.body || fail "counts files differ past their headers"
# The header holds the SentencePiece model, byte for byte.
python3 - sp.counts sp.model <<'EOF' || fail "the counts header does not hold the model's bytes"
import sys
data, model = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert data.find(b"\x08sp_model") > 0 and model in data
EOF

# ----------------------------------------------- models and scores are equal
grams-build -q -o sp.lm --arpa sp.arpa sp.counts
grams-build -q -o words.lm --arpa words.arpa words.counts
past_header sp.lm > sp.lm.body
past_header words.lm > words.lm.body
cmp sp.lm.body words.lm.body || fail "model files differ past their headers"

# The ARPA: the tokenizer line, the model in base64, then plain ARPA whose
# words are the pieces: the word model's file line for line.
head -1 sp.arpa | grep -q "^# grams-tokenizer: unit=sentencepiece .* sp_model=$(stat -c %s sp.model):[0-9a-f]\{8\}$" ||
  { head -2 sp.arpa >&2; fail "sp.arpa lacks its tokenizer line"; }
grep -q '^# grams-sp-model: ' sp.arpa || fail "sp.arpa does not carry the SentencePiece model"
! grep -q '^# grams-escaped-units:' sp.arpa || fail "pieces are escaped in sp.arpa"
sed '/^# grams-/d' sp.arpa | sed '1{/^$/d}' > sp.plain.arpa
cmp sp.plain.arpa words.arpa || fail "sp.arpa's n-grams differ from the word model's"
# The base64 lines decode to the model file.
sed -n 's/^# grams-sp-model: //p' sp.arpa | base64 -d > from_arpa.model
cmp from_arpa.model sp.model || fail "the # grams-sp-model: lines do not decode to sp.model"

# The scoring tools read the model from the file: delete the .model first.
mv sp.model keep.model
rm -f sp.vocab
grams-score sp.lm test.txt > sp.scores
grams-score words.lm test.enc > words.scores
cmp sp.scores words.scores || fail "grams-score: raw text with the sp model differs from encoded text with the word model"
grams-score --per-token sp.lm test.txt > sp.tokens
grams-score --per-token words.lm test.enc > words.tokens
cmp sp.tokens words.tokens || fail "grams-score --per-token differs"
grams-score sp.arpa test.txt > sp.arpa.scores
cmp sp.arpa.scores sp.scores || fail "scoring from sp.arpa differs from sp.lm"
grams-perplexity sp.lm test.txt > sp.ppl
grams-perplexity words.lm test.enc > words.ppl
# Equal numbers; only the unit's name differs.
cmp <(awk '{print $NF}' sp.ppl) <(awk '{print $NF}' words.ppl) ||
  { diff sp.ppl words.ppl >&2 || true; fail "grams-perplexity differs"; }
[[ $(wc -l < sp.ppl) -ge 5 ]] || fail "grams-perplexity printed too little"
grams-perplexity --json sp.lm test.txt > sp.ppl.json
grams-perplexity --json words.lm test.enc > words.ppl.json
cmp <(sed 's/"unit":"[a-z]*"//' sp.ppl.json) <(sed 's/"unit":"[a-z]*"//' words.ppl.json) ||
  fail "grams-perplexity --json differs"
grep -q '"unit":"sentencepiece"' sp.ppl.json || fail "perplexity JSON does not name the unit"

# ARPA -> model: the SentencePiece model survives.
grams-build -q --from-arpa sp.arpa -o back.lm
grams-score back.lm test.txt > back.scores
cmp back.scores sp.scores || fail "a model read back from sp.arpa scores differently"

# --tune on raw held-out text picks what the word model picks on encoded text.
grams-build -q --tune dev.txt -o sp.tuned.lm sp.counts 2>/dev/null
grams-build -q --tune dev.enc -o words.tuned.lm words.counts 2>/dev/null
cmp <(past_header sp.tuned.lm) <(past_header words.tuned.lm) || fail "--tune differs"
mv keep.model sp.model

# --------------------------------------------------------------- merging
head -n 5000 train.txt > part1.txt
tail -n +5001 train.txt > part2.txt
for p in part1 part2; do
  grams-count -q --order 4 --unit sentencepiece --sp-model sp.model -o $p.counts $p.txt
done
grams-count -q --merge part1.counts part2.counts -o merged.counts
cmp merged.counts sp.counts || fail "merged shard counts differ from counting all the text"
# Shards counted with different SentencePiece models do not merge; the
# message summarizes the models (length:CRC-32) instead of dumping them.
spm_train --input=sample.txt --model_prefix=other --vocab_size=500 --num_threads=2 \
  --minloglevel=2 > spm_train.log 2>&1 || { cat spm_train.log >&2; fail "spm_train failed"; }
grams-count -q --order 4 --unit sentencepiece --sp-model other.model -o other.counts part2.txt
run grams-count --merge part1.counts other.counts -o bad.counts
expect_rc 1 "merging counts of two SentencePiece models"
expect_error_line grams-count
expect_err "other.counts: counted with sp_model="
[[ $(wc -c < err) -lt 400 ]] || { show; fail "the merge error is too long"; }
no_leftovers bad.counts

# ---------------------------------------------------------------- errors
run grams-count --unit sentencepiece --text train.txt
expect_rc 2 "--unit sentencepiece without --sp-model"
expect_err "--unit sentencepiece needs --sp-model"
run grams-count --sp-model sp.model --text train.txt
expect_rc 2 "--sp-model without --unit sentencepiece"
expect_err "--sp-model applies to --unit sentencepiece only"
run grams-count --unit char --sp-model sp.model --text train.txt
expect_rc 2 "--sp-model with --unit char"
run grams-count --merge --sp-model sp.model part1.counts part2.counts -o m.counts
expect_rc 2 "--sp-model with --merge"
expect_err "cannot be given with --merge"

run grams-count --unit sentencepiece --sp-model missing.model -o x.counts train.txt
expect_rc 1 "a missing --sp-model file"
expect_error_line grams-count
expect_err "missing.model"
no_leftovers x.counts
: > empty.model
run grams-count --unit sentencepiece --sp-model empty.model -o x.counts train.txt
expect_rc 1 "an empty --sp-model file"
expect_err "empty.model: empty file"
no_leftovers x.counts
for bad in text half; do
  case $bad in
    text) cp sample.txt $bad.model ;;
    half) head -c $(($(stat -c %s sp.model) / 2)) sp.model > $bad.model ;;
  esac
  run grams-count --unit sentencepiece --sp-model $bad.model -o x.counts train.txt
  expect_rc 1 "a corrupt --sp-model file ($bad)"
  expect_error_line grams-count
  expect_err "$bad.model: not a valid SentencePiece model"
  no_leftovers x.counts
done

# A corrupt ARPA copy of the model: a base64 line lost, or a character changed.
awk '/^# grams-sp-model: / && ++n == 3 { next } { print }' sp.arpa > lost.arpa
run grams-score lost.arpa test.txt
expect_rc 1 "an ARPA file that lost a # grams-sp-model: line"
expect_err "lost.arpa:1: "
expect_err "corrupt or truncated"
awk '/^# grams-sp-model: / && ++n == 3 { $3 = ($3 ~ /^A/ ? "B" : "A") substr($3, 2) } { print }' sp.arpa > changed.arpa
cmp -s changed.arpa sp.arpa && fail "changed.arpa is unchanged"
run grams-score changed.arpa test.txt
expect_rc 1 "an ARPA file with a changed # grams-sp-model: line"
expect_err "changed.arpa:1: "

# --help and the man page name the unit and the option.
grams-count --help > help.txt
grep -q -- '--sp-model' help.txt || fail "--help lacks --sp-model"
grep -q 'sentencepiece' help.txt || fail "--help lacks the sentencepiece unit"

echo "sentencepiece: all checks passed"
