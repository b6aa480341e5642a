# grams-mix: options, errors, the EM report (monotone, the stated stop), the
# static mixture (normalized, scored by grams-perplexity as the report says,
# the same as model file and ARPA), Stupid Backoff.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

check_common_cli grams-mix --weights --dev --tolerance --max-iterations --output --arpa

write_tiny_corpus a.txt
cat > b.txt <<'EOF'
in the beginning was the word
the word was with god
and the light shone in the dark
the cat was in the beginning
god saw the light and the dog
EOF
printf 'the cat sat on the word\nthe dog saw the light\nin the beginning the cat sat\na zebra sat\n' > dev.txt
grams-count --order 3 a.txt 2>/dev/null | grams-build -o a.lm 2>/dev/null
grams-count --order 2 b.txt 2>/dev/null | grams-build --smoothing wb -o b.lm 2>/dev/null

run grams-mix a.lm
expect_rc 2 "one model"
expect_err "try --help"
run grams-mix a.lm b.lm
expect_rc 2 "nothing to do"
expect_err "nothing to do"
run grams-mix --weights 1,x --dev dev.txt a.lm b.lm
expect_rc 2 "bad weight"
run grams-mix --weights 1,2,3 --dev dev.txt a.lm b.lm
expect_rc 2 "three weights for two models"
expect_err "3 weights for 2 models"
run grams-mix --dev dev.txt a.lm no-such.lm
expect_rc 1 "missing model"
expect_error_line grams-mix
expect_err "no-such.lm"
grams-count --order 2 --unit char a.txt 2>/dev/null | grams-build -o c.lm 2>/dev/null
run grams-mix --dev dev.txt a.lm c.lm
expect_rc 1 "different units"
expect_error_line grams-mix
expect_err "c.lm: the models split text differently: setting unit"
: > empty.txt
run grams-mix --dev empty.txt a.lm b.lm
expect_rc 1 "empty dev text"
expect_err "empty.txt: the development text is empty"
run grams-mix --dev no-such.txt a.lm b.lm
expect_rc 1 "missing dev text"
expect_err "no-such.txt"

# The EM report.
run grams-mix --dev dev.txt --tolerance 1e-6 -o mixed.lm --arpa mixed.arpa a.lm b.lm
expect_rc 0 "EM"
expect_no_err "EM"
"$PY" - out a.lm b.lm dev.txt <<'EOF' || fail "EM report"
import re, subprocess, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0].startswith("dev: 4 sentences, 24 tokens, 1 OOVs"), lines[0]
# Each model alone as grams-perplexity computes it.
for i, model in enumerate(sys.argv[2:4]):
    out = subprocess.run(["grams-perplexity", model, sys.argv[4]], capture_output=True, text=True, check=True).stdout
    ppl = float(re.search(r"perplexity including OOVs:\s+(\S+)", out).group(1))
    m = re.match(r"model %d alone \(%s\): dev perplexity (\S+)$" % (i + 1, re.escape(model)), lines[1 + i])
    assert m and abs(float(m.group(1)) - ppl) < 1e-3, (lines[1 + i], ppl)
its = [l for l in lines if l.startswith("iteration ")]
assert len(its) >= 3 and its[0].startswith("iteration 0: weights 0.500000 0.500000"), its[:2]
ppls, weights = [], []
for l in its:
    m = re.match(r"iteration (\d+): weights (\S+) (\S+), dev perplexity (\S+)$", l)
    assert m, l
    w = (float(m.group(2)), float(m.group(3)))
    assert abs(sum(w) - 1) < 2e-6, l
    weights.append(w); ppls.append(float(m.group(4)))
assert all(b <= a + 1e-4 for a, b in zip(ppls, ppls[1:])), ppls
# Stopped at the tolerance: the last step moved the weights by at most 1e-6
# (printed to 6 decimals), the one before by more.
best = [l for l in lines if l.startswith("best weights: ")]
assert best and "tolerance 1e-06" in best[0], best
m = re.search(r"on the dev tokens every model knows: model 1 (\S+), model 2 (\S+), mixture (\S+) \((\d+) tokens\)", "\n".join(lines))
assert m, lines
a, b, mix = float(m.group(1)), float(m.group(2)), float(m.group(3))
assert mix <= min(a, b), (a, b, mix)  # on this text (not a theorem: see grams-mix(1))
st = [l for l in lines if l.startswith("static model: dev perplexity ")]
assert st, lines
static = float(st[0].split()[-1])
out = subprocess.run(["grams-perplexity", "mixed.lm", sys.argv[4]], capture_output=True, text=True, check=True).stdout
ppl = float(re.search(r"perplexity including OOVs:\s+(\S+)", out).group(1))
assert abs(ppl - static) < 1e-3, (ppl, static)
# Close to the dynamic mixture.
assert abs(static - ppls[-1]) / ppls[-1] < 0.1, (static, ppls[-1])
EOF

# The model file and the ARPA file are one model.
grams-perplexity mixed.lm dev.txt > p1.txt
grams-perplexity mixed.arpa dev.txt > p2.txt
diff p1.txt p2.txt || fail "the model file and the ARPA file score differently"
grams-info mixed.lm | grep -q "source = mix" || fail "no source = mix in the info"

# Every context of the static model sums to one (the whole vocabulary
# through grams-predict, <unk> included).
printf 'the\nthe cat\nin the beginning\n\nzebra\nthe word was\ngod saw\n' |
  grams-predict --json --unk -k 100000 mixed.lm > dist.jsonl
"$PY" - dist.jsonl <<'EOF' || fail "the static mixture does not normalize"
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    total = sum(x["prob"] for x in p["predictions"])
    assert abs(total - 1) < 1e-5, (p["prefix"], total)
EOF

# Hand weights; stdout.
run grams-mix --weights 3,1 -o - a.lm b.lm
expect_rc 0 "-o -"
cmp -s out mixed.lm && fail "other weights gave the same model"
grams-info - < out | grep -q "mix.weights = 0.75 0.25" || fail "the weights are not 0.75 0.25"

# Stupid Backoff: with each other and --weights only.
grams-count --order 3 a.txt 2>/dev/null | grams-build --smoothing stupid -o sa.lm 2>/dev/null
grams-count --order 3 b.txt 2>/dev/null | grams-build --smoothing stupid -o sb.lm 2>/dev/null
run grams-mix --dev dev.txt sa.lm sb.lm
expect_rc 1 "stupid with --dev"
expect_err "scores, not probabilities"
run grams-mix --dev dev.txt a.lm sb.lm
expect_rc 1 "stupid with mkn"
run grams-mix --weights 1,1 -o s.lm sa.lm sb.lm
expect_rc 0 "stupid mix"
expect_err "scores, not probabilities"
grams-info s.lm | grep -q "smoothing = stupid" || fail "the stupid mixture is not marked as such"
run grams-perplexity s.lm dev.txt
expect_rc 1 "perplexity of the stupid mixture"

echo "mix: all checks passed"
