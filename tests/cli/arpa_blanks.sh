#!/usr/bin/env bash
# An ARPA file with holes made on purpose: an order-4 model of part of the
# KJV sample, without some 2- and 3-grams that end 3- and 4-grams of the
# file (blanks, which the reader adds back so that lookups reach the longer
# n-grams) or that are also their contexts (added back as contexts). Every
# form of the model must score the held-out text as the ARPA file defines
# it, computed independently by tests/reference/arpa_backoff.py; the reader
# says how many of each it added; ARPA written back invents nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

REF=$GRAMS_SOURCE_DIR/tests/reference/arpa_backoff.py
TEST=$GRAMS_SOURCE_DIR/data/kjv-test.txt
zstd -dcq "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" -o all.txt
head -n 12000 all.txt > train.txt
grams-count -q --order 4 train.txt | grams-build -q --arpa full.arpa
python3 "$REF" holes full.arpa holey.arpa 2 > removed.txt || fail "making the holes"
read -r _ contexts _ blanks < <(python3 "$REF" added holey.arpa)
((blanks > 1000 && contexts > 1000)) || fail "too few holes: $blanks blanks, $contexts contexts"

# The reader's warnings: one for the contexts, one for the blanks, each
# with its count.
run grams-build --from-arpa holey.arpa -o holey.lm
expect_rc 0 "grams-build --from-arpa holey.arpa"
grep -q "holey.arpa:[0-9]*: added $contexts n-grams missing from the file that are contexts" err ||
  { show; fail "no warning with the $contexts contexts added"; }
grep -q "holey.arpa:[0-9]*: added $blanks n-grams missing from the file that end longer n-grams" err ||
  { show; fail "no warning with the $blanks blanks added"; }
[[ $(wc -l < err) == 2 ]] || { show; fail "grams-build --from-arpa: more than the two warnings"; }

# Every form: the ARPA file read directly, the model file, its mapped form,
# and the ARPA files written back from the ARPA file and the model file.
grams-convert holey.lm --to mapped -o holey.lmm
run grams-convert holey.arpa --to arpa -o back.arpa
expect_rc 0 "grams-convert holey.arpa --to arpa"
grep -q "added $blanks n-grams" err || { show; fail "grams-convert says nothing of the blanks"; }
grams-convert holey.lm --to arpa -o back2.arpa
cmp -s back.arpa back2.arpa || fail "ARPA from the ARPA file and from its model file differ"
for form in holey.arpa holey.lm holey.lmm back.arpa; do
  grams-score --per-token "$form" "$TEST" > "scores.$form"
done
python3 "$REF" check-scores holey.arpa "$TEST" scores.holey.arpa scores.holey.lm \
  scores.holey.lmm scores.back.arpa || fail "scores differ from the ARPA file's definition"

# Written back: the file's n-grams with their values, and the contexts it
# lacked, but not a blank.
python3 "$REF" check-written holey.arpa back.arpa || fail "the ARPA written back is not the file's"

# And the model file read again writes the same model file (the BLANKS
# section included).
grams-convert holey.lm --to model -o again.lm
cmp -s holey.lm again.lm || fail "a model file with blanks does not survive a round trip"
echo "ok: $blanks blanks and $contexts contexts added; every form scores as the ARPA file says"
