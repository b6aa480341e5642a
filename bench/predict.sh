#!/usr/bin/env bash
# Prediction and generation throughput (issue 14) on a Brown order-5 model
# (grams-count | grams-build of ../shared/corpora/brown/train.txt):
#   - grams-predict -k 10 on every prefix of every Brown test sentence (61,383
#     queries), as queries per second; target: at least 50,000;
#   - grams-generate of --sentences sentences (default 100,000, about 2.2M
#     units, </s> counted), as units per second; target: at least 1M.
# Each figure is the median of --runs runs (default 5) of the tool with its
# input minus the median of runs that only load the model (an empty input,
# -n 0), in wall time and in CPU time (user + sys: less sensitive to other
# work on a shared machine).
#
#   bench/predict.sh [--bin build/tools] [--runs 5] [--sentences 100000]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$here/build/tools" RUNS=5 SENTENCES=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --sentences) SENTENCES=$2; shift 2 ;;
    *) echo "usage: bench/predict.sh [--bin DIR] [--runs N] [--sentences N]" >&2; exit 2 ;;
  esac
done
SHARED=${GRAMS_SHARED_DIR:-$here/../shared}
TRAIN=${BROWN_TRAIN:-$SHARED/corpora/brown/train.txt}
TEST=${BROWN_TEST:-$SHARED/corpora/brown/test.txt}
[ -r "$TRAIN" ] && [ -r "$TEST" ] || { echo "bench/predict.sh: no Brown corpus under $SHARED" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/predict.sh: needs GNU time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$BIN/grams-count" --order 5 "$TRAIN" 2>/dev/null | "$BIN/grams-build" -o "$work/brown5.lm" 2>/dev/null
awk '{ p = ""; print p; for (i = 1; i <= NF; ++i) { p = (i == 1 ? $i : p " " $i); print p } }' "$TEST" \
  > "$work/prefixes.txt"
queries=$(wc -l < "$work/prefixes.txt")
: > "$work/empty.txt"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# measure OUT CMD...: median wall and CPU seconds of RUNS runs into $wall $cpu.
measure() {
  local out=$1
  shift
  local walls=() cpus=()
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" > "$out" 2>/dev/null
    read -r w u s < "$work/t"
    walls+=("$w")
    cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median)
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
}
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { d = a - b; if (d <= 0) print "inf"; else printf "%.0f", n / d }'; }

printf '%-34s %10s %10s %12s %12s\n' figure "wall (s)" "CPU (s)" "per s wall" "per s CPU"
measure /dev/null "$BIN/grams-predict" -k 10 "$work/brown5.lm" "$work/empty.txt"
load_wall=$wall load_cpu=$cpu
measure "$work/pred.out" "$BIN/grams-predict" -k 10 "$work/brown5.lm" "$work/prefixes.txt"
printf '%-34s %10s %10s %12s %12s\n' "predict: load only" "$load_wall" "$load_cpu" - -
printf '%-34s %10s %10s %12s %12s\n' "predict: $queries top-10 queries" "$wall" "$cpu" \
  "$(rate "$queries" "$wall" "$load_wall")" "$(rate "$queries" "$cpu" "$load_cpu")"

measure /dev/null "$BIN/grams-generate" -n 0 "$work/brown5.lm"
load_wall=$wall load_cpu=$cpu
measure "$work/gen.out" "$BIN/grams-generate" -n "$SENTENCES" --seed 1 "$work/brown5.lm"
units=$(awk '{ n += NF + 1 } END { print n }' "$work/gen.out")  # each sentence's units and </s>
printf '%-34s %10s %10s %12s %12s\n' "generate: load only" "$load_wall" "$load_cpu" - -
printf '%-34s %10s %10s %12s %12s\n' "generate: $units units" "$wall" "$cpu" \
  "$(rate "$units" "$wall" "$load_wall")" "$(rate "$units" "$cpu" "$load_cpu")"
