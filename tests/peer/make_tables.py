#!/usr/bin/python3
"""Maintainer script, not run by the tests: writes the expected-value tables of tests/peer/ from
the copies of the other toolkits' test data in a peer folder (../shared/peer, see README.md).
Usage: make_tables.py PEER_DIR   (run from anywhere; writes next to this script)."""
import collections, math, os, re, subprocess, sys

PEER = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
LN10 = math.log(10)


def out(path, text, compress=False):
    path = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode('latin-1')
    if compress:
        data = subprocess.run(['zstd', '-19', '-q', '-c'], input=data, capture_output=True,
                              check=True).stdout
        path += '.zst'
    with open(path, 'wb') as f:
        f.write(data)


def num(x):
    return '%.8g' % x


def fst_model(path):
    """An OpenGrm model in OpenFst text form -> ({ngram: log10 p}, {context: log10 bow}).
    A state's order is its number of backoff (<epsilon>) hops to the unigram state; the history
    of an arc's destination is the last `order` words of (source history + word)."""
    arcs = collections.defaultdict(list)
    final, back = {}, {}
    start = None
    for line in open(path, encoding='latin-1'):
        f = line.split()
        if start is None:
            start = int(f[0])
        if len(f) >= 4:
            src, dst, word = int(f[0]), int(f[1]), f[2]
            w = float(f[4]) if len(f) > 4 else 0.0
            if word == '<epsilon>':
                back[src] = (dst, w)
            else:
                arcs[src].append((word, dst, w))
        else:
            final[int(f[0])] = float(f[1]) if len(f) > 1 else 0.0
    states = set(arcs) | set(final) | set(back) | {d for s in arcs for _, d, _ in arcs[s]}
    (unigram,) = [s for s in states if s not in back]
    depth = {unigram: 0}

    def order(s):
        while s not in depth:
            chain = [s]
            while chain[-1] not in depth:
                chain.append(back[chain[-1]][0])
            for t in reversed(chain[:-1]):
                depth[t] = depth[back[t][0]] + 1
        return depth[s]

    hist = {unigram: (), start: ('<s>',)}
    todo = [start, unigram]
    while todo:
        s = todo.pop()
        for word, d, _ in arcs[s]:
            h = (hist[s] + (word,))[len(hist[s]) + 1 - order(d):] if order(d) else ()
            if d not in hist:
                hist[d] = h
                todo.append(d)
            assert hist[d] == h
        if s in back and back[s][0] not in hist:
            hist[back[s][0]] = hist[s][1:]
            todo.append(back[s][0])
    probs, bows = {}, {}
    for s in states:
        h = hist[s]
        for word, d, w in arcs[s]:
            probs[h + (word,)] = -w / LN10
        if s in final:
            probs[h + ('</s>',)] = -final[s] / LN10
        if s in back and h:
            bows[h] = -back[s][1] / LN10
    return probs, bows


def arpa(path):
    probs, bows, sec = {}, {}, 0
    for line in open(path, encoding='latin-1'):
        s = line.strip()
        m = re.match(r'\\(\d+)-grams:', s)
        if m:
            sec = int(m.group(1))
            continue
        if s == '\\end\\':
            break
        if sec and s:
            f = s.split()
            probs[tuple(f[1:1 + sec])] = float(f[0])
            if len(f) > 1 + sec:
                bows[tuple(f[1:1 + sec])] = float(f[1 + sec])
    return probs, bows


def table(probs, bows):
    lines = [f'p\t{" ".join(g)}\t{num(p)}' for g, p in probs.items()]
    lines += [f'b\t{" ".join(g)}\t{num(b)}' for g, b in bows.items()]
    return '\n'.join(sorted(lines)) + '\n'


# ---------------------------------------------------------------- OpenGrm
og = os.path.join(PEER, 'opengrm')
out('opengrm/earnest.txt', open(os.path.join(og, 'data/earnest.txt'), encoding='latin-1').read(),
    compress=True)
counts = []
for line in open(os.path.join(og, 'ref/earnest.cnt.print'), encoding='latin-1'):
    g, c = line.rstrip('\n').split('\t')
    counts.append(f'{g}\t{round(float(c))}')   # stored as -ln floats: 542.9999 is 543
out('opengrm/counts.tsv', '\n'.join(sorted(counts)) + '\n', compress=True)
coc = []
for line in open(os.path.join(og, 'ref/earnest.cnt_of_cnts.txt')):
    x = line.split()
    if len(x) >= 5:
        o, b = [int(t.split('=')[1]) for t in x[2].split(',')]
        coc.append(f'{o + 1}\t{b + 1}\t{round(math.exp(-float(x[4])))}')
out('opengrm/count_of_counts.tsv', 'order\tr\tn_r\n' + '\n'.join(coc) + '\n')
methods = ['unsmoothed', 'katz', 'kneser_ney', 'absolute', 'witten_bell']
models = [fst_model(os.path.join(og, f'ref/earnest-{m}.mod.txt')) for m in methods]
keys = sorted({('p', g) for p, _ in models for g in p} | {('b', g) for _, b in models for g in b})
rows = ['kind\tngram\t' + '\t'.join(methods)]
for k, g in keys:
    vals = [(p if k == 'p' else b).get(g) for p, b in models]
    rows.append(f'{k}\t{" ".join(g)}\t' + '\t'.join('' if v is None else num(v) for v in vals))
out('opengrm/models.tsv', '\n'.join(rows) + '\n', compress=True)
out('opengrm/relative_entropy.tsv',
    table(*fst_model(os.path.join(og, 'ref/earnest-relative_entropy.pru.txt'))), compress=True)
out('opengrm/witten_bell.arpa', open(os.path.join(og, 'ref/earnest.arpa'), encoding='latin-1').read(),
    compress=True)
perp = open(os.path.join(og, 'ref/earnest.perp')).read()
m = re.search(r'(\d+) sentences, (\d+) words, (\d+) OOVs\s+logprob\(base 10\)= (\S+);\s+perplexity = (\S+)', perp)
out('opengrm/perplexity.tsv', 'sentences\twords\toovs\tlog10prob\tperplexity\n' + '\t'.join(m.groups()) + '\n')
info = re.findall(r'# of (\d)-grams\s+(\d+)', open(os.path.join(og, 'ref/earnest.info')).read())
out('opengrm/info.tsv', 'order\tngrams\n' + ''.join(f'{o}\t{c}\n' for o, c in info))

# ---------------------------------------------------------------- KenLM (numbers only)
kl = os.path.join(PEER, 'kenlm')
for t in ('toy0', 'toy1'):
    out(f'kenlm/{t}.tsv', table(*arpa(os.path.join(kl, f'ref/{t}.arpa'))))
out('kenlm/test_model.tsv', table(*arpa(os.path.join(kl, 'ref/test.arpa'))))
