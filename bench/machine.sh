#!/usr/bin/env bash
# The machine's ceilings, which the other benchmarks run into (bench/README.md,
# "The machine"): bench/machine.cc, compiled here, measures
#   - memory bandwidth (a 256 MB copy) on 1 .. nproc threads: a phase that
#     streams memory scales no better than this;
#   - independent random reads from 64 MB on 1 .. nproc threads;
#   - the CPU of a fresh 4 KiB page (first touch, and MADV_POPULATE_WRITE),
#     median of --runs processes: what every fresh page of a model load or a
#     count costs;
#   - the CPU of a fresh 2 MiB huge page, in a process started right after
#     another freed its memory and in one started --pause seconds after the
#     last (a virtio balloon with free page reporting hands free 2 MiB blocks
#     back to the host within seconds: util/huge_array.h);
#   - the wall time to write 66 MB of fresh memory (and unmap it) on 1 and
#     nproc threads, median of --runs processes: the floor under loading
#     brown order 5's model file, which faults in about that much (the
#     decoded trie and the sections it is decoded from);
# and whether a virtio balloon here reports free pages.
#
#   bench/machine.sh [--runs 5] [--pause 3] [--work DIR] [--keep]
set -u -o pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=machine.sh
source "$here/bench/lib.sh"
RUNS=5 PAUSE=3 WORKDIR=""
while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --pause) PAUSE=$2; shift 2 ;;
    --work) WORKDIR=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
command -v c++ >/dev/null || die "no C++ compiler (c++) found"
make_workdir "$WORKDIR"
c++ -O2 -std=c++17 -pthread -o "$WORK/machine" "$here/bench/machine.cc" || die "compiling machine.cc failed"
M=$WORK/machine
T=$(nproc)

reporting=no
for f in /sys/bus/virtio/drivers/virtio_balloon/virtio*/features; do
  [[ -r $f ]] && [[ $(cut -c6 "$f") == 1 ]] && reporting=yes
done
echo "cpus: $T; virtio balloon free page reporting: $reporting"

"$M" bandwidth 256 "$T" | tee "$WORK/bw.tsv" | cut -f1-3 | sed 's/\t/  /g' | sed 's/$/ GB\/s copied/'
"$M" random 64 "$T" | tee "$WORK/rand.tsv" | cut -f1-3 | sed 's/\t/  /g' | sed 's/$/ M reads\/s/'
awk -F'\t' '{r[$2] = $3} END {n = 0; for (t in r) if (t + 0 > n) n = t + 0;
  if (n > 1) printf "scaling to %d threads: copy %.2fx\n", n, r[n] / r[1]}' "$WORK/bw.tsv"
awk -F'\t' '{r[$2] = $3} END {n = 0; for (t in r) if (t + 0 > n) n = t + 0;
  if (n > 1) printf "scaling to %d threads: random reads %.2fx\n", n, r[n] / r[1]}' "$WORK/rand.tsv"

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
: >"$WORK/pages.tsv"
for ((i = 0; i < RUNS; i++)); do "$M" pages 128 >>"$WORK/pages.tsv"; done
for how in touch populate; do
  v=$(awk -F'\t' -v h=$how '$2 == h {print $3}' "$WORK/pages.tsv" | median)
  [[ -n $v ]] && echo "fresh 4 KiB page, $how: $v us (median of $RUNS processes)"
done
# Huge pages right after a process freed 128 MB, then PAUSE s after the last.
: >"$WORK/huge0.tsv"
: >"$WORK/huge1.tsv"
for ((i = 0; i < RUNS; i++)); do
  "$M" pages 128 >/dev/null
  "$M" huge 128 >>"$WORK/huge0.tsv"
  if ((PAUSE > 0)); then
    sleep "$PAUSE"
    "$M" huge 128 >>"$WORK/huge1.tsv"
  fi
done
for t in 1 "$T"; do
  v=$(for ((i = 0; i < RUNS; i++)); do "$M" write 66 "$t"; done | cut -f3 | median)
  echo "66 MB of fresh memory written and unmapped on $t thread(s): $v ms (median of $RUNS processes)"
  ((T == 1)) && break
done
v=$(cut -f3 "$WORK/huge0.tsv" | median)
echo "fresh 2 MiB page, right after another process: $v ms (median of $RUNS processes' means)"
if ((PAUSE > 0)); then
  v=$(cut -f3 "$WORK/huge1.tsv" | median)
  echo "fresh 2 MiB page, $PAUSE s after the last process: $v ms (median of $RUNS processes' means)"
fi
