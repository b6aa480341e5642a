#!/usr/bin/env bash
# Mixing (issue 14): a Brown order-3 model and a King James Bible order-3
# model, weights tuned by EM on Brown dev (grams-mix --dev), the static
# mixture written; prints the EM report (weights, iterations, dev
# perplexity per iteration) and the dev and test perplexities of each model
# alone and of the static mixture (grams-perplexity), with grams-mix's time.
#
#   bench/mix.sh [--bin build/tools]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$here/build/tools"
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    *) echo "usage: bench/mix.sh [--bin DIR]" >&2; exit 2 ;;
  esac
done
SHARED=${GRAMS_SHARED_DIR:-$here/../shared}
BROWN=$SHARED/corpora/brown KJV=$SHARED/corpora/kjv/kjv.txt
[ -r "$BROWN/train.txt" ] && [ -r "$KJV" ] || { echo "bench/mix.sh: no corpora under $SHARED" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$BIN/grams-count" --order 3 "$BROWN/train.txt" 2>/dev/null | "$BIN/grams-build" -o "$work/brown3.lm" 2>/dev/null
"$BIN/grams-count" --order 3 "$KJV" 2>/dev/null | "$BIN/grams-build" -o "$work/kjv3.lm" 2>/dev/null
start=$EPOCHREALTIME
"$BIN/grams-mix" --dev "$BROWN/dev.txt" -o "$work/mixed.lm" "$work/brown3.lm" "$work/kjv3.lm" |
  tee "$work/report.txt"
end=$EPOCHREALTIME
awk -v a="$start" -v b="$end" 'BEGIN { printf "grams-mix: %.2f s (loading, EM, the static model and its dev score)\n", b - a }'
ppl() { "$BIN/grams-perplexity" "$1" "$2" | awk -F': *' '/perplexity including OOVs/ { print $2 }'; }
printf '\n%-22s %12s %12s\n' model "dev ppl" "test ppl"
for m in brown3 kjv3 mixed; do
  label=$m
  [ "$m" = mixed ] && label="mixed (static)"
  printf '%-22s %12s %12s\n' "$label" "$(ppl "$work/$m.lm" "$BROWN/dev.txt")" "$(ppl "$work/$m.lm" "$BROWN/test.txt")"
done
# The dynamic mixture (grams-perplexity --mix-model), with EM's weights.
weights=$(sed -n 's/^dynamic mixture: .*--weights \([^ ]*\) .*/\1/p' "$work/report.txt")
dyn() { "$BIN/grams-perplexity" --mix-model "$work/kjv3.lm" --weights "$weights" "$work/brown3.lm" "$1" |
  awk -F': *' '/perplexity including OOVs/ { print $2 }'; }
printf '%-22s %12s %12s\n' "mixed (dynamic)" "$(dyn "$BROWN/dev.txt")" "$(dyn "$BROWN/test.txt")"
echo "(each as grams-perplexity scores it: OOVs of that model's vocabulary as its <unk>;"
echo " the mixtures' OOVs are the units in neither model)"
