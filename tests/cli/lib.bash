# Helpers sourced by the tests/cli/*.sh scripts (not a test itself: ctest runs
# *.sh only). Each script runs in its own scratch directory, removed on exit.
#
# Environment (set by tests/CMakeLists.txt):
#   GRAMS_BIN         directory holding the built grams-* tools
#   GRAMS_SOURCE_DIR  the source tree
#   GRAMS_SHARED_DIR  shared corpora and KenLM reference models (optional)
#   GRAMS_BUILD_DIR   the build tree; GRAMS_CMAKE, GRAMS_CMAKE_GENERATOR,
#                     GRAMS_MAKE_PROGRAM, GRAMS_CXX, GRAMS_PKG_CONFIG and
#                     GRAMS_SANITIZE: how it was configured (install.sh)
set -euo pipefail

: "${GRAMS_BIN:?set GRAMS_BIN to the directory of the built grams-* tools}"
GRAMS_BIN=$(cd "$GRAMS_BIN" && pwd)
export PATH="$GRAMS_BIN:$PATH"
export LC_ALL=C

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/grams-cli-test.XXXXXX")

# kill_tree PID: kills PID and every process below it (a FIFO writer's
# subshell and the cat or sleep it runs), children first.
kill_tree() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    kill_tree "$child"
  done
  kill "$1" 2>/dev/null || true
}

# On exit, background jobs the script left (a writer blocked opening a FIFO
# whose reader failed, a feeder asleep) are killed with their children, so
# that none outlives the test and holds ctest's pipe open; then the scratch
# directory goes.
cleanup() {
  local job
  for job in $(jobs -p); do
    kill_tree "$job"
  done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
cd "$SCRATCH"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# skip WHY: ends the test as skipped: exit status 77, which ctest reports as
# "Not Run (Skipped)" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
skip() {
  echo "SKIPPED: $*"
  exit 77
}

# run CMD ARGS...: runs the command with stdout in ./out and stderr in ./err,
# and its exit code in $RC; never stops the script.
run() {
  set +e
  "$@" >out 2>err
  RC=$?
  set -e
}

show() {
  echo "--- stdout:" >&2; head -c 2000 out >&2 || true
  echo "--- stderr:" >&2; head -c 2000 err >&2 || true
}

# expect_rc CODE WHAT: the last run exited with CODE.
expect_rc() {
  if [[ $RC != "$1" ]]; then show; fail "$2: exit code $RC, expected $1"; fi
}
# interrupt SIG PID: sends SIG to the background job PID and waits for it;
# its exit code goes to $RC.
interrupt() {
  kill -"$1" "$2" 2>/dev/null || true
  set +e
  wait "$2"
  RC=$?
  set -e
}

# expect_err TEXT / expect_out TEXT: the last run's stderr / stdout contains TEXT.
expect_err() {
  grep -qF -- "$1" err || { show; fail "stderr lacks '$1'"; }
}
expect_out() {
  grep -qF -- "$1" out || { show; fail "stdout lacks '$1'"; }
}
expect_no_err() {
  if [[ -s err ]]; then show; fail "$1: unexpected text on stderr"; fi
}
# expect_error_line TOOL: stderr is exactly one "TOOL: error: ..." line.
expect_error_line() {
  [[ $(wc -l < err) == 1 ]] || { show; fail "expected exactly one line on stderr"; }
  grep -q "^$1: error: " err || { show; fail "stderr does not start with '$1: error: '"; }
}

# check_common_cli TOOL OPTION...: --help (stdout, exit 0, lists every OPTION),
# --version, and an unknown option (exit 2, one line with "try --help").
check_common_cli() {
  local tool=$1
  shift
  run "$tool" --help
  expect_rc 0 "$tool --help"
  expect_no_err "$tool --help"
  expect_out "Usage: $tool"
  for opt in --help --version "$@"; do expect_out "$opt"; done

  run "$tool" --version
  expect_rc 0 "$tool --version"
  grep -Eq "^$tool [0-9]+\.[0-9]+\.[0-9]+ \(file format [0-9]+\)$" out ||
    { show; fail "$tool --version: unexpected format"; }

  run "$tool" --no-such-option
  expect_rc 2 "$tool --no-such-option"
  expect_error_line "$tool"
  expect_err "try --help"
  [[ ! -s out ]] || { show; fail "$tool: usage error wrote to stdout"; }
}

# check_json_lines FILE: every line of FILE is one valid JSON object.
check_json_lines() {
  python3 - "$1" <<'EOF' || fail "$1: not valid JSON lines"
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    lines = f.read().split("\n")
assert lines[-1] == "", "missing final newline"
for line in lines[:-1]:
    obj = json.loads(line)
    assert isinstance(obj, dict), line
EOF
}

# no_leftovers PATH: neither PATH nor any PATH.tmp-* exists.
no_leftovers() {
  [[ ! -e $1 ]] || fail "$1 exists but should not"
  if compgen -G "$1.tmp-*" >/dev/null; then fail "temporary file $1.tmp-* left behind"; fi
}

# A tiny corpus: 6 sentences, 3-grams with repeats.
write_tiny_corpus() {
  cat > "$1" <<'EOF'
the cat sat on the mat
the dog sat on the log
the cat ate the fish
a dog ate a bone
the cat sat on the log
the bird sat on the mat
EOF
}
