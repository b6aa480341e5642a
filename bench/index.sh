#!/usr/bin/env bash
# The corpus index (issue 16): grams-index on scale.txt
# (../shared/corpora/scale/scale.txt.zst, decompressed first), medians of
# --runs runs (default 3):
#   - size: bytes per token (tokens as grams-count counts them: units plus
#     one </s> per line; the target is at most 7),
#   - build: wall time, tokens per second (target at least 5M) and peak RSS,
#   - count query: the median time per query over 20,000 random 1-10-grams
#     drawn from scale.txt, warm (target under 50 us), from --timing;
# then the infinity-gram perplexity of Brown test from Brown train, beside
# the order-5 mkn model's (grams-count | grams-build | grams-perplexity) and
# their interpolation (lambda tuned on Brown dev).
#
#   bench/index.sh [--bin build/tools] [--runs 3]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$here/build/tools" RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: bench/index.sh [--bin DIR] [--runs N]" >&2; exit 2 ;;
  esac
done
SHARED=${GRAMS_SHARED_DIR:-$here/../shared}
SCALE=$SHARED/corpora/scale/scale.txt.zst
BROWN=$SHARED/corpora/brown
[ -r "$SCALE" ] || { echo "bench/index.sh: no corpus at $SCALE" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/index.sh: needs GNU time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

zstd -dcq "$SCALE" > "$work/scale.txt"
walls=() rsss=() cpus=()
for _ in $(seq "$RUNS"); do
  /usr/bin/time -v -o "$work/time" "$BIN/grams-index" -q -o "$work/scale.idx" "$work/scale.txt"
  walls+=("$(sed -n 's/.*Elapsed.*): //p' "$work/time" |
             awk '{ n = split($1, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }')")
  rsss+=("$(awk -F': *' '/Maximum resident/ { print $2 }' "$work/time")")
  cpus+=("$(awk -F': *' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$work/time")")
done
# The continuations of the empty context: every token.
tokens=$(printf '\n' | "$BIN/grams-index" --query next --top 1 "$work/scale.idx" | cut -f2)
size=$(stat -c %s "$work/scale.idx")
wall=$(printf '%s\n' "${walls[@]}" | median)
rss=$(printf '%s\n' "${rsss[@]}" | median)
cpu=$(printf '%s\n' "${cpus[@]}" | median)
printf 'scale.txt: %d tokens; index %d bytes = %.2f bytes/token\n' "$tokens" "$size" \
  "$(awk -v s="$size" -v t="$tokens" 'BEGIN { print s / t }')"
printf 'build: median %.2f s wall (%.2f s CPU) over %d runs = %.2f M tokens/s (%.2f M per CPU second), peak RSS %.1f MB\n' \
  "$wall" "$cpu" "$RUNS" "$(awk -v w="$wall" -v t="$tokens" 'BEGIN { print t / w / 1e6 }')" \
  "$(awk -v w="$cpu" -v t="$tokens" 'BEGIN { print t / w / 1e6 }')" \
  "$(awk -v r="$rss" 'BEGIN { print r * 1024 / 1e6 }')"

# 20,000 random 1-10-grams of scale.txt (a fixed seed).
awk 'BEGIN { srand(16) } NF > 0 { line[++n] = $0 } END {
  for (q = 0; q < 20000; q++) {
    m = split(line[int(rand() * n) + 1], w, " "); k = int(rand() * 10) + 1; if (k > m) k = m
    s = int(rand() * (m - k + 1)) + 1; out = w[s]; for (i = s + 1; i < s + k; i++) out = out " " w[i]
    print out } }' "$work/scale.txt" > "$work/queries.txt"
"$BIN/grams-index" --query count -i "$work/queries.txt" -o /dev/null "$work/scale.idx"  # warm
medians=()
for _ in $(seq "$RUNS"); do
  medians+=("$("$BIN/grams-index" --query count --timing -i "$work/queries.txt" -o /dev/null \
    "$work/scale.idx" 2>&1 | sed -E 's/.*median ([0-9.]+) us.*/\1/')")
done
printf 'count query: median %.2f us (median of %d runs of 20000 random 1-10-grams)\n' \
  "$(printf '%s\n' "${medians[@]}" | median)" "$RUNS"

if [ -r "$BROWN/train.txt" ] && [ -r "$BROWN/test.txt" ]; then
  "$BIN/grams-index" -q -o "$work/brown.idx" "$BROWN/train.txt"
  "$BIN/grams-index" --query ppl -i "$BROWN/test.txt" "$work/brown.idx" | sed 's/^/brown test infinity-gram: /'
  "$BIN/grams-count" -q --order 5 "$BROWN/train.txt" | "$BIN/grams-build" -q -o "$work/brown.lm"
  "$BIN/grams-perplexity" "$work/brown.lm" "$BROWN/test.txt" | sed 's/^/brown test mkn order 5: /'
  "$BIN/grams-index" --query ppl --model "$work/brown.lm" --tune "$BROWN/dev.txt" \
    -i "$BROWN/test.txt" "$work/brown.idx" 2>&1 | grep -E 'lambda|interpolated' |
    sed 's/^/brown test interpolation (lambda tuned on dev): /'
fi
