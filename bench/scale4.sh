#!/usr/bin/env bash
# Four times scale.txt under one memory budget, side by side with KenLM's
# lmplz (issue 15): x4.txt is scale.txt followed by three copies of it whose
# words are shuffled within windows of 3 (each line cut into windows of 3
# words, each window permuted; Python's random, seed 3), 29M tokens of text
# whose n-grams are mostly new. Then, medians of --runs runs, interleaved:
#   grams-count -S S --order 5 x4.txt -o x4.counts
#   grams-build -S S x4.counts -o x4.lm
#   lmplz -S S -o 5 --text x4.txt --arpa x4.arpa        (if ../shared has it)
# reporting each one's wall time, CPU time (user + system) and peak RSS
# (GNU time), and grams' count + build against lmplz.
#
# Usage: bench/scale4.sh [--bin DIR] [--kenlm DIR] [--budget 500M] [--runs 3] [--work DIR]
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${GRAMS_SHARED_DIR:-$here/../shared}
BIN=$here/build/tools KENLM=$SHARED/tools/kenlm BUDGET=500M RUNS=3 WORK="" KEEP=0
while (($#)); do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --kenlm) KENLM=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --work) WORK=$2; KEEP=1; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scale4.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
SCALE=${SCALE:-$SHARED/corpora/scale/scale.txt.zst}
BENCH_NAME=scale4
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
[[ -r $SCALE ]] || die "no corpus at $SCALE (set SCALE)"
require_measuring_tools
make_workdir "$WORK"
cd "$WORK" || die "cannot enter $WORK"
mkdir -p tmp

zstd -dcq "$SCALE" > x1.txt
/usr/bin/python3 - x1.txt > x4.txt <<'EOF'
import random, sys
rng = random.Random(3)
text = open(sys.argv[1], "rb").read()
out = sys.stdout.buffer
out.write(text)
lines = text.split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
for _ in range(3):
    for line in lines:
        words = line.split()
        for i in range(0, len(words), 3):
            window = words[i:i + 3]
            rng.shuffle(window)
            words[i:i + 3] = window
        out.write(b" ".join(words) + b"\n")
EOF
rm x1.txt
tokens=$(awk '{ t += NF + 1 } END { print t }' x4.txt)

jobs=(count build)
have_lmplz=0
if [[ -x $KENLM/lmplz ]] && ! ldd "$KENLM/lmplz" 2>/dev/null | grep -q "not found"; then
  have_lmplz=1
  jobs+=(lmplz)
else
  echo "scale4.sh: no working lmplz in $KENLM (it needs Debian's libboost-thread1.74.0" \
    "and libboost-program-options1.74.0): grams alone" >&2
fi
run() {  # run JOB CMD...: one measurement of JOB
  local job=$1
  shift
  timed "$@" > /dev/null || die "$job failed"
  add_sample "$job wall" "$LAST_WALL"
  add_sample "$job cpu" "$LAST_CPU"
  add_sample "$job rss" "$LAST_RSS"
}
for ((r = 1; r <= RUNS; r++)); do
  run count "$BIN/grams-count" -q -S "$BUDGET" -T tmp --order 5 x4.txt -o x4.counts
  run build "$BIN/grams-build" -q -S "$BUDGET" -T tmp x4.counts -o x4.lm
  if ((have_lmplz)); then
    run lmplz "$KENLM/lmplz" -S "$BUDGET" -T tmp -o 5 --text x4.txt --arpa x4.arpa
  fi
  echo "  round $r of $RUNS done" >&2
done

declare -A MW MC MR
echo "x4.txt: $tokens tokens ($(stat -c %s x4.txt) bytes); order 5; -S $BUDGET; medians of $RUNS runs"
printf '%-8s %10s %10s %10s\n' job "wall s" "cpu s" "peak MB"
for job in "${jobs[@]}"; do
  MW[$job]=$(med "$job wall")
  MC[$job]=$(med "$job cpu")
  MR[$job]=$(med "$job rss")
  printf '%-8s %10.2f %10.2f %10.1f\n' "$job" "${MW[$job]}" "${MC[$job]}" "$(echo "${MR[$job]} / 1024" | bc -l)"
done
echo "counts file $(stat -c %s x4.counts) bytes, model file $(stat -c %s x4.lm) bytes"
if ((have_lmplz)); then
  total=$(echo "${MW[count]} + ${MW[build]}" | bc -l)
  printf 'grams count + build: %.2f s wall, %.2fx lmplz (target at most 0.6x)\n' "$total" \
    "$(echo "$total / ${MW[lmplz]}" | bc -l)"
  for job in count build; do
    printf 'grams-%s peak against lmplz: %.1f MB against %.1f MB (target at most)\n' "$job" \
      "$(echo "${MR[$job]} / 1024" | bc -l)" "$(echo "${MR[lmplz]} / 1024" | bc -l)"
  done
fi
