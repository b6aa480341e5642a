#!/usr/bin/env bash
# Issue 13, item 7: replacing an output reset its mode (a private 600 file
# came out 644, world-readable); the replacement keeps the old mode. A new
# output leaves no OUT.tmp-* behind while it is written or after a kill -9.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

write_tiny_corpus text.txt
grams-count --order 3 -o c.counts text.txt
echo old > private.lm
chmod 600 private.lm
grams-build -q -o private.lm c.counts 2>/dev/null
[[ $(stat -c %a private.lm) == 600 ]] || fail "mode $(stat -c %a private.lm) after replacing, expected 600"
grams-info private.lm > /dev/null || fail "the replaced output is not a model"
chmod 640 c.counts
grams-count --order 3 -o c.counts.new text.txt
cp -p c.counts c2.counts
grams-count --order 2 -o c2.counts text.txt
[[ $(stat -c %a c2.counts) == 640 ]] || fail "grams-count: mode $(stat -c %a c2.counts), expected 640"
# A new file: 0644 less the umask.
(umask 027 && grams-build -q -o new.lm c.counts 2>/dev/null)
[[ $(stat -c %a new.lm) == 640 ]] || fail "new output: mode $(stat -c %a new.lm), expected 640"

# kill -9 in the middle of writing leaves no temporary file (O_TMPFILE),
# where the file system has it.
awk 'BEGIN { srand(3); for (i = 0; i < 60000; i++) { line = "";
  for (j = 0; j < 14; j++) line = line " w" int(rand() * 20000); print line } }' > big.txt
grams-count --order 5 -o big.counts big.txt
grams-build big.counts --arpa killed.arpa 2>/dev/null &
pid=$!
writing=0
for _ in $(seq 1 1000); do
  if ls -l /proc/$pid/fd 2>/dev/null | grep -q "$SCRATCH/#\|killed.arpa.tmp-"; then writing=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
interrupt KILL "$pid"
[[ $writing == 1 ]] || skip "never saw grams-build writing (it finished too fast?)"
if compgen -G "killed.arpa.tmp-*" >/dev/null; then
  fail "kill -9 left a temporary file (no O_TMPFILE on $(df -T . | tail -1 | awk '{print $2}')?)"
fi
[[ ! -e killed.arpa ]] || fail "kill -9 left a half output"
echo "ok: replaced outputs keep their mode; kill -9 leaves no temporary file"
