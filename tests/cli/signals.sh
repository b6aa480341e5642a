#!/usr/bin/env bash
# Interrupting a tool (SIGINT, SIGTERM) while it writes leaves neither its
# output nor a temporary file behind, and an existing output untouched.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# Enough text that writing its order-5 ARPA takes a good fraction of a second.
awk 'BEGIN { srand(7); for (i = 0; i < 60000; i++) { line = "";
  for (j = 0; j < 14; j++) line = line " w" int(rand() * 20000); print line } }' > big.txt
grams-count --order 5 big.txt -o big.counts

for sig in INT TERM; do
  echo "previous" > out.arpa
  grams-build big.counts --arpa out.arpa 2>err &
  pid=$!
  seen=0
  for _ in $(seq 1 500); do
    # The output is written to an unnamed file (O_TMPFILE: "DIR/#inode
    # (deleted)" among the tool's descriptors) or, without it, to out.arpa.tmp-*.
    if compgen -G "out.arpa.tmp-*" >/dev/null; then seen=1; break; fi
    if ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$SCRATCH/#"; then seen=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  interrupt "$sig" "$pid"
  [[ $seen == 1 ]] || fail "SIG$sig: never saw the temporary file (the tool finished too fast?)"
  [[ $RC -ne 0 ]] || fail "SIG$sig: grams-build exited 0"
  if compgen -G "out.arpa.tmp-*" >/dev/null; then fail "SIG$sig: temporary file left behind"; fi
  [[ $(cat out.arpa) == "previous" ]] || fail "SIG$sig: the existing output was changed"
done
echo "ok: interrupted runs leave nothing behind"
