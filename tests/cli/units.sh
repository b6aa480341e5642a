# Units through the tools (issue 3): --unit byte|char|grapheme|segment,
# --normalize, --case-fold, --boundaries none, --invalid; settings carried
# from counts to model to scoring; escaped units in ARPA and --text output;
# key gram lists; high orders; bits per character.
source "$(dirname "$0")/lib.bash"

# Training text: ASCII English, no tabs.
if [[ -n ${GRAMS_SHARED_DIR:-} && -f $GRAMS_SHARED_DIR/corpora/brown/train.txt ]]; then
  head -n 300 "$GRAMS_SHARED_DIR/corpora/brown/train.txt" | tr '\t' ' ' > english.txt
else
  for i in 1 2 3 4 5 6 7 8; do
    cat >> english.txt <<'EOF'
The quick brown fox jumps over the lazy dog.
Pack my box with five dozen liquor jugs!
How vexingly quick daft zebras jump; the five boxing wizards jump quickly.
Sphinx of black quartz, judge my vow.
EOF
  done
fi

# ------------------------------------------------ char/byte = spaced words
# The char model's space unit needs a stand-in in the word model: '_'.
tr ' ' '_' < english.txt > plain.txt
sed 's/./& /g; s/ $//' plain.txt > spaced.txt
grams-count --order 5 spaced.txt 2>/dev/null | grams-build --arpa word.arpa 2>/dev/null
for unit in char byte; do
  grams-count --unit "$unit" --order 5 plain.txt | grams-build --arpa "$unit.arpa" 2>/dev/null
  # A non-word model's ARPA starts with "# grams-..." comment lines.
  head -1 "$unit.arpa" | grep -q "^# grams-tokenizer: unit=$unit " || fail "$unit.arpa lacks its tokenizer line"
  sed '/^# grams-/d' "$unit.arpa" | sed '1{/^$/d}' > "$unit.plain.arpa"
  cmp -s "$unit.plain.arpa" word.arpa ||
    fail "--unit $unit model differs from the word model of the spaced-out characters"
done

# ---------------------------------------- settings: counts -> model -> score
printf 'the cat sat\nThe dog sat\nA CAT ran\n' > mixed.txt
grams-count --case-fold --order 3 mixed.txt 2>/dev/null | grams-build -o fold.lm 2>/dev/null
printf 'the cat sat\nThe Cat Sat\nTHE CAT SAT\n' | grams-score fold.lm > fold.scores
[[ $(cut -f1-3 fold.scores | sort -u | wc -l) == 1 ]] ||
  { cat fold.scores >&2; fail "a --case-fold model scores 'The' and 'the' differently"; }
grep -q $'\t4\t0$' fold.scores || { cat fold.scores >&2; fail "case-folded words were OOVs"; }
grams-count --order 3 mixed.txt 2>/dev/null | grams-build -o nofold.lm 2>/dev/null
printf 'the cat sat\nTHE CAT SAT\n' | grams-score nofold.lm > nofold.scores
[[ $(cut -f1 nofold.scores | sort -u | wc -l) == 2 ]] || fail "without --case-fold, case matters"

printf 'fish finds fine figs\nfifty\n' > fi.txt
grams-count --unit char --normalize nfkc --order 3 fi.txt 2>/dev/null | grams-build -o nfkc.lm 2>/dev/null
printf 'fish\n\xef\xac\x81sh\n' | grams-score nfkc.lm > nfkc.scores
[[ $(sort -u nfkc.scores | wc -l) == 1 ]] || { cat nfkc.scores >&2; fail "an nfkc model does not treat the ligature like 'fi'"; }
grep -q $'\t5\t0$' nfkc.scores || { cat nfkc.scores >&2; fail "nfkc: expected 4 chars + </s>, no OOV"; }
printf 'fish\n\xef\xac\x81sh\n' | grams-perplexity --json nfkc.lm > nfkc.json
python3 - nfkc.json <<'EOF' || fail "nfkc perplexity"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["unit"] == "char" and p["words"] == 8 and p["oovs"] == 0, p
EOF

# A model through ARPA and back keeps its numbers (the settings themselves
# live in grams files only).
grams-count --unit char --order 3 fi.txt 2>/dev/null | grams-build -o fi.lm --arpa fi.arpa 2>/dev/null
grams-build --from-arpa fi.arpa --arpa fi2.arpa
cmp -s fi.arpa fi2.arpa || fail "ARPA -> grams-build --from-arpa -> ARPA changed the model"

# ------------------------------------------------------- escaped units
# Bytes that are whitespace, controls, not UTF-8, or look like escapes.
printf 'ab\0c d\te\xff\xfe<0x41>\x7f<sp>\n\n<b> \xc3\xa9\x01\r\nx' > raw.bin
grams-count --unit byte --boundaries none --order 4 raw.bin | grams-build --arpa raw.arpa -o raw.lm 2>/dev/null
# Well formed: every n-gram line has the right number of space-separated
# units, and nothing but printable UTF-8.
awk -F'\t' '
  /^\\[0-9]+-grams:$/ { n = substr($0, 2) + 0; next }
  n > 0 && NF >= 2 { if (split($2, u, " ") != n) { print "bad line: " $0; bad = 1 } }
  END { exit bad }' raw.arpa || fail "raw.arpa: an n-gram line has the wrong number of units"
python3 - raw.arpa <<'EOF' || fail "raw.arpa is not printable UTF-8"
import sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")
assert all(c in "\t\n" or ord(c) >= 0x20 and c != "\x7f" for c in text)
for unit in ("<0x00>", "<0x0A>", "<0x09>", "<sp>", "<0xFF>", "<0xFE>", "<0x7F>", "<0x01>"):
    assert ("\t" + unit + "\t") in text or (" " + unit) in text or ("\t" + unit + " ") in text, unit
EOF
grams-build --from-arpa raw.arpa -o raw2.lm --arpa raw2.arpa
cmp -s raw.arpa raw2.arpa || fail "escaped units did not survive ARPA -> model -> ARPA"
grams-build --from-arpa raw2.arpa --arpa raw3.arpa
cmp -s raw.arpa raw3.arpa || fail "escaped units did not survive ARPA -> ARPA"

# Words that look like escapes, in word mode.
printf '<b> <0x41> <sp> a<0x20>b\n<0x0A> <sp> <b>\n' > tricky.txt
grams-count --order 2 tricky.txt | grams-build --arpa tricky.arpa 2>/dev/null
grams-build --from-arpa tricky.arpa --arpa tricky2.arpa
cmp -s tricky.arpa tricky2.arpa || fail "word units that look like escapes did not survive ARPA"
grams-count --order 1 --text tricky.txt > tricky.counts
# Word units are printed as they are (no escapes), as KenLM and SRILM print them.
grep -qx $'<b>\t2' tricky.counts || { cat tricky.counts >&2; fail "<b> not printed as is"; }
grep -qx $'<sp>\t2' tricky.counts || { cat tricky.counts >&2; fail "<sp> not printed as is"; }
head -1 tricky.arpa | grep -qx '\\data\\' || fail "a word model's ARPA must start with \\data\\"
grep -q $'\t<0x41>\t' tricky.arpa || fail "the word <0x41> should be written as is in the ARPA" 

# --text output escapes too.
grams-count --unit byte --boundaries none --order 2 --text raw.bin > raw.counts
grep -qx $'<0x00>\t1' raw.counts || fail "NUL byte not counted as <0x00>"
grep -qx $'<0x0A>\t3' raw.counts || { cat raw.counts >&2; fail "newline units not counted as <0x0A>"; }
grep -qx $'<0x0A> <0x0A>\t1' raw.counts || fail "empty line: <0x0A> <0x0A> missing"
grep -q $'^<0x0D>' raw.counts && fail "the \\r of a CRLF line end was counted"

# grams-score --per-token writes escaped units; JSON writes them as JSON strings.
printf 'a b\n' > ab.txt
grams-count --unit char --order 2 ab.txt 2>/dev/null | grams-build -o ab.lm 2>/dev/null
printf 'a b\n' | grams-score --per-token ab.lm > ab.scores
grep -q $'\ta=[^\t]*\t<sp>=[^\t]*\tb=[^\t]*\t</s>=' ab.scores || { cat ab.scores >&2; fail "--per-token: unit ' ' not written <sp>"; }
printf 'a b\n' | grams-score --json --per-token ab.lm > ab.json
check_json_lines ab.json
grep -qF '{"token":" "' ab.json || { cat ab.json >&2; fail "--json --per-token: space unit"; }

# ------------------------------------------------ segments and graphemes
printf '我喜欢学习中文。\n日本語を勉強しています。\nฉันชอบเรียนภาษาไทย\n' > cjk.txt
grams-count --unit segment --order 1 --text cjk.txt > cjk.counts
for word in 学习 中文 日本語 勉強 ภาษา; do
  grep -qx "$word"$'\t1' cjk.counts || { cat cjk.counts >&2; fail "segment: '$word' is not a unit"; }
done
grep -qx $'学\t1' cjk.counts && fail "segment: Chinese split into characters"
grep -qx $'。\t2' cjk.counts || fail "segment: punctuation not kept"

# 👨‍👩‍👧, e + U+0301, 한 from conjoining jamo: one unit each.
printf '\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 e\xcc\x81 \xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab\n' > g.txt
grams-count --unit grapheme --order 1 --text g.txt > g.counts
[[ $(grep -vc '^<' g.counts) == 3 ]] || { cat g.counts >&2; fail "grapheme: expected 3 clusters"; }
grep -qx $'<sp>\t2' g.counts || fail "grapheme: spaces"
printf 'e\xcc\x81\n\xc3\xa9\n' > nfc.txt
grams-count --unit char --normalize nfc --order 1 --text nfc.txt > nfc.counts
grep -qx $'\xc3\xa9\t2' nfc.counts || { cat nfc.counts >&2; fail "--normalize nfc: e + U+0301 is not é"; }

# ------------------------------------------------------- invalid UTF-8
printf 'ok\nab\xc3\xa9\xffcd\n' > bad.txt
run grams-count --unit char -o bad.counts bad.txt
expect_rc 1 "invalid UTF-8"
expect_error_line grams-count
expect_err "bad.txt:2: byte offset 7: invalid UTF-8"
expect_err "--invalid"
no_leftovers bad.counts
run grams-count --unit char --invalid replace --order 1 --text bad.txt
expect_rc 0 "--invalid replace"
grep -qx $'\xef\xbf\xbd\t1' out || { show; fail "--invalid replace: no U+FFFD"; }
run grams-count --unit char --invalid skip --order 2 --text bad.txt
expect_rc 0 "--invalid skip"
grep -qx $'\xc3\xa9 c\t1' out || { show; fail "--invalid skip: the bad byte was not dropped"; }
run grams-count --unit byte --order 1 --text bad.txt
expect_rc 0 "byte units accept any input"
grep -qx $'<0xFF>\t1' out || { show; fail "byte 0xFF not counted"; }
# Scoring applies the model's setting; the error names file and line.
grams-count --unit char --order 2 english.txt | grams-build -o en.lm 2>/dev/null
run grams-score en.lm bad.txt
expect_rc 1 "scoring invalid UTF-8"
expect_err "bad.txt:2:"
expect_err "invalid UTF-8"
run grams-perplexity en.lm bad.txt
expect_rc 1 "perplexity of invalid UTF-8"
expect_error_line grams-perplexity
expect_err "bad.txt:2:"

# BOM and CRLF: not counted.
printf 'ab c\n\nd\n' > lf.txt
printf '\xef\xbb\xbfab c\n\nd\n' > bom.txt
printf 'ab c\r\n\r\nd\r\n' > crlf.txt
for unit in word byte char grapheme segment; do
  for b in line none; do
    grams-count --unit $unit --boundaries $b --order 3 --text lf.txt > lf.counts
    grams-count --unit $unit --boundaries $b --order 3 --text bom.txt > bom.counts
    grams-count --unit $unit --boundaries $b --order 3 --text crlf.txt > crlf.counts
    cmp -s lf.counts bom.counts || fail "--unit $unit --boundaries $b: a BOM changed the counts"
    cmp -s lf.counts crlf.counts || fail "--unit $unit --boundaries $b: CRLF counts differ from LF"
  done
done
# No final newline: the same sentences (line mode).
printf 'ab c\n\nd' > nofinal.txt
grams-count --unit char --order 3 --text nofinal.txt > nofinal.counts
grams-count --unit char --order 3 --text lf.txt > lf.counts
cmp -s lf.counts nofinal.counts || fail "a missing final newline changed the counts"

# -------------------------------------------------- --boundaries none
printf 'a\nb\n' > ab2.txt
for unit in byte char grapheme; do
  grams-count --unit $unit --boundaries none --order 3 --text ab2.txt > s.counts
  grep -qx $'a <0x0A> b\t1' s.counts || { cat s.counts >&2; fail "--unit $unit --boundaries none: no 'a \\n b' window"; }
  grep -qx $'<s>\t1' s.counts || fail "--boundaries none: more than one <s>"
done
grams-count --unit char --order 3 --text ab2.txt > l.counts
grep -q '<0x0A>' l.counts && fail "--boundaries line: newline counted as a unit"
# Unigram counts of a stream sum to its units plus <s> and </s>; a long
# stream (several counting batches) counts as its pieces concatenated.
for i in $(seq 1 3000); do echo "line $i of the stream, abc"; done > long.txt
grams-count --unit byte --boundaries none --order 1 --text long.txt > long1.counts
awk -F'\t' -v want=$(( $(wc -c < long.txt) + 2 )) '{ s += $2 } END { exit s != want }' long1.counts ||
  fail "stream unigram counts do not sum to bytes + 2"
head -n 1500 long.txt > long_a.txt
tail -n +1501 long.txt > long_b.txt
grams-count --unit byte --boundaries none --order 4 --text long.txt > long.counts
grams-count --unit byte --boundaries none --order 4 --text long_a.txt long_b.txt > long_ab.counts
cmp -s long.counts long_ab.counts || fail "a stream over two files differs from one file"

# Scoring a stream: one </s> at the end; per-line scores sum to the total
# without it.
grams-count --unit char --boundaries none --order 4 english.txt | grams-build -o stream.lm 2>/dev/null
head -n 20 english.txt > part.txt
grams-perplexity --json stream.lm part.txt > stream.json
grams-score --json --per-token stream.lm part.txt > stream.jsonl
check_json_lines stream.jsonl
python3 - stream.json stream.jsonl part.txt <<'EOF' || fail "stream scoring inconsistent"
import json, sys
p = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2])]
text = open(sys.argv[3], encoding="utf-8").read()
assert p["sentences"] == 1 and p["words"] == len(text), (p, len(text))
assert len(lines) == text.count("\n")
assert sum(l["tokens"] for l in lines) == len(text)
assert all(l["tokens_detail"][-1]["token"] == "\n" for l in lines)
score_total = sum(l["log10prob"] for l in lines)
assert p["log10prob"] < score_total  # the stream's </s> is the difference
assert abs(p["bits_per_token"] - (-p["log10prob"] / p["tokens"] * 3.321928094887362)) < 1e-9
EOF

# ------------------------------------ Kneser-Ney on few distinct units
printf 'abababababab\nbababa\naaaa\n' > few.txt
run sh -c 'grams-count --unit char --order 6 few.txt | grams-build -o few.lm'
expect_rc 0 "few distinct characters"
expect_err "fallback"
# Order 1 of an alphabet falls back as expected, without a warning; the
# higher orders (a handful of n-grams) are warned about.
grep -q "discounts of order 1 " err && { show; fail "the expected order-1 fallback was warned about"; }
run grams-perplexity few.lm few.txt
expect_rc 0 "perplexity of the few-characters model"

# ------------------------------------------------------------ high orders
prev=
for order in 2 4 6 10 12; do
  grams-count --unit char --order $order english.txt | grams-build -o o$order.lm 2>/dev/null
  grams-perplexity --json o$order.lm english.txt > o$order.json
  ppl=$(python3 -c 'import json,sys,math; p=json.load(open(sys.argv[1])); assert math.isfinite(p["perplexity"]) and p["perplexity"] > 1; print(p["perplexity"])' o$order.json) ||
    fail "order $order: no finite perplexity"
  if [[ -n $prev && $order -le 6 ]]; then
    python3 -c "import sys; sys.exit(not $ppl < $prev)" || fail "order $order: perplexity $ppl not below $prev"
  fi
  prev=$ppl
done
python3 - o2.json o10.json o12.json <<'EOF' || fail "orders 10 and 12 do not beat order 2 on the training text"
import json, sys
p2, p10, p12 = (json.load(open(f))["perplexity"] for f in sys.argv[1:])
assert p10 < p2 and p12 < p2, (p2, p10, p12)
EOF
printf 'The quick brown fox\n' | grams-score o12.lm > o12.scores
grep -qE $'^-[0-9.]+\t20\t0$' o12.scores || { cat o12.scores >&2; fail "12-gram char model: scoring"; }

# ------------------------------------------------------ key gram lists
grams-count --unit char --order 3 --text english.txt > all.counts
run grams-count --unit char --order 3 --top 5 --text english.txt
expect_rc 0 "--top 5"
cp out top5.counts
python3 - top5.counts all.counts <<'EOF' || fail "--top 5 is not the 5 most frequent per order"
import sys
def read(f):
    out = []
    for line in open(f, encoding="utf-8"):
        gram, count = line.rstrip("\n").split("\t")
        out.append((len(gram.split(" ")), gram, int(count)))
    return out
top, full = read(sys.argv[1]), read(sys.argv[2])
assert [t[0] for t in top] == [1] * 5 + [2] * 5 + [3] * 5, top
for n in (1, 2, 3):
    want = sorted((t for t in full if t[0] == n), key=lambda t: -t[2])[:5]  # stable: ties in trie order
    got = [t for t in top if t[0] == n]
    assert got == want, (got, want)
    assert all(got[i][2] >= got[i + 1][2] for i in range(4))
EOF
run grams-count --unit char --order 3 --min-count 50 --text english.txt
expect_rc 0 "--min-count 50"
awk -F'\t' '$2 < 50 { exit 1 }' out || fail "--min-count 50 kept a rarer n-gram"
[[ $(wc -l < out) == $(awk -F'\t' '$2 >= 50' all.counts | wc -l) ]] || fail "--min-count 50 dropped n-grams"
# --min-count 1 is the whole list sorted by count (the key gram list of
# everything seen), not the trie order of plain --text.
run grams-count --unit char --order 2 --min-count 1 --text english.txt
python3 - out <<'EOF' || fail "--min-count 1 is not sorted by count within each order"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
for a, b in zip(rows, rows[1:]):
    if len(a[0].split(" ")) == len(b[0].split(" ")):
        assert int(a[1]) >= int(b[1]), (a, b)
EOF

# ------------------------------------------------- bits per char/byte
for unit in char byte word; do
  grams-count --unit $unit --order 3 english.txt | grams-build -o bits.lm 2>/dev/null
  grams-perplexity --json bits.lm english.txt > bits.json
  python3 - bits.json $unit <<'EOF' || fail "--unit $unit: bits_per_token != log2(perplexity)"
import json, math, sys
p = json.load(open(sys.argv[1]))
assert p["unit"] == sys.argv[2], p
assert abs(p["bits_per_token"] - math.log2(p["perplexity"])) <= 1e-9, p
EOF
  grams-perplexity bits.lm english.txt > bits.txt
  grep -q "^bits per $unit: *[0-9]" bits.txt || { cat bits.txt >&2; fail "no 'bits per $unit:' line"; }
  grep -q "^${unit}s: *[0-9]" bits.txt || { cat bits.txt >&2; fail "no '${unit}s:' line"; }
done

echo "units: all checks passed"
