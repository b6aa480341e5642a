#!/usr/bin/env bash
# Out of memory is a clean error: under an address-space limit (ulimit -v, in
# a subshell) too small for the job but not for starting the tool, counting,
# building (streamed and in memory, from counts and from ARPA) and loading a
# model to score with end in one "TOOL: error: out of memory ..." line and
# exit status 1: no std::terminate, no abort or core dump, no output file
# left behind. The library turns std::bad_alloc into a Status at its entry
# points (util/alloc_guard.h); the tools keep a last-resort catch.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# limited KB CMD ARGS...: runs CMD under an address-space limit of KB KiB,
# without core files.
limited() {
  local kb=$1
  shift
  (ulimit -c 0 && ulimit -v "$kb" && exec "$@")
}

if [[ ${GRAMS_SANITIZE:-OFF} == ON ]]; then
  skip "AddressSanitizer reserves terabytes of address space: ulimit -v cannot be used"
fi

# The limit: what the tools need to start (ICU's data alone maps about 30 MB),
# found by trying, plus 50 MB. Every job below needs well over 100 MB more.
start=
for kb in $(seq 20000 5000 1000000); do
  if limited "$kb" grams-score --version >/dev/null 2>&1 &&
     limited "$kb" grams-count --version >/dev/null 2>&1 &&
     limited "$kb" grams-build --version >/dev/null 2>&1; then
    start=$kb
    break
  fi
done
if [[ -z $start ]]; then
  # AddressSanitizer reserves terabytes of address space: no limit will do.
  echo "note: the tools do not start under any address-space limit up to 1 GB (a sanitizer build?)"
  skip "out-of-memory checks need ulimit -v"
fi
limit=$((start + 50000))
echo "note: the tools start under ulimit -v $start; testing with $limit"

# A corpus of 1.5M words with 3M distinct 2- and 3-grams (a 20,000-word
# vocabulary drawn uniformly): its counts, model and ARPA file. Without the
# limit, estimating takes about 145 MB and loading the model as much.
awk 'BEGIN { srand(1)
  for (i = 0; i < 150000; i++) {
    line = "w" int(rand() * 20000)
    for (j = 1; j < 10; j++) line = line " w" int(rand() * 20000)
    print line
  } }' > corpus.txt
grams-count -q --order 3 -o corpus.counts corpus.txt
grams-build -q -o corpus.lm --arpa corpus.arpa corpus.counts 2>/dev/null
echo "the cat sat on the mat" > test.txt

# expect_out_of_memory TOOL WHAT: the last run failed cleanly for lack of memory.
expect_out_of_memory() {
  if [[ $RC == 0 ]]; then show; fail "$2: succeeded under ulimit -v $limit; the test needs a bigger job"; fi
  expect_rc 1 "$2"
  if grep -Eq "terminate called|Aborted|core dumped|what\(\)" err; then show; fail "$2: crashed"; fi
  expect_error_line "$1"
  grep -q "^$1: error: .*out of memory" err || { show; fail "$2: the error does not say 'out of memory'"; }
}

# Counting: the default budget (-S, 80% of the machine's memory) is far
# beyond the limit.
run limited "$limit" grams-count --order 3 -o out.counts corpus.txt
expect_out_of_memory grams-count "grams-count"
expect_err "(-S)"
no_leftovers out.counts
run limited "$limit" grams-count --order 3 --text -o out.txt corpus.txt
expect_out_of_memory grams-count "grams-count --text"
no_leftovers out.txt

# Building: streamed (BuildModelFile, whose -S advice applies), in memory
# (--arpa), and from an ARPA file.
run limited "$limit" grams-build -o out.lm corpus.counts
expect_out_of_memory grams-build "grams-build"
expect_err "(-S)"
no_leftovers out.lm
run limited "$limit" grams-build -o out.lm --arpa out.arpa corpus.counts
expect_out_of_memory grams-build "grams-build --arpa"
no_leftovers out.lm
no_leftovers out.arpa
run limited "$limit" grams-build --from-arpa corpus.arpa -o out.lm
expect_out_of_memory grams-build "grams-build --from-arpa"
expect_err "corpus.arpa"
expect_err "asking for"
no_leftovers out.lm

# Loading a model to score with: nothing is printed but the error.
for tool in grams-score grams-perplexity; do
  run limited "$limit" "$tool" corpus.arpa test.txt
  expect_out_of_memory "$tool" "$tool corpus.arpa"
  expect_err "while reading the ARPA file corpus.arpa"
  [[ ! -s out ]] || { show; fail "$tool: wrote to stdout after running out of memory"; }
done
for job in "grams-predict corpus.arpa test.txt" "grams-generate corpus.arpa" \
    "grams-mix --dev test.txt corpus.arpa corpus.arpa"; do
  # shellcheck disable=SC2086
  run limited "$limit" $job
  expect_out_of_memory "${job%% *}" "$job"
  expect_err "while reading the ARPA file corpus.arpa"
  [[ ! -s out ]] || { show; fail "$job: wrote to stdout after running out of memory"; }
done

# The same jobs run without the limit (the failures above were the limit's).
run grams-score corpus.lm test.txt
expect_rc 0 "grams-score without a limit"
