#!/usr/bin/env bash
# Submits the whole flow to Slurm: counting every shard (a job array),
# the partitioned reduce (an array of K, after every count succeeded), and
# the join and build (after every reducer succeeded). Prints the three job
# ids, the last one last; the model is then WORK/corpus.lm.
#
#   contrib/slurm/submit.sh [options] WORK SHARD...
#     -k K         reducers (default 4)
#     -n N         n-gram order (default 5)
#     -S SIZE      memory budget of every step (grams-count/-build -S)
#     -T DIR       reducers' temporary directory (node-local disk is best)
#     -c OPTIONS   more grams-count options for the shards (tokenization)
#     -b OPTIONS   more grams-build options
#     -p PARTITION Slurm partition; -x "ARGS" more sbatch arguments for all jobs
#
# WORK must be on storage every node sees; the shards too (split a corpus
# at line ends: split -n l/64 -d corpus.txt shard-). Each job's log goes to
# WORK/logs/. Needs only sbatch: the scripts take their parameters from the
# environment (see each .sbatch file).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
K=4 ORDER=5 MEMORY="" TMP="" COUNT_OPTS="" BUILD_OPTS="" EXTRA=()
while getopts "k:n:S:T:c:b:p:x:" opt; do
  case $opt in
    k) K=$OPTARG ;;
    n) ORDER=$OPTARG ;;
    S) MEMORY=$OPTARG ;;
    T) TMP=$OPTARG ;;
    c) COUNT_OPTS=$OPTARG ;;
    b) BUILD_OPTS=$OPTARG ;;
    p) EXTRA+=(--partition "$OPTARG") ;;
    x) read -r -a more <<< "$OPTARG"; EXTRA+=("${more[@]}") ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
(($# >= 2)) || { sed -n '2,20p' "$0" >&2; exit 2; }
work=$(realpath "$1")
shift
mkdir -p "$work/counts" "$work/slices" "$work/logs"
: > "$work/shards.txt"
: > "$work/counts.txt"
i=0
for shard in "$@"; do
  i=$((i + 1))
  realpath "$shard" >> "$work/shards.txt"
  echo "$work/counts/$i.counts" >> "$work/counts.txt"
done
export GRAMS_WORK="$work" GRAMS_ORDER="$ORDER" GRAMS_REDUCERS="$K" GRAMS_MEMORY="$MEMORY" \
  GRAMS_TMP="$TMP" GRAMS_COUNT_OPTIONS="$COUNT_OPTS" GRAMS_BUILD_OPTIONS="$BUILD_OPTS"
# --export=ALL hands the variables (and GRAMS_BIN, PATH) to the jobs.
common=(--parsable --export=ALL "${EXTRA[@]}")
count=$(sbatch "${common[@]}" --array="1-$i" -o "$work/logs/count-%a.log" "$here/count.sbatch")
reduce=$(sbatch "${common[@]}" --array="1-$K" --dependency="afterok:${count%%;*}" \
  -o "$work/logs/reduce-%a.log" "$here/reduce.sbatch")
build=$(sbatch "${common[@]}" --dependency="afterok:${reduce%%;*}" -o "$work/logs/build.log" \
  "$here/build.sbatch")
echo "${count%%;*} ${reduce%%;*} ${build%%;*}"
