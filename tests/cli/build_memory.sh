# grams-build -S/--memory and -T/--temp-dir: the streaming estimator writes
# the same model whatever the budget, in memory or spilling to temporary
# files, from a file or a pipe; bad budgets and temporary directories are
# refused cleanly.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"

check_common_cli grams-build --memory --temp-dir

# The KJV sample: order 5 needs more than 32M to keep everything in memory,
# so -S 32M spills.
corpus=$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst
grams-count --order 5 -o c.counts "$corpus"
mkdir tmp

run grams-build -o default.lm c.counts
expect_rc 0 "default build"
expect_no_err "default build"

run grams-build -S 32M -T tmp -v -o small.lm c.counts
expect_rc 0 "-S 32M -T tmp"
cmp -s small.lm default.lm || fail "-S 32M gives another model"
expect_err "temporary files: peak"
expect_err "grams-build: order 5: "
expect_err "discounts D1 D2 D3+"
[[ -z $(ls -A tmp) ]] || fail "temporary files left in tmp: $(ls -A tmp)"

run grams-build -S 4G -o big.lm c.counts
expect_rc 0 "-S 4G"
cmp -s big.lm default.lm || fail "-S 4G gives another model"
run grams-build -S 50% -o half.lm c.counts
expect_rc 0 "-S 50%"
cmp -s half.lm default.lm || fail "-S 50% gives another model"

# The same as the in-memory estimator: --arpa (which loads the counts whole)
# writes the same model file.
run grams-build -o whole.lm --arpa whole.arpa c.counts
expect_rc 0 "in-memory build"
cmp -s whole.lm default.lm || fail "the streaming and in-memory estimators differ"

# Every streaming method and form, spilled (under the least budget each
# takes: its refusal gives the figure) or not.
for method in "mkn --backoff" "kn" "kn --backoff" "wb" "wb --backoff" "abs" "abs --backoff" \
              "add" "mle" "stupid"; do
  # shellcheck disable=SC2086
  grams-build --smoothing $method -o a.lm --arpa a.arpa c.counts 2>/dev/null
  # shellcheck disable=SC2086
  run grams-build --smoothing $method -S 16M -T tmp -o b.lm c.counts
  budget=16M
  if [[ $RC == 1 ]]; then
    budget=$(grep -o "give -S [0-9]*M" err | grep -o "[0-9]*M") || { show; fail "$method: no figure"; }
    # shellcheck disable=SC2086
    run grams-build --smoothing $method -S "$budget" -T tmp -v -o b.lm c.counts
    expect_rc 0 "--smoothing $method -S $budget"
    expect_err "temporary files: peak"
  fi
  cmp -s a.lm b.lm || fail "--smoothing $method: -S $budget differs from the in-memory build"
done

# A pipe from grams-count, and '-'.
grams-count --order 5 "$corpus" | grams-build -S 32M -T tmp -o piped.lm
cmp -s piped.lm default.lm || fail "piped build differs"
grams-build -S 32M -o dash.lm - < c.counts
cmp -s dash.lm default.lm || fail "'-' build differs"

# A budget below what even spilling needs is refused up front with the
# figure (exit 1, nothing written, nothing left in -T); that figure is
# enough, and holds: the peak stays within it.
write_tiny_corpus tiny.txt
grams-count --order 3 -o tiny.counts tiny.txt
run grams-build -S 16M -T tmp -o low.lm c.counts
expect_rc 1 "-S 16M"
expect_error_line grams-build
expect_err "c.counts: its header claims 1871296 n-grams"
expect_err "more than the budget of 16M (-S); give -S "
no_leftovers low.lm
[[ -z $(ls -A tmp) ]] || fail "temporary files left in tmp: $(ls -A tmp)"
need=$(grep -o "give -S [0-9]*M" err | grep -o "[0-9]*")
run /usr/bin/time -f "peak %M" grams-build -S "${need}M" -T tmp -v -o low.lm c.counts
expect_rc 0 "-S ${need}M (the figure given)"
expect_err "temporary files: peak"
cmp -s low.lm default.lm || fail "-S ${need}M gives another model"
peak_kb=$(grep -o "^peak [0-9]*" err | grep -o "[0-9]*")
if [[ ${GRAMS_SANITIZE:-OFF} != ON ]]; then  # ASan's shadow memory is not the build's
  ((peak_kb <= need * 1024)) || fail "-S ${need}M (the figure given) peaked at $peak_kb KB"
fi

# Bad temporary directories: exit 1, one error line naming it, no output.
run grams-build -S 32M -T no-such-dir -o bad.lm c.counts
expect_rc 1 "-T missing directory"
expect_error_line grams-build
expect_err "no-such-dir"
no_leftovers bad.lm
run grams-build -T c.counts -o bad.lm tiny.counts
expect_rc 1 "-T a file"
expect_error_line grams-build
expect_err "not a directory"
no_leftovers bad.lm
run grams-build -T "" -o bad.lm tiny.counts
expect_rc 2 "-T ''"
expect_err "try --help"
no_leftovers bad.lm

# Bad budgets: usage errors.
for size in abc 10M 0 -5M 150% 0% 12Q ""; do
  run grams-build -S "$size" -o bad.lm tiny.counts
  expect_rc 2 "-S '$size'"
  expect_error_line grams-build
  expect_err "try --help"
  no_leftovers bad.lm
done

# Options that need the counts in memory: -S and -T draw a warning and the
# build goes on as before.
# (Count pruning above order 1 streams: build_prune_stream.sh.)
run grams-build -S 32M -T tmp --prune 1 1 -o pruned.lm c.counts
expect_rc 0 "-S with --prune 1 1"
expect_err "do not apply with --prune at order 1"
grams-build --prune 1 1 -o pruned2.lm c.counts
cmp -s pruned.lm pruned2.lm || fail "-S changed a --prune build"

# A truncated counts file through the streaming path: exit 1, nothing left.
size=$(stat -c %s c.counts)
head -c $((size / 2)) c.counts > cut.counts
run grams-build -S 32M -T tmp -o cut.lm cut.counts
expect_rc 1 "truncated counts"
expect_error_line grams-build
expect_err "cut.counts"
no_leftovers cut.lm
head -c $((size / 2)) c.counts | { run grams-build -S 32M -o cut.lm; expect_rc 1 "truncated pipe"; }
no_leftovers cut.lm
[[ -z $(ls -A tmp) ]] || fail "temporary files left in tmp"

echo "build_memory: all checks passed"
