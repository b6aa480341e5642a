# grams-predict: options, errors, and the top K against a brute force through
# grams-score (every unit of the vocabulary appended to the prefix and
# scored), for word, character and byte models and Stupid Backoff.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

check_common_cli grams-predict --top-k --prob --json --no-bos --unk --line-buffered

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null

run grams-predict
expect_rc 2 "no MODEL"
expect_err "try --help"
run grams-predict -k 0 m.lm
expect_rc 2 "-k 0"
expect_err "--top-k"
run grams-predict no-such.lm
expect_rc 1 "missing model"
expect_error_line grams-predict
expect_err "no-such.lm"
echo "the" > p.txt
run grams-predict m.lm p.txt no-such.txt
expect_rc 1 "missing input"
expect_err "no-such.txt"
printf 'the cat\n\xff\xfe\n' > bad.txt
grams-count --order 2 --unit char corpus.txt 2>/dev/null | grams-build -o c.lm 2>/dev/null
run grams-predict c.lm bad.txt
expect_rc 1 "invalid UTF-8"
expect_error_line grams-predict
expect_err "bad.txt:2: byte offset 8: invalid UTF-8"

# Text output: one line per prefix, K tab-separated "UNIT LOG10" fields.
printf 'the cat\n\nthe zebra sat on\n' | grams-predict -k 3 m.lm > out.txt
[[ $(wc -l < out.txt) == 3 ]] || { cat out.txt; fail "expected 3 lines"; }
awk -F'\t' 'NF != 3 { exit 1 }' out.txt || { cat out.txt; fail "expected 3 fields per line"; }
head -1 out.txt | grep -qP '^ate -[0-9.]+\tsat -[0-9.]+\t</s> -' || { cat out.txt; fail "'ate', 'sat', '</s>' should follow 'the cat'"; }
grams-predict --prob -k 2 m.lm <<< "the cat" | awk -F'\t' '{ split($1, f, " "); if (f[3] != 10 ^ f[2] && (f[3] - 10 ^ f[2]) ^ 2 > 1e-12) exit 1 }' ||
  fail "--prob is not 10^log10prob"

# brute PREFIXES MODEL K [OPTIONS]: grams-predict's top K for each prefix
# against grams-score's score of every unit after it.
brute() {
  local prefixes=$1 model=$2 k=$3
  shift 3
  grams-predict --json -k "$k" "$@" "$model" "$prefixes" > pred.jsonl || fail "grams-predict failed"
  check_json_lines pred.jsonl
  grams-info --vocab "$model" > vocab.txt || fail "grams-info --vocab failed"
  "$PY" - "$prefixes" "$model" "$k" vocab.txt pred.jsonl "$@" <<'EOF' || fail "top $k of $model differs from the brute force"
import json, subprocess, sys
prefixes, model, k, vocab_file, pred_file = sys.argv[1:6]
opts = sys.argv[6:]
k = int(k)
unk = "--unk" in opts
vocab = [line.rstrip("\n").split("\t")[-1] for line in open(vocab_file, encoding="utf-8")]
unit = subprocess.run(["grams-info", "--json", model], capture_output=True, text=True, check=True)
info = json.loads(unit.stdout)
is_word = info["tokenizer"]["unit"] == "word"
sep = " " if is_word else ""
def unescape(u):
    if u == "<sp>": return " "
    out, i = "", 0
    while i < len(u):
        if u.startswith("<0x", i) and u[i+5:i+6] == ">":
            out += chr(int(u[i+3:i+5], 16)); i += 6
        else:
            out += u[i]; i += 1
    return out
preds = [json.loads(l) for l in open(pred_file, encoding="utf-8")]
lines = [l.rstrip("\n") for l in open(prefixes, encoding="utf-8")]
assert len(preds) == len(lines), (len(preds), len(lines))
for line, pred in zip(lines, preds):
    assert pred["prefix"] == line
    # Every candidate as a line "prefix unit"; </s> from the prefix alone.
    cands = [u for u in vocab if u not in ("<s>", "<unk>", "</s>")]
    texts = [line] + [(line + sep + unescape(u)) if line else unescape(u) for u in cands]
    r = subprocess.run(["grams-score", "--json", "--per-token", model], input="\n".join(texts) + "\n",
                       capture_output=True, text=True, check=True)
    scored = [json.loads(x) for x in r.stdout.splitlines()]
    n = len(scored[0]["tokens_detail"]) - 1  # the prefix's units
    table = {"</s>": scored[0]["tokens_detail"][n]["log10prob"]}
    for u, s in zip(cands, scored[1:]):
        det = s["tokens_detail"]
        if len(det) != n + 2: continue  # a unit the tokenizer splits or drops (whitespace)
        table[u] = det[n]["log10prob"]
    if unk:
        pass  # <unk> cannot be typed: checked by the unit tests
    ranked = sorted(table.items(), key=lambda kv: -kv[1])
    got = [(p["unit"], p.get("log10prob", p.get("log10score"))) for p in pred["predictions"]]
    assert len(got) == min(k, len(ranked)), (line, got)
    for (u, v) in got:
        assert u in table, (line, u)
        assert abs(table[u] - v) < 1e-6, (line, u, table[u], v)
    # Nothing better was left out: the K-th best of the brute force is not
    # above the last prediction (ties may pick either unit).
    kth = ranked[len(got) - 1][1]
    assert abs(kth - got[-1][1]) < 1e-6, (line, kth, got[-1])
    assert [v for _, v in got] == sorted([v for _, v in got], reverse=True)
EOF
}

printf 'the cat\nthe\n\nthe zebra sat on\na dog ate\nfish\n' > word_prefixes.txt
brute word_prefixes.txt m.lm 5
brute word_prefixes.txt m.lm 100
printf 'the c\nth\n\nsat on the m\nzq\n' > char_prefixes.txt
brute char_prefixes.txt c.lm 4
grams-count --order 4 --unit byte corpus.txt 2>/dev/null | grams-build -o b.lm 2>/dev/null
brute char_prefixes.txt b.lm 6

# A JSON line per prefix, </s> among the units; with -k the size of the
# vocabulary the probabilities sum to 1 (<s> and <unk> aside).
run grams-predict --json --unk -k 100000 m.lm <<< "the cat sat on the"
expect_rc 0 "--json --unk"
"$PY" - out <<'EOF' || fail "the full distribution does not sum to 1"
import json, sys
p = json.load(open(sys.argv[1]))
units = [x["unit"] for x in p["predictions"]]
assert "</s>" in units and "<unk>" in units and "<s>" not in units, units
total = sum(x["prob"] for x in p["predictions"])
assert abs(total - 1) < 1e-5, total
EOF

# --no-bos: the prefix does not start a sentence.
diff <(grams-predict -k 3 m.lm <<< "the") <(grams-predict --no-bos -k 3 m.lm <<< "<s> the") ||
  fail "'the' after <s> differs from the fragment '<s> the'"

# Stupid Backoff: a warning, and scores under their own name.
grams-count --order 3 corpus.txt 2>/dev/null | grams-build --smoothing stupid -o sb.lm 2>/dev/null
run grams-predict --json -k 3 sb.lm <<< "the cat"
expect_rc 0 "stupid"
expect_err "scores, not probabilities"
expect_out '"log10score"'
brute word_prefixes.txt sb.lm 5

# KenLM binaries: a trie predicts as its ARPA; a probing binary and a mapped
# model keep no n-grams, and say so.
K=$GRAMS_SOURCE_DIR/tests/formats/kenlm
diff <(grams-predict -k 5 --prob "$K/tiny.arpa" < "$K/tiny.txt") \
     <(grams-predict -k 5 --prob "$K/tiny.trie" < "$K/tiny.txt") || fail "the trie binary predicts differently"
run grams-predict "$K/tiny.probing" "$K/tiny.txt"
expect_rc 1 "probing binary"
expect_err "probing layout"
grams-convert m.lm --to mapped -o m.lmm
run grams-predict m.lmm p.txt
expect_rc 1 "mapped model"
expect_err "mapped model"

echo "predict: all checks passed"
