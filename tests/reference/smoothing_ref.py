#!/usr/bin/env python3
"""Reference models for tests/unit/smoothing_test.cc, in exact fractions.

Written from the published definitions (Chen & Goodman 1998, TR-10-98; Brants
et al. 2007 for Stupid Backoff) and the conventions of docs/ESTIMATION.md, not
from the grams C++ code. For every method it defines the full conditional
distribution p(w | h) for every word w (the vocabulary without <s>, <unk>
included) and every context h; the backoff weight a model must store for h is
then *derived* as the ratio p(w | h) / p(w | h') over the words w not stored
after h, and the script checks that this ratio is the same for all of them
(i.e. that the distribution can be written in backoff form at all).
"""
from fractions import Fraction as F
import math
import sys

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


def count(lines, N):
    c = {}
    for line in lines:
        s = [BOS] + line.split() + [EOS]
        for n in range(1, N + 1):
            for i in range(len(s) - n + 1):
                g = tuple(s[i:i + n])
                c[g] = c.get(g, 0) + 1
    return c


class Corpus:
    def __init__(self, lines, N):
        self.N = N
        self.raw = count(lines, N)
        words = sorted({g[0] for g in self.raw if len(g) == 1})
        self.vocab = [UNK] + [w for w in words if w != UNK]  # with <s>
        self.U = [w for w in self.vocab if w != BOS]  # predictable words
        for w in self.vocab:
            self.raw.setdefault((w,), 0) if w != UNK else None

    def children(self, h, counts):
        return {g[-1]: c for g, c in counts.items() if len(g) == len(h) + 1 and g[:-1] == h}

    def adjusted(self):
        """Kneser-Ney adjusted counts, as lmplz: raw at the top order and for
        n-grams starting with <s>; otherwise the number of distinct words v
        with v g counted."""
        a = {}
        for g, c in self.raw.items():
            if len(g) == self.N or g[0] == BOS:
                a[g] = c
            else:
                a[g] = sum(1 for x in self.raw if len(x) == len(g) + 1 and x[1:] == g)
        return a


def count_of_counts(counts, n, exclude_bos=True):
    t = {}
    for g, c in counts.items():
        if len(g) != n or c == 0:
            continue
        if n == 1 and exclude_bos and g == (BOS,):
            continue
        t[c] = t.get(c, 0) + 1
    return t


class Model:
    """p(w|h) for any h (tuple) and w in U."""

    def __init__(self, corpus, method, form, **kw):
        self.c = corpus
        self.N = corpus.N
        self.method = method
        self.form = form
        self.kw = kw
        self.memo = {}
        self.counts = corpus.adjusted() if method in ("mkn", "kn") else dict(corpus.raw)
        self.prune = kw.get("prune", [0])
        self.notes = []
        self.params = {}
        for n in range(1, self.N + 1):
            self.params[n] = self.order_params(n)
        # kept n-grams (order >= 2): raw count > threshold (and >= gt_min for katz)
        self.kept = set()
        for g, c in corpus.raw.items():
            n = len(g)
            if n == 1:
                continue
            t = self.prune[min(n, len(self.prune)) - 1]
            ok = c > t
            if method == "katz":
                ok = ok and c >= self.gtmin(n)
            if ok:
                self.kept.add(g)
        # closure: contexts and suffixes of kept n-grams stay
        for n in range(self.N, 2, -1):
            for g in list(self.kept):
                if len(g) == n:
                    self.kept.add(g[:-1])
                    self.kept.add(g[1:])

    # ---- parameters
    def gtmin(self, n):
        v = self.kw.get("gt_min", [1, 1, 2])
        return v[min(n, len(v)) - 1]

    def gtmax(self, n):
        v = self.kw.get("gt_max", [1, 7])
        return v[min(n, len(v)) - 1]

    def order_params(self, n):
        m = self.method
        t = count_of_counts(self.counts, n)
        T = lambda k: t.get(k, 0)
        given = self.kw.get("discounts")
        if m == "mkn":
            if given:
                return list(given[n - 1])
            if all(T(k) > 0 for k in (1, 2, 3, 4)):
                y = F(T(1), T(1) + 2 * T(2))
                d = [k - (k + 1) * y * F(T(k + 1), T(k)) for k in (1, 2, 3)]
                if all(0 <= d[k - 1] <= k for k in (1, 2, 3)):
                    return d
            self.notes.append("order %d: mkn fallback discounts (t1..t4 = %s)" % (n, [T(k) for k in (1, 2, 3, 4)]))
            return [F(1, 2), F(1), F(3, 2)]
        if m in ("kn", "abs"):
            if given:
                return [given[n - 1][0]] * 3
            if T(1) > 0 and T(2) > 0:
                d = F(T(1), T(1) + 2 * T(2))
            else:
                self.notes.append("order %d: %s fallback discount" % (n, m))
                d = F(1, 2)
            return [d, d, d]
        if m == "katz":
            k = self.gtmax(n)
            d = {r: F(1) for r in range(1, k + 1)}
            if k <= 1:
                return d
            if T(1) == 0:
                self.notes.append("order %d: n_1 = 0, no Good-Turing discount" % n)
                return d
            # SRILM's GoodTuring::estimate: lower k while n_{k+1} = 0
            # (counts above the lowered k are not discounted).
            kk = k
            while kk > 0 and T(kk + 1) == 0:
                kk -= 1
            if kk != k:
                self.notes.append("order %d: n_%d = 0, cut-off lowered to %d" % (n, k + 1, kk))
            if kk <= 1:
                return d
            common = F((kk + 1) * T(kk + 1), T(1))
            for r in range(1, kk + 1):
                if T(r) == 0:
                    continue
                coeff = (F((r + 1) * T(r + 1), r * T(r)) - common) / (1 - common)
                if F(1, 10**6) < coeff <= 1:
                    d[r] = coeff
                else:
                    self.notes.append("order %d: d_%d = %s out of range -> 1" % (n, r, coeff))
            return d
        return None

    # ---- own mass and left-over mass of a context (all children, pruned included)
    def children(self, h):
        return self.c.children(h, self.counts)

    def alpha_gamma(self, h):
        """alpha[w] for every child w of h (order len(h)+1), and gamma."""
        n = len(h) + 1
        ch = self.children(h)
        if n == 1:
            ch = {w: self.counts.get((w,), 0) for w in self.c.U}
        S = sum(ch.values())
        m = self.method
        P = self.params[n]
        alpha, gamma = {}, F(0)
        if m in ("mkn", "kn", "abs"):
            def D(c):
                return 0 if c == 0 else P[min(c, 3) - 1]
            for w, c in ch.items():
                alpha[w] = F(c - D(c)) / S if c else F(0)
            gamma = sum((D(c) for c in ch.values() if c), F(0)) / S
        elif m == "wb":
            types = sum(1 for c in ch.values() if c > 0)
            for w, c in ch.items():
                alpha[w] = F(c, S + types)
            gamma = F(types, S + types)
        elif m == "katz":
            for w, c in ch.items():
                if n == 1 and c < self.gtmin(1):
                    kept = 0
                else:
                    kept = (P[c] if c <= self.gtmax(n) else 1) * c if c else 0
                alpha[w] = F(kept) / S
            gamma = 1 - sum(alpha.values())
        elif m == "add":
            k = self.kw["k"]
            V = len(self.c.U)
            for w, c in ch.items():
                alpha[w] = (c + k) / (S + k * V)
            gamma = k * (V - len(ch)) / (S + k * V)
        elif m in ("mle", "stupid"):
            for w, c in ch.items():
                alpha[w] = F(c, S)
            gamma = F(0)
        return alpha, gamma

    def is_kept(self, g):
        return len(g) == 1 or g in self.kept

    # ---- the distribution
    def p(self, h, w):
        key = (h, w)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = v = self._p(h, w)
        return v

    def _p(self, h, w):
        m, form = self.method, self.form
        if len(h) == 0:
            alpha, gamma = self.alpha_gamma(())
            if m == "stupid":
                return alpha[w]
            if form == "interpolated":
                return alpha[w] + gamma / len(self.c.U)
            unseen = [x for x in self.c.U if alpha[x] == 0]
            if gamma == 0:
                return alpha[w]
            if not unseen:
                return alpha[w] + gamma / len(self.c.U)
            return alpha[w] if alpha[w] > 0 else gamma / len(unseen)
        if not self.children(h):
            # a context with nothing after it (or no context): the lower order
            return (self.kw["alpha"] if m == "stupid" else 1) * self.p(h[1:], w)
        alpha, gamma = self.alpha_gamma(h)
        pruned = [x for x in alpha if not self.is_kept(h + (x,))]
        g2 = gamma + sum((alpha[x] for x in pruned), F(0))
        if m == "stupid":
            a = self.kw["alpha"]
            if w in alpha and self.is_kept(h + (w,)):
                return alpha[w]
            return a * self.p(h[1:], w)
        if form == "interpolated":
            own = alpha.get(w, F(0)) if self.is_kept(h + (w,)) else F(0)
            return own + g2 * self.p(h[1:], w)
        # backoff: seen (kept, alpha > 0) words keep alpha; the rest share g2
        seen = [x for x in alpha if self.is_kept(h + (x,)) and alpha[x] > 0]
        den = 1 - sum((self.p(h[1:], x) for x in seen), F(0))
        if den == 0 and g2 > 0:
            # No lower-order mass left for the other words: the kept words
            # share the left-over mass in proportion to their own.
            own = sum((alpha[x] for x in seen), F(0))
            if ("scaled", h) not in self.notes:
                self.notes.append(("scaled", h))
            return alpha[w] * (own + g2) / own if w in seen else F(0)
        if w in seen:
            return alpha[w]
        if g2 == 0:
            return F(0)
        return g2 / den * self.p(h[1:], w)

    # ---- what a model file must hold
    def stored(self):
        """{ngram text: (p, backoff or None)} for every kept n-gram."""
        out = {}
        grams = [g for g in self.c.raw if self.is_kept(g)]
        for w in self.c.vocab:
            if (w,) not in grams:
                grams.append((w,))
        for g in grams:
            n = len(g)
            if g == (BOS,):
                p = None  # written as log10 p = 0 by convention
            else:
                p = self.p(g[:-1], g[-1])
            bo = None
            if n < self.N:
                bo = self.backoff(g)
            out[" ".join(g)] = (p, bo)
        return out

    def backoff(self, h):
        """The weight b with p(w|h) = b p(w|h') for every w not stored after h,
        derived from the distributions (and checked to be one number)."""
        stored_after = {g[-1] for g in self.c.raw if len(g) == len(h) + 1 and g[:-1] == h and self.is_kept(g)}
        ratios = set()
        for w in self.c.U:
            if w in stored_after:
                continue
            lower = self.p(h[1:], w)
            if lower == 0:
                continue
            ratios.add(self.p(h, w) / lower)
        if len(ratios) > 1:
            raise SystemExit("%s/%s: context %s is not a backoff distribution: %s" % (self.method, self.form, h, ratios))
        if ratios:
            return ratios.pop()
        if self.method == "stupid":
            return self.kw["alpha"]
        # nothing unseen with lower-order mass: the weight is unconstrained;
        # the model stores 1 (log 0) unless nothing is left at all.
        if not self.children(h):
            return F(1)
        alpha, gamma = self.alpha_gamma(h)
        g2 = gamma + sum((alpha[x] for x in alpha if not self.is_kept(h + (x,))), F(0))
        self.notes.append("context %s: no unseen word with lower-order mass" % (h,))
        if self.form == "interpolated":
            return g2
        return F(1) if g2 > 0 else F(0)

    def check_normalized(self):
        contexts = [()] + [g for g in self.c.raw if len(g) < self.N and self.is_kept(g)]
        for h in contexts:
            s = sum(self.p(h, w) for w in self.c.U)
            if self.method != "stupid" and s != 1:
                if not (self.method == "mle" and s in (0, 1)):
                    raise SystemExit("%s/%s: context %s sums to %s" % (self.method, self.form, h, s))


def log10(x):
    if x is None:
        return "0.0"
    if x == 0:
        return "-kInf"
    return "%.9f" % (math.log10(x.numerator) - math.log10(x.denominator))


def frac(x):
    if x is None:
        return "-"
    return str(x)


def emit(name, model, comment):
    model.check_normalized()
    s = model.stored()
    lines = []
    lines.append("// %s: %s" % (name, comment))
    for note in model.notes:
        if isinstance(note, tuple):
            note = "context '%s': no lower-order mass left for unseen words; kept words scaled up" % " ".join(note[1])
        lines.append("//   %s" % note)
    for n in range(1, model.N + 1):
        P = model.params.get(n)
        if isinstance(P, dict):
            P = [P[r] for r in sorted(P)]
        if P is not None:
            lines.append("//   order %d parameters: %s" % (n, ", ".join(str(x) for x in P)))
    lines.append("const ExpectedModel %s = {" % name)
    lines.append("    %d," % model.N)
    params = []
    for n in range(1, model.N + 1):
        P = model.params.get(n)
        if P is None:
            continue
        if isinstance(P, dict):
            P = [P[r] for r in sorted(P)]
        elif model.method in ("kn", "abs"):
            P = P[:1]
        params.append("{" + ", ".join("%.17g" % float(x) for x in P) + "}")
    lines.append("    {" + ", ".join(params) + "},")
    lines.append("    {")
    for k in sorted(s, key=lambda t: (len(t.split()), t)):
        p, bo = s[k]
        lines.append("        // p = %s%s" % (frac(p) if p is not None else "(<s>: written as 1)",
                                            "" if bo is None else ", backoff = %s" % frac(bo)))
        lines.append('        {"%s", %s, %s},' % (k, log10(p), "kNoBackoff" if bo is None else log10(bo)))
    lines.append("    },")
    lines.append("};")
    return "\n".join(lines)


def main():
    corpus_lines = sys.argv[1].split("|") if len(sys.argv) > 1 else ["a b a", "b a c", "a b c a", "c b", "a a b"]
    N = 3
    corpus = Corpus(corpus_lines, N)
    out = []
    out.append("// Generated by the Python script described above (exact fractions);")
    out.append("// corpus (one sentence per line): " + " | ".join(corpus_lines) + "; order %d." % N)
    cases = [
        ("kKnInterpolated", Model(corpus, "kn", "interpolated"), "kn, interpolated"),
        ("kKnBackoff", Model(corpus, "kn", "backoff"), "kn, backoff"),
        ("kMknBackoff", Model(corpus, "mkn", "backoff"), "mkn, backoff"),
        ("kMknGivenDiscounts", Model(corpus, "mkn", "interpolated", discounts=[[F(1, 4), F(1, 2), F(3, 4)], [F(1, 2), F(1), F(1)], [F(3, 5), F(6, 5), F(7, 5)]]),
         "mkn, interpolated, discounts given: 1/4 1/2 3/4 | 1/2 1 1 | 3/5 6/5 7/5"),
        ("kWbInterpolated", Model(corpus, "wb", "interpolated"), "wb, interpolated"),
        ("kWbBackoff", Model(corpus, "wb", "backoff"), "wb, backoff"),
        ("kAbsInterpolated", Model(corpus, "abs", "interpolated"), "abs, interpolated"),
        ("kAbsBackoff", Model(corpus, "abs", "backoff"), "abs, backoff"),
        ("kAbsHalfBackoff", Model(corpus, "abs", "backoff", discounts=[[F(1, 2)]] * 3), "abs, backoff, --discount 0.5"),
        ("kKatzDefault", Model(corpus, "katz", "backoff"), "katz, SRILM defaults (gt_min 1 1 2, gt_max 1 7)"),
        ("kKatzGt", Model(corpus, "katz", "backoff", gt_min=[1], gt_max=[2]), "katz, gt_min 1, gt_max 2"),
        ("kAdd1", Model(corpus, "add", "backoff", k=F(1)), "add, k = 1"),
        ("kAddHalf", Model(corpus, "add", "backoff", k=F(1, 2)), "add, k = 0.5"),
        ("kMle", Model(corpus, "mle", "backoff"), "mle"),
        ("kStupid", Model(corpus, "stupid", "backoff", alpha=F(2, 5)), "stupid, alpha = 0.4"),
        ("kKnPruned", Model(corpus, "kn", "interpolated", prune=[0, 1]), "kn, interpolated, --prune 0 1"),
        ("kWbPrunedBackoff", Model(corpus, "wb", "backoff", prune=[0, 0, 1]), "wb, backoff, --prune 0 0 1"),
        ("kMlePruned", Model(corpus, "mle", "backoff", prune=[0, 1]), "mle, --prune 0 1"),
    ]
    for name, model, comment in cases:
        out.append("")
        out.append(emit(name, model, comment))
    print("\n".join(out))
    # count-of-counts, for the record
    for n in range(1, N + 1):
        print("// raw t(%d) = %s, adjusted t(%d) = %s" % (n, sorted(count_of_counts(corpus.raw, n).items()), n,
              sorted(count_of_counts(corpus.adjusted(), n).items())), file=sys.stderr)


main()
