#!/usr/bin/env bash
# Issue 13, item 1: a file of a few hundred bytes made every tool allocate
# gigabytes: a header claiming 1e9 bigrams (the readers sized their arrays
# from it) or a section whose zstd frame declares 2 GB of content. Each must
# be refused as corrupt, naming the file and the claim, with a small peak.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
craft() { python3 "$GRAMS_SOURCE_DIR/tests/cli/craft_claims.py" "$@"; }

write_tiny_corpus text.txt
grams-count --order 3 -o small.counts text.txt
grams-build -q -o small.lm small.counts 2>/dev/null

craft ngrams small.counts bigrams.counts 2 1000000000
craft ngrams small.lm bigrams.lm 2 1000000000
craft ngrams small.counts trigrams.counts 3 4000000000
craft ngrams small.lm vocab.lm 1 1000000000
craft frame small.counts frame.counts 1 2000000000
craft frame small.lm frame.lm 3 2000000000
for f in bigrams.counts bigrams.lm trigrams.counts vocab.lm frame.counts frame.lm; do
  [[ $(stat -c %s "$f") -lt 2000 ]] || fail "$f: not a small file"
done

have_time=0
[[ -x /usr/bin/time ]] && have_time=1
# Not under ASan: its shadow and quarantine are not the tools' memory.
# Exit 1 and the message are still checked there.
[[ ${GRAMS_SANITIZE:-OFF} == ON ]] && have_time=0
# check NAME CMD...: exits 1, says the file is corrupt and names it, no
# "out of memory", peak RSS under 100 MB.
check() {
  local file=$1
  shift
  set +e
  if [[ $have_time == 1 ]]; then
    /usr/bin/time -f %M -o rss "$@" >out 2>err
  else
    "$@" >out 2>err
  fi
  RC=$?
  set -e
  expect_rc 1 "$*"
  grep -q "$file" err || { show; fail "$*: the error does not name $file"; }
  grep -Eq "corrupt|claims" err || { show; fail "$*: the error does not say corrupt"; }
  if grep -qi "out of memory" err; then show; fail "$*: reported out of memory"; fi
  if [[ $have_time == 1 ]]; then
    local kb
    kb=$(tail -n 1 rss)
    [[ $kb -lt 102400 ]] || fail "$*: peak RSS $kb KB (over 100 MB)"
  fi
}

for f in bigrams.counts trigrams.counts frame.counts; do
  check "$f" grams-build -q -o out.lm "$f"
  check "$f" grams-build -q -S 16M -o out.lm "$f"
  check "$f" grams-count --merge -o merged.counts "$f" small.counts
  check "$f" grams-info --check "$f"
done
for f in bigrams.lm vocab.lm frame.lm; do
  check "$f" grams-perplexity "$f" text.txt
  check "$f" grams-score "$f" text.txt
  check "$f" grams-info --check "$f"
done
grep -q "claims" err || fail "the message does not say what the file claims"

# The model loader sizes its keys from an order's claim only once the
# order's bytes hold it: under a 1 GB address-space limit, where the keys of
# 10^9 claimed bigrams (8 GB) could not even be mapped, the claim is still
# reported as corrupt, not as out of memory (ASan reserves terabytes of
# address space for its shadow: not there).
if [[ ${GRAMS_SANITIZE:-OFF} != ON ]]; then
  for f in bigrams.lm vocab.lm; do
    (
      ulimit -v $((1 << 20))
      check "$f" grams-perplexity "$f" text.txt
      check "$f" grams-score "$f" text.txt
    )
  done
fi
no_leftovers out.lm
no_leftovers merged.counts
echo "ok: small files claiming gigabytes are refused as corrupt, in little memory"
