#!/usr/bin/env bash
# Benchmarks the grams tools on the Brown corpus and prints each figure next to
# the KenLM anchor from ../shared/reference/ANCHORS.md. See bench/README.md.
#
# It builds nothing: point --bin at a directory holding built grams-count,
# grams-build, grams-score and grams-perplexity (a Release build). Missing tools
# skip the figures that need them.
#
# Usage: bench/run.sh [--bin DIR] [--runs N] [--only LIST] [--out FILE]
#                     [--work DIR] [--keep] [--help]

set -u -o pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=run.sh
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh"

usage() {
  cat <<EOF
Usage: bench/run.sh [options]

Measures wall time (median of --runs) and peak RSS (/usr/bin/time -v) of the
grams tools, and prints them next to the KenLM anchors.

Options:
  --bin DIR    directory with the built tools (default: $REPO/build/tools)
  --runs N     runs per figure; the median is reported (default: 5)
  --only LIST  comma-separated subset of: a,b,c,d,e,f (default: all)
                 a  count + build, order 5 (files, then a pipe)
                 b  count + build, order 3 (files, then a pipe)
                 c  scoring throughput: grams-score, grams-perplexity
                 d  model load time (scoring an empty input)
                 e  ARPA export: time, size, size after zstd -12
                 f  perplexity of brown/test.txt (one run, a correctness check)
               c, d and f use the order-5 model made by a (made once if a is
               not selected).
  --out FILE   also write the results as TSV to FILE
  --work DIR   scratch directory (default: a new one under \${TMPDIR:-/tmp},
               removed at the end unless --keep)
  --keep       keep the scratch directory (models, ARPA files, time logs)
  --help       print this help

Environment:
  GRAMS_SHARED_DIR  shared data (default: $REPO/../shared)
  BROWN_TRAIN       training text (default: \$GRAMS_SHARED_DIR/corpora/brown/train.txt)
  BROWN_TEST        held-out text (default: \$GRAMS_SHARED_DIR/corpora/brown/test.txt)
EOF
}

BIN="$REPO/build/tools"
RUNS=5
ONLY="a,b,c,d,e,f"
OUT=""
WORK=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=${2:?--bin needs a directory}; shift 2 ;;
    --bin=*) BIN=${1#*=}; shift ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    --only=*) ONLY=${1#*=}; shift ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    --work) WORK=${2:?--work needs a directory}; shift 2 ;;
    --work=*) WORK=${1#*=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$RUNS" in
  ''|*[!0-9]*|0) echo "run.sh: --runs must be a positive integer" >&2; exit 2 ;;
esac

SHARED=${GRAMS_SHARED_DIR:-$REPO/../shared}
TRAIN=${BROWN_TRAIN:-$SHARED/corpora/brown/train.txt}
TEST=${BROWN_TEST:-$SHARED/corpora/brown/test.txt}

require_measuring_tools
[ -r "$TRAIN" ] || die "$TRAIN: not readable (set BROWN_TRAIN or GRAMS_SHARED_DIR)"
BIN=$(cd "$BIN" 2>/dev/null && pwd) || die "--bin: no such directory"

selected() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
have() { [ -x "$BIN/$1" ]; }

make_workdir "$WORK"

# ---------------------------------------------------------------- inputs

echo "grams benchmark: $RUNS run(s) per figure, tools from $BIN" >&2
echo "scratch: $WORK" >&2
cat "$TRAIN" >/dev/null  # warm the page cache
read -r TRAIN_LINES TRAIN_WORDS < <(wc -lw <"$TRAIN")
TRAIN_TOKENS=$((TRAIN_WORDS + TRAIN_LINES))

# ---------------------------------------------------------------- a, b: estimation

# estimate ORDER: count + build from files, then through a pipe.
estimate() {
  local n=$1 k="o$1" i
  local counts="$WORK/brown.o$n.counts" model="$WORK/brown.o$n.lm" pmodel="$WORK/brown.o$n.pipe.lm"
  if ! have grams-count || ! have grams-build; then
    echo "run.sh: skipping order $n estimation: grams-count or grams-build missing in $BIN" >&2
    return 1
  fi
  echo "order $n: count + build, $RUNS runs" >&2
  for ((i = 0; i < RUNS; i++)); do
    timed "$BIN/grams-count" --order "$n" "$TRAIN" -o "$counts" || return 1
    add_sample "$k.count.wall" "$LAST_WALL"; add_sample "$k.count.rss" "$LAST_RSS"
    add_sample "$k.count.cpu" "$LAST_CPU"
    timed "$BIN/grams-build" "$counts" -o "$model" || return 1
    add_sample "$k.build.wall" "$LAST_WALL"; add_sample "$k.build.rss" "$LAST_RSS"
    add_sample "$k.build.cpu" "$LAST_CPU"
    timed_pipe "$BIN/grams-count" --order "$n" "$TRAIN" '|' "$BIN/grams-build" -o "$pmodel" || return 1
    add_sample "$k.pipe.wall" "$LAST_WALL"; add_sample "$k.pipe.cpu" "$LAST_CPU"
    add_sample "$k.pipe.count.rss" "$LAST_RSS"; add_sample "$k.pipe.build.rss" "$LAST_RSS2"
  done
  if ! cmp -s "$model" "$pmodel"; then
    echo "run.sh: warning: order $n: the piped model differs from the file-built one" >&2
  fi
  return 0
}

report_estimate() {
  local n=$1 k="o$1" anchor_wall anchor_rss anchor_note
  if [ "$n" = 5 ]; then
    anchor_wall=2.2; anchor_rss=89; anchor_note="lmplz -o 5 -S 200M (best)"
  else
    anchor_wall=1.1; anchor_rss=64; anchor_note="lmplz -o 3 -S 100M (best)"
  fi
  local cw bw pw sum crss brss prss_c prss_b csize msize ngrams
  cw=$(med "$k.count.wall"); bw=$(med "$k.build.wall"); pw=$(med "$k.pipe.wall")
  sum=$(sum_of "$cw" "$bw")
  crss=$(med "$k.count.rss"); brss=$(med "$k.build.rss")
  prss_c=$(med "$k.pipe.count.rss"); prss_b=$(med "$k.pipe.build.rss")
  csize=$(size_of "$WORK/brown.o$n.counts"); msize=$(size_of "$WORK/brown.o$n.lm")
  section "($([ "$n" = 5 ] && echo a || echo b)) brown/train.txt, order $n: estimation"
  row "$k.count.wall" "grams-count wall" "$(fmt_s "$cw")" s
  row "$k.build.wall" "grams-build wall" "$(fmt_s "$bw")" s
  row "$k.files.wall" "count + build wall (files)" "$(fmt_s "$sum")" s "$anchor_wall" "$anchor_note"
  row "$k.pipe.wall" "count | build wall (pipe)" "$(fmt_s "$pw")" s "$anchor_wall" "$anchor_note"
  row "$k.count.cpu" "grams-count cpu (user+sys)" "$(fmt_s "$(med "$k.count.cpu")")" s
  row "$k.build.cpu" "grams-build cpu (user+sys)" "$(fmt_s "$(med "$k.build.cpu")")" s
  row "$k.pipe.cpu" "count | build cpu, both processes" "$(fmt_s "$(med "$k.pipe.cpu")")" s
  row "$k.count.rss" "grams-count peak RSS" "$(fmt_mb_kib "$crss")" MB "$anchor_rss" "$anchor_note"
  row "$k.build.rss" "grams-build peak RSS" "$(fmt_mb_kib "$brss")" MB "$anchor_rss" "$anchor_note"
  row "$k.pipe.count.rss" "pipe: grams-count peak RSS" "$(fmt_mb_kib "$prss_c")" MB
  row "$k.pipe.build.rss" "pipe: grams-build peak RSS" "$(fmt_mb_kib "$prss_b")" MB
  row "$k.pipe.rss" "pipe: sum of both peaks (upper bound)" \
    "$(fmt_mb_kib "$(sum_of "$prss_c" "$prss_b")")" MB "$anchor_rss" "$anchor_note"
  row "$k.counts.size" "counts file size" "$(fmt_mb "$csize")" MB
  if [ "$n" = 5 ]; then
    ngrams=3128284
    row "$k.model.size" "model file size" "$(fmt_mb "$msize")" MB 33.8 "KenLM trie binary (lossless)"
    row "$k.model.bpn" "model bytes per n-gram (3,128,284)" \
      "$(awk -v s="$msize" -v n=$ngrams 'BEGIN { printf "%.1f", s / n }')" B 10.8 "KenLM trie binary"
  else
    row "$k.model.size" "model file size" "$(fmt_mb "$msize")" MB
  fi
}

MODEL5="$WORK/brown.o5.lm"
COUNTS5="$WORK/brown.o5.counts"
if selected a; then
  estimate 5 && report_estimate 5
fi
if selected b; then
  estimate 3 && report_estimate 3
fi

# c, d, e, f need the order-5 model; make it once if (a) did not.
need_model5() {
  [ -s "$MODEL5" ] && [ -s "$COUNTS5" ] && return 0
  have grams-count && have grams-build || return 1
  echo "making the order-5 model" >&2
  "$BIN/grams-count" --order 5 "$TRAIN" -o "$COUNTS5" && "$BIN/grams-build" "$COUNTS5" -o "$MODEL5"
}

# ---------------------------------------------------------------- c, d: queries

# d: load time = scoring an empty input (process start + model load).
LOAD_MED=""
if selected d || selected c; then
  if have grams-score && need_model5; then
    echo "load time: $RUNS runs" >&2
    ok=1
    for ((i = 0; i < RUNS; i++)); do
      timed "$BIN/grams-score" "$MODEL5" </dev/null >/dev/null || { ok=0; break; }
      add_sample load.wall "$LAST_WALL"; add_sample load.rss "$LAST_RSS"
      add_sample load.cpu "$LAST_CPU"
    done
    [ $ok = 1 ] && LOAD_MED=$(med load.wall)
  else
    echo "run.sh: skipping load time: grams-score missing or no order-5 model" >&2
  fi
fi

if selected c; then
  if (have grams-score || have grams-perplexity) && need_model5; then
    INPUT5="$WORK/brown.train.x5.txt"
    for ((i = 0; i < 5; i++)); do cat "$TRAIN"; done >"$INPUT5"
    INPUT_TOKENS=$((5 * TRAIN_TOKENS))
    section "(c) scoring brown/train.txt x5 ($INPUT_TOKENS tokens) with brown order 5"
    # tokens/s end to end, and after subtracting the median load time.
    throughput() {  # KEY LABEL
      local w rate rate_nl
      w=$(med "$1.wall")
      rate=$(awk -v t="$INPUT_TOKENS" -v w="$w" 'BEGIN { printf "%.2f", t / w / 1e6 }')
      row "$1.wall" "$2 wall" "$(fmt_s "$w")" s
      row "$1.cpu" "$2 cpu (user+sys)" "$(fmt_s "$(med "$1.cpu")")" s
      row "$1.rate" "$2 throughput" "$rate" "M tok/s" 2.51 "KenLM probing (1.27 trie)"
      if [ -n "$LOAD_MED" ]; then
        rate_nl=$(awk -v t="$INPUT_TOKENS" -v w="$w" -v l="$LOAD_MED" \
          'BEGIN { if (w > l) printf "%.2f", t / (w - l) / 1e6; else print "n/a" }')
        row "$1.rate_noload" "$2 throughput, load excluded" "$rate_nl" "M tok/s" 2.60 \
          "KenLM after ARPA load"
      fi
      row "$1.rss" "$2 peak RSS" "$(fmt_mb_kib "$(med "$1.rss")")" MB 73 "KenLM probing (37 trie)"
    }
    if have grams-score; then
      echo "grams-score: $RUNS runs" >&2
      ok=1
      for ((i = 0; i < RUNS; i++)); do
        timed "$BIN/grams-score" "$MODEL5" "$INPUT5" >/dev/null || { ok=0; break; }
        add_sample score.wall "$LAST_WALL"; add_sample score.rss "$LAST_RSS"
        add_sample score.cpu "$LAST_CPU"
      done
      [ $ok = 1 ] && throughput score "grams-score"
    else
      echo "run.sh: skipping grams-score: not in $BIN" >&2
    fi
    if have grams-perplexity; then
      echo "grams-perplexity: $RUNS runs" >&2
      ok=1
      for ((i = 0; i < RUNS; i++)); do
        timed "$BIN/grams-perplexity" "$MODEL5" "$INPUT5" >/dev/null || { ok=0; break; }
        add_sample ppl.wall "$LAST_WALL"; add_sample ppl.rss "$LAST_RSS"
        add_sample ppl.cpu "$LAST_CPU"
      done
      [ $ok = 1 ] && throughput ppl "grams-perplexity"
    else
      echo "run.sh: skipping grams-perplexity: not in $BIN" >&2
    fi
    rm -f "$INPUT5"
  else
    echo "run.sh: skipping scoring: tools missing or no order-5 model" >&2
  fi
fi

if selected d && [ -n "$LOAD_MED" ]; then
  section "(d) model load, brown order 5 (grams-score on empty input)"
  row load.wall "load time (process + model)" "$(fmt_ms "$LOAD_MED")" ms 2.6 \
    "KenLM probing, mmap; 1.83 s from ARPA"
  row load.cpu "load cpu (user+sys)" "$(fmt_ms "$(med load.cpu)")" ms
  row load.rss "peak RSS after load" "$(fmt_mb_kib "$(med load.rss)")" MB 73 "KenLM probing"
fi

# ---------------------------------------------------------------- e: ARPA

if selected e; then
  if have grams-build && need_model5; then
    ARPA="$WORK/brown.o5.arpa"
    echo "ARPA export: $RUNS runs" >&2
    ok=1
    for ((i = 0; i < RUNS; i++)); do
      timed "$BIN/grams-build" "$COUNTS5" --arpa "$ARPA" || { ok=0; break; }
      add_sample arpa.wall "$LAST_WALL"; add_sample arpa.rss "$LAST_RSS"
      add_sample arpa.cpu "$LAST_CPU"
    done
    if [ $ok = 1 ]; then
      asize=$(size_of "$ARPA")
      zsize=$(zstd -12 -T1 -q -c "$ARPA" | wc -c)
      section "(e) ARPA export, brown order 5"
      row arpa.wall "grams-build --arpa wall (counts -> ARPA)" "$(fmt_s "$(med arpa.wall)")" s
      row arpa.cpu "grams-build --arpa cpu (user+sys)" "$(fmt_s "$(med arpa.cpu)")" s
      if [ -n "$(med o5.count.wall)" ]; then
        row arpa.total "count + build --arpa wall (text -> ARPA)" \
          "$(fmt_s "$(sum_of "$(med o5.count.wall)" "$(med arpa.wall)")")" s 2.2 \
          "lmplz -o 5 -S 200M (text -> ARPA)"
      fi
      if [ -n "$(med o5.build.wall)" ]; then
        row arpa.extra "ARPA writing (--arpa minus -o wall)" \
          "$(fmt_s "$(awk -v a="$(med arpa.wall)" -v b="$(med o5.build.wall)" \
            'BEGIN { printf "%.6f", a - b }')")" s
      fi
      row arpa.rss "grams-build --arpa peak RSS" "$(fmt_mb_kib "$(med arpa.rss)")" MB
      row arpa.size "ARPA size" "$(fmt_mb "$asize")" MB 127.3 "lmplz ARPA (suffix order)"
      row arpa.zstd "ARPA size after zstd -12" "$(fmt_mb "$zsize")" MB 30.9 "lmplz ARPA, zstd -12"
    fi
  else
    echo "run.sh: skipping ARPA export: grams-build missing or no order-5 model" >&2
  fi
fi

# ---------------------------------------------------------------- f: perplexity

if selected f; then
  if have grams-perplexity && [ -r "$TEST" ] && need_model5; then
    if "$BIN/grams-perplexity" --json "$MODEL5" "$TEST" >"$WORK/ppl.json" 2>"$WORK/stderr.log"; then
      json() { sed -n "s/.*\"$1\":\\([^,}]*\\).*/\\1/p" "$WORK/ppl.json"; }
      section "(f) perplexity of brown/test.txt, order 5 (one run)"
      row ppl.tokens "tokens (words + </s>)" "$(json tokens)" "" 61383 "KenLM query"
      row ppl.oovs "OOVs" "$(json oovs)" "" 1413 "KenLM query"
      row ppl.incl "perplexity including OOVs" \
        "$(awk -v v="$(json perplexity)" 'BEGIN { printf "%.4f", v }')" "" 308.8207 "KenLM brown o5"
      row ppl.excl "perplexity excluding OOVs" \
        "$(awk -v v="$(json perplexity_excluding_oovs)" 'BEGIN { printf "%.4f", v }')" "" 253.4593 \
        "KenLM brown o5"
    else
      echo "run.sh: grams-perplexity failed on $TEST:" >&2
      sed 's/^/  | /' "$WORK/stderr.log" | head -20 >&2
    fi
  else
    echo "run.sh: skipping perplexity check: grams-perplexity or $TEST missing" >&2
  fi
fi

# ---------------------------------------------------------------- output

print_rows "figure (median of $RUNS runs)"
echo
echo "Anchors: ../shared/reference/ANCHORS.md (KenLM 4cb443e60b7b, 2 vCPU Xeon 2.5 GHz;"
echo "hyperfine medians of 3, about +-15% between runs). Timings on a shared machine are noisy."
if [ -n "$OUT" ]; then write_tsv "$OUT"; fi
