# grams-score --jsonl: documents in JSON Lines, each object written back
# with its scores (members and their order kept), the document's perplexity
# over all its lines as CCNet computes it; --field; filters on documents;
# malformed lines (not JSON, not an object, no field, not a string, invalid
# UTF-8, too deep) as errors naming the line, or skipped and counted with
# --skip-bad-lines; the fuzz corpus of the reader replayed through the tool.
source "$(dirname "$0")/lib.bash"

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null

python3 - > docs.jsonl <<'EOF'
import json
docs = [
    {"id": 1, "text": "the cat sat on the mat\nthe dog sat on the log", "lang": "en"},
    {"text": "a zebra ate the fish", "id": 2, "tags": ["x", {"deep": [1, 2.5, None, True]}]},
    {"id": 3, "meta": {"url": "http://example.org/\u00e9"}, "text": ""},
    {"id": 4, "text": "the bird sat\n\nthe cat ate a bone\n", "perplexity": "old"},
    {"id": 5, "text": "na\u00efve caf\u00e9 \u4e2d\u6587 \"quoted\" back\\slash\ttab"},
]
for d in docs:
    print(json.dumps(d, ensure_ascii=d["id"] % 2 == 0))
EOF
run grams-score --jsonl m.lm docs.jsonl
expect_rc 0 "--jsonl"
expect_no_err "--jsonl"
check_json_lines out
cp out scored.jsonl
# Each document's lines scored as sentences (as grams-score scores them),
# its perplexity 10^(-sum log10 p / sum tokens) (CCNet), other members kept
# in order, the score members added last (or replaced where they stand).
python3 - docs.jsonl scored.jsonl <<'EOF' || fail "--jsonl objects wrong"
import json, subprocess, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(docs) == len(out) == 5
for d, o in zip(docs, out):
    keys = list(d) + [k for k in ("log10prob", "tokens", "oovs", "perplexity") if k not in d]
    assert list(o) == keys, (list(o), keys)
    for k in d:
        if k != "perplexity":
            assert o[k] == d[k], (k, o[k], d[k])
    lines = d["text"].split("\n")
    res = subprocess.run(["grams-score", "m.lm"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    assert len(res) == len(lines), (res, lines)
    lp = sum(float(r.split("\t")[0]) for r in res)
    tokens = sum(int(r.split("\t")[1]) for r in res)
    oovs = sum(int(r.split("\t")[2]) for r in res)
    assert abs(o["log10prob"] - lp) < 1e-5 and o["tokens"] == tokens and o["oovs"] == oovs, (o, lp)
    assert abs(o["perplexity"] - 10 ** (-o["log10prob"] / tokens)) < 1e-9 * o["perplexity"]
assert out[2]["tokens"] == 1  # an empty text is one empty sentence: </s>
EOF
grep -q '"url":"http://example.org/é"' scored.jsonl || fail "UTF-8 not kept as is"

# --field, stdin, compressed input, -j.
sed 's/"text"/"body"/' docs.jsonl | gzip > body.jsonl.gz
run grams-score --jsonl --field body m.lm body.jsonl.gz
expect_rc 0 "--field body"
[[ $(sed 's/"body"/"text"/' out) == "$(cat scored.jsonl)" ]] || fail "--field body scores differently"
run grams-score --jsonl m.lm < docs.jsonl
cmp -s out scored.jsonl || fail "--jsonl from stdin differs"

# Filters print the documents that pass, unchanged: here the three of
# lowest perplexity.
bound=$(python3 -c 'import json; print(repr(sorted(json.loads(l)["perplexity"]
                    for l in open("scored.jsonl", encoding="utf-8"))[2]))')
python3 - scored.jsonl "$bound" > expected <<'EOF'
import json, sys
for line, raw in zip(open(sys.argv[1], encoding="utf-8"), open("docs.jsonl", encoding="utf-8")):
    if json.loads(line)["perplexity"] <= float(sys.argv[2]):
        sys.stdout.write(raw)
EOF
run grams-score --jsonl --max-perplexity "$bound" m.lm docs.jsonl
expect_rc 0 "--jsonl --max-perplexity"
cmp -s out expected || { show; fail "--jsonl --max-perplexity: wrong documents"; }
[[ $(wc -l < expected) == 3 ]] || fail "the filter test should keep 3 documents"

# Malformed lines: an error naming the file and line, after the documents
# before it; or skipped and counted.
good=$(head -2 docs.jsonl)
bad_line() {  # bad_line LINE EXPECTED-MESSAGE (an extended regular expression)
  { echo "$good"; printf '%s\n' "$1"; echo "$good"; } > bad.jsonl
  for j in 1 3; do
    run grams-score -j$j --jsonl m.lm bad.jsonl
    expect_rc 1 "bad line: $1"
    expect_error_line grams-score
    grep -qE -- "^grams-score: error: bad.jsonl:3: $2" err || { show; fail "stderr lacks '$2'"; }
    cmp -s out <(head -2 scored.jsonl) || { show; fail "bad line $1: the documents before it"; }
  done
  run grams-score --jsonl --skip-bad-lines m.lm bad.jsonl
  expect_rc 0 "--skip-bad-lines: $1"
  grep -qE -- "warning: skipped 1 malformed line \(the first: bad.jsonl:3: $2" err ||
    { show; fail "--skip-bad-lines: stderr lacks '$2'"; }
  [[ $(wc -l < out) == 4 ]] || { show; fail "--skip-bad-lines: 4 documents expected"; }
}
at=$(( $(echo "$good" | wc -c) ))  # the offset of the bad line
bad_line 'not json' "byte offset $((at + 1)): not JSON \(syntax error while parsing value - invalid literal"
bad_line '{"text": "a",}' "byte offset $((at + 13)): not JSON \(syntax error while parsing object key"
bad_line '' "byte offset $at: not JSON \(syntax error while parsing value - unexpected end of input"
bad_line '{"text": "a", "x": -1e999}' "not JSON \(number overflow parsing '-1e999'\)"
bad_line '[1, 2]' "not a JSON object \(an array\)"
bad_line '"the cat"' "not a JSON object \(a string\)"
bad_line 'null' "not a JSON object \(null\)"
bad_line '{"id": 9}' 'no "text" field'
bad_line '{"text": null}' 'the "text" field is null, not a string'
bad_line '{"text": 1.5}' 'the "text" field is a number, not a string'
bad_line '{"text": {"a": 1}}' 'the "text" field is an object, not a string'
bad_line '{"text": "a\ud800"}' "byte offset [0-9]+: not JSON \(syntax error while parsing value - invalid string: surrogate"
bad_line "{\"text\": \"caf$(printf '\xe9')\"}" "byte offset $((at + 13)): invalid UTF-8"
bad_line "{\"text\":\"a\",\"x\":$(printf '%.0s[' $(seq 600))$(printf '%.0s]' $(seq 600))}" \
  "nested deeper than 512 levels"
# Several, counted; the first named.
{ echo "$good"; echo '[]'; echo "$good"; echo '{}'; echo 'x'; } > bad.jsonl
run grams-score -j2 --jsonl --skip-bad-lines m.lm bad.jsonl
expect_rc 0 "--skip-bad-lines, three bad lines"
expect_err "skipped 3 malformed lines (the first: bad.jsonl:3: not a JSON object (an array))"
[[ $(wc -l < out) == 4 ]] || fail "--skip-bad-lines: the good documents"

# A model read as one stream cannot score documents as sentences.
grams-count --order 3 --unit char --boundaries none corpus.txt 2>/dev/null |
  grams-build -o stream.lm 2>/dev/null
run grams-score --jsonl stream.lm docs.jsonl
expect_rc 1 "--jsonl with a stream model"
expect_err "one stream"

# The fuzz corpus of the JSON Lines reader (tests/fuzz/corpus/jsonl, each
# seed an options byte and lines): every line a document or an error, never
# a crash, with -j1 and -j3 alike.
corpus=${GRAMS_SOURCE_DIR:-}/tests/fuzz/corpus/jsonl
if [[ -d $corpus ]]; then
  for seed in "$corpus"/*; do
    tail -c +2 "$seed" > seed.jsonl
    for j in 1 3; do
      run grams-score -j$j --jsonl --skip-bad-lines m.lm seed.jsonl
      [[ $RC == 0 || $RC == 1 ]] || { show; fail "$seed: exit $RC"; }
      [[ $j == 1 ]] && { mv out seed.out; mv err seed.err; continue; }
      cmp -s out seed.out && cmp -s err seed.err || fail "$seed: -j3 differs from -j1"
    done
  done
fi

echo "score_jsonl: all checks passed"
