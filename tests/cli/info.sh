# grams-info on every kind of file grams reads (counts file, model file,
# mapped model, ARPA plain and compressed, KenLM binary probing and trie)
# and with every option (--json, --check, --vocab, --lookup), and its error
# cases: usage errors, missing, foreign, truncated and damaged files.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-info --json --check --vocab --lookup

K=$GRAMS_SOURCE_DIR/tests/formats/kenlm
printf 'the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n' > corpus.txt
grams-count -q --order 3 -o c.counts corpus.txt
grams-build -q -o m.lm --arpa m.arpa c.counts 2>/dev/null
grams-convert m.lm --to mapped -o m.lmm
gzip -c m.arpa > m.arpa.gz
grams-count -q --order 2 --unit char -o ch.counts corpus.txt
grams-build -q -o ch.lm ch.counts 2>/dev/null

# The summary of each kind.
summary() {  # FILE KIND_TEXT VOCAB...: the summary names the kind and vocabulary
  run grams-info "$1"
  expect_rc 0 "grams-info $1"
  expect_no_err "grams-info $1"
  expect_out "file:              $1"
  expect_out "kind:              $2"
  expect_out "vocabulary:        $3 words"
  expect_out "check:             "
}
summary c.counts "grams counts file, format version 1" 12
expect_out "sentences:         3"
expect_out "tokens:            20"
expect_out "model:             order 3: 16 n-grams"
expect_out "tokenizer:         unit=word"
summary m.lm "grams model file, format version 1" 12
expect_out "model:             smoothing mkn (interpolated)"
expect_out "info:              smoothing = mkn"
expect_out "header OK (--check reads the whole file)"
summary m.lmm "grams mapped model (probing layout), format version 1" 12
expect_out "  order 3 table:   "
grams-convert m.lm --to mapped --layout trie -o t.lmm
summary t.lmm "grams mapped model (trie layout), format version 1" 12
expect_out "  order 3 trie:    "
expect_out "model:             order 3: 16 n-grams"
summary m.arpa "ARPA model" 12
expect_out "info:              source = arpa"
expect_out "check:             OK: read and parsed whole"
summary m.arpa.gz "ARPA model" 12
summary "$K/tiny.trie-q4b6a22" "KenLM binary model (trie-quantized-compressed), format version 5" 37
expect_out "model:             order 2: 52 n-grams"
expect_out "info:              kenlm_quantization = 4 6"
expect_out "info:              kenlm_pointer_bits = 22"
expect_out "  search structure: "
summary "$K/tiny.probing" "KenLM binary model (probing), format version 5" 37
summary ch.lm "grams model file, format version 1" 16
expect_out "unit=char"
grams-info - < m.lm > out
grep -q "file:              <stdin>" out || fail "grams-info - did not read stdin"
echo "every kind described"

# --json: one object with the same facts.
for f in c.counts m.lm m.lmm m.arpa "$K/tiny.trie" "$K/tiny.probing"; do
  grams-info --json "$f" > info.json
  python3 - info.json "$f" <<'PY' || fail "grams-info --json $f"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["file"] == sys.argv[2], o
assert o["kind"] in ("counts", "model", "mapped", "arpa", "kenlm"), o
assert o["order"] == len(o["ngram_counts"]) and o["vocab_size"] > 0, o
assert o["ngram_counts"][0] == o["vocab_size"], o
assert o["tokenizer"]["unit"] == "word", o
assert isinstance(o["summary"], list) and isinstance(o["parts"], dict), o
assert o["checked"] == (o["kind"] == "arpa"), o
if o["kind"] == "counts": assert o["sentences"] == 3 and o["tokens"] == 20, o
if o["kind"] == "kenlm": assert o["format_version"] == 5 and o["info"]["source"] == "kenlm", o
PY
done
echo "--json"

# --check reads it all; a damaged section is found only then.
for f in c.counts m.lm m.lmm m.arpa "$K/tiny.trie-a22" "$K/tiny.probing"; do
  run grams-info --check "$f"
  expect_rc 0 "grams-info --check $f"
  expect_out "check:             OK: read"
done
size=$(stat -c %s m.lm)
cp m.lm flip.lm
printf '\x55' | dd of=flip.lm bs=1 seek=$((size - 22)) conv=notrunc 2>/dev/null
run grams-info flip.lm
expect_rc 0 "a damaged section, header only"
run grams-info --check flip.lm
expect_rc 1 "--check on a damaged section"
expect_error_line grams-info
expect_err "flip.lm"
cp "$K/tiny.trie" bad.trie
printf '\x99' | dd of=bad.trie bs=1 seek=$((0x98 + 8 + 8 * 5 + 7)) conv=notrunc 2>/dev/null
run grams-info --check bad.trie
expect_rc 1 "--check on a damaged KenLM trie"
expect_err "bad.trie: damaged KenLM binary"
echo "--check"

# --vocab: every word, in id order; escaped for non-word units.
grams-info --vocab m.lm > vocab.lm
[[ $(head -3 vocab.lm | tr '\n' ' ') == "<unk> <s> </s> " ]] || fail "--vocab does not start with the reserved words"
[[ $(wc -l < vocab.lm) == 12 ]] || fail "--vocab of m.lm: $(wc -l < vocab.lm) words, expected 12"
for f in c.counts m.lmm m.arpa; do
  grams-info --vocab $f | cmp - vocab.lm || fail "--vocab $f differs from the model's"
done
grams-info --vocab "$K/tiny.trie" > vocab.kenlm
[[ $(wc -l < vocab.kenlm) == 37 ]] || fail "--vocab of a KenLM binary"
grep -qx "biarritz" vocab.kenlm || fail "--vocab of a KenLM binary lacks biarritz"
grams-info --vocab "$K/tiny.probing" | sort > v1
sort vocab.kenlm > v2
cmp v1 v2 || fail "the probing and trie binaries' vocabularies differ"
grams-info --vocab ch.lm | grep -qx "<sp>" || fail "--vocab of a char model does not escape the space"
grams-info --vocab --json m.lm > vocab.json
python3 -c 'import json,sys; v=json.load(open("vocab.json")); assert v[:3]==["<unk>","<s>","</s>"] and len(v)==12, v'
echo "--vocab"

# --lookup: a model's log10 p and backoff, a counts file's count.
run grams-info --lookup "sat on" c.counts
expect_rc 0 "--lookup in counts"
[[ $(cat out) == $'sat on\t2' ]] || { show; fail "--lookup 'sat on' in c.counts"; }
want=$(grep -P "\tsat on\t" m.arpa)
for f in m.lm m.lmm m.arpa m.arpa.gz; do
  run grams-info --lookup "sat on" $f
  expect_rc 0 "--lookup in $f"
  [[ $(cat out) == "$want" ]] || { show; fail "--lookup 'sat on' in $f: expected the ARPA line '$want'"; }
done
run grams-info --lookup "looking on a little more" "$K/tiny.trie-q8b8"
expect_rc 0 "--lookup a 5-gram of a KenLM binary"
expect_out $'\tlooking on a little more\t0'
run grams-info --json --lookup "on the" m.lm
expect_rc 0 "--json --lookup"
python3 -c 'import json; o=json.load(open("out")); assert o["found"] and o["ngram"]=="on the" and o["log10prob"]<0, o'
run grams-info --json --lookup "the cat" c.counts
python3 -c 'import json; o=json.load(open("out")); assert o=={"ngram":"the cat","found":True,"count":1}, o'
run grams-info --lookup "<sp> c" ch.lm
expect_rc 0 "--lookup an escaped unit"
expect_out $'\t<sp> c\t'
# Through standard input: the file is read once.
for f in c.counts m.lm m.arpa "$K/tiny.probing"; do
  grams-info --lookup "the" - < "$f" > from_stdin || fail "--lookup from standard input ($f)"
  grams-info --lookup "the" "$f" | cmp - from_stdin || fail "--lookup from standard input differs ($f)"
done
grams-info --check - < c.counts | grep -q "check:             OK: read whole" || fail "--check from standard input"
run grams-info --lookup "mat sat" m.lm
expect_rc 1 "--lookup of an absent n-gram"
expect_err 'm.lm: 2-gram "mat sat" not found'
[[ ! -s out ]] || fail "an absent n-gram printed something"
run grams-info --json --lookup "zzz" m.lm
expect_rc 1 "--json --lookup of an absent word"
python3 -c 'import json; o=json.load(open("out")); assert o=={"ngram":"zzz","found":False}, o'
run grams-info --lookup "a b c d" m.lm
expect_rc 1 "--lookup longer than the order"
expect_err "longer than the file's order, 3"
echo "--lookup"

# Errors.
run grams-info
expect_rc 2 "no FILE"
expect_err "missing FILE"
run grams-info --vocab --lookup "a" m.lm
expect_rc 2 "two questions"
run grams-info --check --vocab m.lm
expect_rc 2 "--check with --vocab"
run grams-info --lookup "" m.lm
expect_rc 2 "an empty --lookup"
run grams-info no-such-file
expect_rc 1 "a missing file"
expect_error_line grams-info
expect_err "no-such-file: no such file"
run grams-info corpus.txt
expect_rc 1 "a text file"
expect_err "corpus.txt:3: no \\data\\ line: not an ARPA file"
head -c $(( $(stat -c %s m.lm) / 2 )) m.lm > cut.lm
run grams-info --check cut.lm
expect_rc 1 "a truncated model"
expect_err "cut.lm: unexpected end of file (truncated?)"
head -c 1000 m.lmm > cut.lmm
run grams-info cut.lmm
expect_rc 1 "a truncated mapped model"
expect_err "cut.lmm: truncated"
head -c 1000 "$K/tiny.trie" > cut.bin
run grams-info cut.bin
expect_rc 1 "a truncated KenLM binary"
expect_err "cut.bin: truncated KenLM binary"
run grams-info .
expect_rc 1 "a directory"
expect_err "is a directory"
echo "info: all checks passed"
