#!/usr/bin/env python3
"""Backoff scoring straight from an ARPA file's definition, independently of
grams: the reference behind tests/cli/arpa_blanks.sh.

An ARPA file defines, for every word w after a context h (h = the last N-1
words at most, <s> first; words not in the 1-grams read as <unk>):

    log10 p(w | h) = prob(h w)                       if h w is listed
                   = backoff(h) + log10 p(w | h')    otherwise, h' = h minus its first word

with backoff(h) = 0 (weight 1) when h is not listed or has no backoff, and
p(w | empty) = prob(w). Nothing else: a missing n-gram in the middle of a
longer one (a "blank") changes nothing in this definition.

  arpa_backoff.py holes IN OUT EVERY
      writes OUT: IN without every EVERY-th n-gram of orders 2..N-1 (in file
      order) that ends a longer n-gram of IN and starts none, and every
      (4 EVERY)-th of those that also start one, the counts fixed; prints
      how many of each order went
  arpa_backoff.py added ARPA
      prints how many n-grams a reader must add for lookups to work: the
      contexts ARPA lacks (first words of a listed n-gram), and the blanks
      (last words of a listed n-gram or added context, neither listed nor
      added as a context)
  arpa_backoff.py check-scores ARPA TEXT SCORES...
      each SCORES is grams-score --per-token's output on TEXT; each token's
      log10 probability must be the definition's (to 2e-5, float rounding)
  arpa_backoff.py check-written HOLEY WRITTEN
      WRITTEN, an ARPA file written from a model read from HOLEY, must list
      HOLEY's n-grams with their values, and besides them only contexts HOLEY
      lacks (the first n-1 words of a listed n-gram), each with the value of
      backing off and a zero backoff: no blank
"""
import sys


def read_arpa(path):
    """-> (order, {ngram tuple: (prob, backoff or None)}, lines in order)."""
    entries = {}
    order = 0
    n = 0
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            t = line.strip()
            if t.startswith("\\"):
                if t.endswith("-grams:"):
                    n = int(t[1:-len("-grams:")])
                    order = max(order, n)
                else:
                    n = 0
                continue
            if n == 0 or not t:
                continue
            fields = t.split()
            prob = float(fields[0])
            words = tuple(fields[1:1 + n])
            backoff = float(fields[1 + n]) if len(fields) > 1 + n else None
            entries[words] = (prob, backoff)
    return order, entries


def log_prob(entries, context, w):
    """log10 p(w | context) by the definition (context: a tuple)."""
    total = 0.0
    while True:
        got = entries.get(context + (w,))
        if got is not None:
            return total + got[0]
        if not context:
            raise KeyError(w)
        bo = entries.get(context)
        if bo is not None and bo[1] is not None:
            total += bo[1]
        context = context[1:]


def score_line(order, entries, line):
    words = [w if (w,) in entries else "<unk>" for w in line.split()]
    history = ["<s>"]
    out = []
    for w in words + ["</s>"]:
        context = tuple(history[-(order - 1):]) if order > 1 else ()
        out.append(log_prob(entries, context, w))
        history.append(w)
    return out


def holes(src, dst, every):
    order, entries = read_arpa(src)
    suffixes, prefixes = set(), set()
    for ngram in entries:
        if len(ngram) >= 3:
            suffixes.add(ngram[1:])
            prefixes.add(ngram[:-1])
    removed = set()
    seen = [0] * (order + 1)  # n-grams that end longer ones, and start none
    seen_context = [0] * (order + 1)  # that end and start longer ones
    with open(src, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.readlines()
    n = 0
    for line in lines:
        t = line.strip()
        if t.startswith("\\"):
            n = int(t[1:-len("-grams:")]) if t.endswith("-grams:") else 0
            continue
        if 2 <= n < order and t:
            words = tuple(t.split()[1:1 + n])
            if words in suffixes and words not in prefixes:
                seen[n] += 1
                if seen[n] % every == 0:
                    removed.add(words)
            elif words in suffixes:  # a context too: fewer of those
                seen_context[n] += 1
                if seen_context[n] % (4 * every) == 0:
                    removed.add(words)
    counts = [0] * (order + 1)
    for ngram in entries:
        if ngram not in removed:
            counts[len(ngram)] += 1
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as out:
        n = 0
        for line in lines:
            t = line.strip()
            if t.startswith("ngram ") and "=" in t:
                k = int(t[len("ngram "):t.index("=")])
                out.write("ngram %d=%d\n" % (k, counts[k]))
                continue
            if t.startswith("\\"):
                n = int(t[1:-len("-grams:")]) if t.endswith("-grams:") else 0
            elif n and t and tuple(t.split()[1:1 + n]) in removed:
                continue
            out.write(line)
    by_order = [0] * (order + 1)
    for ngram in removed:
        by_order[len(ngram)] += 1
    print(" ".join("%d-grams: %d" % (k, by_order[k]) for k in range(2, order)))


def check_scores(arpa, text, scores):
    order, entries = read_arpa(arpa)
    with open(text, encoding="utf-8", errors="surrogateescape") as t:
        want = [score_line(order, entries, line) for line in t]
    status = 0
    for path in scores:
        bad = 0
        tokens = 0
        with open(path, encoding="utf-8", errors="surrogateescape") as s:
            got_lines = s.readlines()
        if len(got_lines) != len(want):
            print("%s: %d lines, expected %d" % (path, len(got_lines), len(want)))
            status = 1
            continue
        for number, (got_line, want_line) in enumerate(zip(got_lines, want), 1):
            # word=value, or word=<unk>:value for a word out of the vocabulary
            got = [float(f.rsplit("=", 1)[1].rsplit(":", 1)[-1])
                   for f in got_line.rstrip("\n").split("\t")[3:]]
            if len(got) != len(want_line):
                print("%s: line %d: %d tokens scored, %d expected" %
                      (path, number, len(got), len(want_line)))
                bad += 1
                continue
            for k, (g, w) in enumerate(zip(got, want_line)):
                tokens += 1
                if abs(g - w) > 2e-5 + 1e-6 * abs(w):
                    bad += 1
                    if bad <= 10:
                        print("%s: line %d token %d: %.7f, expected %.7f" %
                              (path, number, k + 1, g, w))
        if bad:
            print("%s: %d of %d tokens differ" % (path, bad, tokens))
            status = 1
        else:
            print("%s: %d tokens as the ARPA file defines them" % (path, tokens))
    return status


def added(arpa):
    _, entries = read_arpa(arpa)
    listed = set(entries)
    contexts = set()
    for ngram in listed:
        for k in range(2, len(ngram)):
            contexts.add(ngram[:k])
    contexts -= listed
    present = listed | contexts
    blanks = set()
    for ngram in present:
        for k in range(1, len(ngram) - 1):
            blanks.add(ngram[k:])
    blanks -= present
    print("contexts %d blanks %d" % (len(contexts), len(blanks)))


def check_written(holey_path, written_path):
    _, holey = read_arpa(holey_path)
    order, written = read_arpa(written_path)
    problems = []
    for ngram, (prob, bo) in holey.items():
        got = written.get(ngram)
        if got is None:
            problems.append("missing: %s" % " ".join(ngram))
        elif abs(got[0] - prob) > 1e-6 * abs(prob) + 1e-9 or \
                (bo is not None and abs((got[1] or 0.0) - bo) > 1e-6 * abs(bo) + 1e-9):
            problems.append("changed: %s" % " ".join(ngram))
    contexts = set()
    for ngram in holey:
        for k in range(1, len(ngram)):
            contexts.add(ngram[:k])
    extra = 0
    for ngram, (prob, bo) in written.items():
        if ngram in holey:
            continue
        extra += 1
        if ngram not in contexts:
            problems.append("invented (not a context): %s" % " ".join(ngram))
            continue
        want = log_prob(holey, ngram[:-1], ngram[-1])
        if abs(prob - want) > 2e-5 or (bo or 0.0) != 0.0:
            problems.append("added context with other values: %s" % " ".join(ngram))
    for p in problems[:10]:
        print(p)
    if problems:
        print("%d problems" % len(problems))
        return 1
    print("%d n-grams as in the file, %d contexts added" % (len(holey), extra))
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "holes":
        holes(argv[2], argv[3], int(argv[4]))
        return 0
    if len(argv) >= 5 and argv[1] == "check-scores":
        return check_scores(argv[2], argv[3], argv[4:])
    if len(argv) == 3 and argv[1] == "added":
        added(argv[2])
        return 0
    if len(argv) == 4 and argv[1] == "check-written":
        return check_written(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
