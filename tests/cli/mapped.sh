# grams-convert and the mapped model form through the tools: conversions in
# every direction that makes sense, every grams-score and grams-perplexity
# output byte-identical whichever form the model comes in, damaged and
# foreign files refused with a message naming them, models through pipes,
# FIFOs and <(...). Then the same on Brown order 5 from $GRAMS_SHARED_DIR
# (exit 77, skipped, when it is absent).
source "$(dirname "$0")/lib.bash"

check_common_cli grams-convert --to --output --check

zstd -dc "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" > train.txt
cp "$GRAMS_SOURCE_DIR/data/kjv-test.txt" test.txt
printf 'in the beginning god created\n\nzzyzx unknown words here\n  and   spaces  \n' >> test.txt
grams-count -q --order 4 train.txt | grams-build -q -o m.lm --arpa m.arpa

# Usage errors.
run grams-convert
expect_rc 2 "no MODEL"
expect_err "try --help"
run grams-convert m.lm -o x.lmm
expect_rc 2 "no --to"
expect_err "missing --to"
run grams-convert m.lm --to trie -o x.lmm
expect_rc 2 "bad --to"
expect_err "mapped, model or arpa"
run grams-convert m.lm --to mapped
expect_rc 2 "no -o"
run grams-convert --check m.lm --to mapped
expect_rc 2 "--check with --to"
no_leftovers x.lmm

# Conversions. The mapped bytes depend only on the model, whatever it is read
# from; a mapped model converts to mapped again (the same bytes), not back.
grams-convert m.lm --to mapped -o m.lmm
grams-convert m.lmm --to mapped -o again.lmm
cmp m.lmm again.lmm || fail "mapped -> mapped changed the bytes"
grams-convert - --to mapped -o stdin.lmm < m.lm
cmp m.lmm stdin.lmm || fail "model from stdin -> mapped differs"
grams-convert <(cat m.lm) --to mapped -o pipe.lmm
cmp m.lmm pipe.lmm || fail "model through a pipe -> mapped differs"
grams-convert m.lmm --to mapped -o m.lmm  # in place: replaced by renaming
cmp m.lmm again.lmm || fail "converting in place changed the bytes"
grams-convert m.arpa --to mapped -o a.lmm
gzip -c m.arpa > m.arpa.gz
grams-convert m.arpa.gz --to mapped -o gz.lmm
cmp a.lmm gz.lmm || fail "ARPA and gzipped ARPA give different mapped files"
grams-convert m.lm --to arpa -o back.arpa
cmp back.arpa m.arpa || fail "model -> ARPA differs from grams-build --arpa"
grams-convert m.arpa --to model -o back.lm
grams-convert m.lm --to model -o copy.lm
cmp copy.lm m.lm || fail "model -> model changed the bytes"
run grams-convert m.lmm --to arpa -o x.arpa
expect_rc 1 "mapped -> ARPA"
expect_error_line grams-convert
expect_err "m.lmm: is a mapped model"
no_leftovers x.arpa
[[ $(head -c 8 m.lmm | od -An -c | tr -d ' ') == '211GRMMAP\n' ]] || fail "mapped magic"

# Every output is the same bytes whatever the model's form.
for opts in "" "--per-token" "--json" "--json --per-token"; do
  # shellcheck disable=SC2086
  grams-score $opts m.lm test.txt > want.txt
  for model in m.lmm a.lmm gz.lmm m.arpa m.arpa.gz back.lm; do
    # shellcheck disable=SC2086
    grams-score $opts "$model" test.txt > got.txt
    cmp -s want.txt got.txt || fail "grams-score $opts $model differs from the model file's"
  done
done
for opts in "" "--json"; do
  # shellcheck disable=SC2086
  grams-perplexity $opts m.lm test.txt > want.txt
  for model in m.lmm a.lmm m.arpa back.lm; do
    # shellcheck disable=SC2086
    grams-perplexity $opts "$model" test.txt > got.txt
    cmp -s want.txt got.txt || fail "grams-perplexity $opts $model differs"
  done
done
grams-score m.lm < test.txt > want.txt
echo "in the beginning god created the heaven" | grams-score m.lmm > one.txt
[[ $(wc -l < one.txt) == 1 ]] || fail "one sentence through a pipe"

# Models through pipes, FIFOs and <(...): the model file and ARPA (plain or
# compressed); a mapped model needs a regular file and says so.
grams-score <(cat m.lm) test.txt > got.txt
cmp -s want.txt got.txt || fail "model through <(...)"
grams-score <(cat m.arpa.gz) test.txt > got.txt
cmp -s want.txt got.txt || fail "gzipped ARPA through <(...)"
mkfifo fifo
cat m.lm > fifo &
timeout 60 grams-score fifo test.txt > got.txt || fail "model through a FIFO"
cmp -s want.txt got.txt || fail "model through a FIFO differs"
cat m.arpa > fifo &
timeout 60 grams-perplexity fifo test.txt > got.txt || fail "ARPA through a FIFO"
grams-perplexity m.lm test.txt > want_ppl.txt
cmp -s want_ppl.txt got.txt || fail "ARPA through a FIFO differs"
run grams-score <(cat m.lmm) test.txt
expect_rc 1 "mapped through a pipe"
expect_error_line grams-score
expect_err "must be a regular, uncompressed file"
zstd -q m.lmm -o m.lmm.zst
run grams-score m.lmm.zst test.txt
expect_rc 1 "compressed mapped model"
expect_err "m.lmm.zst: a mapped model must be a regular"

# --check reads everything, checksums included.
run grams-convert --check m.lmm
expect_rc 0 "--check"
expect_out "m.lmm: OK: order 4"
run grams-convert --check m.arpa.gz
expect_rc 0 "--check ARPA"

# Damaged and foreign files: refused before any output, naming the file.
size=$(stat -c %s m.lmm)
for cut in 5 40 200 4096 $((size / 2)) $((size - 1)); do
  head -c "$cut" m.lmm > cut.lmm
  run grams-score cut.lmm test.txt
  expect_rc 1 "mapped cut at $cut"
  expect_error_line grams-score
  expect_err "cut.lmm: truncated"
  [[ ! -s out ]] || fail "output from a truncated model"
done
# A flipped header byte; a flipped table byte (the last section's first).
flip() {  # flip FILE OFFSET OUT
  python3 - "$@" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[int(sys.argv[2])] ^= 0x5A
open(sys.argv[3], "wb").write(b)
EOF
}
flip m.lmm 100 header.lmm
run grams-perplexity header.lmm test.txt
expect_rc 1 "flipped header byte"
expect_err "header.lmm: header checksum mismatch"
last_table=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
count = struct.unpack_from("<I", b, 48)[0]
print(struct.unpack_from("<Q", b, 64 + 48 * (count - 1) + 8)[0])' m.lmm)
flip m.lmm $((last_table + 24)) table.lmm
run grams-perplexity table.lmm test.txt
expect_rc 0 "a flipped table byte passes the cheap checks"
run grams-convert --check table.lmm
expect_rc 1 "--check on a flipped table byte"
expect_err "table.lmm: checksum mismatch in the order 4 table"
: > empty.lmm
run grams-score empty.lmm test.txt
expect_rc 1 "empty model"
expect_err "empty.lmm"
mkdir dir.lmm
run grams-score dir.lmm test.txt
expect_rc 1 "directory"
expect_err "dir.lmm: is a directory"
head -c 3000 /dev/urandom > foreign.bin
run grams-score foreign.bin test.txt
expect_rc 1 "foreign file"
expect_err "foreign.bin"
run grams-convert m.lm --to mapped -o dir.lmm
expect_rc 1 "output to a directory"
expect_err "dir.lmm: is a directory"

# ---------------------------------------------------------------- Brown, order 5

shared=${GRAMS_SHARED_DIR:-}
brown=$shared/corpora/brown
if [[ -z $shared || ! -f $brown/train.txt || ! -f $brown/test.txt ]]; then
  echo "note: $brown not found; the Brown part is skipped"
  exit 77
fi
grams-count -q --order 5 "$brown/train.txt" | grams-build -q -o brown.lm
grams-convert brown.lm --to mapped -o brown.lmm
size=$(stat -c %s brown.lmm)
echo "brown o5: model file $(stat -c %s brown.lm) bytes, mapped $size bytes"
# No larger than KenLM's probing binary of the same model (70.1 MB).
((size <= 70100000)) || fail "mapped brown o5 is $size bytes, more than KenLM probing's 70.1 MB"
for opts in "" "--per-token" "--json --per-token"; do
  # shellcheck disable=SC2086
  grams-score $opts brown.lm "$brown/test.txt" > want.txt
  # shellcheck disable=SC2086
  grams-score $opts brown.lmm "$brown/test.txt" > got.txt
  cmp -s want.txt got.txt || fail "brown: grams-score $opts differs between the forms"
done
grams-perplexity --json brown.lm "$brown/test.txt" > want.txt
grams-perplexity --json brown.lmm "$brown/test.txt" > got.txt
cmp -s want.txt got.txt || fail "brown: grams-perplexity differs between the forms"
# KenLM's ARPA, mapped: the same report as the ARPA itself.
arpa=$shared/reference/brown.o5.kenlm.arpa.zst
if [[ -f $arpa ]]; then
  grams-convert "$arpa" --to mapped -o kenlm.lmm
  grams-perplexity --json "$arpa" "$brown/test.txt" > want.txt
  grams-perplexity --json kenlm.lmm "$brown/test.txt" > got.txt
  cmp -s want.txt got.txt || fail "KenLM's brown o5 ARPA: mapped differs from the ARPA"
fi
run grams-convert --check brown.lmm
expect_rc 0 "--check brown"
echo "ok"
