#!/usr/bin/env bash
# The per-token figures behind docs/SCALING.md's estimate for a corpus of a
# trillion tokens, measured on scale.txt (its lines shuffled with a fixed
# seed, so that every prefix is the same mixture of its three parts):
#   - distinct n-grams (orders 1..N) and vocabulary against tokens, on five
#     prefixes (1/16 .. all), fitted to a power law c * tokens^beta;
#   - counts-file bytes per n-gram; counting CPU per token, in memory and
#     spilling under a budget a quarter of what counting in memory takes;
#   - the merge of 16 shards' counts files: CPU per input n-gram; the
#     partitioned reduce with K = 4: each reducer's CPU;
#   - grams-build from the counts under -S: CPU per n-gram; model-file bytes
#     per n-gram;
# then the extrapolation to --tokens (default 1e12) in --shards shards.
# CPU is user + system (GNU time), single-threaded runs: the figures do not
# depend on how busy the machine is as wall times would.
#
# Usage: bench/extrapolate.sh [--bin DIR] [--order N] [--tokens T] [--shards S] [--work DIR]
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$here/build/tools ORDER=5 TOKENS=1e12 SHARDS=1000 WORK="" KEEP=0
while (($#)); do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --order) ORDER=$2; shift 2 ;;
    --tokens) TOKENS=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --work) WORK=$2; KEEP=1; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "extrapolate.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
SCALE=${SCALE:-${GRAMS_SHARED_DIR:-$here/../shared}/corpora/scale/scale.txt.zst}
BENCH_NAME=extrapolate
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
[[ -r $SCALE ]] || die "no corpus at $SCALE (set SCALE)"
require_measuring_tools
make_workdir "$WORK"
cd "$WORK" || die "cannot enter $WORK"

# cpu NAME CMD...: runs CMD, appends "NAME user+sys peak_kB" to cpu.log.
cpu() {
  local name=$1
  shift
  timed "$@" > /dev/null || die "$name failed"
  echo "$name $LAST_CPU $LAST_RSS" >> cpu.log
}
# ngrams FILE: the distinct n-grams of a counts file, all orders.
ngrams() { "$BIN/grams-info" "$1" | awk '/n-grams/ { s += $4 } END { print s }'; }

zstd -dcq "$SCALE" | shuf --random-source=<(yes 3) > all.txt
lines=$(wc -l < all.txt)
: > cpu.log
: > prefixes.log
for d in 16 8 4 2 1; do
  head -n $((lines / d)) all.txt > p$d.txt
  cpu "count-1/$d" "$BIN/grams-count" -j1 --order "$ORDER" p$d.txt -o p$d.counts
  "$BIN/grams-info" p$d.counts | awk -v b="$(stat -c %s p$d.counts)" '
    /^tokens:/ { t = $2 } /^vocabulary:/ { v = $2 } /n-grams/ { s += $4 }
    END { print t, v, s, b }' >> prefixes.log
done
peak=$(awk '$1 == "count-1/1" { print $3 }' cpu.log)
cpu "count-spilling" "$BIN/grams-count" -j1 --order "$ORDER" -S "$((peak / 4))K" p1.txt -o spilled.counts
cmp -s spilled.counts p1.counts || die "the spilled counts differ"

mkdir shards
split -n l/16 -d all.txt shards/s
for f in shards/s??; do "$BIN/grams-count" -j1 --order "$ORDER" "$f" -o "$f.counts"; done
ls shards/*.counts > shards.list
inputs=0
for f in shards/*.counts; do inputs=$((inputs + $(ngrams "$f"))); done
cpu merge "$BIN/grams-count" --merge-list shards.list -S 200M -o merged.counts
for i in 1 2 3 4; do
  cpu "reduce-$i/4" "$BIN/grams-count" --merge-list shards.list --partition $i/4 -S 200M \
    -o slice$i.counts
done
cpu join "$BIN/grams-count" --join slice?.counts -o joined.counts
cmp -s merged.counts p1.counts && cmp -s joined.counts p1.counts ||
  die "the merged counts differ from counting the whole"
cpu build "$BIN/grams-build" -S 200M p1.counts -o p1.lm

/usr/bin/python3 - "$TOKENS" "$SHARDS" "$inputs" "$(stat -c %s p1.lm)" <<'EOF'
import math, sys
tokens, shards, inputs, model_bytes = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [list(map(float, l.split())) for l in open("prefixes.log")]
cpu = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open("cpu.log")}
def fit(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    b = sum((a - mx) * (c - my) for a, c in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
    a = my - b * mx
    return (lambda t: math.exp(a + b * math.log(t))), b, max(abs(math.exp(a + b * x - y) - 1) for x, y in zip(lx, ly))
t, v, n, b = zip(*rows)
grams, beta, err = fit(t, n)
vocab, vbeta, verr = fit(t, v)
whole_t, whole_n = t[-1], n[-1]
print("prefix      tokens   vocabulary     n-grams  counts bytes  bytes/n-gram")
for (tt, vv, nn, bb), d in zip(rows, [16, 8, 4, 2, 1]):
    print(f"1/{d:<4} {tt:11.0f} {vv:12.0f} {nn:11.0f} {bb:13.0f} {bb / nn:13.2f}")
print(f"fit: n-grams = c * tokens^{beta:.3f} (worst point {100 * err:.1f}% off); vocabulary ^{vbeta:.3f} ({100 * verr:.1f}%)")
count_rate = whole_t / cpu["count-1/1"][0]
spill_rate = whole_t / cpu["count-spilling"][0]
merge_cost = cpu["merge"][0] / inputs
reducers = [cpu[f"reduce-{i}/4"][0] for i in range(1, 5)]
fixed = (sum(reducers) / 4 - cpu["merge"][0] / 4) / 0.75  # mean reducer = fixed + (merge - fixed) / 4
build_cost = cpu["build"][0] / whole_n
bytes_per = rows[-1][3] / whole_n
print(f"counting: {count_rate / 1e6:.2f}M tokens per CPU second in memory, {spill_rate / 1e6:.2f}M spilling")
print(f"merge of 16 shards: {cpu['merge'][0]:.2f} s CPU for {inputs} input n-grams: {1e6 * merge_cost:.3f} us each")
print(f"reduce K=4: {' '.join(f'{r:.2f}' for r in reducers)} s CPU; a fixed part of {fixed:.2f} s each ({100 * fixed / cpu['merge'][0]:.0f}% of the merge)")
join_cost = cpu["join"][0] / whole_n
print(f"join of the 4 slices: {1e6 * join_cost:.3f} us CPU per n-gram")
print(f"build -S 200M: {1e6 * build_cost:.3f} us CPU per n-gram; model file {model_bytes / whole_n:.2f} bytes per n-gram")
per_shard = tokens / shards
n_shard, n_all = grams(per_shard), grams(tokens)
merge_h = shards * n_shard * merge_cost / 3600
print(f"\n{tokens:.0e} tokens in {shards} shards of {per_shard:.0e}:")
print(f"  per shard: {n_shard:.3g} n-grams, counts file {n_shard * bytes_per / 1e9:.3g} GB, counting {per_shard / spill_rate / 3600:.2f} h on one core (spilling)")
print(f"  all shards' counts files: {shards * n_shard * bytes_per / 1e12:.3g} TB; vocabulary of the whole (fit) {vocab(tokens):.3g} words")
print(f"  merged: {n_all:.3g} n-grams, counts file {n_all * bytes_per / 1e12:.3g} TB")
print(f"  reduce: {merge_h:.0f} CPU hours in one merge; with K reducers about {merge_h * fixed / cpu['merge'][0]:.0f} h + {merge_h * (1 - fixed / cpu['merge'][0]):.0f} h / K each")
print(f"  join: {n_all * join_cost / 3600:.0f} CPU hours")
print(f"  build: {n_all * build_cost / 3600:.0f} CPU hours on one machine; model file {n_all * model_bytes / whole_n / 1e12:.3g} TB")
EOF
