"""KenLM binary models through the Python module: grams.Model loads every
layout build_binary writes (tests/formats/kenlm) and scores each token as
KenLM's query did; save() converts a trie and refuses a probing binary."""

import math
import re

import pytest

import grams
from conftest import SOURCE, f32

KENLM = SOURCE / "tests" / "formats" / "kenlm"
LAYOUTS = ["probing", "trie", "trie-a22", "trie-q8b8", "trie-q4b6a22"]


def query_output(layout):
    """Per line of tiny.txt: (word, id, n-gram length, log10) as query printed them."""
    lines = []
    for line in open(KENLM / f"tiny.{layout}.query.txt"):
        if "Total:" not in line:
            continue
        words = []
        for field in line.split("\t")[:-1]:
            word, vid, n, p = re.match(r"(.*)=(\d+) (\d+) (\S+)$", field).groups()
            words.append((word, int(vid), int(n), f32(float(p))))
        lines.append(words)
    return lines


@pytest.mark.parametrize("layout", LAYOUTS)
def test_scores_equal_query(layout):
    model = grams.Model(str(KENLM / f"tiny.{layout}"))
    assert model.order == 5
    text = open(KENLM / "tiny.txt").read().splitlines()
    for sentence, want in zip(text, query_output(layout)):
        got = list(model.full_scores(sentence))
        assert len(got) == len(want)
        for (prob, length, oov), (word, vid, n, p) in zip(got, want):
            assert (f32(prob), length) == (p, n), (sentence, word)
            if word != "</s>":
                assert oov == (vid == 0), (sentence, word)
        assert math.isclose(model.score(sentence), sum(p for *_, p in want), rel_tol=1e-6)
        state = grams.State()
        model.BeginSentenceWrite(state)
        for word, vid, n, p in want:
            out = grams.State()
            assert f32(model.BaseScore(state, word, out)) == p
            state = out


def test_vocabulary():
    model = grams.Model(str(KENLM / "tiny.trie"))
    assert "looking" in model
    assert "zzz" not in model
    assert model.lookup("looking on") is not None
    prob, backoff = model.lookup("looking on")
    assert prob < 0
    assert model.lookup("on looking zzz") is None


def test_save_converts_a_trie_not_probing(tmp_path):
    trie = grams.Model(str(KENLM / "tiny.trie"))
    trie.save_arpa(str(tmp_path / "t.arpa"))
    again = grams.Model(str(tmp_path / "t.arpa"))
    sentence = "looking on a little more loin"
    assert again.score(sentence) == trie.score(sentence)
    probing = grams.Model(str(KENLM / "tiny.probing"))
    with pytest.raises(Exception, match="probing"):
        probing.save_arpa(str(tmp_path / "p.arpa"))
