#!/usr/bin/env bash
# Serving benchmark: brown order 5 as a mapped model (grams-convert --to
# mapped, in both layouts) and as the compressed model file, side by side
# with KenLM's probing binary of the same model (build_binary probing,
# query), in the same run.
# See bench/README.md, "Serving".
#
# Usage: bench/serve.sh [--bin DIR] [--kenlm DIR] [--runs N] [--pause S]
#                       [--out FILE] [--work DIR] [--keep] [--help]

set -u -o pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=serve.sh
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh"

usage() {
  cat <<EOF
Usage: bench/serve.sh [options]

Measures what a user who scores pays: model load, one sentence, a whole test
file, memory, and memory shared between processes, for the mapped form (both
layouts) and the compressed form of brown order 5, next to KenLM's probing
binary.

Options:
  --bin DIR    directory with the built tools (default: $REPO/build/tools)
  --kenlm DIR  KenLM's build_binary and query (default: \$GRAMS_SHARED_DIR/tools/kenlm)
  --runs N     runs per timed figure, interleaved between the forms and KenLM
               so that they see the same load; the median is reported
               (default: 7; the one-sentence figure always takes 20)
  --pause S    the model file's load is also timed S seconds after the
               last process (a user's one-shot run; 5 runs, or --runs if
               fewer), on the default pages and on huge pages forced
               (GRAMS_HUGE_PAGES=1); 0 skips it (default: 3)
  --out FILE   also write the results as TSV to FILE
  --work DIR   scratch directory (default: a new one under \${TMPDIR:-/tmp},
               removed at the end unless --keep)
  --keep       keep the scratch directory (models, logs)
  --help       print this help

Environment:
  GRAMS_SHARED_DIR  shared data (default: $REPO/../shared)
  BROWN_TRAIN       training text (default: \$GRAMS_SHARED_DIR/corpora/brown/train.txt)
  BROWN_TEST        held-out text (default: \$GRAMS_SHARED_DIR/corpora/brown/test.txt)
EOF
}

BIN="$REPO/build/tools"
KENLM=""
RUNS=7
PAUSE=3
OUT=""
WORK=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=${2:?--bin needs a directory}; shift 2 ;;
    --bin=*) BIN=${1#*=}; shift ;;
    --kenlm) KENLM=${2:?--kenlm needs a directory}; shift 2 ;;
    --kenlm=*) KENLM=${1#*=}; shift ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --pause) PAUSE=${2:?--pause needs seconds}; shift 2 ;;
    --pause=*) PAUSE=${1#*=}; shift ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    --work) WORK=${2:?--work needs a directory}; shift 2 ;;
    --work=*) WORK=${1#*=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "serve.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$RUNS" in
  ''|*[!0-9]*|0) echo "serve.sh: --runs must be a positive integer" >&2; exit 2 ;;
esac

SHARED=${GRAMS_SHARED_DIR:-$REPO/../shared}
TRAIN=${BROWN_TRAIN:-$SHARED/corpora/brown/train.txt}
TEST=${BROWN_TEST:-$SHARED/corpora/brown/test.txt}
KENLM=${KENLM:-$SHARED/tools/kenlm}
KARPA=$SHARED/reference/brown.o5.kenlm.arpa.zst

require_measuring_tools
[ -r "$TRAIN" ] && [ -r "$TEST" ] || die "brown train/test not readable (set GRAMS_SHARED_DIR)"
BIN=$(cd "$BIN" 2>/dev/null && pwd) || die "--bin: no such directory"
for t in grams-count grams-build grams-convert grams-score grams-perplexity; do
  [ -x "$BIN/$t" ] || die "$BIN/$t missing (build the tools first)"
done
HAVE_KENLM=0
if [ -x "$KENLM/build_binary" ] && [ -x "$KENLM/query" ] && [ -r "$KARPA" ]; then
  HAVE_KENLM=1
else
  echo "serve.sh: KenLM tools or $KARPA missing: KenLM figures skipped" >&2
fi

make_workdir "$WORK"

# ---------------------------------------------------------------- measuring

# rounds PAUSE RUNS IN KEY...: RUNS rounds, each running every KEY's command
# (the array CMD_<KEY>, dots as underscores) once in turn, so that all of
# them see the same machine load, each run PAUSE seconds after the last
# (0: at once); samples KEY.wall and KEY.rss.
rounds() {
  local pause=$1 runs=$2 in=$3 i key
  shift 3
  for ((i = 0; i < runs; i++)); do
    for key in "$@"; do
      local -n cmd="CMD_${key//./_}"
      [ "$pause" = 0 ] || sleep "$pause"
      timed "${cmd[@]}" <"$in" >/dev/null || return 1
      add_sample "$key.wall" "$LAST_WALL"
      add_sample "$key.rss" "$LAST_RSS"
    done
  done
}
interleaved() { rounds 0 "$@"; }
# After a pause: long enough for the kernel to have handed the memory the
# last process freed back to the host, where a virtio balloon reports free
# pages.
paused() { rounds "$PAUSE" "$@"; }

diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a - b) * 1000 }'; }

# ---------------------------------------------------------------- models

echo "grams serving benchmark: $RUNS run(s) per figure, tools from $BIN" >&2
echo "scratch: $WORK" >&2
LM="$WORK/brown.o5.lm"
LMM="$WORK/brown.o5.lmm"
echo "building brown order 5 (grams-count | grams-build), converting to mapped" >&2
"$BIN/grams-count" -q --order 5 "$TRAIN" | "$BIN/grams-build" -q -o "$LM" || die "building the model failed"
"$BIN/grams-convert" "$LM" --to mapped -o "$LMM" || die "grams-convert failed"
# The mapped form's trie layout (tools that have --layout).
TRIE="$WORK/brown.o5.trie.lmm"
TRIE_LOAD=() TRIE_ONE=() TRIE_TEST=()
if "$BIN/grams-convert" --help 2>/dev/null | grep -q -- '--layout'; then
  "$BIN/grams-convert" "$LM" --to mapped --layout trie -o "$TRIE" || die "grams-convert --layout trie failed"
  TRIE_LOAD=(load.trie) TRIE_ONE=(one.trie) TRIE_TEST=(test.trie)
fi
# A tiny mapped model: its load is the process start alone.
printf 'a b c\n' >"$WORK/tiny.txt"
"$BIN/grams-count" -q --order 2 "$WORK/tiny.txt" | "$BIN/grams-build" -q -o "$WORK/tiny.lm"
"$BIN/grams-convert" "$WORK/tiny.lm" --to mapped -o "$WORK/tiny.lmm"
PROBING="$WORK/brown.o5.probing"
if [ $HAVE_KENLM = 1 ]; then
  echo "building KenLM's probing binary of KenLM's brown o5 ARPA" >&2
  zstd -dc "$KARPA" >"$WORK/kenlm.arpa" || die "cannot decompress $KARPA"
  "$KENLM/build_binary" probing "$WORK/kenlm.arpa" "$PROBING" >"$WORK/build_binary.log" 2>&1 ||
    die "build_binary failed (see $WORK/build_binary.log)"
  "$BIN/grams-convert" "$WORK/tiny.lm" --to arpa -o "$WORK/tiny.arpa" &&
    "$KENLM/build_binary" probing "$WORK/tiny.arpa" "$WORK/tiny.probing" >/dev/null 2>&1 ||
    die "build_binary failed on the tiny model"
  rm -f "$WORK/kenlm.arpa"
fi
# Warm the page cache.
cat "$LM" "$LMM" "$TEST" >/dev/null
[ ${#TRIE_LOAD[@]} -gt 0 ] && cat "$TRIE" >/dev/null
[ $HAVE_KENLM = 1 ] && cat "$PROBING" >/dev/null
SENTENCE="$WORK/sentence.txt"
echo "the jury further said in term end presentments that the city executive committee" >"$SENTENCE"
EMPTY=/dev/null

# ---------------------------------------------------------------- runs

# The commands, by figure.
CMD_load_tiny=("$BIN/grams-score" "$WORK/tiny.lmm")
CMD_load_mapped=("$BIN/grams-score" "$LMM")
CMD_load_trie=("$BIN/grams-score" "$TRIE")
CMD_one_trie=("$BIN/grams-score" "$TRIE")
CMD_test_trie=("$BIN/grams-perplexity" "$TRIE")
CMD_load_model=("$BIN/grams-score" "$LM")
CMD_load_model_huge=(env GRAMS_HUGE_PAGES=1 "$BIN/grams-score" "$LM")
# The model file's hash tables built before the first query, not in the
# background (tools that have --tables).
CMD_load_model_first=("$BIN/grams-score" --tables first "$LM")
FIRST=()
"$BIN/grams-score" --help 2>/dev/null | grep -q -- '--tables' && FIRST=(load.model.first)
CMD_cold_model=("${CMD_load_model[@]}")
CMD_cold_model_huge=("${CMD_load_model_huge[@]}")
CMD_load_ktiny=("$KENLM/query" "$WORK/tiny.probing")
CMD_load_kenlm=("$KENLM/query" "$PROBING")
CMD_one_mapped=("$BIN/grams-score" "$LMM")
CMD_one_model=("$BIN/grams-score" "$LM")
CMD_one_kenlm=("$KENLM/query" "$PROBING")
CMD_test_mapped=("$BIN/grams-perplexity" "$LMM")
CMD_test_model=("$BIN/grams-perplexity" "$LM")
CMD_test_kenlm=("$KENLM/query" -v summary "$PROBING")
KEN_LOAD=() KEN_ONE=() KEN_TEST=()
[ $HAVE_KENLM = 1 ] && KEN_LOAD=(load.ktiny load.kenlm) KEN_ONE=(one.kenlm) KEN_TEST=(test.kenlm)

# The mapped form and KenLM alternate; the model file (which allocates and
# fills 150 MB a run) is measured apart, so as not to disturb them.
echo "load: empty input, $RUNS rounds" >&2
interleaved "$RUNS" "$EMPTY" load.tiny load.mapped "${TRIE_LOAD[@]}" "${KEN_LOAD[@]}"
interleaved "$RUNS" "$EMPTY" load.model load.model.huge "${FIRST[@]}"
PRUNS=$((RUNS < 5 ? RUNS : 5))
if [ "$PAUSE" != 0 ]; then
  echo "load after a $PAUSE s pause: $PRUNS rounds" >&2
  paused "$PRUNS" "$EMPTY" cold.model cold.model.huge
fi
echo "one sentence: 20 rounds" >&2
interleaved 20 "$SENTENCE" one.mapped "${TRIE_ONE[@]}" "${KEN_ONE[@]}"
interleaved 20 "$SENTENCE" one.model
echo "brown/test.txt, whole process: $RUNS rounds" >&2
interleaved "$RUNS" "$TEST" test.mapped "${TRIE_TEST[@]}" "${KEN_TEST[@]}"
interleaved "$RUNS" "$TEST" test.model

# Two processes scoring at once: each reads the test text from a FIFO kept
# open, so both stay alive, tables touched, while their PSS is read.
# pss_pair KEY CMD...: sums Rss and Pss (kB) of the two from smaps_rollup.
pss_pair() {
  local key=$1 i pids=() fifo
  shift
  for i in 1 2; do
    fifo="$WORK/fifo.$i"
    rm -f "$fifo"
    mkfifo "$fifo"
    "$@" <"$fifo" >/dev/null 2>&1 &
    pids+=($!)
    BENCH_PIDS+=($!)
    exec {fd}>"$fifo"
    eval "FD$i=$fd"
    cat "$TEST" >&"$fd"
  done
  sleep 2  # both have scored what they were given and wait for more
  local rss=0 pss=0 r p
  for i in 0 1; do
    r=$(awk '/^Rss:/ { print $2 }' "/proc/${pids[$i]}/smaps_rollup" 2>/dev/null)
    p=$(awk '/^Pss:/ { print $2 }' "/proc/${pids[$i]}/smaps_rollup" 2>/dev/null)
    add_sample "$key.rss$i" "${r:-0}"
    add_sample "$key.pss$i" "${p:-0}"
  done
  # shellcheck disable=SC2154
  exec {FD1}>&- {FD2}>&-
  wait "${pids[0]}" "${pids[1]}" 2>/dev/null
}
echo "two processes at once: PSS" >&2
pss_pair pss.mapped "$BIN/grams-score" "$LMM"
[ ${#TRIE_LOAD[@]} -gt 0 ] && pss_pair pss.trie "$BIN/grams-score" "$TRIE"
pss_pair pss.model "$BIN/grams-score" "$LM"
[ $HAVE_KENLM = 1 ] && pss_pair pss.kenlm "$KENLM/query" "$PROBING"

# ---------------------------------------------------------------- report

section "model files, brown order 5"
row size.model "model file (compressed)" "$(fmt_mb "$(stat -c %s "$LM")")" MB
row size.mapped "mapped model file" "$(fmt_mb "$(stat -c %s "$LMM")")" MB 70.1 "KenLM probing (33.8 trie)"
if [ ${#TRIE_LOAD[@]} -gt 0 ]; then
  row size.trie "mapped, trie layout" "$(fmt_mb "$(stat -c %s "$TRIE")")" MB 33.8 "KenLM trie (stretch target)"
fi
if [ $HAVE_KENLM = 1 ]; then
  row size.kenlm "KenLM probing binary, measured" "$(fmt_mb "$(stat -c %s "$PROBING")")" MB
fi

section "load: grams-score / query on empty input (process start included)"
row load.mapped "mapped: whole process" "$(fmt_ms "$(med load.mapped.wall)")" ms
row load.mapped.net "mapped: load (minus a tiny mapped model)" \
  "$(diff_ms "$(med load.mapped.wall)" "$(med load.tiny.wall)")" ms 5 "target (KenLM 2.6 ms)"
if [ ${#TRIE_LOAD[@]} -gt 0 ]; then
  row load.trie.net "mapped, trie layout: load (minus a tiny mapped model)" \
    "$(diff_ms "$(med load.trie.wall)" "$(med load.tiny.wall)")" ms
fi
row load.model "model file: whole process" "$(fmt_ms "$(med load.model.wall)")" ms
row load.model.net "model file: load (minus a tiny mapped model)" \
  "$(diff_ms "$(med load.model.wall)" "$(med load.tiny.wall)")" ms 50 "target"
row load.model.huge.net "  the same, huge pages forced (GRAMS_HUGE_PAGES=1)" \
  "$(diff_ms "$(med load.model.huge.wall)" "$(med load.tiny.wall)")" ms
if [ ${#FIRST[@]} -gt 0 ]; then
  row load.model.first.net "  the same, the hash tables built first (--tables first)" \
    "$(diff_ms "$(med load.model.first.wall)" "$(med load.tiny.wall)")" ms
fi
if [ "$PAUSE" != 0 ]; then
  row cold.model.net "model file: load $PAUSE s after the last process" \
    "$(diff_ms "$(med cold.model.wall)" "$(med load.tiny.wall)")" ms
  row cold.model.huge.net "  the same, huge pages forced (GRAMS_HUGE_PAGES=1)" \
    "$(diff_ms "$(med cold.model.huge.wall)" "$(med load.tiny.wall)")" ms
fi
if [ $HAVE_KENLM = 1 ]; then
  row load.kenlm "KenLM probing: whole process" "$(fmt_ms "$(med load.kenlm.wall)")" ms
  row load.kenlm.net "KenLM probing: load (minus a tiny probing model)" \
    "$(diff_ms "$(med load.kenlm.wall)" "$(med load.ktiny.wall)")" ms
fi

section "one sentence: echo ... | grams-score MODEL (median of 20)"
row one.mapped "mapped" "$(fmt_ms "$(med one.mapped.wall)")" ms "$(fmt_ms "$(med one.kenlm.wall)")" "KenLM query, probing"
[ ${#TRIE_ONE[@]} -gt 0 ] && row one.trie "mapped, trie layout" "$(fmt_ms "$(med one.trie.wall)")" ms
row one.model "model file" "$(fmt_ms "$(med one.model.wall)")" ms
row one.mapped.rss "mapped: peak RSS" "$(fmt_mb_kib "$(med one.mapped.rss)")" MB

section "brown/test.txt: grams-perplexity (KenLM: query -v summary), whole process"
row test.mapped "mapped" "$(fmt_ms "$(med test.mapped.wall)")" ms "$(fmt_ms "$(med test.kenlm.wall)")" "KenLM query, probing"
[ ${#TRIE_TEST[@]} -gt 0 ] && row test.trie "mapped, trie layout" "$(fmt_ms "$(med test.trie.wall)")" ms
row test.model "model file" "$(fmt_ms "$(med test.model.wall)")" ms
row test.mapped.rss "mapped: peak RSS" "$(fmt_mb_kib "$(med test.mapped.rss)")" MB \
  "$(fmt_mb_kib "$(med test.kenlm.rss)")" "KenLM query, probing (target 72.5)"
[ ${#TRIE_TEST[@]} -gt 0 ] && row test.trie.rss "mapped, trie layout: peak RSS" "$(fmt_mb_kib "$(med test.trie.rss)")" MB
row test.model.rss "model file: peak RSS" "$(fmt_mb_kib "$(med test.model.rss)")" MB

section "two processes scoring brown/test.txt at once (smaps_rollup, MB)"
for k in mapped trie model kenlm; do
  [ -n "$(med "pss.$k.pss0")" ] || continue
  r=$(awk -v a="$(med "pss.$k.rss0")" -v b="$(med "pss.$k.rss1")" 'BEGIN { printf "%.1f", (a + b) * 1024 / 1e6 }')
  p=$(awk -v a="$(med "pss.$k.pss0")" -v b="$(med "pss.$k.pss1")" 'BEGIN { printf "%.1f", (a + b) * 1024 / 1e6 }')
  label=$k
  [ "$k" = kenlm ] && label="KenLM probing"
  row "pss.$k.rss" "$label: Rss of the two, summed" "$r" MB
  row "pss.$k.pss" "$label: Pss of the two, summed" "$p" MB
done

print_rows "figure (median)"
if [ -n "$OUT" ]; then write_tsv "$OUT"; fi
