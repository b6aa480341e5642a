# grams-score: options, errors, output formats, streaming into a closed pipe.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-score --per-token --json --line-buffered

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null

# Usage and input errors.
run grams-score
expect_rc 2 "no MODEL"
expect_err "try --help"
run grams-score no-such.lm corpus.txt
expect_rc 1 "missing model"
expect_error_line grams-score
expect_err "no-such.lm"
run grams-score m.lm corpus.txt no-such.txt
expect_rc 1 "missing input"
expect_err "no-such.txt"
[[ $(wc -l < out) == 6 ]] || { show; fail "lines scored before the missing input were lost"; }
grams-count -o c.counts corpus.txt
run grams-score c.counts corpus.txt
expect_rc 1 "counts file as model"
expect_error_line grams-score
expect_err "c.counts"

# One line out per line in, blank lines included: LOG10<TAB>TOKENS<TAB>OOVS.
printf 'the cat sat on the mat\n\nthe zebra sat\n  a   dog  \n' > input.txt
run grams-score m.lm input.txt
expect_rc 0 "score"
expect_no_err "score"
[[ $(wc -l < out) == 4 ]] || { show; fail "expected 4 output lines"; }
grep -Evq $'^-?[0-9]+\\.[0-9]{6}\t[0-9]+\t[0-9]+$' out && { show; fail "malformed score line"; }
[[ $(cut -f2,3 out | tr '\t\n' ' ,') == "7 0,1 0,4 1,3 0," ]] ||
  { show; fail "tokens/oovs columns wrong"; }
cp out plain.txt

# stdin, '-', and two files (= their concatenation) give the same lines.
grams-score m.lm < input.txt > stdin.txt
cmp -s stdin.txt plain.txt || fail "stdin output differs"
grams-score m.lm - < input.txt > dash.txt
cmp -s dash.txt plain.txt || fail "'-' output differs"
head -2 input.txt > i1.txt
tail -n +3 input.txt > i2.txt
grams-score m.lm i1.txt i2.txt > two.txt
cmp -s two.txt plain.txt || fail "two inputs differ from their concatenation"

# --per-token: TOKEN=LOG10 per token, </s> last, OOVs as TOKEN=<unk>:LOG10;
# the fields sum to the total.
run grams-score --per-token m.lm input.txt
expect_rc 0 "--per-token"
[[ $(cut -f1-3 out) == "$(cat plain.txt)" ]] || fail "--per-token changed the first columns"
sed -n 3p out | grep -q $'\tzebra=<unk>:-' || { show; fail "OOV not marked"; }
sed -n 2p out | grep -qx $'[^\t]*\t1\t0\t</s>=-[0-9.e-]*' || { show; fail "blank line not just </s>"; }
python3 - out <<'EOF' || fail "--per-token fields inconsistent"
import sys
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    total, tokens, oovs, detail = float(f[0]), int(f[1]), int(f[2]), f[3:]
    assert len(detail) == tokens, line
    assert detail[-1].startswith("</s>="), line
    vals, n_oov = [], 0
    for d in detail:
        word, value = d.rsplit("=", 1)
        if value.startswith("<unk>:"):
            n_oov += 1
            value = value[len("<unk>:"):]
        vals.append(float(value))
    assert n_oov == oovs, line
    assert abs(sum(vals) - total) < 1e-4, (sum(vals), total)
EOF

# --json (with and without --per-token) is valid JSON, strings escaped.
printf 'the "cat" sat\\ on\x01 the \xff mat\ttab\n\n' > odd.txt
cat input.txt odd.txt > all.txt
run grams-score --json m.lm all.txt
expect_rc 0 "--json"
check_json_lines out
run grams-score --json --per-token m.lm all.txt
expect_rc 0 "--json --per-token"
check_json_lines out
python3 - out plain.txt <<'EOF' || fail "--json contents wrong"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
plain = [l.split("\t") for l in open(sys.argv[2])]
assert len(objs) == 6
for o, p in zip(objs, plain):
    assert abs(o["log10prob"] - float(p[0])) < 1e-5 and o["tokens"] == int(p[1]) and o["oovs"] == int(p[2])
for o in objs:
    d = o["tokens_detail"]
    assert len(d) == o["tokens"] and d[-1]["token"] == "</s>"
    assert sum(t["oov"] for t in d) == o["oovs"]
    assert abs(sum(t["log10prob"] for t in d) - o["log10prob"]) < 1e-4
toks = [t["token"] for t in objs[4]["tokens_detail"]]
assert toks[:3] == ["the", '"cat"', "sat\\"], toks
assert toks[3] == "on\x01" and toks[5] == "<0xFF>", toks  # not UTF-8: escaped (grams/escape.h)
EOF

# A reader that goes away: exit 0, nothing on stderr.
for _ in $(seq 1 300); do cat corpus.txt; done > big1.txt
for _ in $(seq 1 20); do cat big1.txt; done > big.txt
set +e
grams-score --per-token m.lm big.txt 2>err | head -1 > out
rc=${PIPESTATUS[0]}
set -e
[[ $rc == 0 ]] || { show; fail "grams-score | head -1: exit $rc"; }
[[ $(wc -l < out) == 1 ]] || fail "head -1 got no line"
expect_no_err "grams-score | head -1"
set +e
grams-score m.lm < big.txt 2>err | head -1 > out
rc=${PIPESTATUS[0]}
set -e
[[ $rc == 0 ]] || { show; fail "stdin grams-score | head -1: exit $rc"; }
expect_no_err "stdin grams-score | head -1"

# Line-buffered mode answers each line as it comes (a coprocess).
coproc SCORER { grams-score --line-buffered m.lm; }
# Bash unsets SCORER and SCORER_PID once the coprocess exits: keep copies.
scorer_pid=$SCORER_PID
scorer_in=${SCORER[1]}
scorer_out=${SCORER[0]}
echo "the cat sat" >&"$scorer_in"
read -r -t 20 reply <&"$scorer_out" || fail "--line-buffered gave no answer"
re=$'^-?[0-9]+\\.[0-9]{6}\t4\t0$'
[[ $reply =~ $re ]] || fail "--line-buffered answer malformed: $reply"
eval "exec $scorer_in>&-"
wait "$scorer_pid" || fail "coprocess exited non-zero"
# A first line shorter than any file magic is answered at once too (the
# sniffing of compressed and binary input reads no further than it must).
for first in "" "a"; do
  coproc SCORER { grams-score --line-buffered m.lm; }
  scorer_pid=$SCORER_PID
  scorer_in=${SCORER[1]}
  scorer_out=${SCORER[0]}
  echo "$first" >&"$scorer_in"
  read -r -t 20 reply <&"$scorer_out" || fail "--line-buffered: no answer to the line '$first'"
  eval "exec $scorer_in>&-"
  wait "$scorer_pid" || fail "coprocess exited non-zero"
done

# ARPA models load directly and score the same.
grams-count --order 3 corpus.txt 2>/dev/null | grams-build --arpa m.arpa 2>/dev/null
run grams-score m.arpa input.txt
expect_rc 0 "score with an ARPA model"
python3 - out plain.txt <<'EOF' || fail "ARPA model scores differently"
import sys
a = [l.split("\t") for l in open(sys.argv[1])]
b = [l.split("\t") for l in open(sys.argv[2])]
assert len(a) == len(b)
for x, y in zip(a, b):
    assert abs(float(x[0]) - float(y[0])) < 1e-4 and x[1:] == y[1:], (x, y)
EOF

echo "score: all checks passed"
