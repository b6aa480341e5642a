# grams-perplexity: options, errors, text and JSON reports, definitions.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-perplexity --json

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null
printf 'the cat sat on the mat\nthe zebra sat\na dog ate the fish\n' > test.txt

run grams-perplexity
expect_rc 2 "no MODEL"
expect_err "try --help"
run grams-perplexity no-such.lm test.txt
expect_rc 1 "missing model"
expect_error_line grams-perplexity
expect_err "no-such.lm"
run grams-perplexity m.lm test.txt no-such.txt
expect_rc 1 "missing input"
expect_error_line grams-perplexity
expect_err "no-such.txt"
[[ ! -s out ]] || fail "a report was printed despite the error"

# The text report names every figure.
run grams-perplexity m.lm test.txt
expect_rc 0 "text report"
expect_no_err "text report"
for label in "sentences:" "words:" "OOVs:" "tokens" "total log10 probability:" \
    "perplexity including OOVs:" "perplexity excluding OOVs:" "SRILM ppl1:"; do
  expect_out "$label"
done
# SRILM's ppl is the "excluding OOVs" figure (one formula): printed once.
grep -q '^SRILM ppl:' out && { show; fail "the report prints SRILM ppl beside the same number"; }
grep -qF "also SRILM's ppl" <(grams-perplexity --help) || fail "--help does not say SRILM ppl is printed once"
grep -q '^sentences: *3$' out || { show; fail "sentences != 3"; }
grep -q '^words: *14$' out || { show; fail "words != 14"; }
grep -q '^OOVs: *1$' out || { show; fail "OOVs != 1"; }
cp out report.txt

# JSON: valid, consistent with the definitions and with grams-score.
run grams-perplexity --json m.lm test.txt
expect_rc 0 "--json"
check_json_lines out
grams-score --json --per-token m.lm test.txt > scores.jsonl
python3 - out scores.jsonl report.txt <<'EOF' || fail "perplexity figures inconsistent"
import json, math, sys
p = json.load(open(sys.argv[1]))
scores = [json.loads(l) for l in open(sys.argv[2])]
assert p["sentences"] == 3 and p["words"] == 14 and p["oovs"] == 1 and p["tokens"] == 17, p
total = sum(s["log10prob"] for s in scores)
oov = sum(t["log10prob"] for s in scores for t in s["tokens_detail"] if t["oov"])
close = lambda a, b: abs(a - b) <= 1e-6 * max(1.0, abs(b))
assert close(p["log10prob"], total), (p["log10prob"], total)
assert close(p["oov_log10prob"], oov), (p["oov_log10prob"], oov)
lp, no = p["log10prob"], p["log10prob"] - p["oov_log10prob"]
assert close(p["perplexity"], 10 ** (-lp / 17))
assert close(p["perplexity_excluding_oovs"], 10 ** (-no / 16))
assert close(p["srilm_ppl"], 10 ** (-no / (14 - 1 + 3)))
assert p["srilm_ppl"] == p["perplexity_excluding_oovs"]
assert close(p["srilm_ppl1"], 10 ** (-no / (14 - 1)))
text = {}
for line in open(sys.argv[3]):
    k, v = line.rsplit(None, 1)
    text[k] = float(v)
assert abs(text["perplexity including OOVs:"] - p["perplexity"]) < 1e-3
EOF

# Several files are summed; stdin and '-' work.
head -1 test.txt > t1.txt
tail -n +2 test.txt > t2.txt
grams-perplexity --json m.lm t1.txt t2.txt > two.json
grams-perplexity --json m.lm < test.txt > stdin.json
grams-perplexity --json m.lm - < test.txt > dash.json
python3 - out two.json stdin.json dash.json <<'EOF' || fail "totals over files differ"
import json, sys
ref = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    o = json.load(open(f))
    for k in ("sentences", "words", "oovs", "tokens"):
        assert o[k] == ref[k], (f, k)
    assert abs(o["log10prob"] - ref["log10prob"]) < 1e-9, f
EOF

# Empty input: zero counts, undefined perplexities (null in JSON), exit 0.
: > empty.txt
run grams-perplexity --json m.lm empty.txt
expect_rc 0 "empty input"
check_json_lines out
python3 -c 'import json,sys; o=json.load(open("out")); assert o["tokens"] == 0, o'

echo "perplexity: all checks passed"
