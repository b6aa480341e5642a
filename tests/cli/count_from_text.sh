# grams-count --from-text: counts text ("w1 ... wn<TAB>count", SRILM's
# ngram-count -read) back into a counts file. Round trips are byte-identical,
# the counts are taken as given (a missing prefix or suffix is an error
# naming the line), bad lines name the file and line, and nothing is left
# behind on an error.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-count --from-text

write_tiny_corpus corpus.txt

# round_trip NAME ORDER [UNIT-OPTIONS...]: NAME.txt counted to a counts file
# and to its text form; the text read back is the same counts file, byte for
# byte, and grams-build makes the same model of both.
round_trip() {
  local name=$1 order=$2; shift 2
  grams-count -q --order "$order" "$@" -o "$name.counts" "$name.txt"
  grams-count -q --order "$order" "$@" --text "$name.txt" > "$name.counts.txt"
  grams-count -q --from-text "$@" -o "$name.back.counts" "$name.counts.txt"
  cmp "$name.counts" "$name.back.counts" || fail "$name: the counts file read back from text differs"
  grams-build -q -o "$name.lm" "$name.counts" 2>/dev/null
  grams-build -q -o "$name.back.lm" "$name.back.counts" 2>/dev/null
  cmp "$name.lm" "$name.back.lm" || fail "$name: the model built from the text counts differs"
}
cp corpus.txt tiny.txt
round_trip tiny 3
round_trip tiny 5
# Standard input, and the text form again: the same text.
grams-count -q --from-text --text < tiny.counts.txt > again.txt
cmp tiny.counts.txt again.txt || fail "--from-text --text does not give the text back"
# Character units are unescaped (spaces are <sp>).
cp corpus.txt chars.txt
round_trip chars 4 --unit char
grep -q '<sp>' chars.counts.txt || fail "the char counts text has no <sp>"
grams-count -q --unit byte --order 2 --text corpus.txt > bytes.txt
run grams-count --from-text --unit char -o ok1.counts bytes.txt
[[ $RC == 0 ]] || fail "byte counts of ASCII text read as chars"
run grams-count --from-text --unit byte -o ok2.counts chars.counts.txt
expect_rc 0 "ASCII char counts read as bytes"
printf 'ab\t3\n' > twochars.txt
run grams-count --from-text --unit char -o x.counts twochars.txt
expect_rc 1 "a two-character char unit"
expect_error_line grams-count
expect_err "twochars.txt:1: "
expect_err "not one char unit"
no_leftovers x.counts

# Brown, when the shared corpora are there: order 5 both ways.
shared=${GRAMS_SHARED_DIR:-}
if [[ -n $shared && -f $shared/corpora/brown/train.txt ]]; then
  cp "$shared/corpora/brown/train.txt" brown.txt
  round_trip brown 5
fi

# Repeated n-grams add up (as SRILM adds them), and any whitespace before the
# count will do: the two halves of a list give the whole.
printf 'a\t2\nb\t1\n<s>\t2\n</s>\t2\n<s> a\t2\na b\t1\nb </s>\t1\na </s>\t1\n' > whole.txt
printf 'a 1\n<s>\t1\n</s>\t1\n<s> a\t1\na </s>\t1\n' > half1.txt
printf 'a\t1\nb\t1\n<s>\t1\n</s>\t1\n<s> a\t1\na b\t1\nb </s>\t1\n\n' > half2.txt
grams-count -q --from-text -o whole.counts whole.txt
grams-count -q --from-text -o halves.counts half1.txt half2.txt
cmp whole.counts halves.counts || fail "repeated n-grams do not add up"
cat half1.txt half2.txt | grams-count -q --from-text -o cat.counts
cmp whole.counts cat.counts || fail "repeated n-grams on stdin do not add up"
# The totals come from <s> and the unigrams, as the counter counts them.
run grams-info --json whole.counts
expect_out '"sentences": 2'
expect_out '"tokens": 5'
# A count of 0 is as if the line were absent.
printf 'zzz\t0\n' | cat whole.txt - | grams-count -q --from-text -o zero.counts
cmp whole.counts zero.counts || fail "a count of 0 changed the counts"
# --order N keeps orders 1..N (as SRILM's -order); order 3 of a bigram list
# is an empty third order.
grams-count -q --order 3 --text tiny.txt > tri.txt
grams-count -q --order 2 --text tiny.txt > bi.txt
grams-count -q --order 2 -o bi.counts tiny.txt
grams-count -q --from-text --order 2 -o bi.back.counts tri.txt
cmp bi.counts bi.back.counts || fail "--order 2 of a trigram list is not the bigram counts"
grams-count -q --from-text --order 3 -o bi3.counts bi.txt
run grams-info --json bi3.counts
expect_out '"order": 3'

# Taken as given: a missing prefix or suffix (or unigram) names the line.
grep -v $'^the cat\t' tri.txt > noprefix.txt
run grams-count --from-text -o x.counts noprefix.txt
expect_rc 1 "a missing lower order"
expect_error_line grams-count
expect_err "noprefix.txt:"
expect_err "'the cat' is not"
no_leftovers x.counts
printf 'a\t1\nb\t1\nc\t1\na b\t1\na b c\t1\n' > nosuffix.txt
run grams-count --from-text -o x.counts nosuffix.txt
expect_rc 1 "a missing suffix"
expect_err "nosuffix.txt:5: 'a b c' is listed but its suffix 'b c' is not"
no_leftovers x.counts
printf 'a\t1\nb c\t1\nb\t2\n' > nounigram.txt
run grams-count --from-text -o x.counts nounigram.txt
expect_rc 1 "a unit without its unigram"
expect_err "nounigram.txt:2: the unit 'c' has no unigram line"

# Bad lines: file and line number, exit 1, no output left behind.
bad_line() {
  printf '%b' "$1" > bad.txt
  run grams-count --from-text -o x.counts bad.txt
  expect_rc 1 "bad line: $2"
  expect_error_line grams-count
  expect_err "bad.txt:$3: "
  expect_err "$2"
  no_leftovers x.counts
}
bad_line 'a\t1\nb\n' "not an n-gram and its count" 2
bad_line 'a\t1\nb\tx\n' "the count 'x' is not a whole number" 2
bad_line 'a\t-1\n' "the count '-1' is not a whole number" 1
bad_line 'a\t1.5\n' "not a whole number" 1
bad_line 'a\t99999999999999999999\n' "below 2^64" 1
bad_line 'a\t18446744073709551615\na\t1\n' "the counts add up past 2^64" 2
bad_line 'a\t1\na <s>\t1\n' "<s> may only begin an n-gram" 2
bad_line 'a\t1\n</s> a\t1\n' "</s> may only end an n-gram" 2
printf '' > empty.txt
run grams-count --from-text -o x.counts empty.txt
expect_rc 1 "no counts"
expect_err "no counts"
no_leftovers x.counts
run grams-count --from-text --order 2 -o empty.counts empty.txt
expect_rc 0 "an empty counts file with --order"
run grams-count --from-text -o x.counts no-such-file.txt
expect_rc 1 "a missing file"
expect_err "no-such-file.txt"
no_leftovers x.counts
run grams-count --from-text --merge -o x.counts whole.txt
expect_rc 2 "--from-text with --merge"

# Found by fuzz_counts_text: a word may hold any byte but whitespace, so the
# first line of the text form could begin with a compressor's magic (here
# xz's) and read back as a damaged xz stream. The writer puts a blank line
# first then, and the text form reads back to the same counts.
printf 'x\t1\n\3757zXZ\0>\t4\n' > magic.txt
grams-count --from-text -o magic.counts magic.txt
grams-count --from-text --text -o magic-out.txt magic.txt
[[ $(head -c 1 magic-out.txt | od -An -c | tr -d ' ') == '\n' ]] || fail "no blank line before the magic"
run grams-count --from-text -o back.counts magic-out.txt
expect_rc 0 "the text form beginning with xz's magic"
cmp -s back.counts magic.counts || fail "the text form read back to other counts"
echo OK
