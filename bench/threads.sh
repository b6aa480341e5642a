#!/usr/bin/env bash
# Counting on threads (issue 15, item 5): grams-count --order 5 on scale.txt
# (../shared/corpora/scale/scale.txt.zst, decompressed first) with -j1 and
# -j2 (or --threads "1 2 4"), interleaved round by round so that a busy
# machine slows them alike; medians of --runs runs of wall, CPU (user +
# system) and peak RSS, and each thread count's speed-up over -j1. The
# counts files of every thread count are compared byte for byte.
#
#   bench/threads.sh [--bin build/tools] [--runs 5] [--threads "1 2"] [--order 5] [--corpus FILE]
set -u -o pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=threads.sh
source "$here/bench/lib.sh"
BIN=$here/build/tools RUNS=5 THREADS="1 2" ORDER=5 CORPUS=""
while (($#)); do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --order) ORDER=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
[[ -x $BIN/grams-count ]] || die "$BIN/grams-count not found (build first, or --bin DIR)"
require_measuring_tools
make_workdir
scale_corpus "$here"

echo "grams-count --order $ORDER $(basename "$CORPUS"), threads: $THREADS; $RUNS rounds" >&2
for ((r = 1; r <= RUNS; r++)); do
  for j in $THREADS; do
    timed "$BIN/grams-count" -q --order "$ORDER" -j "$j" -o "$WORK/j$j.counts" "$CORPUS" </dev/null ||
      die "grams-count -j$j failed"
    add_sample "j$j.wall" "$LAST_WALL"
    add_sample "j$j.cpu" "$LAST_CPU"
    add_sample "j$j.rss" "$LAST_RSS"
  done
  echo "  round $r of $RUNS done" >&2
done
first=${THREADS%% *}
for j in $THREADS; do
  cmp -s "$WORK/j$first.counts" "$WORK/j$j.counts" || die "-j$j wrote other counts than -j$first"
done

printf '%-8s %10s %10s %10s %10s\n' threads "wall s" "cpu s" "peak MB" speed-up
base=$(med "j$first.wall")
for j in $THREADS; do
  w=$(med "j$j.wall")
  printf '%-8s %10.3f %10.2f %10.1f %9.2fx\n' "-j$j" "$w" "$(med "j$j.cpu")" \
    "$(awk -v k="$(med "j$j.rss")" 'BEGIN { print k / 1024 }')" \
    "$(awk -v a="$base" -v b="$w" 'BEGIN { print a / b }')"
done
echo "counts files identical at every thread count"
