# grams-score and grams-perplexity on threads (-j): the same bytes as -j1 in
# every output mode; errors (invalid UTF-8, a truncated input, a missing
# file) after exactly the output of the lines before them, whatever -j;
# results while the input is still arriving; a reader going away.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"
zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > train.txt
cp "$GRAMS_SOURCE_DIR/data/kjv-test.txt" test.txt
grams-count -q --order 4 train.txt | grams-build -q -o m.lm
grams-count -q --order 5 --unit char test.txt | grams-build -q -o chars.lm
grams-count -q --order 5 --unit char --boundaries none test.txt | grams-build -q -o stream.lm
# Large enough for many 64 KiB batches (1.4 MB, 9968 lines), with blank lines.
for _ in $(seq 1 16); do cat test.txt; echo; done > big.txt
cat big.txt big.txt > big2.txt

run grams-score -j -1 m.lm test.txt
expect_rc 2 "-j -1"
expect_err "--threads must be between 0 and 256"
run grams-perplexity --threads 1000 m.lm test.txt
expect_rc 2 "--threads 1000"

# same_bytes WHAT ARGS...: grams-score ARGS at -j1 and at -j2, -j5 and the
# default (every core) writes the same stdout and stderr, exit code too.
# Standard input is $STDIN_FILE (or empty).
same_bytes() {
  local what=$1
  shift
  run grams-score -j1 "$@" < "${STDIN_FILE:-/dev/null}"
  local rc1=$RC
  mv out out.1
  mv err err.1
  [[ -s out.1 || $rc1 != 0 ]] || fail "$what: -j1 wrote nothing"
  for j in 2 5 0; do
    run grams-score -j$j "$@" < "${STDIN_FILE:-/dev/null}"
    [[ $RC == "$rc1" ]] || { show; fail "$what: -j$j exit $RC, -j1 exit $rc1"; }
    cmp -s out out.1 || fail "$what: -j$j stdout differs from -j1"
    cmp -s err err.1 || { show; fail "$what: -j$j stderr differs from -j1"; }
  done
}

same_bytes "plain" m.lm big.txt
STDIN_FILE=big.txt same_bytes "two inputs, one from stdin" m.lm test.txt -
same_bytes "--per-token" --per-token m.lm big.txt
same_bytes "--json --per-token --ngram-length" --json --per-token --ngram-length m.lm big.txt
same_bytes "every column" --per-token --ngram-length --with-perplexity --with-line m.lm big.txt
same_bytes "--color=always" --per-token --color=always m.lm big.txt
same_bytes "fragments" --no-bos --no-eos --per-token m.lm big.txt
same_bytes "--max-perplexity" --max-perplexity 150 m.lm big.txt
same_bytes "--min-log10prob-per-token" --min-log10prob-per-token -2.5 m.lm big.txt
same_bytes "char units, escaped" --per-token --json chars.lm big.txt
same_bytes "a stream model (one thread)" --per-token stream.lm big.txt
same_bytes "--line-buffered" --line-buffered --with-line m.lm big.txt
python3 - big.txt > docs.jsonl <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
for i in range(0, len(lines) - 1, 5):
    print(json.dumps({"id": i, "text": "\n".join(lines[i:i + 5]), "meta": {"n": [i, None]}},
                     ensure_ascii=i % 2 == 0))
EOF
same_bytes "--jsonl" --jsonl m.lm docs.jsonl
same_bytes "--jsonl --max-perplexity" --jsonl --max-perplexity 100 m.lm docs.jsonl
grams-score --html page1.html -j1 m.lm big.txt > /dev/null
grams-score --html page4.html -j4 m.lm big.txt > /dev/null
cmp -s page1.html page4.html || fail "--html: -j4 page differs from -j1"

for json in "" --json; do
  grams-perplexity -j1 $json m.lm big2.txt > p1
  for j in 2 4 0; do
    grams-perplexity -j$j $json m.lm big2.txt > pj
    cmp -s p1 pj || fail "grams-perplexity $json -j$j differs from -j1"
  done
done

# Errors. Invalid UTF-8 on line 8000, in the 20th batch or so, for a char model: the
# lines before it are written, then one error line naming the file, the line
# and the byte offset; nothing after it, at any -j.
lines=$(wc -l < big.txt)
python3 - big.txt > bad.txt <<'EOF'
import sys
data = open(sys.argv[1], "rb").read().split(b"\n")
data[7999] = data[7999][:3] + b"\xff" + data[7999][3:] if len(data[7999]) > 3 else b"abc\xff"
sys.stdout.buffer.write(b"\n".join(data))
EOF
offset=$(python3 -c 'import sys; d=open("bad.txt","rb").read(); print(d.index(b"\xff"))')
same_bytes "invalid UTF-8" --per-token chars.lm bad.txt
[[ $RC == 1 ]] || fail "invalid UTF-8: exit $RC"
expect_error_line grams-score
expect_err "bad.txt:8000: byte offset $offset: invalid UTF-8"
[[ $(wc -l < out) == 7999 ]] || fail "invalid UTF-8: $(wc -l < out) lines written, not 7999"
same_bytes "invalid UTF-8, filtering" --max-perplexity 1e9 chars.lm bad.txt
[[ $(head -c 100000 bad.txt | head -n 3) == "$(head -n 3 out)" ]] || fail "filter: lines changed"
[[ $(wc -l < out) == 7999 ]] || fail "filter and invalid UTF-8: $(wc -l < out) lines, not 7999"
{ head -100 docs.jsonl; printf '{"text":"a\xff"}\n'; head -5 docs.jsonl; } > bad.jsonl
same_bytes "invalid UTF-8 in a JSON line" --jsonl m.lm bad.jsonl
expect_err ":101: byte offset"
[[ $(wc -l < out) == 100 ]] || fail "bad JSON line: $(wc -l < out) lines written, not 100"
# A truncated compressed input: its lines up to the damage, then the error.
zst=$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst
head -c $(( $(wc -c < "$zst") * 2 / 3 )) "$zst" > cut.txt.zst
same_bytes "truncated input" m.lm cut.txt.zst
[[ $RC == 1 ]] || fail "truncated input: exit $RC"
expect_err "cut.txt.zst"
n=$(wc -l < out)
((n > 10000 && n < $(wc -l < train.txt))) || fail "truncated input: $n lines written"
# A missing second file.
same_bytes "missing file" m.lm big.txt no-such.txt
expect_err "no-such.txt"
[[ $(wc -l < out) == "$lines" ]] || fail "missing file: the first file's lines were not all written"
run grams-perplexity -j4 m.lm bad.txt
run grams-perplexity -j4 chars.lm bad.txt
expect_rc 1 "grams-perplexity -j4, invalid UTF-8"
expect_err "bad.txt:8000: byte offset $offset: invalid UTF-8"
[[ ! -s out ]] || fail "grams-perplexity printed a report despite the error"

# Streaming: with the input still open, results come as the lines arrive
# (line-buffered: each line; otherwise at least every buffer of output).
for j in 1 4; do
  coproc SCORER { grams-score -j$j --line-buffered m.lm; }
  scorer_pid=$SCORER_PID
  scorer_in=${SCORER[1]}
  scorer_out=${SCORER[0]}
  for sentence in "in the beginning" "and god said" "let there be light"; do
    echo "$sentence" >&"$scorer_in"
    read -r -t 20 reply <&"$scorer_out" || fail "-j$j --line-buffered: no answer to '$sentence'"
    [[ $reply =~ ^-?[0-9]+\.[0-9]{6}$'\t'[0-9]+$'\t'[0-9]+$ ]] || fail "-j$j: malformed answer: $reply"
  done
  eval "exec $scorer_in>&-"
  wait "$scorer_pid" || fail "-j$j coprocess exited non-zero"
done
mkfifo slow
for j in 1 3; do
  # 5.6 MB of input, then the pipe stays open for 240 s: the output of the
  # lines read must not wait for its end. Several output buffers (256 KB)
  # are awaited for at most 180 s, well before the input closes (only a
  # failure waits that long).
  { cat big2.txt big2.txt; exec sleep 240; } > slow &
  writer=$!
  # Emptied here, not only by the redirection below: that happens in the
  # background job, and a check run before it would see the last
  # iteration's output (so passing at once, then failing on the emptied
  # file: the flake of stop 23).
  : > streamed.txt
  grams-score -j$j --per-token m.lm < slow > streamed.txt &
  scorer=$!
  deadline=$((SECONDS + 180))
  until [[ $(wc -c < streamed.txt) -gt 262144 ]] || ((SECONDS >= deadline)); do
    sleep 0.1
  done
  [[ $(wc -c < streamed.txt) -gt 262144 ]] || fail "-j$j: no output while the input was open"
  kill_tree "$writer"
  wait "$scorer" || true
done

# A reader that goes away: exit 0 at once, nothing on stderr, even when the
# input is still open and idle.
for j in 1 2 8; do
  set +e
  grams-score -j$j --per-token m.lm big2.txt 2>err | head -1 > out
  rc=${PIPESTATUS[0]}
  set -e
  [[ $rc == 0 ]] || { show; fail "-j$j | head -1: exit $rc"; }
  expect_no_err "-j$j | head -1"
  { echo "in the beginning"; sleep 1; head -50 test.txt; exec sleep 90; } > slow &
  feeder=$!
  start=$SECONDS
  set +e
  grams-score -j$j --line-buffered m.lm < slow 2>err | head -1 > out
  rc=${PIPESTATUS[0]}
  set -e
  elapsed=$((SECONDS - start))
  kill_tree "$feeder"
  [[ $rc == 0 ]] || { show; fail "-j$j idle input | head -1: exit $rc"; }
  expect_no_err "-j$j idle input | head -1"
  ((elapsed < 45)) || fail "-j$j: waited ${elapsed}s for the idle input after its reader went away"
done

echo "score_parallel: all checks passed"
