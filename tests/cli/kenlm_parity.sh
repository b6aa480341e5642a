# Parity with KenLM through the command line: models estimated by
# grams-count | grams-build on the Brown training text must give KenLM's
# perplexities on the Brown test text (within 0.01%), and KenLM's own ARPA
# files must score the same through grams-perplexity. Reference numbers:
# $GRAMS_SHARED_DIR/reference/README.md.
source "$(dirname "$0")/lib.bash"

shared=${GRAMS_SHARED_DIR:-}
brown=$shared/corpora/brown
if [[ -z $shared || ! -f $brown/train.txt || ! -f $brown/test.txt ]]; then
  skip "$brown not found: no KenLM parity check"
fi

# check_ppl JSON ORDER: compares a grams-perplexity --json report with KenLM query's.
check_ppl() {
  python3 - "$1" "$2" <<'EOF' || fail "$1: perplexity differs from KenLM's"
import json, sys
got = json.load(open(sys.argv[1]))
ref = {  # KenLM query on brown/test.txt (reference/README.md)
    3: dict(log10prob=-153300.0678, perplexity=314.3657678815391,
            perplexity_excluding_oovs=258.0586787233646),
    5: dict(log10prob=-152825.6501, perplexity=308.8207231914107,
            perplexity_excluding_oovs=253.45925490489654),
}[int(sys.argv[2])]
assert got["sentences"] == 2867 and got["words"] == 58516, got
assert got["tokens"] == 61383 and got["oovs"] == 1413, got
for key, want in ref.items():
    rel = abs(got[key] - want) / abs(want)
    print(f"  {key}: {got[key]:.4f} (KenLM {want:.4f}, rel. diff {rel:.1e})")
    assert rel <= 1e-4, (key, got[key], want)
EOF
}

for order in 3 5; do
  echo "order $order: grams-count --order $order train.txt | grams-build"
  grams-count --order "$order" "$brown/train.txt" | grams-build -o m$order.lm
  grams-perplexity --json m$order.lm "$brown/test.txt" > ppl$order.json
  check_ppl ppl$order.json "$order"

  arpa=$shared/reference/brown.o$order.kenlm.arpa.zst
  if [[ -f $arpa ]]; then
    echo "order $order: KenLM's ARPA scored by grams-perplexity"
    grams-perplexity --json "$arpa" "$brown/test.txt" > kenlm$order.json
    check_ppl kenlm$order.json "$order"
  fi
done

echo "kenlm_parity: all checks passed"
