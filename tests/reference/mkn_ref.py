"""Exact modified Kneser-Ney, as described in /work/shared/reference/README.md.
Independent of the C++ code: plain dictionaries and Fractions."""
from fractions import Fraction as F
from collections import defaultdict
import math, sys

BOS, EOS, UNK = "<s>", "</s>", "<unk>"

def count(lines, N):
    c = [defaultdict(int) for _ in range(N + 1)]  # c[n][tuple]
    for line in lines:
        toks = [BOS] + line.split() + [EOS]
        for n in range(1, N + 1):
            for i in range(len(toks) - n + 1):
                c[n][tuple(toks[i:i + n])] += 1
    return c

def adjusted(c, N):
    a = [dict() for _ in range(N + 1)]
    for n in range(1, N + 1):
        for g, raw in c[n].items():
            if n == N or g[0] == BOS:
                a[n][g] = raw
            else:
                a[n][g] = len({h[0] for h in c[n + 1] if h[1:] == g})
    return a

def coc(a, n):
    t = [0] * 5
    for g, v in a[n].items():
        if n == 1 and g == (BOS,):
            continue
        if 1 <= v <= 4:
            t[v] += 1
    return t

def discounts(t, fallback=(F(1, 2), F(1), F(3, 2))):
    if not all(t[1:5]):
        return list(fallback), True
    Y = F(t[1], t[1] + 2 * t[2])
    d = [k - (k + 1) * Y * F(t[k + 1], t[k]) for k in (1, 2, 3)]
    if any(not (0 <= d[k - 1] <= k) for k in (1, 2, 3)):
        return list(fallback), True
    return d, False

def build(lines, N):
    c = count(lines, N)
    a = adjusted(c, N)
    vocab = sorted({g[0] for g in c[1]} | {UNK})
    V = len(vocab) - 1  # without <s>
    D, T, FB = {}, {}, {}
    for n in range(1, N + 1):
        T[n] = coc(a, n)
        D[n], FB[n] = discounts(T[n])
    def disc(n, x):
        return D[n][min(x, 3) - 1]
    prob, bo = {}, {}
    # unigrams
    S = sum(v for g, v in a[1].items() if g != (BOS,))
    b = sum(disc(1, v) for g, v in a[1].items() if g != (BOS,)) / S
    bo[()] = b
    for w in vocab:
        if w == BOS:
            continue
        x = a[1].get((w,), 0)
        u = (x - disc(1, x)) / S if x else F(0)
        prob[(w,)] = u + b / V
    # higher orders
    for n in range(2, N + 1):
        ctx = defaultdict(list)
        for g in a[n]:
            ctx[g[:-1]].append(g)
        for h, gs in ctx.items():
            S = sum(a[n][g] for g in gs)
            b = sum(disc(n, a[n][g]) for g in gs) / S
            bo[h] = b
            for g in gs:
                prob[g] = (a[n][g] - disc(n, a[n][g])) / S + b * prob[g[1:]]
    return dict(c=c, a=a, T=T, D=D, FB=FB, prob=prob, bo=bo, vocab=vocab, V=V)

if __name__ == "__main__":
    lines = [l.strip("\n") for l in open(sys.argv[1])]
    N = int(sys.argv[2])
    m = build(lines, N)
    for n in range(1, N + 1):
        print("order", n, "t1..4", m["T"][n][1:], "fallback" if m["FB"][n] else "", [str(x) for x in m["D"][n]])
