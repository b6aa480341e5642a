#!/usr/bin/env bash
# Issue 13, the corruption sweep: every single-bit flip and every truncation
# of a small counts file and a small model file (order 2: every kind of
# section, few bytes), through the tools that read them. Each damaged file
# gives exit 1 with an error naming it and no output, or (a bit flip only,
# where the format ignores the bit: the zstd frame descriptor's unused bit)
# exactly the undamaged file's output; never a crash, another exit status,
# a wrong output or a temporary file left. The driver is
# corruption_sweep.py. A sanitizer build sweeps every 37th bit and cut (its
# tools start and run ten times slower; the fuzz targets cover the readers
# there).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

printf 'a b a\nb a c\n' > text.txt
grams-count --order 2 -o small.counts text.txt
grams-build -q -o small.lm small.counts 2>/dev/null
step=1
[[ ${GRAMS_SANITIZE:-OFF} == ON ]] && step=37
for f in small.counts small.lm; do
  [[ $(stat -c %s "$f") -lt 600 ]] || fail "$f: not a small file"
done

sweep() { python3 "$GRAMS_SOURCE_DIR/tests/cli/corruption_sweep.py" "$@"; }
# grams-build streams the counts (ScanOrder); grams-info --check reads them
# as the library's ReadCountsFile does.
sweep small.counts "$step" 2 \
  "grams-info --check {}" \
  "grams-build -q -o {out} {}"
# grams-perplexity loads the model (LanguageModel::Load), grams-convert
# reads it whole (the model reader) and writes every value out as ARPA.
sweep small.lm "$step" 2 \
  "grams-perplexity {} text.txt" \
  "grams-convert {} --to arpa -o {out}"
