# The dynamic mixture in the scoring tools (grams-score / grams-perplexity
# --mix-model --weights): every token is log10 sum_i w_i p_i of the models'
# own per-token scores (recomputed here from grams-score of each model
# alone), OOVs are the units no model has, any model form, the same bytes
# for any -j, exactly the static grams-mix model where it holds the n-gram,
# the line grams-mix --dev prints, Stupid Backoff, and the usage errors.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

check_common_cli grams-score --mix-model --weights
check_common_cli grams-perplexity --mix-model --weights

write_tiny_corpus a.txt
cat > b.txt <<'EOF2'
in the beginning was the word
the word was with god
and the light shone in the dark
the cat was in the beginning
god saw the light and the dog
EOF2
printf 'the cat sat on the word\ngod saw the mat\na zebra sat\n\nthe light and the dog sat on the log in the beginning\n' > dev.txt
grams-count --order 3 a.txt 2>/dev/null | grams-build -o a.lm 2>/dev/null
grams-count --order 3 a.txt 2>/dev/null | grams-build --smoothing wb -o a_wb.lm 2>/dev/null
grams-count --order 2 b.txt 2>/dev/null | grams-build --smoothing wb -o b.lm --arpa b.arpa 2>/dev/null
grams-convert b.lm --to mapped -o b.lmm

# Each token against the models alone: log10(w_a p_a + w_b p_b), a unit a
# model lacks having p = 0 there (its <unk> otherwise), rounded to float.
grams-score --json --per-token a.lm dev.txt > a.json
grams-score --json --per-token b.lm dev.txt > b.json
run grams-score --json --per-token --ngram-length --mix-model b.lm --weights 1,3 a.lm dev.txt
expect_rc 0 "dynamic mixture"
expect_no_err "dynamic mixture"
cp out mix.json
"$PY" - a.json b.json mix.json a.lm b.lm <<'EOF2' || fail "the mixture's tokens are not the mixture of the models'"
import json, math, struct, subprocess, sys
def vocab(model):
    out = subprocess.run(["grams-info", "--vocab", model], capture_output=True, text=True, check=True).stdout
    return set(out.split("\n"))
f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
a, b, mix = ([json.loads(l) for l in open(p)] for p in sys.argv[1:4])
va, vb = vocab(sys.argv[4]), vocab(sys.argv[5])
wa, wb = 1 / 4, 3 / 4
oovs = 0
for la, lb, lm in zip(a, b, mix):
    total = 0.0
    for ta, tb, tm in zip(la["tokens_detail"], lb["tokens_detail"], lm["tokens_detail"]):
        w = ta["token"]
        in_a, in_b = w == "</s>" or w in va, w == "</s>" or w in vb
        oov = not in_a and not in_b
        p = 0.0
        # The printed numbers are the floats' shortest forms: f32 gives the floats back.
        if in_a or oov: p += wa * 10 ** f32(ta["log10prob"])
        if in_b or oov: p += wb * 10 ** f32(tb["log10prob"])
        want = f32(math.log10(p))
        assert f32(tm["log10prob"]) == want, (w, tm, want)
        assert tm["oov"] == oov, (w, tm)
        oovs += oov
        total += f32(tm["log10prob"])
    assert lm["oovs"] == sum(t["oov"] for t in lm["tokens_detail"]), lm
    assert abs(lm["log10prob"] - total) < 1e-6, (lm, total)
assert oovs == 1, oovs  # zebra: in neither
EOF2
[[ $(grams-info --vocab a.lm | grep -c '^word$') == 0 ]] || fail "the test needs 'word' outside a.lm"

# Any form of the models: the same bytes.
grams-score --mix-model b.lm --weights 1,3 a.lm dev.txt > f1.txt
grams-score --mix-model b.arpa --weights 1,3 a.lm dev.txt > f2.txt
grams-score --mix-model b.lmm --weights 1,3 a.lm dev.txt > f3.txt
grams-score --mix-model b.lm --weights 0.25,0.75 a.lm dev.txt > f4.txt
cmp f1.txt f2.txt || fail "ARPA member scores differently"
cmp f1.txt f3.txt || fail "mapped member scores differently"
cmp f1.txt f4.txt || fail "weights 1,3 and 0.25,0.75 differ"
# Equal weights by default; three models.
grams-score --mix-model b.lm a.lm dev.txt > e1.txt
grams-score --mix-model b.lm --weights 1,1 a.lm dev.txt > e2.txt
cmp e1.txt e2.txt || fail "the default weights are not equal"
run grams-score --mix-model b.lm --mix-model a_wb.lm --weights 1,1,2 a.lm dev.txt
expect_rc 0 "three models"

# The same bytes for any number of threads (score and perplexity).
for i in $(seq 400); do cat dev.txt; done > big.txt
grams-score -j1 --per-token --mix-model b.lm --weights 1,3 a.lm big.txt > j1.txt
grams-score -j4 --per-token --mix-model b.lm --weights 1,3 a.lm big.txt > j4.txt
cmp j1.txt j4.txt || fail "grams-score -j1 and -j4 differ"
grams-perplexity --json -j1 --mix-model b.lm --weights 1,3 a.lm big.txt > p1.json
grams-perplexity --json -j4 --mix-model b.lm --weights 1,3 a.lm big.txt > p4.json
cmp p1.json p4.json || fail "grams-perplexity -j1 and -j4 differ"
grep -q '"oovs":400,' p1.json || fail "the mixture's OOVs are not the units in no model: $(cat p1.json)"

# Where the static mixture holds a token's whole n-gram, the same float.
# a.lm and a_wb.lm have the same n-grams: so has their static mixture.
grams-mix --weights 0.6,0.4 -o static.lm a.lm a_wb.lm 2>/dev/null
cat a.txt dev.txt > both.txt
grams-score --json --per-token --ngram-length static.lm both.txt > static.json
grams-score --json --per-token --mix-model a_wb.lm --weights 0.6,0.4 a.lm both.txt > dyn.json
"$PY" - static.json dyn.json <<'EOF2' || fail "the static mixture differs where it holds the n-gram"
import json, sys
held = 0
for ls, ld in zip(*([json.loads(l) for l in open(p)] for p in sys.argv[1:3])):
    for k, (ts, td) in enumerate(zip(ls["tokens_detail"], ld["tokens_detail"])):
        if ts["ngram_length"] == min(k + 2, 3):
            assert ts["log10prob"] == td["log10prob"], (k, ts, td)  # the same printed float
            held += 1
assert held >= 40, held
EOF2

# grams-mix --dev prints the command line of its dynamic mixture; it gives
# the dev perplexity of the last EM iteration.
run grams-mix --dev dev.txt a.lm b.lm
expect_rc 0 "grams-mix --dev"
line=$(grep '^dynamic mixture: ' out) || { show; fail "no dynamic mixture line"; }
last=$(grep '^iteration ' out | tail -1 | sed 's/.*dev perplexity //')
cmd=${line#dynamic mixture: }
got=$(eval "$cmd dev.txt" | awk -F': *' '/perplexity including OOVs/ { print $2 }')
"$PY" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert abs(a - b) <= 1e-3 * b, (a, b)" \
  "$got" "$last" || fail "the dynamic mixture's perplexity $got is not EM's $last"

# Stupid Backoff: scores with each other, no perplexity, no mixing with
# probabilities.
grams-count --order 3 a.txt 2>/dev/null | grams-build --smoothing stupid -o sa.lm 2>/dev/null
grams-count --order 3 b.txt 2>/dev/null | grams-build --smoothing stupid -o sb.lm 2>/dev/null
run grams-score --mix-model sb.lm sa.lm dev.txt
expect_rc 0 "stupid mixture score"
run grams-perplexity --mix-model sb.lm sa.lm dev.txt
expect_rc 1 "stupid mixture perplexity"
expect_err "scores, not probabilities"
run grams-score --mix-model sb.lm a.lm dev.txt
expect_rc 1 "stupid with probabilities"
expect_error_line grams-score
expect_err "sb.lm: cannot mix a Stupid Backoff model"

# Usage and load errors.
run grams-score --weights 1,2 a.lm dev.txt
expect_rc 2 "--weights alone"
expect_err "--weights goes with --mix-model"
run grams-perplexity --mix-model b.lm --weights 1,2,3 a.lm dev.txt
expect_rc 2 "three weights for two models"
expect_err "3 weights for 2 models"
run grams-score --mix-model b.lm --weights 1,x a.lm dev.txt
expect_rc 2 "bad weight"
expect_err "'x' is not a weight"
run grams-score --mix-model b.lm --weights 0,0 a.lm dev.txt
expect_rc 2 "zero weights"
run grams-score --mix-model b.lm --weights 1,-1 a.lm dev.txt
expect_rc 2 "negative weight"
run grams-perplexity --mix-model no-such.lm a.lm dev.txt
expect_rc 1 "missing member"
expect_error_line grams-perplexity
expect_err "no-such.lm"
grams-count --order 2 --unit char a.txt 2>/dev/null | grams-build -o c.lm 2>/dev/null
run grams-perplexity --mix-model c.lm a.lm dev.txt
expect_rc 1 "different units"
expect_error_line grams-perplexity
expect_err "c.lm: the models split text differently: setting unit"

echo "mix_dynamic: all checks passed"
