#!/usr/bin/env bash
# Scale benchmark (issue 5): order-5 count + build on scale.txt (7.2M tokens,
# ../shared/corpora/scale/scale.txt.zst), and on 2x and 4x as much text made by
# appending distinct seeded synthetic text (Zipf-distributed words; never the
# same text repeated). Reports wall time, peak RSS (/usr/bin/time -v) and file
# sizes; medians of --runs runs for 1x.
#
#   bench/scale.sh [--bin build/tools] [--runs 3] [--sizes "1 2 4"] [--threads N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$here/build/tools" RUNS=3 SIZES="1 2 4" THREADS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    *) echo "usage: bench/scale.sh [--bin DIR] [--runs N] [--sizes \"1 2 4\"] [--threads N]" >&2; exit 2 ;;
  esac
done
SCALE=${SCALE:-${GRAMS_SHARED_DIR:-$here/../shared}/corpora/scale/scale.txt.zst}
[ -r "$SCALE" ] || { echo "bench/scale.sh: no corpus at $SCALE (set SCALE)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zstd -dcq "$SCALE" > "$work/x1.txt"
base_tokens=$(awk '{ t += NF + 1 } END { print t }' "$work/x1.txt")

# Seeded synthetic text: sentences of 5-30 words (17.5 + </s> tokens on
# average) from a 200k-word Zipf-like vocabulary.
synth() {  # synth SEED LINES
  awk -v seed="$1" -v lines="$2" 'BEGIN {
    srand(seed); V = 200000; H = 0
    for (k = 1; k <= V; k++) H += 1 / k
    for (i = 0; i < lines; i++) {
      n = 5 + int(rand() * 26); line = ""
      for (j = 0; j < n; j++) {
        # inverse-CDF sampling of a Zipf(1) rank, approximated by exp(u * ln V)
        r = int(exp(rand() * log(V))); line = line (j ? " " : "") "w" r
      }
      print line
    }
  }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-5s %10s %10s %10s %10s %10s %10s %12s %12s\n' size tokens count_s build_s total_s count_MB build_MB counts_MB model_MB
for size in $SIZES; do
  input="$work/x$size.txt"
  if [ "$size" != 1 ]; then
    cp "$work/x1.txt" "$input"
    synth "$size" $(( base_tokens * (size - 1) * 2 / 37 )) >> "$input"
  fi
  tokens=$(awk '{ t += NF + 1 } END { print t }' "$input")
  runs=$RUNS
  [ "$size" = 1 ] || runs=1
  cw=() bw=() cm=() bm=()
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t1" "$BIN/grams-count" -j "$THREADS" --order 5 "$input" -o "$work/c" 2>/dev/null
    /usr/bin/time -f '%e %M' -o "$work/t2" "$BIN/grams-build" "$work/c" -o "$work/m" 2>/dev/null
    read -r a b < "$work/t1"; cw+=("$a"); cm+=("$b")
    read -r a b < "$work/t2"; bw+=("$a"); bm+=("$b")
  done
  c=$(printf '%s\n' "${cw[@]}" | median); b=$(printf '%s\n' "${bw[@]}" | median)
  c_mem=$(printf '%s\n' "${cm[@]}" | median); b_mem=$(printf '%s\n' "${bm[@]}" | median)
  awk -v s="${size}x" -v t="$tokens" -v c="$c" -v b="$b" -v cm="$c_mem" -v bm="$b_mem" \
      -v cs="$(stat -c %s "$work/c")" -v ms="$(stat -c %s "$work/m")" \
      'BEGIN { printf "%-5s %10d %10.2f %10.2f %10.2f %10.0f %10.0f %12.1f %12.1f\n", s, t, c, b, c + b, cm / 1024, bm / 1024, cs / 1e6, ms / 1e6 }'
  [ "$size" = 1 ] || rm -f "$input"
done
echo "anchor (scale.txt, order 5): lmplz -S 500M 17.0 s, 444 MB; -S 200M 20.3 s, 260 MB"
