# grams-build: smoothing methods and forms, discounts, count and entropy
# pruning, vocabulary limits, --tune; usage errors; every proper method's
# ARPA output normalizes (checked by reading the ARPA back with Python).
source "$(dirname "$0")/lib.bash"

check_common_cli grams-build --smoothing --interpolate --backoff --discount --discounts \
  --gt-min --gt-max --add-k --stupid-alpha --prune --prune-entropy --vocab --max-vocab --tune

write_tiny_corpus corpus.txt
grams-count --order 3 -o c.counts corpus.txt

# ngram_count FILE N: the "ngram N=" figure of an ARPA file.
ngram_count() { sed -n "s/^ngram $2=//p" "$1"; }

# check_normalized FILE: every context of the ARPA model (and the empty one)
# gives probabilities that sum to one over the vocabulary without <s>.
check_normalized() {
  python3 - "$1" <<'EOF' || fail "$1 does not normalize"
import sys
prob, bo, order = {}, {}, 0
section = 0
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("\\") and line.endswith("-grams:"):
        section = int(line[1:line.index("-")]); order = max(order, section); continue
    if not line or line.startswith("\\") or section == 0:
        continue
    f = line.split("\t")
    g = tuple(f[1].split(" "))
    prob[g] = float(f[0])
    if len(f) > 2:
        bo[g] = float(f[2])
vocab = [g[0] for g in prob if len(g) == 1 and g[0] != "<s>"]
def p(h, w):
    b = 0.0
    while True:
        if h + (w,) in prob:
            return 10 ** (b + prob[h + (w,)])
        if not h:
            return 0.0
        b += bo.get(h, 0.0)
        h = h[1:]
contexts = [()] + [g for g in prob if len(g) < order]
for h in contexts:
    s = sum(p(h, w) for w in vocab)
    assert abs(s - 1) < 1e-5, (h, s)
EOF
}

# Every method builds, says what it is, and (but stupid) normalizes.
for method in mkn kn wb abs katz add mle stupid; do
  run grams-build --smoothing $method -v -o $method.lm --arpa $method.arpa c.counts
  expect_rc 0 "--smoothing $method"
  expect_err "grams-build: smoothing $method"
  grep -q "^grams-build: order 3: [0-9]* n-grams" err || { show; fail "$method: -v lacks order 3"; }
  [[ $method == stupid ]] || check_normalized $method.arpa
done
for method in mkn kn wb abs; do
  run grams-build --smoothing $method --backoff -v --arpa $method.b.arpa c.counts
  expect_rc 0 "--smoothing $method --backoff"
  expect_err "(backoff)"
  check_normalized $method.b.arpa
  run grams-build --smoothing $method --interpolate --arpa $method.i.arpa c.counts
  expect_rc 0 "--smoothing $method --interpolate"
  cmp -s $method.i.arpa $method.arpa || fail "$method: --interpolate is not the default"
done
cmp -s mkn.lm <(grams-build -o - c.counts 2>/dev/null) || fail "--smoothing mkn differs from the default"
grep -q $'\t<unk>' mle.arpa && grep -q $'^-99\t<unk>' mle.arpa || fail "mle: <unk> is not -99"
# Stupid Backoff scores are not probabilities: grams-perplexity refuses them.
run grams-perplexity stupid.lm corpus.txt
expect_rc 1 "grams-perplexity on a stupid backoff model"
expect_err "Stupid Backoff"

# Discounts by hand; kn = mkn with D1 = D2 = D3+.
printf '0.5 0.5 0.5\n0.6 0.6 0.6\n0.7 0.7 0.7\n' > same.txt
printf '0.5\n0.6\n0.7\n' > one.txt
grams-build --discounts same.txt --arpa mkn-same.arpa c.counts 2>/dev/null
grams-build --smoothing kn --discounts one.txt --arpa kn-same.arpa c.counts 2>/dev/null
cmp -s mkn-same.arpa kn-same.arpa || fail "kn and mkn with the same discounts differ"
run grams-build -v --discounts same.txt -o given.lm c.counts
expect_rc 0 "--discounts"
expect_err "order 2: "
expect_err "discounts D1 D2 D3+ = 0.6 0.6 0.6"
grams-build --smoothing abs --discount 0.25 -v --arpa abs25.arpa c.counts 2>err
grep -q "discount D = 0.25" err || fail "--discount 0.25 not used"
printf '0.5 oops 1\n' > bad.txt
run grams-build --discounts bad.txt -o x.lm c.counts
expect_rc 1 "malformed discounts file"
expect_err "bad.txt:1"
printf '0.5 1 3.5\n' > big.txt
run grams-build --discounts big.txt -o x.lm c.counts
expect_rc 1 "discount out of range"
expect_err "outside"
no_leftovers x.lm

# Katz limits, add-k, stupid alpha.
grams-build --smoothing katz -v --arpa katz1.arpa c.counts 2>err
grep -q "order 3: .*gt-min 2, gt-max 7" err || { cat err; fail "katz defaults"; }
grams-build --smoothing katz --gt-min 1 --gt-max 3 -v --arpa katz2.arpa c.counts 2>err
grep -q "order 3: .*gt-min 1, gt-max 3" err || { cat err; fail "--gt-min/--gt-max"; }
check_normalized katz2.arpa
(( $(ngram_count katz2.arpa 3) > $(ngram_count katz1.arpa 3) )) || fail "gt-min 1 keeps more trigrams"
grams-build --smoothing add --add-k 0.5 --arpa add.arpa c.counts 2>/dev/null
check_normalized add.arpa
grams-build --smoothing stupid --stupid-alpha 0.5 --arpa stupid.arpa c.counts 2>/dev/null
grep -q $'\t-0.30103' stupid.arpa || fail "--stupid-alpha 0.5: no backoff log10(0.5)"

# Count pruning: fewer n-grams, still normalized; thresholds before COUNTS.
run grams-build --prune 0 1 -v --arpa pruned.arpa c.counts
expect_rc 0 "--prune 0 1 COUNTS"
expect_err "(of "
(( $(ngram_count pruned.arpa 2) < $(ngram_count mkn.arpa 2) )) || fail "--prune kept every bigram"
(( $(ngram_count pruned.arpa 3) < $(ngram_count mkn.arpa 3) )) || fail "--prune kept every trigram"
check_normalized pruned.arpa
grams-build --prune 0,1 --arpa pruned2.arpa c.counts 2>/dev/null
cmp -s pruned.arpa pruned2.arpa || fail "--prune 0,1 differs from --prune 0 1"
grams-build --smoothing wb --backoff --prune 0 0 1 --arpa wbp.arpa c.counts 2>/dev/null
check_normalized wbp.arpa
grams-build --prune 1 --arpa unk.arpa c.counts 2>/dev/null
(( $(ngram_count unk.arpa 1) < $(ngram_count mkn.arpa 1) )) || fail "--prune 1: the vocabulary did not shrink"
check_normalized unk.arpa

# Vocabulary limits.
printf 'the cat\nsat on\nzebra\n' > vocab.txt
grams-build --vocab vocab.txt --arpa v.arpa c.counts 2>/dev/null
[[ $(ngram_count v.arpa 1) == 8 ]] || fail "--vocab: 8 words expected (5 + <unk> <s> </s>)"
grep -q $'\tzebra\t' v.arpa || fail "--vocab: zebra (not in the text) missing"
grep -q $'\tdog\t' v.arpa && fail "--vocab: dog should be <unk>"
check_normalized v.arpa
grams-build --max-vocab 3 --smoothing katz --arpa k3.arpa c.counts 2>/dev/null
[[ $(ngram_count k3.arpa 1) == 6 ]] || fail "--max-vocab 3: 6 words expected"
check_normalized k3.arpa

# Relative-entropy pruning, from counts and from ARPA.
grams-build --smoothing wb --backoff --arpa wbfull.arpa c.counts 2>/dev/null
run grams-build --smoothing wb --backoff --prune-entropy 0.05 -v --arpa wbe.arpa c.counts
expect_rc 0 "--prune-entropy"
expect_err "entropy pruning 0.05"
(( $(ngram_count wbe.arpa 3) < $(ngram_count wbfull.arpa 3) )) || fail "--prune-entropy pruned nothing"
check_normalized wbe.arpa
run grams-build --from-arpa wbfull.arpa --prune-entropy 0.05 --arpa wbe2.arpa
expect_rc 0 "--from-arpa --prune-entropy"
(( $(ngram_count wbe2.arpa 3) < $(ngram_count wbfull.arpa 3) )) || fail "--from-arpa --prune-entropy pruned nothing"
check_normalized wbe2.arpa

# Usage errors: exit 2, one line, no output.
for args in "--smoothing nope" "--smoothing katz --interpolate" "--smoothing stupid --backoff" \
            "--interpolate --backoff" "--smoothing wb --add-k 2" "--smoothing mkn --discount 0.5" \
            "--smoothing abs --discount 1.5" "--prune 0 2 1" "--prune x" "--smoothing add --add-k 0" \
            "--smoothing stupid --prune-entropy 1e-6" "--prune-entropy -1" "--max-vocab 0" \
            "--smoothing wb --tune corpus.txt" "--smoothing katz --gt-min" "--discounts same.txt --discount 0.5"; do
  # shellcheck disable=SC2086
  run grams-build $args -o x.lm c.counts
  expect_rc 2 "grams-build $args"
  expect_error_line grams-build
  expect_err "try --help"
  no_leftovers x.lm
done
run grams-build --from-arpa mkn.arpa --smoothing wb -o x.lm
expect_rc 2 "--from-arpa with --smoothing"
run grams-build --from-arpa mkn.arpa --prune 0 1 -o x.lm
expect_rc 2 "--from-arpa with --prune"
no_leftovers x.lm

# --tune: reports the perplexity before and after, and the tuned model scores
# the development text at least as well.
head -3 corpus.txt > train.txt
tail -3 corpus.txt > dev.txt
grams-count --order 2 -o t.counts train.txt
run grams-build --tune dev.txt -o tuned.lm t.counts
expect_rc 0 "--tune"
expect_err "grams-build: --tune dev.txt: perplexity"
expect_err "order 2 discounts"
grams-build -o untuned.lm t.counts 2>/dev/null
a=$(grams-perplexity --json untuned.lm dev.txt)
b=$(grams-perplexity --json tuned.lm dev.txt)
python3 - "$a" "$b" <<'EOF' || fail "the tuned model is worse on the development text"
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:3])
assert b["perplexity_excluding_oovs"] <= a["perplexity_excluding_oovs"] + 1e-6, (a, b)
EOF
printf '0.5 1 1.5\n-\n' > partial.txt
run grams-build --tune dev.txt --discounts partial.txt -o tuned2.lm t.counts
expect_rc 0 "--tune with --discounts"
expect_err "order 1 discounts 0.500000 1.000000 1.500000 -> 0.500000 1.000000 1.500000"
run grams-build --tune no-such-dev.txt -o x.lm t.counts
expect_rc 1 "--tune with a missing file"
expect_err "no-such-dev.txt"
no_leftovers x.lm

echo "build_smoothing: all checks passed"
