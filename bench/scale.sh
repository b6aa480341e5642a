#!/usr/bin/env bash
# Scale benchmark (issue 5): order-5 count + build on scale.txt (7.2M tokens,
# ../shared/corpora/scale/scale.txt.zst), and on 2x and 4x as much text made by
# appending distinct seeded synthetic text (Zipf-distributed words; never the
# same text repeated). Reports wall time, peak RSS (/usr/bin/time -v) and file
# sizes and the temporary disk peak (grams-count -v); medians of --runs runs
# for 1x. 1x runs with the default memory budget and with each of --budgets
# (-S for grams-count and grams-build); 2x and 4x with the default.
#
#   bench/scale.sh [--bin build/tools] [--runs 3] [--sizes "1 2 4"] [--threads N] [--budgets "200M"]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$here/build/tools" RUNS=3 SIZES="1 2 4" THREADS=0 BUDGETS="200M"
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --budgets) BUDGETS=$2; shift 2 ;;
    *) echo "usage: bench/scale.sh [--bin DIR] [--runs N] [--sizes \"1 2 4\"] [--threads N] [--budgets \"200M\"]" >&2; exit 2 ;;
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

printf '%-5s %-7s %10s %10s %8s %8s %8s %8s %9s %9s %8s %9s %9s\n' size budget tokens ngrams count_s build_s total_s s_per_Mng count_MB build_MB temp_MB counts_MB model_MB
for size in $SIZES; do
  input="$work/x$size.txt"
  if [ "$size" != 1 ]; then
    cp "$work/x1.txt" "$input"
    synth "$size" $(( base_tokens * (size - 1) * 2 / 37 )) >> "$input"
  fi
  tokens=$(awk '{ t += NF + 1 } END { print t }' "$input")
  runs=$RUNS budgets="default"
  [ "$size" = 1 ] && budgets="default $BUDGETS"
  [ "$size" = 1 ] || runs=1
  for budget in $budgets; do
    S=()
    [ "$budget" = default ] || S=(-S "$budget")
    cw=() bw=() cm=() bm=() tm=()
    for _ in $(seq 1 "$runs"); do
      /usr/bin/time -f '%e %M' -o "$work/t1" "$BIN/grams-count" -v -j "$THREADS" "${S[@]}" -T "$work" --order 5 "$input" -o "$work/c" 2>"$work/e1"
      /usr/bin/time -f '%e %M' -o "$work/t2" "$BIN/grams-build" -v "${S[@]}" -T "$work" "$work/c" -o "$work/m" 2>"$work/e2"
      read -r a b < "$work/t1"; cw+=("$a"); cm+=("$b")
      read -r a b < "$work/t2"; bw+=("$a"); bm+=("$b")
      # The larger of the two tools' temporary disk peaks.
      tm+=("$(awk '/temporary disk peak/ { c = $5 } /temporary files: peak/ { b = $5 + 0 }
                  END { print (c + 0 > b + 0) ? c + 0 : b + 0 }' "$work/e1" "$work/e2")")
    done
    c=$(printf '%s\n' "${cw[@]}" | median); b=$(printf '%s\n' "${bw[@]}" | median)
    c_mem=$(printf '%s\n' "${cm[@]}" | median); b_mem=$(printf '%s\n' "${bm[@]}" | median)
    t_mb=$(printf '%s\n' "${tm[@]}" | median)
    ngrams=$(awk '/: order [0-9]+: [0-9]+ n-grams/ { for (i = 1; i <= NF; i++) if ($i ~ /^n-grams/) t += $(i - 1) } END { print t + 0 }' "$work/e2")
    awk -v s="${size}x" -v S="$budget" -v t="$tokens" -v ng="$ngrams" -v c="$c" -v b="$b" -v cm="$c_mem" -v bm="$b_mem" -v tmb="$t_mb" \
        -v cs="$(stat -c %s "$work/c")" -v ms="$(stat -c %s "$work/m")" \
        'BEGIN { printf "%-5s %-7s %10d %10d %8.2f %8.2f %8.2f %8.3f %9.0f %9.0f %8.1f %9.1f %9.1f\n", s, S, t, ng, c, b, c + b, (c + b) / (ng / 1e6), cm / 1024, bm / 1024, tmb, cs / 1e6, ms / 1e6 }'
  done
  [ "$size" = 1 ] || rm -f "$input"
done
echo "anchor (scale.txt, order 5): lmplz -S 500M 17.0 s, 444 MB; -S 200M 20.3 s, 260 MB"
echo "temp_MB: the larger temporary disk peak of grams-count and grams-build (-v);"
echo "uncompressed sorted counts (n-gram ids + 8-byte count, as lmplz's runs): sum over orders of m_n * (4n + 8)"
echo "s_per_Mng: total seconds per million n-grams (the synthetic text has more n-grams per token)"
