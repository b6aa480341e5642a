# grams-generate: options, errors, reproducibility (runs, seeds, threads),
# and a chi-square test of the drawn units against the model's probabilities
# (from grams-predict) after several contexts, plain and with temperature,
# top-k and top-p; stream models; Stupid Backoff.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

check_common_cli grams-generate --number --seed --temperature --top-k --top-p --prefix \
  --max-length --no-unk --threads --line-buffered

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null

run grams-generate
expect_rc 2 "no MODEL"
for bad in "--temperature 0" "--temperature -1" "--top-p 0" "--top-p 1.5" "--max-length 0" \
    "--top-k -1" "-j -1"; do
  # shellcheck disable=SC2086
  run grams-generate $bad m.lm
  expect_rc 2 "$bad"
  expect_err "try --help"
done
run grams-generate no-such.lm
expect_rc 1 "missing model"
expect_error_line grams-generate
expect_err "no-such.lm"

# Sentences of the model's words, one per line; reproducible; the seed and
# nothing else (not the threads) decides them.
run grams-generate -n 50 --seed 3 m.lm
expect_rc 0 "generate"
expect_no_err "generate"
[[ $(wc -l < out) == 50 ]] || fail "expected 50 lines"
tr ' ' '\n' < out | grep -v '^$' | sort -u > used.txt
grams-info --vocab m.lm | awk -F'\t' '{print $NF}' | sort -u > vocab.txt
comm -23 used.txt vocab.txt | grep -q . && { comm -23 used.txt vocab.txt; fail "units outside the vocabulary"; }
cp out a.txt
grams-generate -n 50 --seed 3 m.lm | cmp - a.txt || fail "the same seed gave other text"
grams-generate -n 50 --seed 4 m.lm | cmp -s - a.txt && fail "another seed gave the same text"
grams-generate -n 2000 --seed 9 -j1 m.lm > j1.txt
for j in 2 3 0; do
  grams-generate -n 2000 --seed 9 -j $j m.lm | cmp - j1.txt || fail "-j $j changed the text"
done
# A sentence's text depends on its index, not on how many are drawn.
grams-generate -n 10 --seed 9 m.lm | cmp - <(head -10 j1.txt) || fail "-n changed the first sentences"
# The prefix starts every sentence; --max-length bounds them.
grams-generate -n 100 --prefix "the cat" --max-length 4 m.lm > p.txt
grep -vq '^the cat' p.txt && fail "a sentence does not start with the prefix"
awk 'NF > 4 { exit 1 }' p.txt || fail "a sentence is longer than --max-length"
grams-generate -n 3000 --no-unk --prefix zebra --max-length 2 m.lm | awk '{print $2}' | grep -qx '<unk>' &&
  fail "--no-unk drew <unk>"

# chi2 CONTEXT DRAWS GEN_OPTIONS... -- TRANSFORM: draws the unit after
# CONTEXT (--max-length = its length + 1) and compares the counts with the
# probabilities grams-predict gives, reweighted as TRANSFORM says
# ("T K P": temperature, top-k, top-p). Pearson's chi-square must be below
# df + 4 sqrt(2 df) + 10 (far above its 99.99% quantile for these df), and
# the same counts against the unigram distribution (a sampler that ignored
# the context) must exceed it three times over: the test can fail.
chi2() {
  local context=$1 draws=$2 transform=$3
  shift 3
  local len
  len=$(wc -w <<< "$context")
  grams-generate -n "$draws" --seed 12345 --prefix "$context" --max-length $((len + 1)) "$@" m.lm > draws.txt
  grams-predict --json --unk -k 100000 m.lm <<< "$context" > full.json
  grams-predict --json --unk --no-bos -k 100000 m.lm <<< "" > short.json
  "$PY" - draws.txt full.json short.json "$len" "$transform" <<'EOF' || fail "chi-square after '$context' ($transform)"
import json, math, sys
draws, full, short, n, transform = sys.argv[1:]
n = int(n)
T, K, P = transform.split()
T, K, P = float(T), int(K), float(P)
def dist(path):
    preds = json.load(open(path))["predictions"]
    items = sorted(((p["unit"], p["log10prob"]) for p in preds), key=lambda x: -x[1])
    if K: items = items[:K]
    w = [(u, 10 ** (lp / T)) for u, lp in items]
    total = sum(x for _, x in w)
    w = [(u, x / total) for u, x in w]
    if P < 1:
        keep, s = [], 0
        for u, x in w:
            keep.append((u, x)); s += x
            if s >= P: break
        total = sum(x for _, x in keep)
        w = [(u, x / total) for u, x in keep]
    return dict(w)
counts = {}
lines = open(draws).read().splitlines()
for line in lines:
    words = line.split()
    u = words[n] if len(words) > n else "</s>"
    counts[u] = counts.get(u, 0) + 1
N = len(lines)
def chi(d):
    c, df = 0.0, -1
    for u, p in d.items():
        e = N * p
        if e == 0: continue
        c += (counts.get(u, 0) - e) ** 2 / e
        df += 1
    outside = sum(v for u, v in counts.items() if d.get(u, 0) == 0)
    return c + (1e9 if outside else 0), df
c, df = chi(dist(full))
limit = df + 4 * math.sqrt(2 * max(df, 1)) + 10
print(f"chi2 {c:.1f} df {df} limit {limit:.1f}", file=sys.stderr)
assert c < limit, (c, df, limit, counts)
wrong, _ = chi(dist(short))
assert wrong > 3 * limit, ("the test cannot tell the unigrams", wrong, limit)
EOF
}
chi2 "the cat" 40000 "1 0 1"
chi2 "sat on" 40000 "1 0 1"
chi2 "a dog" 40000 "1 0 1"
chi2 "the cat" 40000 "0.5 0 1" --temperature 0.5
chi2 "the cat" 40000 "2 3 1" --temperature 2 --top-k 3
chi2 "a dog" 40000 "1 0 0.95" --top-p 0.95
chi2 "sat on" 40000 "1.5 4 0.9" --temperature 1.5 --top-k 4 --top-p 0.9

# A stream model: -n units, line breaks among them.
grams-count --order 4 --unit char --boundaries none corpus.txt 2>/dev/null | grams-build -o s.lm 2>/dev/null
run grams-generate -n 3000 --seed 5 s.lm
expect_rc 0 "stream"
units=$("$PY" -c 'import sys; print(len(open(sys.argv[1], encoding="utf-8").read()))' out)
((units >= 2 && units <= 3001)) || fail "stream: $units characters for -n 3000"
grep -q . out || fail "stream: no text"
grams-generate -n 3000 --seed 5 -j 2 s.lm | cmp - out || fail "stream: -j changed the text"

# Stupid Backoff: drawn from, with a warning.
grams-count --order 3 corpus.txt 2>/dev/null | grams-build --smoothing stupid -o sb.lm 2>/dev/null
run grams-generate -n 5 sb.lm
expect_rc 0 "stupid"
expect_err "not probabilities"

echo "generate: all checks passed"
