#!/usr/bin/python3
"""The peer tests: grams against the expectations of other toolkits' test suites (README.md).

Usage: check.py opengrm|kenlm|nltk, with GRAMS_BIN (the tools) and GRAMS_PEER_QUERY (the
grams_peer_query binary, a State API client) in the environment, as ctest sets them.

Every expectation either holds, or differs by a documented definition (docs/ESTIMATION.md, "Other
toolkits"): then the check asserts what grams gives by its own definition, so a difference that
changes is a failure too. Prints one line per group and a summary; exits 1 on any failure.
"""
import collections
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get('GRAMS_BIN', '')
QUERY = os.environ.get('GRAMS_PEER_QUERY', '')
TMP = None


class Tally:
    """Counts, per group, the expectations that hold, the documented differences that hold (as
    asserted), and the failures (printed)."""

    def __init__(self):
        self.groups = collections.OrderedDict()
        self.failures = 0

    def _g(self, group):
        return self.groups.setdefault(group, collections.Counter())

    def hold(self, group, ok, what=''):
        """An expectation of the other toolkit that grams must meet."""
        self._g(group)['hold' if ok else 'FAIL'] += 1
        if not ok:
            self.fail(group, what)

    def differ(self, group, kind, ok, what=''):
        """A documented difference `kind`: ok says grams gives what its definition says."""
        self._g(group)['differ: ' + kind if ok else 'FAIL'] += 1
        if not ok:
            self.fail(group, what)

    def fail(self, group, what):
        self.failures += 1
        if self.failures <= 40:
            print(f'FAIL [{group}] {what}')

    def report(self, suite):
        hold = differ = 0
        for group, c in self.groups.items():
            print(f'{suite} {group}: ' + ', '.join(f'{v} {k}' for k, v in sorted(c.items())))
            hold += c['hold']
            differ += sum(v for k, v in c.items() if k.startswith('differ'))
        print(f'{suite}: {hold} expectations hold, {differ} documented differences hold, '
              f'{self.failures} failures')
        return 1 if self.failures else 0


T = Tally()


# ------------------------------------------------------------------ helpers
def tool(name, *args, stdin=None, text=True):
    r = subprocess.run([os.path.join(BIN, name)] + [str(a) for a in args], input=stdin,
                       capture_output=True, text=text, encoding='latin-1' if text else None)
    if r.returncode != 0:
        sys.exit(f'{name} {" ".join(map(str, args))} failed ({r.returncode}): {r.stderr}')
    return r


def tmp(name):
    return os.path.join(TMP, name)


def unzstd(name, dest=None):
    data = subprocess.run(['zstd', '-dc', os.path.join(HERE, name)], capture_output=True,
                          check=True).stdout
    if dest:
        with open(dest, 'wb') as f:
            f.write(data)
    return data.decode('latin-1')


def read_arpa(path):
    """{'probs': {ngram: log10 p}, 'bows': {ngram: log10 bow}, 'counts': {n: ngrams}}."""
    probs, bows, counts, sec = {}, {}, {}, 0
    for line in open(path, encoding='latin-1'):
        s = line.strip()
        if s.startswith('ngram ') and '=' in s and not sec:
            n, c = s[6:].split('=')
            counts[int(n)] = int(c)
        elif s.startswith('\\') and s.endswith('-grams:'):
            sec = int(s[1:s.index('-')])
        elif s == '\\end\\':
            break
        elif sec and s:
            f = s.split()
            probs[tuple(f[1:1 + sec])] = float(f[0])
            if len(f) > 1 + sec:
                bows[tuple(f[1:1 + sec])] = float(f[1 + sec])
    return {'probs': probs, 'bows': bows, 'counts': counts,
            'order': max(len(g) for g in probs)}


def read_table(text):
    """Our kind/ngram/value tables (make_tables.py) -> the read_arpa dict."""
    probs, bows = {}, {}
    for line in text.splitlines():
        kind, g, v = line.split('\t')
        (probs if kind == 'p' else bows)[tuple(g.split())] = float(v)
    return {'probs': probs, 'bows': bows, 'order': max(len(g) for g in probs)}


def write_arpa(model, path):
    by = collections.defaultdict(list)
    for g in sorted(model['probs']):
        by[len(g)].append(g)
    with open(path, 'w', encoding='latin-1') as f:
        f.write('\\data\\\n' + ''.join(f'ngram {n}={len(by[n])}\n' for n in sorted(by)))
        for n in sorted(by):
            f.write(f'\n\\{n}-grams:\n')
            for g in by[n]:
                b = model['bows'].get(g)
                f.write(f'{model["probs"][g]}\t{" ".join(g)}' + ('' if b is None else f'\t{b}') + '\n')
        f.write('\n\\end\\\n')


def logprob(m, hist, w):
    """log10 p(w | hist) by the ARPA backoff rule (hist oldest first)."""
    hist = tuple(hist)[len(hist) - min(len(hist), m['order'] - 1):]
    bo = 0.0
    while True:
        if hist + (w,) in m['probs']:
            return bo + m['probs'][hist + (w,)]
        if not hist:
            return -math.inf
        bo += m['bows'].get(hist, 0.0)
        hist = hist[1:]


def query(model, lines):
    """grams_peer_query: per line (start, words) the per-word scores, their sum, the span sum."""
    inp = ''.join(f'{s} {" ".join(w)}\n' for s, w in lines)
    r = subprocess.run([QUERY, model], input=inp, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'grams_peer_query {model} failed: {r.stderr}')
    res = []
    for (s, words), line in zip(lines, r.stdout.splitlines()):
        f = [float(x) for x in line.split('\t')]
        res.append((f[:len(words)], f[len(words)], f[len(words) + 1] if s == 'null' else None))
    return res


def close(a, b, tol):
    return abs(a - b) <= tol or (math.isinf(a) and math.isinf(b) and (a > 0) == (b > 0))


def read_counts_text(text):
    got = {}
    for line in text.splitlines():
        g, c = line.split('\t')
        got[tuple(g.split())] = int(c)
    return got


# ------------------------------------------------------------------ OpenGrm
TOL = 2e-6  # float32 storage on both sides, log10


def opengrm():
    corpus = tmp('earnest.txt')
    unzstd('opengrm/earnest.txt.zst', corpus)
    tool('grams-count', '--order', 5, corpus, '-o', tmp('earnest.counts'))
    got = read_counts_text(tool('grams-count', '--order', 5, '--text', corpus).stdout)
    # ngramcount_test: earnest.cnt.print
    ref = read_counts_text(unzstd('opengrm/counts.tsv.zst'))
    for g, c in ref.items():
        T.hold('counts (ngramcount)', got.get(g) == c, f'{" ".join(g)}: {c} vs {got.get(g)}')
    T.hold('counts (ngramcount)', set(got) == set(ref), f'only in grams: {set(got) - set(ref)}')
    # ngramcount_test --method=count_of_counts
    coc = collections.Counter((len(g), c) for g, c in got.items() if g != ('<s>',))
    for line in open(os.path.join(HERE, 'opengrm/count_of_counts.tsv')).read().splitlines()[1:]:
        o, r, n = map(int, line.split('\t'))
        T.hold('count of counts', coc[(o, r)] == n, f'n_{r} of order {o}: {n} vs {coc[(o, r)]}')
    # ngrammake_test: the five methods
    with open(tmp('d0.txt'), 'w') as f:
        f.write('0\n-\n-\n-\n-\n')  # unigram discount 0: OpenGrm's unsmoothed unigrams
    builds = {'unsmoothed': ['--smoothing', 'mle'],
              'katz': ['--smoothing', 'katz', '--gt-min', 1, '--gt-max', 1, 5],
              'kneser_ney': ['--smoothing', 'kn', '--discounts', tmp('d0.txt')],
              'absolute': ['--smoothing', 'abs', '--discounts', tmp('d0.txt')],
              'witten_bell': ['--smoothing', 'wb']}
    models = {}
    for name, opts in builds.items():
        tool('grams-build', *opts, '--arpa', tmp(name + '.arpa'), tmp('earnest.counts'))
        models[name] = read_arpa(tmp(name + '.arpa'))
    lines = unzstd('opengrm/models.tsv.zst').splitlines()
    header = lines[0].split('\t')
    refs = {m: {'probs': {}, 'bows': {}} for m in header[2:]}
    for line in lines[1:]:
        f = line.split('\t')
        g = tuple(f[1].split())
        for m, v in zip(header[2:], f[2:]):
            if v:
                refs[m]['probs' if f[0] == 'p' else 'bows'][g] = float(v)
    for m in refs.values():
        m['order'] = 5
    for name in ('unsmoothed', 'kneser_ney', 'absolute'):
        ref, ours, group = refs[name], models[name], f'{name} (ngrammake)'
        for g, p in ref['probs'].items():
            T.hold(group, close(ours['probs'].get(g, math.nan), p, TOL),
                   f'p({" ".join(g)}) {p} vs {ours["probs"].get(g)}')
        for h, b in ref['bows'].items():
            q = ours['bows'].get(h, math.nan)
            if name == 'unsmoothed' and b < -40:
                # OpenGrm's unsmoothed backoff arcs cost 99 nats; grams' mle backoff is 0
                # (log10 -99 in ARPA): both say "never back off".
                T.differ(group, 'backoff e^-99 (OpenGrm) vs 0 (grams mle)', q <= -99,
                         f'bow({" ".join(h)}) {q}')
            else:
                T.hold(group, close(q, b, TOL), f'bow({" ".join(h)}) {b} vs {q}')
        extra = set(ours['probs']) - set(ref['probs'])
        T.differ(group, 'grams lists <s> and <unk> as unigrams', extra <= {('<s>',), ('<unk>',)},
                 f'only in grams: {sorted(extra)[:5]}')
    opengrm_katz(refs['katz'], models['katz'], got)
    opengrm_witten_bell(refs['witten_bell'], models['witten_bell'], got)
    # ngraminfo_test: n-grams per order of the default (katz) model
    for line in open(os.path.join(HERE, 'opengrm/info.tsv')).read().splitlines()[1:]:
        o, c = map(int, line.split('\t'))
        if o == 1:
            T.differ('ngraminfo', 'grams adds <s> and <unk> to the 1-grams',
                     models['katz']['counts'][1] == c + 2, f'1-grams {models["katz"]["counts"][1]}')
        else:
            T.hold('ngraminfo', models['katz']['counts'][o] == c, f'{o}-grams')
    # ngramperplexity_test, through grams' ARPA reader on OpenGrm's ARPA print of witten_bell
    wb = tmp('witten_bell.arpa')
    unzstd('opengrm/witten_bell.arpa.zst', wb)
    j = json.loads(tool('grams-perplexity', '--json', wb, corpus).stdout)
    names, values = open(os.path.join(HERE, 'opengrm/perplexity.tsv')).read().splitlines()
    exp = dict(zip(names.split('\t'), map(float, values.split('\t'))))
    for k, tol in (('sentences', 0), ('words', 0), ('oovs', 0), ('log10prob', 0.005),
                   ('perplexity', 0.00005)):
        T.hold('ngramperplexity', abs(j[k] - exp[k]) <= tol, f'{k} {exp[k]} vs {j[k]}')
    # ngramprint_test: the ARPA round trip is exact
    tool('grams-build', '--from-arpa', wb, '--arpa', tmp('rt.arpa'))
    a, b = read_arpa(wb), read_arpa(tmp('rt.arpa'))
    for kind in ('probs', 'bows'):
        for g, v in a[kind].items():
            T.hold('ngramprint round trip', b[kind].get(g) == v, f'{kind} {" ".join(g)}')
    T.differ('ngramprint round trip', 'OpenGrm writes no <unk>; grams adds it (log10 -100, '
             'with a warning)', set(b['probs']) - set(a['probs']) == {('<unk>',)} and
             b['probs'][('<unk>',)] == -100 and set(a['probs']) <= set(b['probs']),
             f'n-gram sets: {sorted(set(a["probs"]) ^ set(b["probs"]))[:5]}')
    # ngramshrink_test relative_entropy --theta=.00015 on the witten_bell model
    tool('grams-build', '--from-arpa', wb, '--prune-entropy', '0.00015', '--arpa', tmp('re.arpa'))
    ref, ours = read_table(unzstd('opengrm/relative_entropy.tsv.zst')), read_arpa(tmp('re.arpa'))
    for kind in ('probs', 'bows'):
        for g, v in ref[kind].items():
            T.hold('ngramshrink relative_entropy', close(ours[kind].get(g, math.nan), v, TOL),
                   f'{kind} {" ".join(g)} {v} vs {ours[kind].get(g)}')
    extra = set(ours['probs']) - set(ref['probs'])
    T.differ('ngramshrink relative_entropy', 'grams lists <s> and <unk> as unigrams',
             extra <= {('<s>',), ('<unk>',)}, f'only in grams: {sorted(extra)[:5]}')


def katz_discounts(coc, order, rule):
    """d[r] for one order from its count-of-counts (Counter r -> n_r), bins k = 5.
    rule 'grams': SRILM's GoodTuring::estimate: k lowered while n_{k+1} = 0; d_r = 1 above k or
    when out of range.  rule 'opengrm' (as its expected model shows): k stays 5; counts above k
    and out-of-range discounts get 1 - kNormEps = 0.999; a zero n_{r+1} counts as 1 in r*."""
    k = 5
    if rule == 'grams':
        while k > 0 and coc[k + 1] == 0:
            k -= 1
    above = 1.0 if rule == 'grams' else 0.999
    d = collections.defaultdict(lambda: above)
    if k <= 1:
        for r in range(1, k + 1):
            d[r] = 1.0
        return d
    common = (k + 1) * coc[k + 1] / coc[1]
    for r in range(1, k + 1):
        nr1 = coc[r + 1] if coc[r + 1] or rule == 'grams' else 1
        coeff = ((r + 1) * nr1 / (r * coc[r]) - common) / (1 - common) if coc[r] else math.nan
        d[r] = coeff if math.isfinite(coeff) and 1e-6 < coeff <= 1 else above
    return d


def opengrm_katz(ref, ours, counts):
    """OpenGrm's katz (bins 5) vs grams --smoothing katz --gt-min 1 --gt-max 1 5. Both are Katz
    backoff with Good-Turing discounts d_r (p = d_r r / S(h) for a seen n-gram); the discounts
    differ (katz_discounts), and with them what depends on them: the probabilities by d_grams /
    d_opengrm exactly, the backoff weights (asserted to normalize grams' distribution), and the
    contexts whose seen words would keep all the mass in grams (its documented rule, SRILM's:
    the denominator is incremented, p = d_r r / (S(h) + 1))."""
    group = 'katz (ngrammake)'
    coc = collections.defaultdict(collections.Counter)
    for g, c in counts.items():
        coc[len(g)][c] += 1
    d = {(o, rule): katz_discounts(coc[o], o, rule) for o in range(2, 6)
         for rule in ('grams', 'opengrm')}
    children = collections.defaultdict(list)
    for g in ours['probs']:
        if len(g) > 1:
            children[g[:-1]].append(g[-1])

    def seen_mass(h, lower):
        return sum(10 ** logprob(ours, h[1:] if lower else h, x) for x in children[h])

    unigram_total = sum(c for g, c in counts.items() if len(g) == 1 and g != ('<s>',))
    changed = set()
    for g, p in ref['probs'].items():
        q = ours['probs'].get(g, math.nan)
        if close(q, p, TOL):
            T.hold(group, True)
            continue
        changed.add(g)
        if len(g) > 1:
            r = counts[g]
            ratio = d[(len(g), 'grams')][r] / d[(len(g), 'opengrm')][r]
            if ratio != 1 and close(q, p + math.log10(ratio), TOL):
                T.differ(group, 'discount d_r (r > 5: OpenGrm 0.999, grams 1; order 5: grams '
                         'lowers k to 4 as n_6 = 0, as SRILM)', True)
                continue
        # A context whose seen words would keep all its mass (nothing discounted): grams
        # increments its denominator, S(h) + 1, as SRILM, so that the words not seen after it
        # (and <unk> at order 1, where grams discounts nothing) keep a non-zero probability.
        r = counts[g]
        if len(g) > 1:
            dr = d[(len(g), 'grams')][r]
            S = sum(counts[g[:-1] + (x,)] for x in children[g[:-1]])
        else:
            dr = 1.0
            S = unigram_total
        if close(q, math.log10(dr * r / (S + 1)), TOL):
            T.differ(group, 'context whose seen words keep all the mass: grams increments the '
                     'denominator, S(h) + 1 (SRILM)', True)
            continue
        T.fail(group, f'p({" ".join(g)}) {p} vs {q}')
    for h, b in ref['bows'].items():
        q = ours['bows'].get(h, math.nan)
        if close(q, b, TOL):
            T.hold(group, True)
            continue
        # A backoff weight follows from the probabilities: it differs only if one of them does,
        # and grams' must normalize its distribution.
        involved = [h + (x,) for x in children[h]]
        lower = [logprob(ours, h[1:], x) - logprob(ref, h[1:], x) for x in children[h]]
        differs = any(g in changed for g in involved) or any(abs(x) > TOL for x in lower)
        num, den = 1 - seen_mass(h, False), 1 - seen_mass(h, True)
        normal = abs(10 ** q * den - num) <= 1e-5 or (den <= 1e-6 and q == 0)
        T.differ(group, 'backoff weight of a context whose probabilities differ (normalized)',
                 differs and normal, f'bow({" ".join(h)}) {b} vs {q}')
    extra = set(ours['probs']) - set(ref['probs'])
    T.differ(group, 'grams lists <s> and <unk> as unigrams', extra <= {('<s>',), ('<unk>',)},
             f'only in grams: {sorted(extra)[:5]}')


def opengrm_witten_bell(ref, ours, counts):
    """OpenGrm's witten_bell leaves the unigrams unsmoothed, c(w)/N; grams interpolates them with
    the uniform 1/(V-1). What does not depend on the unigrams must hold: the backoff weights
    gamma(h) = N1+(h.)/(S(h) + N1+(h.)) and each n-gram's own share alpha(w|h) = p(w|h) -
    gamma(h) p(w|h') (linear)."""
    group = 'witten_bell (ngrammake)'
    for h, b in ref['bows'].items():
        if len(h) == 1 and h != ('<s>',):
            T.hold(group, close(ours['bows'].get(h, math.nan), b, TOL), f'bow({h[0]})')
        elif len(h) > 1 or h == ('<s>',):
            T.hold(group, close(ours['bows'].get(h, math.nan), b, TOL), f'bow({" ".join(h)})')
    for g, p in ref['probs'].items():
        if len(g) < 2:
            continue
        h, w = g[:-1], g[-1]
        a_ref = 10 ** p - 10 ** ref['bows'][h] * 10 ** logprob(ref, h[1:], w)
        a_got = 10 ** ours['probs'][g] - 10 ** ours['bows'][h] * 10 ** logprob(ours, h[1:], w)
        T.hold(group, abs(a_ref - a_got) <= 1e-7 + 2e-6 * abs(a_ref),
               f'alpha({" ".join(g)}) {a_ref} vs {a_got}')
    N = sum(c for g, c in counts.items() if len(g) == 1 and g != ('<s>',))
    T_ = sum(1 for g in counts if len(g) == 1 and g != ('<s>',))
    V = len([g for g in ours['probs'] if len(g) == 1])  # with <s> and <unk>
    for g, p in ref['probs'].items():
        if len(g) != 1:
            continue
        c = counts[g]
        mine = c / (N + T_) + T_ / (N + T_) / (V - 1)
        T.differ(group, 'unigrams: OpenGrm c(w)/N, grams interpolated with 1/(V-1)',
                 close(p, math.log10(c / N), TOL) and close(ours['probs'][g], math.log10(mine), TOL),
                 f'p({g[0]}) OpenGrm {p} grams {ours["probs"][g]} (c/N {math.log10(c / N)}, '
                 f'interpolated {math.log10(mine)})')


# ------------------------------------------------------------------ KenLM (numbers only)
def kenlm():
    toys = {'toy0': 'a a b a\nb a a b\n', 'toy1': 'a a b b b b b b b\nc\n'}
    sentences = 'a a b a\nb a a b\na b c\nb b b b b b\nc\n'
    for t, text in toys.items():
        # lm/common/test_data/toyN.arpa: lmplz --discount_fallback -o 3 (fallback discounts)
        tool('grams-count', '--order', 3, '-o', tmp(t + '.counts'), '-', stdin=text)
        tool('grams-build', '--arpa', tmp(t + '.arpa'), '-o', tmp(t + '.lm'), tmp(t + '.counts'))
        ref = read_table(open(os.path.join(HERE, f'kenlm/{t}.tsv')).read())
        ours = read_arpa(tmp(t + '.arpa'))
        group = f'{t}.arpa (lmplz)'
        for kind in ('probs', 'bows'):
            for g, v in ref[kind].items():
                q = ours[kind].get(g, 0.0 if kind == 'bows' and g in ours['probs'] else math.nan)
                T.hold(group, close(q, v, TOL), f'{kind} {" ".join(g)} {v} vs {q}')
        T.hold(group, set(ours['probs']) == set(ref['probs']), 'n-gram sets differ')
        # the same model through the streaming builder's model file, scored per token against
        # lmplz's ARPA
        write_arpa(ref, tmp(t + '.ref.arpa'))
        a = tool('grams-score', '--per-token', tmp(t + '.ref.arpa'), '-', stdin=sentences).stdout
        b = tool('grams-score', '--per-token', tmp(t + '.lm'), '-', stdin=sentences).stdout
        for la, lb in zip(a.splitlines(), b.splitlines()):
            for x, y in zip(la.split('\t')[3:], lb.split('\t')[3:]):
                px, py = float(x.rsplit('=', 1)[1].split(':')[-1]), float(y.rsplit('=', 1)[1].split(':')[-1])
                T.hold(f'{t} model file scores', close(px, py, TOL), f'{la} / {lb}')
    # lm/builder/corpus_count_test.cc: the trigram stream of a five-line input. lmplz pads with
    # <s> <s>: its "<s> <s> w" is grams' bigram "<s> w".
    text = ('looking on a little more loin\non a little more loin\non foo little more loin\n'
            'bar\n\n')
    stream = [('<s> <s> looking', 1), ('<s> looking on', 1), ('looking on a', 1),
              ('on a little', 2), ('a little more', 2), ('little more loin', 2),
              ('more loin </s>', 2), ('<s> <s> on', 2), ('<s> on a', 1), ('<s> on foo', 1),
              ('on foo little', 1), ('foo little more', 1), ('little more loin', 1),
              ('more loin </s>', 1), ('<s> <s> bar', 1), ('<s> bar </s>', 1), ('<s> <s> </s>', 1)]
    exp = collections.Counter()
    for g, c in stream:
        exp[tuple(g.replace('<s> <s> ', '<s> ').split())] += c
    got = read_counts_text(tool('grams-count', '--order', 3, '--text', '-', stdin=text).stdout)
    group = 'corpus_count_test'
    for g, c in exp.items():
        T.hold(group, got.get(g) == c, f'{" ".join(g)}: {c} vs {got.get(g)}')
    for g, c in got.items():
        if len(g) == 3 or (len(g) == 2 and g[0] == '<s>'):
            T.hold(group, g in exp, f'{" ".join(g)} only in grams')
    tool('grams-count', '--order', 3, '-o', tmp('cc.counts'), '-', stdin=text)
    tool('grams-build', '--arpa', tmp('cc.arpa'), tmp('cc.counts'))
    T.hold(group, read_arpa(tmp('cc.arpa'))['counts'][1] == 11, 'type_count 11')
    # lm/left_test.cc on lm/test.arpa: each chart score is the left-to-right score of its words
    # from the null context (or <s>), and ScoreSpan must agree with the State API.
    write_arpa(read_table(open(os.path.join(HERE, 'kenlm/test_model.tsv')).read()), tmp('test.arpa'))
    lit = [('null', 'more loin', -1.206319 - 0.3561665, 0.001),
           ('null', 'little more loin', -1.56538, 0.001),
           ('null', 'to more loin', -0.30103 - 1.687872 - 1.206319 - 0.3561665, 0.01),
           ('null', 'on more', -1.509559 - 0.4771212 - 1.206319, 0.001),
           ('null', 'looking on more', -3.91039, 0.001),
           ('bos', 'looking on more', -3.471169, 0.001),
           ('null', 'also', -1.687872, 0.001), ('null', 'would', -1.687872, 0.001),
           ('null', 'also would', -1.687872 - 2.0, 0.001),
           ('null', 'consider', -1.687872, 0.001), ('null', 'higher', -1.509559, 0.001),
           ('null', 'consider higher', -1.509559 - 1.687872 - 0.30103, 0.001),
           ('null', 'also would consider higher', -10.6879, 0.001)]
    texts = ['in biarritz watching considering looking . on a little more loin also would consider '
             'higher to look good unknown the screening foo bar , unknown however unknown </s>',
             'on a little more loin also would consider higher to look good unknown the screening '
             'foo bar , unknown however unknown </s>',
             'on a little more loin also would consider higher to look good',
             'more loin also would consider higher to look good',
             'more loin also would consider higher to look', 'also would consider higher to look',
             'also would consider higher', 'would consider higher to look',
             'consider higher to look', 'consider higher to', 'consider higher',
             'in biarritz watching considering looking . </s>',
             'in biarritz watching considering looking .', 'in biarritz', 'in', 'biarritz',
             'watching', '</s>', 'watching considering', 'looking .',
             'in biarritz watching considering', 'looking . </s>']
    res = query(tmp('test.arpa'), [(s, w.split()) for s, w, _, _ in lit] +
                [('null', t.split()) for t in texts])
    for (s, w, e, tol), (_, total, _) in zip(lit, res):
        ok = abs(total - e) <= abs(e) * tol / 100
        T.hold('left_test', ok, f'{s} {w}: {e} vs {total}')
    for t, (_, total, span) in zip(texts, res[len(lit):]):
        T.hold('left_test', abs(total - span) <= abs(total) * 1e-5 + 1e-6,
               f'State API {total} vs ScoreSpan {span}: {t}')


# ------------------------------------------------------------------ NLTK
def nltk():
    """nltk/test/unit/lm/test_models.py: vocabulary a b c d z, training sentences "a b c d" and
    "e g a d b e" (e, g -> <unk>). grams: --vocab {a b c d z} (z joins with count 0), queried
    through the State API. Definitional differences (docs/ESTIMATION.md):
      U  NLTK's padded_everygrams count <s> (and at order 3 <s> <s>, </s> </s>) as unigram tokens
         (14 / 18 tokens); grams never predicts <s> and pads once (12 tokens).
      V  NLTK's Lidstone/Laplace |V| = 8 counts <s> as predictable; grams' V - 1 = 7.
      B  grams' add-k is a backoff model (SRILM -addsmooth): an unseen word gets bow(h) p(w|h').
      I  NLTK's WB/KN/abs end in an unsmoothed unigram; grams interpolates its unigrams with
         1/(V-1).
    For each, the check asserts grams' own value (its definition) and that NLTK's differs."""
    with open(tmp('train.txt'), 'w') as f:
        f.write('a b c d\ne g a d b e\n')
    with open(tmp('vocab.txt'), 'w') as f:
        f.write('a b c d z\n')
    with open(tmp('d_kn.txt'), 'w') as f:
        f.write('0\n0.75\n0.75\n')
    for o in (2, 3):
        tool('grams-count', '--order', o, tmp('train.txt'), '-o', tmp(f't{o}.counts'))

    def build(name, order, *opts):
        tool('grams-build', *opts, '--vocab', tmp('vocab.txt'), '-o', tmp(name + '.lm'),
             '--arpa', tmp(name + '.arpa'), tmp(f't{order}.counts'))
        return tmp(name + '.lm')

    m = {'mle2': build('mle2', 2, '--smoothing', 'mle'),
         'mle3': build('mle3', 3, '--smoothing', 'mle'),
         'lid2': build('lid2', 2, '--smoothing', 'add', '--add-k', '0.1'),
         'lid3': build('lid3', 3, '--smoothing', 'add', '--add-k', '0.1'),
         'lap2': build('lap2', 2, '--smoothing', 'add', '--add-k', '1'),
         'wb3': build('wb3', 3, '--smoothing', 'wb'),
         'kn3': build('kn3', 3, '--smoothing', 'kn', '--discounts', tmp('d_kn.txt')),
         'abs3': build('abs3', 3, '--smoothing', 'abs', '--discounts', tmp('d_kn.txt')),
         'sb3': build('sb3', 3, '--smoothing', 'stupid')}

    def p(model, ctx, w):
        words = list(ctx) + [w]
        start = 'null'
        if words[0] == '<s>':
            start, words = 'bos', words[1:]
        return 10 ** query(m[model], [(start, words)])[0][0][-1]

    # (model, context, word, NLTK's value, None if grams must agree, else (class, grams' value))
    # grams' values by its definitions: 12 tokens (10 words, 2 </s>) over 7 predictable words
    # a b c d z <unk> </s>; c(a) = 2, c(c) = 1, c(<unk>) = 3.
    wbu = lambda c: c / 18 + 6 / 18 / 7           # wb unigram: c/(N+T) + T/(N+T)/(V-1)
    knu = lambda c: c / 12  # abs, unigram D 0: c(w)/12; kn: N1+(.w)/N1+(..), the same here
    cases = [
        ('mle2', 'c', 'd', 1, None), ('mle2', 'e', 'd', 0, None), ('mle2', '', 'z', 0, None),
        ('mle2', '', 'a', 2 / 14, ('U', 2 / 12)), ('mle2', '', '<unk>', 3 / 14, ('U', 3 / 12)),
        ('mle3', 'b c', 'd', 1, None), ('mle3', 'c', 'd', 1, None),
        ('mle3', '', 'a', 2 / 18, ('U', 2 / 12)), ('mle3', '', 'z', 0, None),
        ('mle3', '', '<unk>', 3 / 18, ('U', 3 / 12)),
        ('lid2', 'c', 'd', 1.1 / 1.8, ('V', 1.1 / 1.7)), ('lid3', 'c', 'd', 1.1 / 1.8, ('V', 1.1 / 1.7)),
        ('lid2', '', 'a', 2.1 / 14.8, ('U', 2.1 / 12.7)), ('lid2', '', 'z', 0.1 / 14.8, ('U', 0.1 / 12.7)),
        ('lid2', '', '<unk>', 3.1 / 14.8, ('U', 3.1 / 12.7)),
        ('lid3', 'b c', 'd', 1.1 / 1.8, ('V', 1.1 / 1.7)),
        ('lid3', 'c', 'e', 0.1 / 1.8, ('B', None)), ('lid3', 'b c', 'e', 0.1 / 1.8, ('B', None)),
        ('lap2', 'c', 'd', 2 / 9, ('V', 2 / 8)),
        ('lap2', '', 'a', 3 / 22, ('U', 3 / 19)), ('lap2', '', 'z', 1 / 22, ('U', 1 / 19)),
        ('lap2', '', '<unk>', 4 / 22, ('U', 4 / 19)),
        ('wb3', '', 'c', 1 / 18, ('U', wbu(1))), ('wb3', '', 'z', 0, ('I', wbu(0))),
        ('wb3', '', '<unk>', 3 / 18, ('U', wbu(3))),
        ('wb3', 'b', 'c', 0.25 + 0.5 / 18, ('I', 0.25 + 0.5 * wbu(1))),
        ('wb3', 'a b', 'c', 0.5 + 0.5 * (0.25 + 0.5 / 18), ('I', 0.5 + 0.5 * (0.25 + 0.5 * wbu(1)))),
        ('wb3', 'z b', 'c', 0.25 + 0.5 / 18, ('I', 0.25 + 0.5 * wbu(1))),
        ('kn3', '', 'c', 1 / 14, ('U', knu(1))), ('kn3', '', 'z', 0, None),
        ('kn3', '', '<unk>', 3 / 14, ('U', knu(3))),
        ('kn3', 'b', 'c', 0.125 + 0.75 / 14, ('U', 0.125 + 0.75 * knu(1))),
        ('kn3', 'a b', 'c', 0.25 + 0.75 * (0.125 + 0.75 / 14), ('U', 0.25 + 0.75 * (0.125 + 0.75 * knu(1)))),
        ('kn3', 'z b', 'c', 0.125 + 0.75 / 14, ('U', 0.125 + 0.75 * knu(1))),
        ('abs3', '', 'c', 1 / 18, ('U', knu(1))), ('abs3', '', 'z', 0, None),
        ('abs3', '', '<unk>', 3 / 18, ('U', knu(3))),
        ('abs3', 'b', 'c', 0.125 + 0.75 / 18, ('U', 0.125 + 0.75 * knu(1))),
        ('abs3', 'a b', 'c', 0.25 + 0.75 * (0.125 + 0.75 / 18), ('U', 0.25 + 0.75 * (0.125 + 0.75 * knu(1)))),
        ('abs3', 'z b', 'c', 0.125 + 0.75 / 18, ('U', 0.125 + 0.75 * knu(1))),
        ('sb3', '', 'c', 1 / 18, ('U', 1 / 12)), ('sb3', '', 'z', 0, None),
        ('sb3', '', '<unk>', 3 / 18, ('U', 3 / 12)),
        ('sb3', 'b', 'c', 0.5, None), ('sb3', 'a b', 'c', 1, None),
        ('sb3', 'z b', 'c', 0.4 * 0.5, None),  # alpha at every backoff, unseen context too
    ]
    for model, ctx, w, exp, diff in cases:
        got = p(model, ctx.split(), w)
        name = f'{model} p({w} | {ctx})'
        ok = lambda a, b: (a == 0 and b < 1e-90) or (a != 0 and abs(b - a) <= 1e-4 * abs(a))
        if diff is None:
            T.hold('test_models literals', ok(exp, got), f'{name}: NLTK {exp}, grams {got}')
        elif diff[0] == 'B':
            # add-k as a backoff model: p(e | h) = bow(h) p(e | h'), not (0 + k) / (c(h) + k|V|)
            arpa = read_arpa(m[model][:-3] + '.arpa')
            known = {'a', 'b', 'c', 'd', 'z', '<s>', '</s>'}
            h = tuple(x if x in known else '<unk>' for x in ctx.split())
            w = w if w in known else '<unk>'
            mine = 10 ** (arpa['bows'].get(h, 0.0) + logprob(arpa, h[1:], w))
            T.differ('test_models literals', 'B: add-k backs off to the lower order',
                     not ok(exp, got) and h + (w,) not in arpa['probs'] and ok(mine, got),
                     f'{name}: NLTK {exp}, grams {got}, bow(h) p(w|h\') {mine}')
        else:
            T.differ('test_models literals', f'{diff[0]}', not ok(exp, got) and ok(diff[1], got),
                     f'{name}: NLTK {exp}, grams {got}, by grams\' definition {diff[1]}')
    # MLE: log score -inf for an unseen bigram; sentence entropy / perplexity through grams-score
    T.hold('test_models literals', query(m['mle2'], [('null', ['e', 'd'])])[0][0][-1] < -90 or
           math.isinf(query(m['mle2'], [('null', ['e', 'd'])])[0][0][-1]), 'mle logscore(d | e)')
    for sent, H, P in (('a b y a d', 1.0975, 2.1398), ('a c d', math.inf, math.inf)):
        lp, n = tool('grams-score', m['mle2'], '-', stdin=sent + '\n').stdout.split('\t')[:2]
        h = -float(lp) * math.log2(10) / int(n)
        for e, g in ((H, h), (P, 2 ** h if h < 1000 else math.inf)):
            T.hold('test_models literals', (math.isinf(e) and (math.isinf(g) or g > 1e30)) or
                   abs(e - g) <= 1e-4 * e, f'mle entropy/perplexity of "{sent}": {e} vs {g}')
    # sums to 1 over what grams can predict (NLTK sums over its vocabulary with <s>)
    with open(tmp('d_kn2.txt'), 'w') as f:
        f.write('0.1\n0.1\n')
    m['kn2'] = build('kn2', 2, '--smoothing', 'kn', '--discounts', tmp('d_kn2.txt'))
    vocab = ['a', 'b', 'c', 'd', 'z', '<unk>', '</s>']
    for model in ('mle2', 'mle3', 'lid2', 'lap2', 'wb3', 'abs3', 'kn2'):
        ctxs = ['a', 'c', '<s>', 'b', '<unk>', 'd', 'e', 'r', 'w']
        lines = [('bos' if c == '<s>' else 'null', ([] if c == '<s>' else [c]) + [w])
                 for c in ctxs for w in vocab]
        res = query(m[model], lines)
        for i, c in enumerate(ctxs):
            s = sum(10 ** r[0][-1] for r in res[i * len(vocab):(i + 1) * len(vocab)])
            T.hold('test_sums_to_1', abs(s - 1) <= 1e-6, f'{model} context {c}: {s}')


def main():
    global TMP
    if len(sys.argv) != 2 or sys.argv[1] not in ('opengrm', 'kenlm', 'nltk'):
        sys.exit('usage: check.py opengrm|kenlm|nltk')
    if not BIN or not QUERY:
        sys.exit('GRAMS_BIN and GRAMS_PEER_QUERY must be set (ctest sets them)')
    with tempfile.TemporaryDirectory(prefix='grams-peer-') as TMP:
        globals()[sys.argv[1]]()
        return T.report(sys.argv[1])


if __name__ == '__main__':
    sys.exit(main())
