# grams-build: options, errors, safe outputs, pipes, ARPA in and out.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-build --output --arpa --from-arpa --verbose

write_tiny_corpus corpus.txt
grams-count --order 3 -o c.counts corpus.txt

# Usage errors.
run grams-build c.counts
expect_rc 2 "no output"
expect_err "try --help"
run grams-build -o a.lm c.counts extra.counts
expect_rc 2 "two positional arguments"
run grams-build -o - --arpa - c.counts
expect_rc 2 "-o - and --arpa - together"
run grams-build --from-arpa x.arpa -o a.lm c.counts
expect_rc 2 "COUNTS and --from-arpa together"
no_leftovers a.lm

# Missing input: exit 1 naming it.
run grams-build -o a.lm no-such.counts
expect_rc 1 "missing counts"
expect_error_line grams-build
expect_err "no-such.counts"
no_leftovers a.lm
run grams-build --from-arpa no-such.arpa -o a.lm
expect_rc 1 "missing ARPA"
expect_err "no-such.arpa"
no_leftovers a.lm

# Text where a counts file belongs: a clear error, no output.
run grams-build -o a.lm corpus.txt
expect_rc 1 "text instead of counts"
expect_error_line grams-build
expect_err "corpus.txt"
no_leftovers a.lm

# The pipe grams-count | grams-build, and a counts file, give the same model.
grams-count --order 3 corpus.txt | grams-build -o piped.lm
run grams-build -o file.lm c.counts
expect_rc 0 "build from file"
cmp -s piped.lm file.lm || fail "piped and file builds differ"
grams-build -o dash.lm - < c.counts
cmp -s dash.lm file.lm || fail "'-' build differs"

# Model and ARPA in one run; ARPA to stdout; --verbose on stderr only.
run grams-build -o both.lm --arpa both.arpa --verbose c.counts
expect_rc 0 "-o and --arpa"
cmp -s both.lm file.lm || fail "model differs when ARPA is also written"
head -1 both.arpa | grep -qx '\\data\\' || fail "ARPA does not start with \\data\\"
tail -1 both.arpa | grep -qx '\\end\\' || fail "ARPA does not end with \\end\\"
grep -q '^ngram 3=' both.arpa || fail "ARPA lacks an ngram 3= line"
for n in 1 2 3; do
  grep -q "^grams-build: order $n: [0-9]* n-grams" err || { show; fail "--verbose lacks order $n"; }
done
grep -q "discounts" err || { show; fail "--verbose lacks the discounts"; }
[[ ! -s out ]] || fail "--verbose wrote to stdout"
grams-build --arpa - c.counts > stdout.arpa
cmp -s stdout.arpa both.arpa || fail "--arpa - differs from --arpa FILE"

# Fallback discounts on a tiny corpus are warnings on stderr, not errors.
grep -q "^grams-build: warning: " err || echo "note: no discount warnings for the tiny corpus"

# ARPA in: --from-arpa converts, and the result scores like the original.
run grams-build --from-arpa both.arpa -o from-arpa.lm
expect_rc 0 "--from-arpa"
a=$(grams-perplexity --json both.lm corpus.txt)
b=$(grams-perplexity --json from-arpa.lm corpus.txt)
python3 - "$a" "$b" <<'EOF' || fail "model from ARPA scores differently"
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:3])
assert abs(a["log10prob"] - b["log10prob"]) < 1e-4 * max(1, abs(a["log10prob"])), (a, b)
EOF

# Never a half-written output: a corrupt or truncated counts file fails with
# exit 1 and leaves neither the target nor a temporary file; an existing
# target is left untouched.
size=$(stat -c %s c.counts)
head -c $((size / 2)) c.counts > truncated.counts
run grams-build -o t.lm --arpa t.arpa truncated.counts
expect_rc 1 "truncated counts"
expect_error_line grams-build
no_leftovers t.lm
no_leftovers t.arpa
for pos in 3 11 $((size / 3)) $((size / 2)) $((size - 2)); do
  python3 - "$pos" <<'EOF'
import sys
d = bytearray(open("c.counts", "rb").read())
d[int(sys.argv[1])] ^= 0x5a
open("corrupt.counts", "wb").write(d)
EOF
  run grams-build -o t.lm corrupt.counts
  expect_rc 1 "corrupt counts (byte $pos)"
  expect_error_line grams-build
  no_leftovers t.lm
done
echo "precious" > keep.lm
run grams-build -o keep.lm truncated.counts
expect_rc 1 "truncated counts over an existing file"
[[ $(cat keep.lm) == precious ]] || fail "existing output was modified by a failed build"
if compgen -G "keep.lm.tmp-*" >/dev/null; then fail "temporary file left behind"; fi

# Empty corpus: counting works, building fails clearly (exit 1, not a crash).
: > empty.txt
grams-count -o empty.counts empty.txt
run grams-build -o e.lm empty.counts
if [[ $RC == 0 ]]; then
  [[ -s e.lm ]] || fail "empty build succeeded without output"
else
  expect_rc 1 "build from empty counts"
  grep -q "^grams-build: error: empty.counts: " err || { show; fail "unclear error for empty counts"; }
  no_leftovers e.lm
fi

# A binary model is never written to a terminal, nor read from one.
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
  set +e
  script -qec "grams-build -o - c.counts" /dev/null > tty.txt 2>&1
  rc=$?
  set -e
  [[ $rc == 2 ]] || { cat tty.txt >&2; fail "binary model to a terminal: exit $rc, expected 2"; }
  grep -q "refusing to write a binary model file to a terminal" tty.txt || fail "tty message"
  set +e
  script -qec "grams-build -o x.lm" /dev/null > tty.txt 2>&1
  rc=$?
  set -e
  [[ $rc == 2 ]] || { cat tty.txt >&2; fail "counts from a terminal: exit $rc, expected 2"; }
else
  echo "note: 'script' unavailable; terminal checks skipped"
fi

echo "build: all checks passed"
