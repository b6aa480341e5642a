#!/usr/bin/env bash
# The reduce step (issue 15, items 1 and 2): scale.txt cut into 64 and into 4
# shards (split -n l/K), each counted at --order 5; then, interleaved round
# by round, medians of --runs runs of
#   - reading every shard once: grams-info --check on each (every byte read
#     and decompressed, every checksum verified), and the same number of
#     process starts alone (grams-info --check on a tiny counts file);
#   - grams-count --merge-list of the 64 shards under -S 200M, and of the 4
#     under -S 100M (wall, CPU, peak RSS);
#   - the partitioned reduce of the 64 shards: K = 4 reducers
#     (--partition I/4, -S 200M), two at a time (--parallel), each with its
#     share of the cores (-j), then --join;
#   - the same shards counted with --shared-vocab (the vocabulary of the
#     whole: each shard's order 1, merged), read once, and merged by the trie
#     merge: the 64 under -S 200M, the 4 under -S 100M.
# Every merged or joined counts file is compared byte for byte with counting
# the whole of scale.txt. The targets: peak RSS at most 260 MB (64 shards)
# and 130 MB (4 shards); merge wall at most 1.5x reading the shards once;
# the partitioned reduce no slower than the single merge.
#
#   bench/merge.sh [--bin build/tools] [--runs 3] [--parallel 2] [--corpus FILE] [--work DIR] [--keep]
set -u -o pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=merge.sh
source "$here/bench/lib.sh"
BIN=$here/build/tools RUNS=3 PARALLEL=2 CORPUS="" WORKDIR=""
while (($#)); do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --parallel) PARALLEL=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --work) WORKDIR=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
for t in grams-count grams-info; do
  [[ -x $BIN/$t ]] || die "$BIN/$t not found (build first, or --bin DIR)"
done
require_measuring_tools
make_workdir "$WORKDIR"
scale_corpus "$here"

echo "counting $(basename "$CORPUS") whole and in 64 and 4 shards (order 5)" >&2
"$BIN/grams-count" -q --order 5 "$CORPUS" -o "$WORK/whole.counts" || die "counting the whole failed"
for k in 64 4; do
  mkdir -p "$WORK/s$k"
  split -n l/$k -d -a 2 "$CORPUS" "$WORK/s$k/s" || die "split failed"
  for f in "$WORK/s$k"/s??; do
    "$BIN/grams-count" -q --order 5 "$f" -o "$f.counts" || die "counting $f failed"
    rm -f "$f"
  done
  ls "$WORK/s$k"/s??.counts >"$WORK/s$k.list"
done
# The same shards numbered alike: the vocabulary of the whole from each
# shard's order 1 (map 1, reduce 1), then each shard counted with it.
mkdir -p "$WORK/u64"
split -n l/64 -d -a 2 "$CORPUS" "$WORK/u64/s" || die "split failed"
vocab_start=$(date +%s.%N)
for f in "$WORK/u64"/s??; do
  "$BIN/grams-count" -q --order 1 "$f" -o "$f.vocab" || die "counting the words of $f failed"
done
"$BIN/grams-count" -q --merge "$WORK/u64"/s??.vocab -o "$WORK/vocab.counts" || die "vocab merge failed"
vocab_wall=$(awk -v a="$vocab_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
rm -rf "$WORK/u64"
for k in 64 4; do
  mkdir -p "$WORK/v$k"
  split -n l/$k -d -a 2 "$CORPUS" "$WORK/v$k/s" || die "split failed"
  for f in "$WORK/v$k"/s??; do
    "$BIN/grams-count" -q --order 5 --shared-vocab "$WORK/vocab.counts" "$f" -o "$f.counts" ||
      die "counting $f with --shared-vocab failed"
    rm -f "$f"
  done
  ls "$WORK/v$k"/s??.counts >"$WORK/v$k.list"
done
bytesv64=$(cat "$WORK/v64"/*.counts | wc -c)
bytesv4=$(cat "$WORK/v4"/*.counts | wc -c)
printf 'a b c\n' | "$BIN/grams-count" -q --order 5 -o "$WORK/tiny.counts" - || die "tiny counts failed"
bytes64=$(cat "$WORK/s64"/*.counts | wc -c)
bytes4=$(cat "$WORK/s4"/*.counts | wc -c)

# Each shard read whole once, one grams-info --check a file; the same number
# of starts on the tiny file is what the process starts alone cost.
read_all() { # LIST
  local f
  while read -r f; do "$BIN/grams-info" --check "$f" >/dev/null || return 1; done <"$1"
}
starts() { # N
  local i
  for ((i = 0; i < $1; i++)); do "$BIN/grams-info" --check "$WORK/tiny.counts" >/dev/null || return 1; done
}
export -f read_all starts
export BIN WORK
# The partitioned reduce, PARALLEL reducers at a time (each with its share of
# the cores, as on machines of their own), then the join.
RJOBS=$(($(nproc) / PARALLEL))
((RJOBS >= 1)) || RJOBS=1
reduce() {
  printf '%s\n' 1 2 3 4 | xargs -P "$PARALLEL" -I{} "$BIN/grams-count" -q -j "$RJOBS" \
    --merge-list "$WORK/s64.list" --partition {}/4 -S 200M -o "$WORK/slice{}.counts" &&
    "$BIN/grams-count" -q --join "$WORK"/slice?.counts -o "$WORK/joined.counts"
}
export -f reduce
export PARALLEL RJOBS

measure() { # KEY CMD...
  local key=$1
  shift
  timed "$@" </dev/null >/dev/null || die "$key failed"
  add_sample "$key.wall" "$LAST_WALL"
  add_sample "$key.cpu" "$LAST_CPU"
  add_sample "$key.rss" "$LAST_RSS"
}

echo "$RUNS rounds" >&2
for ((r = 1; r <= RUNS; r++)); do
  measure read64 bash -c 'read_all "$WORK/s64.list"'
  measure starts64 bash -c 'starts 64'
  measure merge64 "$BIN/grams-count" -q --merge-list "$WORK/s64.list" -S 200M -o "$WORK/m64.counts"
  measure reduce64 bash -c reduce
  measure read4 bash -c 'read_all "$WORK/s4.list"'
  measure starts4 bash -c 'starts 4'
  measure merge4 "$BIN/grams-count" -q --merge-list "$WORK/s4.list" -S 100M -o "$WORK/m4.counts"
  measure readv64 bash -c 'read_all "$WORK/v64.list"'
  measure mergev64 "$BIN/grams-count" -q --merge-list "$WORK/v64.list" -S 200M -o "$WORK/mv64.counts"
  measure readv4 bash -c 'read_all "$WORK/v4.list"'
  measure mergev4 "$BIN/grams-count" -q --merge-list "$WORK/v4.list" -S 100M -o "$WORK/mv4.counts"
  for f in m64 joined m4 mv64 mv4; do
    cmp -s "$WORK/$f.counts" "$WORK/whole.counts" || die "$f.counts differs from counting the whole"
  done
  echo "  round $r of $RUNS done" >&2
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# The rows of one merge: K shards (keys readK, startsK, mergeK) under BUDGET,
# against the peak RSS target RSS (MB).
merge_rows() { # K BUDGET RSS
  local k=$1 budget=$2 rss=$3
  row read$k "read once (grams-info --check each)" "$(fmt_s "$(med read$k.wall)")" s
  [[ $k == v* ]] || row starts$k "  of which ${k#v} process starts" "$(fmt_s "$(med starts$k.wall)")" s
  row merge$k "merge -S $budget: wall" "$(fmt_s "$(med merge$k.wall)")" s
  row merge$k.cpu "merge -S $budget: CPU (user + sys)" "$(fmt_s "$(med merge$k.cpu)")" s
  row merge$k.rss "merge -S $budget: peak RSS" "$(fmt_mb_kib "$(med merge$k.rss)")" MB "$rss" target
  row merge$k.ratio "merge wall / read once" \
    "$(ratio "$(med merge$k.wall)" "$(med read$k.wall)")" x 1.5 target
}
section "64 shards of scale.txt ($(fmt_mb "$bytes64") MB of counts files)"
merge_rows 64 200M 260
row reduce64 "reduce K=4 ($PARALLEL at once, -j$RJOBS) + join: wall" \
  "$(fmt_s "$(med reduce64.wall)")" s "$(fmt_s "$(med merge64.wall)")" "the single merge"
row reduce64.cpu "reduce K=4 + join: CPU" "$(fmt_s "$(med reduce64.cpu)")" s
section "4 shards of scale.txt ($(fmt_mb "$bytes4") MB of counts files)"
merge_rows 4 100M 130
section "--shared-vocab: the vocabulary pass (64 shards at order 1, merged) took ${vocab_wall} s"
section "64 shards, numbered alike ($(fmt_mb "$bytesv64") MB of counts files): the trie merge"
merge_rows v64 200M 260
section "4 shards, numbered alike ($(fmt_mb "$bytesv4") MB of counts files): the trie merge"
merge_rows v4 100M 130
print_rows "grams-count --merge, medians of $RUNS runs"
echo
echo "every merged and joined counts file is identical to counting the whole"
