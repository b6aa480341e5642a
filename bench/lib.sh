# What the benchmarks share (sourced by bench/run.sh and bench/serve.sh):
# the checks of the measuring tools, the scratch directory, measuring a
# command or a pipe under GNU time, samples and their medians, and the table
# of results (printed, and written as TSV).
#
# The script that sources it sets BENCH_NAME (for messages) and KEEP (1:
# keep the scratch directory), and may add to BENCH_PIDS (killed at exit).

BENCH_NAME=${BENCH_NAME:-bench}
KEEP=${KEEP:-0}
BENCH_PIDS=()

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# GNU time (for peak RSS) and zstd, or exit.
require_measuring_tools() {
  [ -x /usr/bin/time ] || die "/usr/bin/time not found (GNU time is needed for peak RSS: apt-get install time)"
  case "$(/usr/bin/time -v true 2>&1)" in
    *"Maximum resident set size"*) ;;
    *) die "/usr/bin/time is not GNU time (no -v); install the 'time' package" ;;
  esac
  command -v zstd >/dev/null || die "zstd not found"
}

# make_workdir [DIR]: WORK = DIR (created) or a new directory under $TMPDIR,
# removed at exit unless KEEP=1; processes in BENCH_PIDS are killed at exit.
make_workdir() {
  if [ -z "${1:-}" ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/grams-$BENCH_NAME.XXXXXX") || die "cannot create a scratch directory"
  else
    WORK=$1
    mkdir -p "$WORK" || die "cannot create $WORK"
  fi
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local p
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ "$KEEP" = 1 ] || rm -rf "$WORK"
}

# ---------------------------------------------------------------- measuring

# Last measurement: wall seconds (process start included); CPU seconds (user
# + sys, both processes of a pipe); peak RSS in KiB per process.
LAST_WALL=0
LAST_CPU=0
LAST_RSS=0
LAST_RSS2=0

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
rss_of() { awk -F': *' '/Maximum resident set size/ { print $2 }' "$1"; }
cpu_of() { awk -F': *' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.2f", s }' "$@"; }

# show_failure RC STDERR_FILE WHAT: a failed command and its stderr.
show_failure() {
  echo "$BENCH_NAME: failed (exit $1): $3" >&2
  sed 's/^/  | /' "$2" | head -20 >&2
}

# timed CMD...: runs CMD once under /usr/bin/time -v (the caller redirects its
# stdin/stdout). Sets LAST_WALL, LAST_CPU and LAST_RSS; returns CMD's exit
# status and shows its stderr on failure.
timed() {
  local tf="$WORK/time.log" ef="$WORK/stderr.log" t0 t1 rc
  t0=$(now)
  /usr/bin/time -v -o "$tf" "$@" 2>"$ef"
  rc=$?
  t1=$(now)
  LAST_WALL=$(elapsed "$t0" "$t1")
  LAST_CPU=$(cpu_of "$tf")
  LAST_RSS=$(rss_of "$tf")
  [ $rc -eq 0 ] || show_failure $rc "$ef" "$*"
  return $rc
}

# timed_pipe CMD1... '|' CMD2...: runs CMD1 | CMD2, both under /usr/bin/time -v.
# LAST_WALL covers the whole pipeline; LAST_RSS is CMD1's peak RSS and
# LAST_RSS2 is CMD2's.
timed_pipe() {
  local tf1="$WORK/time1.log" tf2="$WORK/time2.log" ef="$WORK/stderr.log" t0 t1 rc
  local -a c1=() c2=()
  while [ $# -gt 0 ] && [ "$1" != "|" ]; do c1+=("$1"); shift; done
  shift
  c2=("$@")
  t0=$(now)
  /usr/bin/time -v -o "$tf1" "${c1[@]}" 2>"$ef" | /usr/bin/time -v -o "$tf2" "${c2[@]}" 2>>"$ef"
  rc=$?
  t1=$(now)
  LAST_WALL=$(elapsed "$t0" "$t1")
  LAST_CPU=$(cpu_of "$tf1" "$tf2")
  LAST_RSS=$(rss_of "$tf1")
  LAST_RSS2=$(rss_of "$tf2")
  [ $rc -eq 0 ] || show_failure $rc "$ef" "${c1[*]} | ${c2[*]}"
  return $rc
}

# Samples by key, and their median ("" when there are none).
declare -A SAMPLES=()
add_sample() { SAMPLES[$1]="${SAMPLES[$1]:-} $2"; }
median() {
  # shellcheck disable=SC2086
  printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2];
          else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { median "${SAMPLES[$1]:-}"; }

# ---------------------------------------------------------------- results

# Each row: key, label, value, unit, anchor value, anchor note, joined by US
# (0x1f; a tab would let `read` merge empty fields). Printed as a table at the
# end and, with --out, as TSV.
US=$'\x1f'
ROWS=()
row() { ROWS+=("$1$US$2$US$3$US$4$US${5:-}$US${6:-}"); }
section() { ROWS+=("#$US$1"); }

fmt_s() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.3f", v }'; }
fmt_ms() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.1f", v * 1000 }'; }
# KiB (as /usr/bin/time reports) -> MB (10^6 bytes).
fmt_mb_kib() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.1f", v * 1024 / 1e6 }'; }
fmt_mb() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }
size_of() { stat -c %s "$1" 2>/dev/null; }
sum_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a + b }'; }

# print_rows TITLE: the table, TITLE heading the labels.
print_rows() {
  local r key label value unit anchor note
  echo
  printf '%-50s %12s %-8s %10s  %s\n' "$1" grams unit anchor "anchor source"
  for r in "${ROWS[@]}"; do
    IFS=$US read -r key label value unit anchor note <<<"$r"
    if [ "$key" = "#" ]; then
      printf '\n%s\n' "$label"
    else
      printf '  %-48s %12s %-8s %10s  %s\n' "$label" "${value:-n/a}" "$unit" "$anchor" "$note"
    fi
  done
}

# write_tsv FILE: the rows (not the section titles) as TSV.
write_tsv() {
  local r
  {
    printf 'key\tlabel\tvalue\tunit\tanchor\tanchor_source\n'
    for r in "${ROWS[@]}"; do
      case "$r" in "#"*) continue ;; esac
      printf '%s\n' "${r//$US/$'\t'}"
    done
  } >"$1" || die "cannot write $1"
  echo "TSV written to $1" >&2
}

# scale_corpus REPO: CORPUS, unless set, becomes scale.txt decompressed into
# $WORK (from $GRAMS_SHARED_DIR, default REPO/../shared).
scale_corpus() {
  [[ -n ${CORPUS:-} ]] && return
  local scale=${GRAMS_SHARED_DIR:-$1/../shared}/corpora/scale/scale.txt.zst
  [[ -r $scale ]] || die "no corpus at $scale (give --corpus FILE)"
  zstd -dcq "$scale" >"$WORK/corpus.txt" || die "cannot decompress $scale"
  CORPUS=$WORK/corpus.txt
}
