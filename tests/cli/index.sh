# grams-index: the counts of every n-gram grams-count --text lists (orders
# 1-5, words and chars, both boundary modes) are the index's; each query mode
# answers in TSV and JSON; unknown units count 0; bad input and corrupt or
# truncated indexes fail with one error line naming the file, leaving nothing.
source "$(dirname "$0")/lib.bash"

check_common_cli grams-index --query --units --json --top --limit --check --timing --unit \
  --boundaries --model --lambda --tune

write_tiny_corpus corpus.txt
printf '\n' >> corpus.txt  # an empty line: <s> </s>

# agree NAME OPTIONS...: every n-gram of orders 1-5 counted by grams-count has
# its count in the index built with the same options.
agree() {
  local name=$1; shift
  grams-count -q --order 5 "$@" --text corpus.txt > "$name.counts.txt"
  grams-index -q "$@" -o "$name.idx" corpus.txt
  cut -f1 "$name.counts.txt" > "$name.q"
  grams-index --query count --units -i "$name.q" "$name.idx" | cut -f2 > "$name.got"
  paste <(cut -f1 "$name.counts.txt") "$name.got" > "$name.index.txt"
  cmp "$name.counts.txt" "$name.index.txt" ||
    { diff "$name.counts.txt" "$name.index.txt" | head >&2; fail "$name: counts differ from grams-count's"; }
  [[ $(wc -l < "$name.q") -gt 20 ]] || fail "$name: too few n-grams to compare"
}
agree words
agree chars --unit char
agree stream --boundaries none
agree bytes-stream --unit byte --boundaries none

# Text queries are tokenized by the index's settings; unknown units count 0.
printf 'the cat\nthe cat sat on the\nno such words\n\nthe\tcat\n' > q.txt
run grams-index --query count -i q.txt words.idx
expect_rc 0 "count"
expect_no_err "count"
[[ $(cat out) == $'the cat\t3\nthe cat sat on the\t2\nno such words\t0\n\t0\nthe\tcat\t3' ]] ||
  { show; fail "count answers"; }
# Marks only where grams-count has them.
printf '<s> the cat\nthe mat </s>\nthe </s> the\n<s> </s>\n' |
  grams-index --query count --units words.idx > out
[[ $(cut -f2 out | tr '\n' ' ') == "3 2 0 1 " ]] || { cat out >&2; fail "counts with <s> and </s>"; }

# next: total, distinct, then the most frequent continuations.
echo 'the cat' | grams-index --query next words.idx > out
[[ $(cat out) == $'the cat\t3\t2\tsat 2\tate 1' ]] || { cat out >&2; fail "next"; }
echo 'sat on the' | grams-index --query next --top 1 --json words.idx > out.json
check_json_lines out.json
grep -q '"total":4,"distinct":2,"next":\[{"unit":"log","count":2}\]' out.json ||
  grep -q '"total":4,"distinct":2,"next":\[{"unit":"mat","count":2}\]' out.json ||
  { cat out.json >&2; fail "next --json"; }

# prob: one row per unit and </s>; ppl sums them.
echo 'the cat sat on the mat' | grams-index --query prob words.idx > out
[[ $(wc -l < out) == 7 ]] || { cat out >&2; fail "prob rows"; }
[[ $(tail -1 out | cut -f2-3,5) == $'</s>\t1\t7' ]] || { cat out >&2; fail "prob of </s>"; }
echo 'the cat sat' | grams-index --query prob --json words.idx > out.json
check_json_lines out.json
echo 'the cat sat on the mat' | grams-index --query ppl words.idx > out
grep -q $'^tokens\t7$' out || { cat out >&2; fail "ppl tokens"; }
grep -q $'^perplexity\t' out || { cat out >&2; fail "ppl"; }

# Interpolation with an n-gram model: at lambda 0 the model's perplexity,
# the same as grams-perplexity's (including OOVs); --tune picks a lambda.
grams-count -q --order 3 -o words.counts corpus.txt
grams-build -q -o words.lm words.counts 2>/dev/null
printf 'the cat sat on the mat\nthe bird ate the bone\n' > t.txt
grams-index --query ppl --model words.lm --lambda 0 -i t.txt words.idx > out
want=$(grams-perplexity words.lm t.txt | awk -F': *' '/perplexity including OOVs/ { print $2 }')
got=$(awk -F'\t' '$1 == "interpolated_perplexity" { print $2 }' out)
awk -v a="$want" -v b="$got" 'BEGIN { exit !(a - b < 0.001 && b - a < 0.001) }' ||
  { cat out >&2; fail "interpolated perplexity at lambda 0: $got, grams-perplexity: $want"; }
grams-index --query ppl --model words.lm --lambda 0.5 -i t.txt words.idx > out
got5=$(awk -F'\t' '$1 == "interpolated_perplexity" { print $2 }' out)
[[ $got5 != "$got" ]] || fail "lambda 0.5 changes nothing"
run grams-index --query ppl --model words.lm --tune t.txt -i t.txt words.idx
expect_rc 0 "--tune"
expect_err "lambda"
grams-index --query prob --model words.lm --lambda 0.5 -i t.txt words.idx > out
[[ $(awk -F'\t' '{ print NF }' out | sort -u) == 9 ]] || { cat out >&2; fail "prob --model columns"; }
grams-index --query ppl --model words.lm --lambda 0.5,0 -i t.txt words.idx > out
grep -q $'^lambda_sparse\t0.0000$' out || { cat out >&2; fail "--lambda L,LS"; }
run grams-index --query ppl --model words.lm --lambda 1.5 -i t.txt words.idx
expect_rc 2 "--lambda out of range"
run grams-index --query ppl --model words.lm words.idx
expect_rc 2 "--model without --lambda or --tune"
run grams-index --query count --model words.lm --lambda 0.5 words.idx
expect_rc 2 "--model with count"
run grams-index --query ppl --model words.lm --lambda 0.5 -i t.txt chars.idx
expect_rc 1 "--model tokenizing differently"
expect_err "tokenize alike"

# where: lines (1-based), bounded by --limit.
echo 'sat on the' | grams-index --query where words.idx > out
[[ $(cat out) == $'sat on the\t4\t1,2,5,6' ]] || { cat out >&2; fail "where"; }
echo 'sat on the' | grams-index --query where --limit 2 words.idx > out
[[ $(cut -f3 out | tr ',' '\n' | wc -l) -le 2 ]] || { cat out >&2; fail "where --limit"; }

# leak: the longest span of each line found in the corpus.
printf 'a green cat sat on the log today\nnothing here\n' > test.txt
grams-index --query leak -i test.txt words.idx > out
[[ $(head -1 out) == $'1\t8\t5\tcat sat on the log\t1\t5' ]] || { cat out >&2; fail "leak"; }
[[ $(tail -1 out | cut -f3) == 0 ]] || { cat out >&2; fail "leak of a line never seen"; }

# Usage errors.
run grams-index corpus.txt
expect_rc 2 "no -o"
run grams-index --query nope words.idx
expect_rc 2 "unknown mode"
expect_err "unknown mode"
run grams-index --query count --unit char words.idx
expect_rc 2 "--unit with --query"
run grams-index --query count words.idx chars.idx
expect_rc 1 "indexes with different settings"
expect_error_line grams-index
expect_err "chars.idx: built with other settings than words.idx"

# Bad input: one error line naming the file and line; no index left.
printf 'fine\nthe <s> here\n' > bad.txt
run grams-index -o bad.idx bad.txt
expect_rc 1 "reserved token"
expect_error_line grams-index
expect_err "bad.txt:2"
no_leftovers bad.idx
printf 'ok\n\xff\xfe\n' > invalid.txt
run grams-index --unit char -o bad.idx invalid.txt
expect_rc 1 "invalid UTF-8"
expect_err "invalid.txt:2"
no_leftovers bad.idx
# Text is tokenized in batches of about 1 MB on two threads: the error
# reported is still the first in the input, here in the first batch although
# later batches (of either thread) hold errors too, and a later input's error
# comes after all of an earlier input's lines.
{
  echo "line one"
  printf 'bad \xff here\n'
  for _ in $(seq 60000); do echo "some ordinary words to fill the batches"; done
  echo "a <s> later"
  for _ in $(seq 60000); do echo "more ordinary words to fill the batches"; done
  printf 'late \xfe bytes\n'
} > errors.txt
run grams-index --unit char -o bad.idx errors.txt
expect_rc 1 "invalid UTF-8 in the first batch"
expect_err "errors.txt:2: byte offset 13: invalid UTF-8"
run grams-index -o bad.idx errors.txt
expect_rc 1 "a reserved token in a later batch"
expect_err "errors.txt:60003: byte offset $((9 + 11 + 60000 * 40 + 2)): the reserved token <s>"
no_leftovers bad.idx

# A reader that goes away (head): exit 0 and nothing on stderr, as every
# tool; the last of the output meets the closed pipe as it is flushed.
for _ in $(seq 1 2000); do cat corpus.txt; done > many.txt
for mode in prob count; do
  set +e
  grams-index --query "$mode" -i many.txt words.idx 2>err | head -1 > out
  rc=${PIPESTATUS[0]}
  set -e
  [[ $rc == 0 ]] || { show; fail "grams-index --query $mode | head -1: exit $rc"; }
  [[ $(wc -l < out) == 1 ]] || fail "head -1 got no line ($mode)"
  expect_no_err "grams-index --query $mode | head -1"
done

# Corrupt, truncated, foreign and missing indexes: one error line naming them.
echo the > the.txt
size=$(stat -c %s words.idx)
head -c $((size - 9)) words.idx > truncated.idx
head -c 40 words.idx > short.idx
cp words.idx flipped.idx
printf '\x55' | dd of=flipped.idx bs=1 seek=100 conv=notrunc 2>/dev/null
cp words.idx damaged.idx
printf '\x55\x55\x55\x55' | dd of=damaged.idx bs=1 seek=$((size - 40)) conv=notrunc 2>/dev/null
for f in truncated.idx short.idx flipped.idx corpus.txt missing.idx; do
  run grams-index --query count -i the.txt "$f"
  expect_rc 1 "$f"
  expect_error_line grams-index
  expect_err "$f"
done
run grams-index --query count -i the.txt --check damaged.idx
expect_rc 1 "--check on damage"
expect_err "checksum mismatch"
expect_err "damaged.idx"
run grams-index --query count -i the.txt --check words.idx
expect_rc 0 "--check on a good index"
