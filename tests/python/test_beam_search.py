"""A small beam search over a word lattice, driven by State, BaseScore and
BeginSentenceWrite as pyctcdecode drives kenlm: every hypothesis' score equals
the whole-sentence score, and recombining hypotheses with equal States (the
only context that matters for what follows) finds the exact best path."""

import itertools
import random

import pytest

import grams


def beam_search(model, lattice, beam):
    """lattice: a list of candidate words per position. Returns the final
    hypotheses [(score, words)], best first."""
    start = grams.State()
    model.BeginSentenceWrite(start)
    hypotheses = {start: (0.0, ())}  # State -> the best (score, words) reaching it
    for candidates in lattice:
        extended = {}
        for state, (score, words) in hypotheses.items():
            for word in candidates:
                out = grams.State()
                total = score + model.BaseScore(state, word, out)
                if out not in extended or extended[out][0] < total:
                    extended[out] = (total, words + (word,))
        best = sorted(extended.items(), key=lambda item: -item[1][0])[:beam]
        hypotheses = dict(best)
    final = []
    for state, (score, words) in hypotheses.items():
        final.append((score + model.BaseScore(state, "</s>", grams.State()), words))
    return sorted(final, key=lambda f: -f[0])


@pytest.fixture(scope="module")
def model(small_model):
    return grams.Model(small_model.lm)


@pytest.fixture(scope="module")
def lattices(corpus, model):
    rng = random.Random(5)
    vocab = [w for w in model.vocab()[3:2000]]
    out = []
    for line in corpus.test_lines()[:40]:
        words = line.split()[:6]
        if len(words) < 3:
            continue
        out.append([[w] + rng.sample(vocab, 2) for w in words])
    return out


def test_hypothesis_scores_equal_sentence_scores(model, lattices):
    for lattice in lattices:
        for score, words in beam_search(model, lattice, beam=8):
            assert score == model.score(" ".join(words)), words


def test_recombination_by_state_finds_the_best_path(model, lattices):
    for lattice in lattices[:12]:
        exhaustive = max(model.score(" ".join(words)) for words in itertools.product(*lattice))
        best, words = beam_search(model, lattice, beam=10 ** 6)[0]
        assert best == exhaustive
        assert model.score(" ".join(words)) == best


def test_states_recombine(model):
    # Two histories that differ only beyond what the model can see end in
    # equal States; histories that matter do not.
    order = model.order
    a, b = grams.State(), grams.State()
    model.NullContextWrite(a)
    model.NullContextWrite(b)
    for word in ["zzqq1"] + ["the"] * (order + 1):
        out = grams.State()
        model.BaseScore(a, word, out)
        a = out
    for word in ["of"] + ["the"] * (order + 1):
        out = grams.State()
        model.BaseScore(b, word, out)
        b = out
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
