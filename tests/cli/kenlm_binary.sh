# KenLM binary models through the tools: KenLM's test model in every layout
# build_binary writes (tests/formats/kenlm) scores, token by token, exactly
# as KenLM's query printed; a trie converts to ARPA, a model file and a
# mapped model, which score the same; a probing binary refuses to convert,
# saying why; damaged and foreign files fail with one error line naming the
# file. The Brown models are in kenlm_binary_brown.sh.
source "$(dirname "$0")/lib.bash"

K=$GRAMS_SOURCE_DIR/tests/formats/kenlm
layouts="probing trie trie-a22 trie-q8b8 trie-q4b6a22"

# same_as_query QUERY_OUTPUT GRAMS_SCORE_OUTPUT: every token's log10 (as a
# float32), n-gram length and OOV flag agree.
same_as_query() {
  python3 - "$1" "$2" <<'PY' || fail "$2 differs from KenLM query's $1"
import re, struct, sys
f32 = lambda x: struct.unpack('f', struct.pack('f', float(x)))[0]
q = [l for l in open(sys.argv[1]) if 'Total:' in l]
g = open(sys.argv[2]).read().splitlines()
assert len(q) == len(g), (len(q), len(g))
tokens = 0
for i, (ql, gl) in enumerate(zip(q, g)):
    qt, gt = ql.split('\t')[:-1], gl.split('\t')[3:]
    assert len(qt) == len(gt), (i + 1, ql, gl)
    for a, b in zip(qt, gt):
        word, vid, n, p = re.match(r'(.*)=(\d+) (\d+) (\S+)$', a).groups()
        w2, unk, p2, n2 = re.match(r'(.*)=(<unk>:)?(\S+):(\d+)$', b).groups()
        assert (w2, f32(p2), n2, bool(unk)) == (word, f32(p), n, vid == '0'), (i + 1, a, b)
        tokens += 1
print(f"  {sys.argv[2]}: {len(g)} lines, {tokens} tokens as query scored them")
PY
}

for L in $layouts; do
  grams-score --per-token --ngram-length "$K/tiny.$L" "$K/tiny.txt" > score.$L
  same_as_query "$K/tiny.$L.query.txt" score.$L
  grams-perplexity --json "$K/tiny.$L" "$K/tiny.txt" > ppl.$L.json
  python3 - ppl.$L.json "$K/tiny.$L.query.txt" <<'PY' || fail "tiny.$L: perplexity differs"
import json, sys
got = json.load(open(sys.argv[1]))
want = {}
for line in open(sys.argv[2]):
    if line.startswith('Perplexity including OOVs:'): want['perplexity'] = float(line.split('\t')[1])
    if line.startswith('Perplexity excluding OOVs:'): want['perplexity_excluding_oovs'] = float(line.split('\t')[1])
assert got['oovs'] == 4 and got['tokens'] == 42, got
for k, v in want.items():
    # query sums each sentence in a float, grams in double: the last digits
    assert abs(got[k] - v) <= 1e-6 * v, (k, got[k], v)
PY
  run grams-convert --check "$K/tiny.$L"
  expect_rc 0 "grams-convert --check tiny.$L"
  expect_out "tiny.$L: OK: order 5, 37 words, unit word"
done
echo "every layout scores as KenLM's query"

# Read whole when it is not a regular file: compressed, or through a pipe.
zstd -q -c "$K/tiny.trie-q8b8" > tiny.zst
grams-score --per-token --ngram-length tiny.zst "$K/tiny.txt" > score.zst
same_as_query "$K/tiny.trie-q8b8.query.txt" score.zst
grams-score --per-token --ngram-length - "$K/tiny.txt" < "$K/tiny.probing" > score.pipe
same_as_query "$K/tiny.probing.query.txt" score.pipe

# A trie converts; the results score as query did.
for L in trie trie-q4b6a22; do
  grams-convert "$K/tiny.$L" --to arpa -o $L.arpa
  grams-convert "$K/tiny.$L" --to model -o $L.lm
  grams-convert "$K/tiny.$L" --to mapped -o $L.lmm
  head -7 $L.arpa | grep -q "ngram 2=52" || fail "$L.arpa lacks the 52 2-grams of the trie"
  for m in $L.arpa $L.lm $L.lmm; do
    grams-score --per-token --ngram-length $m "$K/tiny.txt" > score.conv
    same_as_query "$K/tiny.$L.query.txt" score.conv
  done
done
echo "a trie converts to ARPA, a model file and a mapped model"

# A probing binary does not.
for to in arpa model mapped; do
  run grams-convert "$K/tiny.probing" --to $to -o out.$to
  expect_rc 1 "grams-convert probing --to $to"
  expect_error_line grams-convert
  expect_err "tiny.probing: is a KenLM binary in the probing layout, which can be scored but not converted"
  [[ ! -e out.$to ]] || fail "a refused conversion left out.$to"
done
echo "a probing binary refuses to convert, saying why"

# Damaged and foreign files.
head -c 1000 "$K/tiny.trie" > cut.bin
run grams-score cut.bin "$K/tiny.txt"
expect_rc 1 "a truncated binary"
expect_error_line grams-score
expect_err "cut.bin: truncated KenLM binary"
printf 'mmap lm http://kheafield.com/code format version 4\n\0' > v4.bin
head -c 200 /dev/zero >> v4.bin
run grams-perplexity v4.bin "$K/tiny.txt"
expect_rc 1 "version 4"
expect_err "v4.bin: KenLM binary format version 4, but grams reads version 5"
printf 'mmap lm http://kheafield.com/code incomplete\n' > inc.bin
head -c 300 /dev/zero >> inc.bin
run grams-score inc.bin "$K/tiny.txt"
expect_rc 1 "an unfinished binary"
expect_err "inc.bin: a KenLM binary that build_binary did not finish writing"
# A hash in the vocabulary damaged: loads (scores may be wrong), but
# grams-convert --check finds it.
cp "$K/tiny.trie" bad.trie
printf '\x99' | dd of=bad.trie bs=1 seek=$((0x98 + 8 + 8 * 5 + 7)) conv=notrunc 2>/dev/null
run grams-convert --check bad.trie
expect_rc 1 "--check on a damaged trie"
expect_err "bad.trie: damaged KenLM binary"
echo "kenlm_binary: all checks passed"
