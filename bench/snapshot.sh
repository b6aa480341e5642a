#!/usr/bin/env bash
# Fingerprints every file the tools write for a fixed set of jobs, so a
# refactoring can be checked to change no byte: run it before and after with
# the two builds and diff the lists.
#
#   bench/snapshot.sh --bin build/tools > before.sha256
#   ... change, rebuild ...
#   bench/snapshot.sh --bin build/tools | diff before.sha256 -
#
# Jobs: Brown (../shared/corpora/brown/train.txt, when present) and the KJV
# sample in data/, orders 3 and 5: counts files at -j1 and -j2, under a tight
# -S, merged from two shards, and as text; a model for every smoothing method
# and form (streamed and in memory), pruned models, ARPA output, ARPA read back;
# and the scoring tools' output on the held-out text.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=build/tools
shared=${GRAMS_SHARED_DIR:-../shared}
while (($#)); do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --shared) shared=$2; shift 2 ;;
    *) echo "usage: bench/snapshot.sh [--bin DIR] [--shared DIR]" >&2; exit 2 ;;
  esac
done
bin=$(cd "$bin" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/grams-snapshot.XXXXXX")
trap 'rm -rf "$work"' EXIT

corpora=()
if [[ -f $shared/corpora/brown/train.txt ]]; then
  corpora+=("brown:$shared/corpora/brown/train.txt:$shared/corpora/brown/test.txt")
fi
zstd -dc data/kjv-train.txt.zst > "$work/kjv-train.txt"
corpora+=("kjv:$work/kjv-train.txt:data/kjv-test.txt")

methods=(mkn "mkn --backoff" kn "kn --backoff" wb "wb --backoff" abs "abs --backoff"
         katz add mle stupid)

for spec in "${corpora[@]}"; do
  IFS=: read -r name train test <<< "$spec"
  half=$(( $(wc -l < "$train") / 2 ))
  head -n "$half" "$train" > "$work/a.txt"
  tail -n +"$((half + 1))" "$train" > "$work/b.txt"
  for order in 3 5; do
    p=$work/$name.o$order
    "$bin/grams-count" -q -j1 --order "$order" -o "$p.counts" "$train"
    "$bin/grams-count" -q -j2 --order "$order" -o "$p.j2.counts" "$train"
    "$bin/grams-count" -q -j2 -S 16M --order "$order" -o "$p.s16m.counts" "$train"
    "$bin/grams-count" -q --order "$order" -o "$p.a.counts" "$work/a.txt"
    "$bin/grams-count" -q --order "$order" -o "$p.b.counts" "$work/b.txt"
    "$bin/grams-count" -q --merge "$p.a.counts" "$p.b.counts" -o "$p.merged.counts"
    "$bin/grams-count" -q --order "$order" --text --min-count 3 "$train" > "$p.text3"
    "$bin/grams-count" -q --unit char --order "$order" -o "$p.char.counts" "$test"
    for m in "${methods[@]}"; do
      tag=${m// /}
      # shellcheck disable=SC2086
      "$bin/grams-build" -q --smoothing $m -o "$p.$tag.lm" "$p.counts"
      # shellcheck disable=SC2086
      "$bin/grams-build" -q --smoothing $m --arpa "$p.$tag.arpa" "$p.counts"
    done
    # Spilled: -S 16M, or the least budget the estimator takes when it
    # refuses 16M (it says the figure); the file keeps its name.
    if ! "$bin/grams-build" -q -S 16M -o "$p.mkn-s16m.lm" "$p.counts" 2> "$work/err"; then
      need=$(grep -o 'give -S [0-9]*M' "$work/err" | grep -o '[0-9]*M') || { cat "$work/err" >&2; exit 1; }
      "$bin/grams-build" -q -S "$need" -o "$p.mkn-s16m.lm" "$p.counts"
    fi
    rm -f "$work/err"
    "$bin/grams-build" -q --prune 0 1 1 -o "$p.pruned.lm" "$p.counts"
    "$bin/grams-build" -q --prune-entropy 1e-7 -o "$p.entropy.lm" "$p.counts"
    "$bin/grams-build" -q --max-vocab 2000 -o "$p.maxvocab.lm" "$p.counts"
    "$bin/grams-build" -q --from-arpa "$p.mkn.arpa" -o "$p.fromarpa.lm"
    "$bin/grams-build" -q -o "$p.char.lm" "$p.char.counts"
    "$bin/grams-score" --per-token "$p.mkn.lm" "$test" > "$p.score"
    "$bin/grams-score" --json "$p.mkn.arpa" "$test" > "$p.score.json"
    "$bin/grams-perplexity" "$p.mkn.lm" "$test" > "$p.ppl"
    "$bin/grams-perplexity" --json "$p.katz.lm" "$test" > "$p.katz.ppl"
  done
done

cd "$work"
rm -f a.txt b.txt kjv-train.txt
sha256sum -- * | sort -k2
