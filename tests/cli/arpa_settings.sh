#!/usr/bin/env bash
# What a model needs beyond its numbers survives ARPA export: non-default
# tokenizer settings of a word model, and a Stupid Backoff model's nature.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

printf 'The cat sat on the mat\nthe dog sat on the log\nA cat and a dog\n' > c.txt

# A plain word model's ARPA starts with \data\ (no comment lines).
grams-count --order 3 c.txt | grams-build -o plain.lm --arpa plain.arpa 2>/dev/null
head -1 plain.arpa | grep -qx '\\data\\' || fail "a default word model's ARPA must start with \\data\\"

# A case-folded word model: the ARPA records it, and scoring applies it.
grams-count --order 3 --case-fold c.txt | grams-build -o fold.lm --arpa fold.arpa 2>/dev/null
head -1 fold.arpa | grep -q '^# grams-tokenizer: unit=word .*case_fold=1' || fail "fold.arpa lacks its tokenizer line"
from_lm=$(echo 'THE CAT' | grams-score fold.lm | cut -f1)
from_arpa=$(echo 'THE CAT' | grams-score fold.arpa | cut -f1)
[[ $from_lm == "$from_arpa" ]] || fail "case folding lost in ARPA: $from_lm (model) vs $from_arpa (ARPA)"
grams-build --from-arpa fold.arpa -o fold2.lm
[[ $(echo 'THE CAT' | grams-score fold2.lm | cut -f1) == "$from_lm" ]] || fail "case folding lost through --from-arpa"

# Stupid Backoff: grams-perplexity refuses the model file and its ARPA alike.
grams-count --order 3 c.txt | grams-build --smoothing stupid -o stupid.lm --arpa stupid.arpa 2>/dev/null
grep -q '^# grams-model: smoothing=stupid' stupid.arpa || fail "stupid.arpa does not say it is Stupid Backoff"
for m in stupid.lm stupid.arpa; do
  run grams-perplexity "$m" c.txt
  expect_rc 1 "grams-perplexity on $m"
  grep -q "Stupid Backoff" err || { show; fail "no Stupid Backoff message for $m"; }
done
echo "ok: ARPA export keeps settings and model kind"
