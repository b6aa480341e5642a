# KenLM binary models of Brown (order 3, every layout, in
# $GRAMS_SHARED_DIR/reference/kenlm-binary, their README says how they were
# made): grams-score gives every test token the float KenLM's query gave it
# (with its n-gram length and OOV flag), and grams-perplexity the perplexities
# of query's summary.
source "$(dirname "$0")/lib.bash"

shared=${GRAMS_SHARED_DIR:-}
ref=$shared/reference/kenlm-binary
test_txt=$shared/corpora/brown/test.txt
if [[ -z $shared || ! -f $ref/brown.o3.trie.zst || ! -f $test_txt ]]; then
  skip "$ref not found: no check against KenLM's binaries of Brown"
fi

for L in probing trie trie-a22 trie-q8b8 trie-q4b6a22; do
  zstd -q -d "$ref/brown.o3.$L.zst" -o brown.$L
  zstd -q -dc "$ref/brown.o3.$L.query-test.txt.zst" > query.$L
  grams-score --per-token --ngram-length brown.$L "$test_txt" > score.$L
  grams-perplexity --json brown.$L "$test_txt" > ppl.$L.json
  python3 - query.$L score.$L ppl.$L.json "$ref/brown.o3.$L.summary.txt" <<'PY' || fail "brown.$L differs from KenLM's query"
import json, re, struct, sys
f32 = lambda x: struct.unpack('f', struct.pack('f', float(x)))[0]
q = [l for l in open(sys.argv[1]) if 'Total:' in l]
g = open(sys.argv[2]).read().splitlines()
assert len(q) == len(g) == 2867, (len(q), len(g))
tokens = 0
for i, (ql, gl) in enumerate(zip(q, g)):
    qt, gt = ql.split('\t')[:-1], gl.split('\t')[3:]
    assert len(qt) == len(gt), (i + 1, ql, gl)
    for a, b in zip(qt, gt):
        word, vid, n, p = re.match(r'(.*)=(\d+) (\d+) (\S+)$', a).groups()
        w2, unk, p2, n2 = re.match(r'(.*)=(<unk>:)?(\S+):(\d+)$', b).groups()
        assert (w2, f32(p2), n2, bool(unk)) == (word, f32(p), n, vid == '0'), (i + 1, a, b)
        tokens += 1
got = json.load(open(sys.argv[3]))
want = dict(l.rstrip('\n').split(':\t') for l in open(sys.argv[4]))
assert got['oovs'] == int(want['OOVs']) and got['tokens'] == int(want['Tokens']) == tokens, got
for key, name in (('perplexity', 'Perplexity including OOVs'),
                  ('perplexity_excluding_oovs', 'Perplexity excluding OOVs')):
    w = float(want[name])
    # query sums each sentence in a float, grams in double: the last digits
    assert abs(got[key] - w) <= 1e-6 * w, (key, got[key], w)
print(f"  brown.{sys.argv[1][6:]}: {tokens} tokens as query scored them; perplexity "
      f"{got['perplexity']:.10g} (query {want['Perplexity including OOVs']})")
PY
  rm -f brown.$L
done
echo "kenlm_binary_brown: all checks passed"
