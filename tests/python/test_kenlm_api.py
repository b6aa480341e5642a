"""The kenlm module's API on grams models, checked against the command-line
tools' numbers (grams-score --json), an independent ARPA scorer, and the kenlm
module itself when it is at hand."""

import copy
import importlib
import os
import pickle
import sys
from pathlib import Path

import pytest

import grams
from conftest import SHARED, ArpaReference, cli_scores, f32, isclose

SAMPLE = 400  # test sentences checked one call at a time (all of them where cheap)


@pytest.fixture(scope="module")
def model(word_model):
    return grams.Model(str(word_model.lm))


@pytest.fixture(scope="module")
def cli(word_model, corpus):
    return cli_scores(word_model.lm, corpus.test)


@pytest.fixture(scope="module")
def small(small_model):
    return grams.Model(small_model.lm)


def test_model_attributes(word_model, model):
    assert model.order == 4
    # As kenlm's: the absolute path, as bytes.
    assert model.path == os.path.abspath(os.fsencode(word_model.lm))
    for path in (str(word_model.lm), os.fsencode(word_model.lm), Path(word_model.lm)):
        assert grams.Model(path).order == 4
    lm = grams.LanguageModel(word_model.lm)
    assert isinstance(lm, grams.Model)
    assert lm.order == 4
    assert "train.lm" in repr(model)
    arpa = grams.Model(word_model.arpa)
    assert arpa.order == 4
    assert arpa.path == os.path.abspath(os.fsencode(word_model.arpa))


def test_score_equals_cli(model, cli, corpus, word_model):
    lines = corpus.test_lines()
    assert len(lines) == len(cli)
    arpa = grams.Model(word_model.arpa)
    for line, expected in zip(lines, cli):
        # The CLI sums the float log10 probabilities as doubles, as score() does.
        assert model.score(line) == expected["log10prob"], line
        assert arpa.score(line) == expected["log10prob"], line
    for line, expected in list(zip(lines, cli))[:SAMPLE]:
        assert model.score(line.encode("utf-8", "surrogateescape")) == expected["log10prob"]
        assert model.score(line, bos=True, eos=True) == expected["log10prob"]
        # eos=False: the same sum without </s>, the last token.
        tokens = expected["tokens_detail"]
        assert tokens[-1]["token"] == "</s>"
        without_end = 0.0
        for t in tokens[:-1]:
            without_end += f32(t["log10prob"])
        assert model.score(line, eos=False) == without_end


def test_score_without_bos_or_eos(small, small_reference, corpus):
    for line in corpus.test_lines()[:SAMPLE]:
        words = line.split()
        for bos in (True, False):
            for eos in (True, False):
                expected = sum(p for p, _ in small_reference.sentence(words, bos, eos))
                assert isclose(small.score(line, bos=bos, eos=eos), expected, 1e-4), (line, bos, eos)


def test_perplexity_of_a_sentence(model, cli, corpus):
    for line, expected in list(zip(corpus.test_lines(), cli))[:SAMPLE]:
        words = len(line.split()) + 1
        assert expected["tokens"] == words
        assert isclose(model.perplexity(line), 10.0 ** (-expected["log10prob"] / words), 1e-12)


def test_full_scores_equal_cli(model, cli, corpus):
    for line, expected in list(zip(corpus.test_lines(), cli))[:SAMPLE]:
        got = list(model.full_scores(line))
        tokens = expected["tokens_detail"]
        assert len(got) == len(tokens)
        for (log_prob, length, oov), t in zip(got, tokens):
            assert log_prob == f32(t["log10prob"]), (line, t)
            assert oov == (t["oov"] and t["token"] != "</s>"), (line, t)
            assert 1 <= length <= 4
        assert got[-1][2] is False  # </s> is never an OOV


def test_full_scores_lengths_equal_reference(small, small_reference, corpus):
    for line in corpus.test_lines()[:SAMPLE]:
        words = line.split()
        for bos in (True, False):
            for eos in (True, False):
                got = list(small.full_scores(line, bos=bos, eos=eos))
                expected = small_reference.sentence(words, bos, eos)
                assert len(got) == len(expected)
                for (log_prob, length, oov), (p, n), w in zip(got, expected, words + ["</s>"]):
                    assert length == n, (line, w, bos, eos)
                    assert isclose(log_prob, p, 1e-5), (line, w)
                    assert oov == (w not in small and w != "</s>")


def test_full_scores_is_an_iterator(model):
    it = model.full_scores("the cat sat")
    assert iter(it) is it
    first = next(it)
    assert isinstance(first, tuple) and len(first) == 3
    assert len(list(it)) == 3  # cat, sat, </s>
    assert list(model.full_scores("", eos=False)) == []
    assert len(list(model.full_scores(""))) == 1


def test_state_api_equals_score(model, corpus):
    for line in corpus.test_lines()[:SAMPLE]:
        for bos in (True, False):
            state, out = grams.State(), grams.State()
            if bos:
                model.BeginSentenceWrite(state)
            else:
                model.NullContextWrite(state)
            total = 0.0
            full_total = 0.0
            for word in line.split() + ["</s>"]:
                full = model.BaseFullScore(state, word, grams.State())
                assert isinstance(full, grams.FullScoreReturn)
                total += model.BaseScore(state, word, out)
                full_total += full.log_prob
                state, out = out, state
            # score() sums the same float values in the same order.
            assert total == model.score(line, bos=bos), line
            assert full_total == total


def test_base_full_score_fields(model):
    state, out = grams.State(), grams.State()
    model.BeginSentenceWrite(state)
    expected = list(model.full_scores("the jury said zzqqxx", eos=False))
    for word, (log_prob, length, oov) in zip(["the", "jury", "said", "zzqqxx"], expected):
        r = model.BaseFullScore(state, word, out)
        assert (r.log_prob, r.ngram_length, r.oov) == (log_prob, length, oov)
        assert "FullScoreReturn(" in repr(r)
        assert tuple(r) == (log_prob, length, oov)
        state, out = out, state
    assert expected[-1][2] is True
    # in_state and out_state may be the same object.
    s = grams.State()
    model.BeginSentenceWrite(s)
    a = model.BaseScore(s, "the", s)
    b = model.BaseScore(s, "jury", s)
    assert a + b == model.score("the jury", eos=False)


def test_state_is_comparable_hashable_copyable(model):
    begin, null, after = grams.State(), grams.State(), grams.State()
    model.BeginSentenceWrite(begin)
    model.NullContextWrite(null)
    assert null == grams.State()
    assert begin != null
    model.BaseScore(begin, "the", after)
    again = grams.State()
    model.BaseScore(begin, "the", again)
    assert after == again and hash(after) == hash(again)
    assert len({after, again, begin, null}) == 3
    for twin in (copy.copy(after), copy.deepcopy(after), pickle.loads(pickle.dumps(after))):
        assert twin == after and hash(twin) == hash(after)
        assert twin is not after
    states = [begin, null, after]
    # A total order, consistent with ==.
    for a in states:
        for b in states:
            assert (a < b) + (a == b) + (a > b) == 1
            assert (a <= b) == (a < b or a == b)
            assert (a >= b) == (a > b or a == b)
    assert (after == "not a state") is False
    # A copy is independent of the original.
    c = copy.copy(after)
    model.BaseScore(after, "jury", c)
    assert c != after


def test_contains(model):
    assert "the" in model
    assert b"the" in model
    assert "zzqqxxyy" not in model
    assert "<unk>" not in model  # as kenlm: <unk> has id 0


def test_pickling_by_path(word_model):
    for cls in (grams.Model, grams.LanguageModel):
        m = cls(word_model.lm)
        back = pickle.loads(pickle.dumps(m))
        assert type(back) is cls
        assert back.path == m.path
        assert back.score("the jury said") == m.score("the jury said")


def test_config_and_load_methods(word_model):
    config = grams.Config()
    assert config.load_method == grams.LoadMethod.POPULATE_OR_LAZY
    for method in ("LAZY", "POPULATE_OR_LAZY", "POPULATE_OR_READ", "READ", "PARALLEL_READ"):
        config.load_method = getattr(grams.LoadMethod, method)
        assert grams.Model(word_model.lm, config).order == 4
        assert grams.Model(word_model.lm, config=config).order == 4
    with pytest.raises(ValueError):
        config.load_method = 99
    with pytest.raises(TypeError):
        grams.Model(word_model.lm, "lazy")


def test_words_split_as_kenlm(model, work):
    # kenlm encodes str to UTF-8 and splits with bytes.split(): the six ASCII
    # whitespace bytes, and nothing else.
    assert model.score("the\tjury\x0bsaid\x0cit\rwas\n") == model.score("the jury said it was")
    assert model.score("  the   jury  ") == model.score("the jury")
    assert model.score("") == model.score("   ")
    for odd in ("the\u00a0jury", "the\u3000jury", "the\x1cjury", "the\x85jury"):
        assert model.score(odd) != model.score("the jury"), repr(odd)
        assert len(list(model.full_scores(odd))) == 2  # one word and </s>
    # The same as the CLI, which splits files the same way.
    lines = ["the\u00a0jury said", "a\tb\x0bc\x0cd e", "the\x1cjury"]
    path = work / "whitespace.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for line, expected in zip(lines, cli_scores(model.path.decode(), path)):
        assert model.score(line) == expected["log10prob"]


def test_str_bytes_and_bytearray(model):
    s = "the jury said naïve"
    assert model.score(s) == model.score(s.encode()) == model.score(bytearray(s.encode()))
    # Bytes need not be UTF-8 for a word model, as for kenlm.
    assert isinstance(model.score(b"the \xff\xfe jury"), float)
    assert model.score("the \udcff jury") == model.score(b"the \xff jury")  # surrogateescape
    with pytest.raises(TypeError):
        model.score(42)
    with pytest.raises(TypeError):
        model.score(None)


def kenlm_module():
    directory = SHARED / "tools" / "kenlm"
    if not directory.is_dir():
        return None
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module("kenlm")
    except ImportError:
        return None
    finally:
        sys.path.remove(str(directory))


def test_same_numbers_as_the_kenlm_module(small_model, corpus):
    kenlm = kenlm_module()
    if kenlm is None:
        pytest.skip("the kenlm module is not at hand (GRAMS_SHARED_DIR/tools/kenlm)")
    k = kenlm.Model(str(small_model.arpa))
    g = grams.Model(small_model.arpa)
    assert k.order == g.order
    for line in corpus.test_lines()[:SAMPLE]:
        for bos in (True, False):
            for eos in (True, False):
                # kenlm sums in float32, grams in double.
                assert isclose(g.score(line, bos=bos, eos=eos), k.score(line, bos=bos, eos=eos), 1e-4)
                for (gp, gn, go), (kp, kn, ko) in zip(g.full_scores(line, bos=bos, eos=eos),
                                                       k.full_scores(line, bos=bos, eos=eos)):
                    assert isclose(gp, kp, 1e-5) and gn == kn and go == ko, line
        assert isclose(g.perplexity(line), k.perplexity(line), 1e-4)
        for word in line.split()[:5]:
            assert (word in g) == (word in k)
    gs, ks = grams.State(), kenlm.State()
    g.BeginSentenceWrite(gs)
    k.BeginSentenceWrite(ks)
    for word in "the jury said it was".split():
        go, ko = grams.State(), kenlm.State()
        assert isclose(g.BaseScore(gs, word, go), k.BaseScore(ks, word, ko), 1e-5)
        gs, ks = go, ko
