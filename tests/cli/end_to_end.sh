# The whole chain on a tiny corpus: count -> build -> score -> perplexity,
# through files and through pipes, at several orders.
source "$(dirname "$0")/lib.bash"

cat > train.txt <<'EOF'
the cat sat on the mat
the dog sat on the log
the cat ate the fish
a dog ate a bone
the cat sat on the log
the bird sat on the mat
a bird ate the fish
the dog ate a bone
EOF
cat > test.txt <<'EOF'
the cat sat on the log
a dog sat on the mat
the cow ate the grass
EOF

for order in 1 2 3 5 10; do
  # Through files.
  grams-count --order "$order" -o c$order.counts train.txt
  grams-build -o m$order.lm --arpa m$order.arpa c$order.counts 2>/dev/null
  grep -q "^ngram $order=" m$order.arpa || fail "order $order: ARPA lacks ngram $order="
  # Through pipes, stdin to stdout: the same model, byte for byte.
  grams-count --order "$order" < train.txt | grams-build -o - 2>/dev/null | cat > p$order.lm
  cmp -s m$order.lm p$order.lm || fail "order $order: piped model differs"

  run grams-score m$order.lm test.txt
  expect_rc 0 "order $order: score"
  expect_no_err "order $order: score"
  [[ $(wc -l < out) == 3 ]] || { show; fail "order $order: expected 3 score lines"; }
  re=$'^-[0-9]+\\.[0-9]{6}\t[0-9]+\t[0-9]+$'
  while IFS= read -r line; do
    [[ $line =~ $re ]] || fail "order $order: malformed score line '$line'"
  done < out
  [[ $(cut -f2,3 out | tr '\t\n' ' ,') == "7 0,7 0,6 2," ]] || { show; fail "order $order: tokens/oovs"; }
  grams-score m$order.lm < test.txt > stdin.txt
  cmp -s out stdin.txt || fail "order $order: score from stdin differs"

  run grams-perplexity --json m$order.lm test.txt
  expect_rc 0 "order $order: perplexity"
  check_json_lines out
  cp out ppl$order.json
  grams-score m$order.lm test.txt > scores$order.txt
  python3 - ppl$order.json scores$order.txt <<'EOF' || fail "order $order: perplexity != scores"
import json, sys
p = json.load(open(sys.argv[1]))
total = sum(float(l.split("\t")[0]) for l in open(sys.argv[2]))
assert p["sentences"] == 3 and p["words"] == 17 and p["tokens"] == 20 and p["oovs"] == 2, p
assert abs(p["log10prob"] - total) < 1e-5, (p["log10prob"], total)
assert 1 < p["perplexity"] < 1e6, p
EOF
done

# Higher orders fit the training text better (or equally).
for order in 1 3 5; do grams-perplexity --json m$order.lm train.txt > train$order.json; done
python3 - train1.json train3.json train5.json <<'EOF' || fail "training perplexity does not fall with the order"
import json, sys
p = [json.load(open(f))["perplexity"] for f in sys.argv[1:]]
assert p[0] > p[1] >= p[2] * 0.999, p
EOF

echo "end_to_end: all checks passed"
