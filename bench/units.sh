#!/usr/bin/env bash
# Counting throughput by unit (issue 3): grams-count --order 5 on the King
# James Bible (4.1 MB, ../shared/corpora/kjv/kjv.txt), median wall time of
# --runs runs (default 5) and peak RSS, as MB/s of input. The target: char
# at least 20 MB/s on one core, byte faster still.
#
#   bench/units.sh [--bin build/tools] [--runs 5] [--order 5]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$here/build/tools" RUNS=5 ORDER=5
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --order) ORDER=$2; shift 2 ;;
    *) echo "usage: bench/units.sh [--bin DIR] [--runs N] [--order N]" >&2; exit 2 ;;
  esac
done
KJV=${KJV:-${GRAMS_SHARED_DIR:-$here/../shared}/corpora/kjv/kjv.txt}
[ -r "$KJV" ] || { echo "bench/units.sh: no corpus at $KJV (set KJV)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/units.sh: needs GNU time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bytes=$(stat -c %s "$KJV")
cat "$KJV" > /dev/null  # warm the page cache

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-9s %10s %10s %10s %12s\n' unit "wall (s)" "MB/s" "RSS (MB)" "5-grams"
for unit in byte char grapheme word segment; do
  walls=() rss=()
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$BIN/grams-count" --unit "$unit" --order "$ORDER" \
      "$KJV" -o "$work/c" 2>/dev/null
    read -r w r < "$work/t"
    walls+=("$w") rss+=("$r")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median)
  mem=$(printf '%s\n' "${rss[@]}" | median)
  top=$("$BIN/grams-build" "$work/c" --arpa - 2>/dev/null | grep -m1 "^ngram $ORDER=" | cut -d= -f2)
  awk -v u="$unit" -v w="$wall" -v b="$bytes" -v m="$mem" -v t="$top" \
    'BEGIN { printf "%-9s %10.3f %10.1f %10.1f %12s\n", u, w, b / 1e6 / w, m / 1024, t }'
done
