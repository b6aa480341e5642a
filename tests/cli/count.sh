# grams-count: options, errors, outputs.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-count --order --output --text --min-count --top --unit --normalize \
  --case-fold --boundaries --invalid

write_tiny_corpus corpus.txt

# --order must be 1..255 and a number: usage errors.
for bad in 0 256 -1 abc 3x; do
  run grams-count --order "$bad" --text corpus.txt
  expect_rc 2 "--order $bad"
  expect_error_line grams-count
  expect_err "try --help"
done
run grams-count --order 255 --text corpus.txt
expect_rc 0 "--order 255"
run grams-count --order 1 --text corpus.txt
expect_rc 0 "--order 1"
grep -q ' ' out && fail "--order 1 wrote n-grams longer than one word"

# --min-count without --text is a usage error; negative too.
run grams-count --min-count 2 -o x.counts corpus.txt
expect_rc 2 "--min-count without --text"
no_leftovers x.counts
run grams-count --text --min-count -3 corpus.txt
expect_rc 2 "--min-count -3"

# Missing input: exit 1, one error line naming the file, no output left.
run grams-count -o x.counts corpus.txt no-such-file.txt
expect_rc 1 "missing input"
expect_error_line grams-count
expect_err "no-such-file.txt"
no_leftovers x.counts

# A directory as input.
mkdir adir
run grams-count --text adir
expect_rc 1 "directory input"
expect_err "adir"

# Text output: "n-gram<TAB>count", unigram counts as expected.
run grams-count --order 3 --text corpus.txt
expect_rc 0 "--text"
expect_no_err "--text"
grep -qx $'the\t10' out || { show; fail "count of 'the' is not 10"; }
grep -qx $'the cat\t3' out || { show; fail "count of 'the cat' is not 3"; }
grep -qx $'the cat sat\t2' out || { show; fail "count of 'the cat sat' is not 2"; }
grep -qx $'<s>\t6' out || { show; fail "count of '<s>' is not 6"; }
awk -F'\t' 'NF != 2 || $2 !~ /^[0-9]+$/ { exit 1 }' out || fail "malformed --text line"
cp out all.txt

# key_grams MIN TOP < all.txt: the key gram list computed from the full
# listing: n-grams with count >= MIN, each order sorted by count descending
# (ties keep the full listing's trie order), at most TOP per order (0 = all).
key_grams() {
  awk -F'\t' -v min="$1" '$2 >= min { print split($1, w, " ") "\t" $0 }' |
    sort -s -t$'\t' -k1,1n -k3,3nr |
    awk -F'\t' -v top="$2" '{ if ($1 != order) { order = $1; k = 0 } if (top == 0 || k++ < top) print $2 "\t" $3 }'
}

# --min-count keeps exactly the n-grams with count >= N, most frequent first
# in each order.
run grams-count --order 3 --text --min-count 3 corpus.txt
expect_rc 0 "--min-count 3"
key_grams 3 0 < all.txt > expected.txt
cmp -s out expected.txt || { diff out expected.txt >&2 || true; fail "--min-count 3 output differs"; }
sort all.txt > all.sorted
awk -F'\t' '$2 >= 3' all.txt | sort > min3.sorted
sort out | cmp -s - min3.sorted || fail "--min-count 3 does not keep exactly the n-grams seen 3 times or more"

# --top K: the K most frequent of each order; with --min-count, of those
# at or above it.
run grams-count --order 3 --text --top 4 corpus.txt
expect_rc 0 "--top 4"
key_grams 1 4 < all.txt > expected.txt
cmp -s out expected.txt || { diff out expected.txt >&2 || true; fail "--top 4 output differs"; }
[[ $(wc -l < out) == 12 ]] || fail "--top 4 at order 3 did not print 12 lines"
run grams-count --order 3 --text --top 2 --min-count 4 corpus.txt
expect_rc 0 "--top 2 --min-count 4"
key_grams 4 2 < all.txt > expected.txt
cmp -s out expected.txt || { diff out expected.txt >&2 || true; fail "--top 2 --min-count 4 output differs"; }
# --orders picks orders; --drop-sentence-marks leaves out n-grams with <s> or </s>.
run grams-count --order 3 --text --top 3 --orders 3 corpus.txt
expect_rc 0 "--orders 3"
key_grams 1 0 < all.txt | awk -F'\t' 'split($1, w, " ") == 3' | head -3 > expected.txt
cmp -s out expected.txt || { diff out expected.txt >&2 || true; fail "--top 3 --orders 3 output differs"; }
run grams-count --order 3 --text --orders 1,3 corpus.txt
expect_rc 0 "--orders 1,3"
awk -F'\t' 'split($1, w, " ") != 2' all.txt | cmp -s out - || fail "--orders 1,3 is not orders 1 and 3 of the full listing"
run grams-count --order 3 --text --orders 2-3 --drop-sentence-marks corpus.txt
expect_rc 0 "--orders 2-3 --drop-sentence-marks"
awk -F'\t' 'split($1, w, " ") >= 2 && $1 !~ /(^| )<\/?s>( |$)/' all.txt | cmp -s out - ||
  fail "--drop-sentence-marks did not leave exactly the n-grams without <s> or </s>"
[[ -s out ]] || fail "--drop-sentence-marks left nothing"
grep -q '<s>' all.txt || fail "the full listing has no <s>: the test above proves nothing"
for bad in 0 4-2 x 1,,2 256; do
  run grams-count --order 3 --text --orders "$bad" corpus.txt
  expect_rc 2 "--orders $bad"
done
run grams-count --order 3 --text --orders 4 corpus.txt
expect_rc 1 "--orders above --order"
expect_err "order 4"
run grams-count --orders 2 -o x.counts corpus.txt
expect_rc 2 "--orders without --text"
no_leftovers x.counts

for bad in 0 -1 x; do
  run grams-count --text --top "$bad" corpus.txt
  expect_rc 2 "--top $bad"
  expect_error_line grams-count
done
run grams-count --top 3 -o x.counts corpus.txt
expect_rc 2 "--top without --text"
no_leftovers x.counts

# Bad --unit, --normalize, --boundaries, --invalid values are usage errors
# naming the accepted ones.
for opt in "--unit chars" "--normalize NFC" "--boundaries page" "--invalid ignore"; do
  run grams-count $opt --text corpus.txt
  expect_rc 2 "$opt"
  expect_error_line grams-count
  expect_err "expected"
done

# stdin: no FILE and '-' give the same as the file; compressed input works.
grams-count --text < corpus.txt > stdin1.txt
grams-count --text - < corpus.txt > stdin2.txt
cmp -s stdin1.txt all.txt || fail "stdin counts differ"
cmp -s stdin2.txt all.txt || fail "'-' counts differ"
if command -v zstd >/dev/null; then
  zstd -q corpus.txt -o corpus.txt.zst
  grams-count --text corpus.txt.zst > zst.txt
  cmp -s zst.txt all.txt || fail ".zst input counts differ"
fi
if command -v gzip >/dev/null; then
  gzip -c corpus.txt > corpus.txt.gz
  grams-count --text corpus.txt.gz > gz.txt
  cmp -s gz.txt all.txt || fail ".gz input counts differ"
fi

# Several files count as their concatenation.
head -3 corpus.txt > part1.txt
tail -n +4 corpus.txt > part2.txt
grams-count --text part1.txt part2.txt > parts.txt
cmp -s parts.txt all.txt || fail "two files do not count as their concatenation"

# Binary output to a file, and -o - to a pipe; both are the same bytes.
run grams-count -o c.counts corpus.txt
expect_rc 0 "-o c.counts"
expect_no_err "-o c.counts"
[[ -s c.counts ]] || fail "c.counts is empty"
grams-count corpus.txt | cat > piped.counts
grams-count -o - corpus.txt | cat > piped2.counts
cmp -s c.counts piped.counts || fail "stdout counts differ from -o"
cmp -s c.counts piped2.counts || fail "-o - counts differ from -o"
if compgen -G "*.tmp-*" >/dev/null; then fail "temporary files left behind"; fi

# Overwriting an existing output replaces it whole.
echo old > c2.counts
grams-count -o c2.counts corpus.txt
cmp -s c.counts c2.counts || fail "existing output not replaced"

# Empty input: a valid counts file.
: > empty.txt
run grams-count -o empty.counts empty.txt
expect_rc 0 "empty input"
[[ -s empty.counts ]] || fail "empty.counts not written"
run grams-count --text empty.txt
expect_rc 0 "empty input --text"

# A binary counts file is never written to a terminal.
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
  set +e
  script -qec "grams-count corpus.txt" /dev/null > tty.txt 2>&1
  rc=$?
  set -e
  [[ $rc == 2 ]] || { cat tty.txt >&2; fail "binary to a terminal: exit $rc, expected 2"; }
  grep -q "refusing to write a binary counts file to a terminal" tty.txt ||
    { cat tty.txt >&2; fail "binary to a terminal: message missing"; }
  set +e
  script -qec "grams-count --text corpus.txt" /dev/null > tty.txt 2>&1
  rc=$?
  set -e
  [[ $rc == 0 ]] || { cat tty.txt >&2; fail "--text to a terminal: exit $rc"; }
  # On a terminal the run ends with a one-line summary, which -q hides.
  script -qec "grams-count --order 2 -o tty.counts corpus.txt" /dev/null > tty.txt 2>&1 ||
    fail "count to a file on a terminal"
  grep -Eq "grams-count: [0-9,]+ tokens in [0-9,]+ sentences, [0-9,]+ n-grams \([0-9,]+ 1-grams, [0-9,]+ 2-grams\) in [0-9.]+ s" tty.txt ||
    { cat tty.txt >&2; fail "no summary line at the end"; }
  script -qec "grams-count -q --order 2 -o tty.counts corpus.txt" /dev/null > tty.txt 2>&1 ||
    fail "count -q on a terminal"
  ! grep -q "n-grams" tty.txt || { cat tty.txt >&2; fail "-q printed the summary"; }
else
  echo "note: 'script' unavailable; terminal checks skipped"
fi

# Writing into a directory that does not exist: exit 1, names the path.
run grams-count -o no/such/dir/x.counts corpus.txt
expect_rc 1 "unwritable output"
expect_error_line grams-count
expect_err "no/such/dir/x.counts"

echo "count: all checks passed"
