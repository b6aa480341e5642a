#!/usr/bin/env bash
# Issue 13, item 7: an input cut while being read was counted up to the cut,
# exit 0. A regular file that ends before the size it had when opened is an
# error naming it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# A FIFO-fed wrapper is not needed: grams-count reads stdin-sized blocks, so
# truncate the file from a second process while the first is in its reading.
awk 'BEGIN { for (i = 0; i < 400000; i++) print "w" i % 5000, "x" i % 777, "y" i % 31 }' > big.txt
size=$(stat -c %s big.txt)
grams-count --order 3 --text big.txt > /dev/null  # warm the page cache
ok=0
for _ in 1 2 3 4 5; do
  cp big.txt cut.txt
  grams-count --order 3 -o cut.counts cut.txt 2>err &
  pid=$!
  sleep 0.05
  truncate -s $((size / 4)) cut.txt
  set +e
  wait "$pid"
  RC=$?
  set -e
  if [[ $RC == 1 ]]; then
    grep -q "cut.txt: the file shrank while being read" err || { cat err; fail "the error does not say the file shrank"; }
    no_leftovers cut.counts
    ok=1
    break
  fi
  [[ $RC == 0 ]] || { cat err; fail "exit $RC"; }
  rm -f cut.counts
done
[[ $ok == 1 ]] || skip "could not truncate the file while grams-count read it"
echo "ok: an input that shrinks while read is an error"
