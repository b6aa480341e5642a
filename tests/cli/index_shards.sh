# grams-index with several indexes: the indexes of the parts of a corpus,
# queried together, answer every query mode as the index of the whole corpus
# does (counts, continuations in the same order, infinity-gram probabilities
# and the sparse flag through the interpolation, where lists, the longest
# span), in TSV and JSON.
source "$(dirname "$0")/lib.bash"

zstd -dcq "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > all.txt
head -6000 all.txt > corpus.txt
split -n l/3 -d corpus.txt part.
[[ -s part.00 && -s part.01 && -s part.02 ]] || fail "split made no three parts"
grams-index -q -o whole.idx corpus.txt
for p in part.0?; do grams-index -q -o "$p.idx" "$p"; done
shards=(part.00.idx part.01.idx part.02.idx)

# Queries: lines of the corpus and of held-out text, their n-grams of 1 to 9
# words (some across the parts' boundaries in the whole corpus: they do not
# span lines, so none is lost), and units unknown to some parts.
sed -n '6001,6150p' all.txt > held.txt
awk 'BEGIN { srand(7) } NF { line[++n] = $0 } END {
  for (q = 0; q < 1500; q++) {
    m = split(line[int(rand() * n) + 1], w, " "); k = int(rand() * 9) + 1; if (k > m) k = m
    s = int(rand() * (m - k + 1)) + 1; out = w[s]; for (i = s + 1; i < s + k; i++) out = out " " w[i]
    print out } }' corpus.txt held.txt > ngrams.txt
cat held.txt ngrams.txt > mixed.txt
printf '\n<s> and\nand </s>\nzzz unknown\n' >> ngrams.txt

same() {  # same NAME OPTIONS...: the shards answer as the whole index
  local name=$1; shift
  grams-index "$@" whole.idx > "$name.whole" || fail "$name: whole index failed"
  grams-index "$@" "${shards[@]}" > "$name.shards" || fail "$name: shards failed"
  [[ $(wc -l < "$name.whole") -ge ${MIN_LINES:-100} ]] || fail "$name: too few answers to compare"
  cmp "$name.whole" "$name.shards" ||
    { diff "$name.whole" "$name.shards" | head >&2; fail "$name: the shards answer otherwise"; }
}
same count --query count -i ngrams.txt
same count-units --query count --units -i ngrams.txt
same next --query next --top 0 -i ngrams.txt
same next-top --query next --top 3 --json -i ngrams.txt
same prob --query prob -i mixed.txt
same prob-json --query prob --json -i held.txt
MIN_LINES=5 same ppl --query ppl -i held.txt
# Where: all the lines when the limit holds them all.
same where --query where --limit 100000 -i ngrams.txt

# The sparse flag: interpolating with a model weighs sparse estimates with
# their own lambda, so the flag shows in the interpolated column.
grams-count -q --order 3 corpus.txt | grams-build -q -o kjv.lm -
same prob-model --query prob --model kjv.lm --lambda 0.2,0.9 -i mixed.txt
MIN_LINES=9 same ppl-model --query ppl --model kjv.lm --lambda 0.2,0.9 -i held.txt

# A context each part follows by one unit, but not the same one: sparse in
# each part, not in the whole corpus.
printf 'x a b c\ny a b c\n' > sa.txt
printf 'z a b d\n' > sb.txt
cat sa.txt sb.txt > sab.txt
printf 'q a b c\nq a b d\n' > sab.q
for f in sa sb sab; do
  grams-index -q -o $f.idx $f.txt
  # (mkn's discounts fall back on so few counts, with a warning)
  grams-count -q --order 2 $f.txt | grams-build -q -o $f.lm - 2>/dev/null
done
grams-index --query prob --model sab.lm --lambda 0.2,0.9 -i sab.q sab.idx > sparse.whole
grams-index --query prob --model sab.lm --lambda 0.2,0.9 -i sab.q sa.idx sb.idx > sparse.shards
cmp sparse.whole sparse.shards ||
  { diff sparse.whole sparse.shards >&2; fail "the sparse flag of a context split between parts"; }

# Leak: the same span, length and count; the line may be another holding it.
grams-index --query leak -i held.txt whole.idx | cut -f1-5 > leak.whole
grams-index --query leak -i held.txt "${shards[@]}" > leak.full
cut -f1-5 leak.full > leak.shards
cmp leak.whole leak.shards || { diff leak.whole leak.shards | head >&2; fail "leak spans differ"; }
# Each reported line (1-based over the parts in order) holds the span.
while IFS=$'\t' read -r _ _ len span _ line; do
  [[ $len -gt 0 ]] || continue
  sed -n "${line}p" corpus.txt | grep -qF -- "$span" || fail "line $line does not hold '$span'"
done < <(head -40 leak.full)

# One index in a set of one answers as itself (the tool always uses a set).
grams-index --query count -i ngrams.txt part.01.idx > one
grams-index --query count -i ngrams.txt part.01.idx part.01.idx > two
paste <(cut -f2 one) <(cut -f2 two) | awk '$2 != 2 * $1 { bad = 1 } END { exit bad }' ||
  fail "an index given twice does not count twice"

# A missing or corrupt shard: one error line naming it, exit 1.
run grams-index --query count -i ngrams.txt part.00.idx missing.idx
expect_rc 1 "missing shard"
expect_error_line grams-index
expect_err "missing.idx"
head -c 1000 part.02.idx > cut.idx
run grams-index --query count -i ngrams.txt part.00.idx cut.idx
expect_rc 1 "truncated shard"
expect_err "cut.idx"
