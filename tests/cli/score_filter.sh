# grams-score for ranking and filtering: --with-perplexity and --with-line,
# the filters (--max/--min-perplexity, --max/--min-log10prob-per-token)
# printing the lines that pass unchanged, fragments (--no-bos, --no-eos) and
# --ngram-length (against KenLM's Python module when the shared models are
# there), --color, and the usage errors of options that do not go together.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-score --per-token --json --line-buffered --threads --ngram-length \
  --with-perplexity --with-line --max-perplexity --min-perplexity --max-log10prob-per-token \
  --min-log10prob-per-token --no-bos --no-eos --jsonl --field --skip-bad-lines --color --html

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null
printf 'the cat sat on the mat\n\nthe zebra sat\n  a   dog  \nthe\tcat\tate the fish \r\nthe bird sat on the log\na dog ate a bone' > input.txt

# --with-perplexity and --with-line: two more columns, the line unchanged
# (its tabs and CR too); --per-token fields between them.
run grams-score --with-perplexity --with-line m.lm input.txt
expect_rc 0 "--with-perplexity --with-line"
cp out ranked.txt
grams-score m.lm input.txt > plain.txt
grams-score --per-token --ngram-length --with-perplexity --with-line m.lm input.txt > all.txt
python3 - ranked.txt plain.txt input.txt all.txt <<'EOF' || fail "--with-perplexity/--with-line columns wrong"
import sys
ranked = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
plain = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
lines = open(sys.argv[3], "rb").read().split(b"\n")
full = open(sys.argv[4], "rb").read().split(b"\n")[:-1]
assert len(ranked) == len(plain) == len(lines) == len(full) == 7
for r, p, line, f in zip(ranked, plain, lines, full):
    cols = r.split(b"\t", 4)
    assert b"\t".join(cols[:3]) == p, (r, p)
    lp, tokens = float(cols[0]), int(cols[1])
    ppl = 10 ** (-lp / tokens)
    assert abs(float(cols[3]) - ppl) <= 1e-4 * max(1, ppl) + 5e-5, (cols[3], ppl)
    assert cols[4] == line, (cols[4], line)
    fc = f.split(b"\t")
    assert fc[:4] == cols[:4], (fc, cols)
    detail = fc[4:4 + tokens]
    assert len(detail) == tokens and detail[-1].startswith(b"</s>="), f
    for d in detail:
        word, value = d.rsplit(b"=", 1)
        parts = value.split(b":")
        assert 1 <= int(parts[-1]) <= 3, d  # the matched n-gram: 1 to the order
    assert b"\t".join(fc[4 + tokens:]) == line, f
EOF
run grams-score --json --with-perplexity --with-line --per-token --ngram-length m.lm input.txt
check_json_lines out
python3 - out all.txt input.txt <<'EOF' || fail "--json --with-perplexity/--with-line wrong"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
tsv = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8", newline="\n")]
lines = open(sys.argv[3], encoding="utf-8", newline="").read().split("\n")
for o, t, line in zip(objs, tsv, lines):
    assert list(o) == ["log10prob", "tokens", "oovs", "perplexity", "tokens_detail", "line"], list(o)
    assert o["line"] == line, (o["line"], line)
    assert abs(o["perplexity"] - float(t[3])) <= 1e-4 * max(1, o["perplexity"]), (o, t)
    for d, field in zip(o["tokens_detail"], t[4:]):
        assert list(d) == ["token", "log10prob", "ngram_length", "oov"], d
        assert field.endswith(":%d" % d["ngram_length"]), (d, field)
EOF

# Filters: the lines that pass, byte for byte, in input order; every bound
# given must hold (inclusive); a line with no token passes none.
check_filter() {  # check_filter ARGS... -- PYTHON-CONDITION-ON(ppl, mean)
  local args=() cond
  while [[ $1 != -- ]]; do args+=("$1"); shift; done
  cond=$2
  run grams-score "${args[@]}" m.lm input.txt
  expect_rc 0 "filter ${args[*]}"
  expect_no_err "filter ${args[*]}"
  python3 - out ranked.txt "$cond" <<'EOF' || fail "filter ${args[*]}: wrong lines"
import sys
got = open(sys.argv[1], "rb").read()
want = b""
for r in open(sys.argv[2], "rb").read().split(b"\n")[:-1]:
    cols = r.split(b"\t", 4)
    lp, tokens = float(cols[0]), int(cols[1])
    ppl, mean = 10 ** (-lp / tokens), lp / tokens
    if eval(sys.argv[3]):
        want += cols[4] + b"\n"
assert got == want, (got, want)
EOF
}
ppls=$(cut -f4 ranked.txt | sort -g | tr '\n' ' ')
read -r -a sorted <<< "$ppls"
mid=${sorted[3]}
check_filter --max-perplexity 1e300 -- 'True'
check_filter --max-perplexity "$mid" -- "ppl <= $mid * (1 + 1e-9)"
check_filter --min-perplexity "$mid" -- "ppl >= $mid * (1 - 1e-9)"
check_filter --max-perplexity 50 --min-perplexity 5 -- 'ppl <= 50 and ppl >= 5'
check_filter --min-log10prob-per-token -1.2 -- 'mean >= -1.2'
check_filter --max-log10prob-per-token -1 -- 'mean <= -1'
check_filter --max-perplexity 0 -- 'False'
[[ $(grams-score --max-perplexity 1e300 m.lm input.txt | cmp - <(cat input.txt; echo)) == "" ]] ||
  fail "a filter everything passes changed the input"
# In the middle of a pipe, from stdin.
[[ $(grams-score --min-perplexity 0 m.lm < input.txt | wc -l) == 7 ]] || fail "stdin filter"
run grams-score --no-eos --max-perplexity 1e300 m.lm input.txt
[[ $(wc -l < out) == 6 ]] || { show; fail "--no-eos: the blank line (no token) must fail the filter"; }

# Fragments: --no-eos drops </s>, --no-bos scores the first unit without
# context; the tokens column and the fields follow.
grams-score --per-token --no-eos m.lm input.txt > noeos.txt
grams-score --per-token --no-bos m.lm input.txt > nobos.txt
grams-score --per-token --no-bos --no-eos m.lm input.txt > neither.txt
grams-score --per-token m.lm input.txt > both.txt
python3 - both.txt noeos.txt nobos.txt neither.txt <<'EOF' || fail "--no-bos/--no-eos wrong"
import sys
def load(path):
    rows = []
    for line in open(path, "rb").read().split(b"\n")[:-1]:
        f = line.split(b"\t")
        rows.append((float(f[0]), int(f[1]), [d.rsplit(b"=", 1) for d in f[3:]]))
    return rows
both, noeos, nobos, neither = map(load, sys.argv[1:5])
for b, e, s, n in zip(both, noeos, nobos, neither):
    assert e[1] == b[1] - 1 and n[1] == b[1] - 1 and s[1] == b[1], (b, e)
    assert e[2] == b[2][:-1], (b, e)  # the same tokens and values, without </s>
    assert all(not w.startswith(b"</s>") for w, _ in n[2])
    assert n[2] == s[2][:-1]
    if b[1] > 1:  # the first word now has no context: a different score
        assert s[2][0] != b[2][0], (b, s)
EOF
shared=${GRAMS_SHARED_DIR:-}
arpa=$shared/reference/brown.o3.kenlm.arpa.zst
kenlm_dir=$shared/tools/kenlm
if [[ -n $shared && -f $arpa && -f $shared/corpora/brown/test.txt ]] &&
   PYTHONPATH=$kenlm_dir /usr/bin/python3 -c 'import kenlm' 2>/dev/null; then
  zstd -dc "$arpa" > brown.arpa
  head -300 "$shared/corpora/brown/test.txt" > brown.txt
  for flags in "" "--no-bos" "--no-eos" "--no-bos --no-eos"; do
    # shellcheck disable=SC2086
    grams-score --json --per-token --ngram-length $flags brown.arpa brown.txt > "g$flags.jsonl"
  done
  PYTHONPATH=$kenlm_dir /usr/bin/python3 - brown.arpa brown.txt <<'EOF' 2>/dev/null ||
import json, kenlm, sys
model = kenlm.Model(sys.argv[1])
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
for flags, bos, eos in [("", True, True), ("--no-bos", False, True), ("--no-eos", True, False),
                        ("--no-bos --no-eos", False, False)]:
    got = [json.loads(l) for l in open("g%s.jsonl" % flags, encoding="utf-8")]
    assert len(got) == len(lines)
    for g, line in zip(got, lines):
        assert abs(g["log10prob"] - model.score(line, bos=bos, eos=eos)) < 1e-4, (flags, line)
        full = list(model.full_scores(line, bos=bos, eos=eos))
        assert len(full) == g["tokens"], (flags, line)
        for d, (lp, n, oov) in zip(g["tokens_detail"], full):
            assert abs(d["log10prob"] - lp) < 1e-5 and d["ngram_length"] == n and d["oov"] == oov, \
                (flags, line, d, (lp, n, oov))
EOF
    fail "fragments or n-gram lengths differ from KenLM's score/full_scores"
  echo "  KenLM: score(bos, eos) and full_scores agree on 300 Brown sentences"
else
  echo "note: the shared KenLM module or models not found; KenLM fragment parity skipped"
fi

# --color: never when piped (auto), always when asked, a legend on stderr;
# on a terminal (script(1)) with --per-token by default, unless never/NO_COLOR.
run grams-score --per-token m.lm input.txt
grep -q $'\033' out && fail "--color auto coloured a pipe"
run grams-score --per-token --color=always m.lm input.txt
expect_rc 0 "--color=always"
grep -q $'\033\\[38;5;16;48;5;[0-9]*m' out || { show; fail "--color=always: no colour"; }
grep -q $'\033\\[38;5;16;48;5;[0-9]*;4mzebra=<unk>' out || { show; fail "OOV not underlined"; }
expect_err "surprisal, -log2 p in bits:"
[[ $(sed 's/\x1b\[[0-9;]*m//g' out) == "$(cat both.txt)" ]] || fail "--color changed the text"
command -v script >/dev/null || fail "script(1) is not installed (Debian package bsdutils)"
script -qec "grams-score --per-token m.lm input.txt" /dev/null > tty.out
grep -q $'\033\\[38;5;16;48;5;' tty.out || fail "--color auto: no colour on a terminal"
grep -q "surprisal, -log2 p" tty.out || fail "--color auto: no legend on a terminal"
script -qec "grams-score --per-token --color=never m.lm input.txt" /dev/null > tty.out
grep -q $'\033\\[38;5' tty.out && fail "--color=never coloured"
NO_COLOR=1 script -qec "grams-score --per-token m.lm input.txt" /dev/null > tty.out
grep -q $'\033\\[38;5' tty.out && fail "NO_COLOR: coloured"
script -qec "grams-score m.lm input.txt" /dev/null > tty.out
grep -q $'\033\\[38;5' tty.out && fail "--color auto coloured without --per-token"

# Options that do not go together: usage errors (exit 2, one line).
usage_error() {  # usage_error TEXT ARGS...
  local text=$1
  shift
  run grams-score "$@" m.lm input.txt
  expect_rc 2 "$*"
  expect_error_line grams-score
  expect_err "$text"
}
usage_error "--json does not go with it" --max-perplexity 10 --json
usage_error "--per-token does not go with it" --min-perplexity 10 --per-token
usage_error "--with-line does not go with it" --max-log10prob-per-token -1 --with-line
usage_error "--html does not go with it" --max-perplexity 10 --html x.html
usage_error "--ngram-length goes with --per-token" --ngram-length
usage_error "--field goes with --jsonl" --field body
usage_error "--skip-bad-lines goes with --jsonl" --skip-bad-lines
usage_error "--per-token does not go with it" --jsonl --per-token
usage_error "--color takes auto, always or never" --color=sometimes --per-token
usage_error "--color shades the TSV fields" --color=always
usage_error "--color shades the TSV fields" --color=always --per-token --json
usage_error "--max-perplexity needs a number" --max-perplexity nan
usage_error "--html needs a file name" --html ''
usage_error "the argument ('abc') for option '--max-perplexity' is invalid" --max-perplexity abc
no_leftovers x.html

echo "score_filter: all checks passed"
