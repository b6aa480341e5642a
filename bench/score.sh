#!/usr/bin/env bash
# Scoring throughput on threads, side by side with KenLM's query: 5 x Brown
# train (5.2M tokens), the Brown order-5 model (KenLM's own ARPA, converted
# by grams-build --from-arpa; KenLM reads it as a probing binary), whole
# processes, load included. Runs are interleaved (one of each job per round)
# so that a busy machine slows them alike; medians are reported, with CPU
# time (user + system) beside the wall time.
#
# Usage: bench/score.sh [--bin DIR] [--kenlm DIR] [--runs N] [--work DIR] [--keep]
#
# Jobs:
#   perplexity -j1 / -j2    grams-perplexity -jN MODEL train5.txt
#   perplexity -j1/-j2 mapped  the same on the model's mapped form (grams-convert
#                           --to mapped), the form that compares with KenLM's
#                           probing binary: both are mapped, not decoded
#   perplexity -j1/-j2 trie the same on the mapped form's trie layout
#                           (--layout trie), which compares with KenLM's trie
#   score -j1 / -j2         grams-score -jN MODEL train5.txt > /dev/null
#   score --per-token -j2   the same with a field per token
#   kenlm query             query -v summary PROBING < train5.txt > /dev/null
#   kenlm query trie        the same on KenLM's trie binary (build_binary trie)
#   load                    grams-perplexity on an empty input (the load alone)
set -u -o pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${GRAMS_SHARED_DIR:-$REPO/../shared}
BIN=$REPO/build/tools
KENLM=$SHARED/tools/kenlm
RUNS=5
WORK=""
KEEP=0
while (($#)); do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --kenlm) KENLM=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "score.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
die() { echo "score.sh: $*" >&2; exit 1; }
for t in grams-perplexity grams-score grams-build grams-convert; do
  [[ -x $BIN/$t ]] || die "$BIN/$t not found (build first, or --bin DIR)"
done
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time, Debian package time) is needed"
TRAIN=$SHARED/corpora/brown/train.txt
ARPA=$SHARED/reference/brown.o5.kenlm.arpa.zst
[[ -f $TRAIN && -f $ARPA ]] || die "$TRAIN or $ARPA not found (GRAMS_SHARED_DIR)"
have_kenlm=0
[[ -x $KENLM/query && -x $KENLM/build_binary ]] && have_kenlm=1

if [[ -z $WORK ]]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/grams-score-bench.XXXXXX"); fi
mkdir -p "$WORK"
((KEEP)) || trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || die "cannot enter $WORK"

echo "preparing in $WORK ..."
for _ in 1 2 3 4 5; do cat "$TRAIN"; done > train5.txt
: > empty.txt
zstd -dc "$ARPA" > brown.o5.arpa
"$BIN/grams-build" -q --from-arpa brown.o5.arpa -o brown.o5.lm || die "grams-build failed"
"$BIN/grams-convert" brown.o5.lm --to mapped -o brown.o5.map || die "grams-convert failed"
"$BIN/grams-convert" brown.o5.lm --to mapped --layout trie -o brown.o5.trie ||
  die "grams-convert --layout trie failed"
if ((have_kenlm)); then
  "$KENLM/build_binary" probing brown.o5.arpa brown.o5.probing > /dev/null 2>&1 ||
    die "build_binary failed"
  "$KENLM/build_binary" trie brown.o5.arpa brown.o5.kenlm-trie > /dev/null 2>&1 ||
    die "build_binary trie failed"
fi
rm -f brown.o5.arpa
tokens=$("$BIN/grams-perplexity" --json -j1 brown.o5.lm train5.txt |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])')
cores=$(nproc)

declare -A CMD
names=("perplexity -j1" "perplexity -j1 mapped" "perplexity -j1 trie" "perplexity -j2" "perplexity -j2 mapped" "perplexity -j2 trie" "score -j1" "score -j2" "score --per-token -j2" "load")
CMD["perplexity -j1"]="$BIN/grams-perplexity -j1 brown.o5.lm train5.txt"
CMD["perplexity -j1 mapped"]="$BIN/grams-perplexity -j1 brown.o5.map train5.txt"
CMD["perplexity -j2"]="$BIN/grams-perplexity -j2 brown.o5.lm train5.txt"
CMD["perplexity -j2 mapped"]="$BIN/grams-perplexity -j2 brown.o5.map train5.txt"
CMD["perplexity -j1 trie"]="$BIN/grams-perplexity -j1 brown.o5.trie train5.txt"
CMD["perplexity -j2 trie"]="$BIN/grams-perplexity -j2 brown.o5.trie train5.txt"
CMD["score -j1"]="$BIN/grams-score -j1 brown.o5.lm train5.txt"
CMD["score -j2"]="$BIN/grams-score -j2 brown.o5.lm train5.txt"
CMD["score --per-token -j2"]="$BIN/grams-score --per-token -j2 brown.o5.lm train5.txt"
CMD["load"]="$BIN/grams-perplexity -j1 brown.o5.lm empty.txt"
if ((have_kenlm)); then
  names+=("kenlm query" "kenlm query trie")
  CMD["kenlm query"]="$KENLM/query -v summary brown.o5.probing"
  CMD["kenlm query trie"]="$KENLM/query -v summary brown.o5.kenlm-trie"
fi

declare -A WALL CPU RSS
for ((r = 1; r <= RUNS; r++)); do
  for name in "${names[@]}"; do
    input=/dev/null
    [[ $name == "kenlm query"* ]] && input=train5.txt
    start=$EPOCHREALTIME
    # shellcheck disable=SC2086
    /usr/bin/time -f "%U %S %M" -o time.log ${CMD[$name]} < "$input" > /dev/null 2> err.log ||
      { cat err.log >&2; die "$name failed"; }
    end=$EPOCHREALTIME
    read -r user sys rss < time.log
    WALL[$name]+="$(echo "$end - $start" | bc -l) "
    CPU[$name]+="$(echo "$user + $sys" | bc -l) "
    RSS[$name]+="$rss "
  done
  echo "  round $r of $RUNS done"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
declare -A MW MC
echo
echo "5 x brown/train.txt: $tokens tokens; brown order 5; $cores cores; medians of $RUNS runs"
printf '%-24s %10s %10s %14s %10s\n' job "wall s" "cpu s" "tokens/s" "peak MB"
for name in "${names[@]}"; do
  MW[$name]=$(median <<< "${WALL[$name]}")
  MC[$name]=$(median <<< "${CPU[$name]}")
  rss=$(median <<< "${RSS[$name]}")
  rate="-"
  [[ $name != load ]] && rate=$(printf '%.2fM' "$(echo "$tokens / ${MW[$name]} / 1000000" | bc -l)")
  printf '%-24s %10.3f %10.3f %14s %10.1f\n' "$name" "${MW[$name]}" "${MC[$name]}" "$rate" \
    "$(echo "$rss / 1024" | bc -l)"
done
ratio() { printf '%.2fx' "$(echo "$1 / $2" | bc -l)"; }
echo
echo "grams-perplexity -j2 against -j1:      $(ratio "${MW[perplexity -j1]}" "${MW[perplexity -j2]}") (target 1.8x)"
echo "  the mapped form, -j2 against -j1:    $(ratio "${MW[perplexity -j1 mapped]}" "${MW[perplexity -j2 mapped]}")"
echo "  its trie layout, -j2 against -j1:    $(ratio "${MW[perplexity -j1 trie]}" "${MW[perplexity -j2 trie]}")"
echo "grams-score -j2 against -j1:           $(ratio "${MW[score -j1]}" "${MW[score -j2]}")"
echo "  the same without the load:           $(ratio "$(echo "${MW[perplexity -j1]} - ${MW[load]}" | bc -l)" "$(echo "${MW[perplexity -j2]} - ${MW[load]}" | bc -l)")"
if ((have_kenlm)); then
  echo "grams-perplexity -j1 against KenLM:    $(ratio "${MW[kenlm query]}" "${MW[perplexity -j1]}") (target 2x)"
  echo "  the mapped form, -j1 against KenLM:  $(ratio "${MW[kenlm query]}" "${MW[perplexity -j1 mapped]}")"
  echo "  its trie layout, -j1 against KenLM:  $(ratio "${MW[kenlm query]}" "${MW[perplexity -j1 trie]}")"
  echo "  the trie layout against KenLM's trie: $(ratio "${MW[kenlm query trie]}" "${MW[perplexity -j1 trie]}")"
  echo "grams-perplexity -j2 against KenLM:    $(ratio "${MW[kenlm query]}" "${MW[perplexity -j2]}")"
  echo "  by CPU time, -j1 against KenLM:      $(ratio "${MC[kenlm query]}" "${MC[perplexity -j1]}")"
else
  echo "note: KenLM's query and build_binary not found in $KENLM; no comparison"
fi
echo
echo "file sizes (bytes):"
for f in brown.o5.lm brown.o5.map brown.o5.trie brown.o5.probing brown.o5.kenlm-trie; do
  [[ -f $f ]] && printf '  %-22s %12d\n' "$f" "$(stat -c %s "$f")"
done
