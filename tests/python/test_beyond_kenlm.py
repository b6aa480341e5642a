"""What grams.Model does beyond the kenlm module: models of any unit scoring
raw text as the CLI does, batch scoring on threads, corpus perplexity, a
CCNet-style document perplexity, the vocabulary and n-gram lookup."""

import math
import random

import pytest

import grams
from conftest import ArpaReference, cli_perplexity, cli_scores, f32, isclose, tool

UNICODE_LINES = [
    "Naïve café owners in Zürich — “quoted” text…",
    "ΑΒΓ αβγ: Greek, and 中文 text with 日本語",
    "STRASSE straße Straße ﬁnance",
    "",
    "   spaces   around   ",
]


@pytest.fixture(scope="module")
def eval_text(corpus, work):
    """300 test lines and a few non-ASCII ones."""
    lines = corpus.test_lines()[:300] + UNICODE_LINES
    path = work / "eval.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lines


def cli_model(work, small_text, name, order, *options):
    counts, lm = work / (name + ".counts"), work / (name + ".lm")
    tool("grams-count", "--order", order, *options, "-o", counts, small_text)
    tool("grams-build", "-o", lm, counts)
    return lm


@pytest.fixture(scope="module")
def unit_models(work, small_text):
    return {
        "char": cli_model(work, small_text, "char", 5, "--unit", "char"),
        "byte-stream": cli_model(work, small_text, "byte-stream", 4, "--unit", "byte", "--boundaries", "none"),
        "folded": cli_model(work, small_text, "folded", 3, "--normalize", "nfkc", "--case-fold"),
        "grapheme": cli_model(work, small_text, "grapheme", 4, "--unit", "grapheme"),
    }


@pytest.mark.parametrize("name", ["char", "folded", "grapheme"])
def test_unit_models_score_text_as_the_cli(unit_models, eval_text, name):
    path, lines = eval_text
    model = grams.Model(unit_models[name])
    expected = cli_scores(unit_models[name], path)
    assert len(expected) == len(lines)
    for line, e in zip(lines, expected):
        assert model.score(line) == e["log10prob"], line
        assert model.score(line + "\n") == e["log10prob"]  # a line as read from a file
        tokens = e["tokens_detail"]
        got = list(model.full_scores(line))
        assert [g[0] for g in got] == [f32(t["log10prob"]) for t in tokens]
        assert [g[2] for g in got[:-1]] == [t["oov"] for t in tokens[:-1]]
        assert math.isclose(model.perplexity(line), 10 ** (-e["log10prob"] / e["tokens"]), rel_tol=1e-12)
    stats = cli_perplexity(unit_models[name], path)
    assert math.isclose(model.perplexity(path), stats["perplexity"], rel_tol=1e-12)


def test_settings(unit_models, word_model):
    assert grams.Model(word_model.lm).settings == {
        "unit": "word", "normalize": "none", "case_fold": False, "boundaries": "line", "invalid": "error"}
    assert grams.Model(unit_models["char"]).settings["unit"] == "char"
    folded = grams.Model(unit_models["folded"]).settings
    assert folded["normalize"] == "nfkc" and folded["case_fold"] is True
    stream = grams.Model(unit_models["byte-stream"]).settings
    assert stream["unit"] == "byte" and stream["boundaries"] == "none"
    # The keys are count()'s options.
    assert grams.count(["a b"], order=2, **folded).settings == folded


def test_case_folding_applies_to_scored_text(unit_models):
    model = grams.Model(unit_models["folded"])
    assert model.score("THE JURY SAID") == model.score("the jury said")
    assert model.score("ＴＨＥ") == model.score("the")  # NFKC


def test_stream_model_perplexity_equals_cli(unit_models, eval_text):
    path, lines = eval_text
    model = grams.Model(unit_models["byte-stream"])
    expected = cli_perplexity(unit_models["byte-stream"], path)
    for source in (path, str(path), lines, (line + "\n" for line in lines), open(path, encoding="utf-8")):
        stats = model.evaluate(source)
        assert stats.log10_prob == expected["log10prob"]
        assert stats.tokens == expected["tokens"] and stats.oovs == expected["oovs"]
        assert stats.perplexity == expected["perplexity"]
    # The whole text as one stream: the file's content, scored by score().
    text = path.read_text(encoding="utf-8")
    assert isclose(model.score(text), expected["log10prob"], 1e-9)
    # A byte model takes any bytes.
    assert isinstance(model.score(b"\x00\xff\xfe binary"), float)


def test_evaluate_and_perplexity_of_a_corpus(word_model, eval_text):
    path, lines = eval_text
    model = grams.Model(word_model.lm)
    expected = cli_perplexity(word_model.lm, path)
    stats = model.evaluate(path)
    for key, value in [("sentences", "sentences"), ("words", "words"), ("oovs", "oovs"), ("tokens", "tokens"),
                       ("log10_prob", "log10prob"), ("oov_log10_prob", "oov_log10prob"),
                       ("perplexity", "perplexity"), ("perplexity_excluding_oovs", "perplexity_excluding_oovs"),
                       ("srilm_ppl", "srilm_ppl"), ("srilm_ppl1", "srilm_ppl1"), ("bits_per_token", "bits_per_token")]:
        assert getattr(stats, key) == expected[value], key
    assert model.evaluate(lines).log10_prob == expected["log10prob"]
    assert model.evaluate([line.encode() for line in lines]).perplexity == expected["perplexity"]
    # An item holding several lines counts as those lines.
    assert model.evaluate(["\n".join(lines)]).log10_prob == expected["log10prob"]
    assert model.perplexity(path) == expected["perplexity"]
    assert model.perplexity(lines) == expected["perplexity"]
    assert model.perplexity(iter(lines)) == expected["perplexity"]


def test_ccnet_document_perplexity(word_model, corpus, work):
    """CCNet scores a document line by line and takes
    10 ** (-sum(scores) / sum(len(line.split()) + 1))."""
    model = grams.Model(word_model.lm)
    lines = corpus.test_lines()
    documents = [lines[i:i + 7] for i in range(0, 210, 7)]
    path = work / "documents.txt"
    path.write_text("\n".join(sum(documents, [])) + "\n", encoding="utf-8")
    cli = cli_scores(word_model.lm, path)
    k = 0
    for doc in documents:
        log_score, doc_length = 0.0, 0
        for line in doc:
            log_score += model.score(line)
            doc_length += len(line.split()) + 1
        ccnet = 10.0 ** (-log_score / doc_length)
        # The CLI's per-line totals and token counts, summed the same way.
        cli_score = sum(e["log10prob"] for e in cli[k:k + len(doc)])
        cli_tokens = sum(e["tokens"] for e in cli[k:k + len(doc)])
        k += len(doc)
        assert cli_tokens == doc_length
        assert ccnet == 10.0 ** (-cli_score / cli_tokens)
        # The same as the document's perplexity as a corpus.
        assert math.isclose(model.perplexity(doc), ccnet, rel_tol=1e-12)
        assert math.isclose(sum(model.score_batch(doc)), log_score, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["word", "char", "byte-stream"])
def test_score_batch_threads_give_the_same_numbers(word_model, unit_models, corpus, name):
    path = word_model.lm if name == "word" else unit_models[name]
    model = grams.Model(path)
    lines = corpus.test_lines() + UNICODE_LINES
    one = [model.score(line) for line in lines]
    assert model.score_batch(lines, threads=1) == one
    assert model.score_batch(lines, threads=2) == one
    assert model.score_batch(lines, threads=4) == one
    assert model.score_batch(lines) == one
    assert model.score_batch(iter(lines), threads=2) == one
    assert model.score_batch(tuple(line.encode() for line in lines), threads=2) == one
    for bos in (True, False):
        for eos in (True, False):
            expected = [model.score(line, bos=bos, eos=eos) for line in lines[:500]]
            assert model.score_batch(lines[:500], bos=bos, eos=eos, threads=2) == expected
    assert model.score_batch([]) == []
    with pytest.raises(TypeError):
        model.score_batch("a single sentence")


def test_vocab_and_lookup_equal_the_arpa(small_model):
    model = grams.Model(small_model.lm)
    reference = ArpaReference(small_model.arpa)
    vocab = model.vocab()
    assert vocab[:3] == ["<unk>", "<s>", "</s>"]
    assert sorted(vocab) == sorted(ngram[0] for ngram in reference.prob if len(ngram) == 1)
    assert len(set(vocab)) == len(vocab)
    rng = random.Random(7)
    ngrams = rng.sample(sorted(reference.prob), 3000)
    for ngram in ngrams:
        expected = (f32(reference.prob[ngram]), f32(reference.backoff.get(ngram, 0.0)))
        got = model.lookup(list(ngram))
        assert got is not None and (f32(got[0]), f32(got[1])) == expected, ngram
        if " " not in "".join(ngram):
            assert model.lookup(" ".join(ngram)) == got
    assert model.lookup("zzqq the") is None
    assert model.lookup("the the the the") is None  # longer than the order
    unseen = ("of", "of", "of")
    assert unseen not in reference.prob and model.lookup(list(unseen)) is None
    with pytest.raises(ValueError):
        model.lookup("")


def test_lookup_of_a_model_built_in_memory(small_model):
    loaded = grams.Model(small_model.lm)
    built = grams.build(grams.load_counts(small_model.counts))
    reference = ArpaReference(small_model.arpa)
    for ngram in random.Random(3).sample(sorted(reference.prob), 2000):
        assert built.lookup(list(ngram)) == loaded.lookup(list(ngram)), ngram
    assert built.vocab() == loaded.vocab()


def test_counts_lookup_equals_count_text(small_model, work):
    counts = grams.load_counts(small_model.counts)
    text = tool("grams-count", "--order", 3, "--text", small_model.text).decode("utf-8", "surrogateescape")
    rows = [line.rsplit("\t", 1) for line in text.splitlines()]
    rng = random.Random(11)
    for ngram, count in rng.sample(rows, 3000):
        assert counts.count(ngram.split(" ")) == int(count), ngram
        assert counts.count(ngram) == int(count)
    assert counts.count("zzqq the") == 0
    assert counts.order == 3
    # The text form leaves out <unk> when it was never seen; the counts hold it.
    expected = [sum(1 for n, _ in rows if n.count(" ") == k) for k in range(3)]
    if not any(n == "<unk>" for n, _ in rows):
        expected[0] += 1
        assert counts.count("<unk>") == 0
    assert counts.ngram_counts == expected
    assert counts.sentences == 3000
    assert counts.vocab()[:3] == ["<unk>", "<s>", "</s>"]


def test_byte_units_round_trip_through_vocab(unit_models):
    model = grams.Model(unit_models["byte-stream"])
    vocab = model.vocab()
    # Bytes that are not UTF-8 come back as lone surrogates and go in again.
    for unit in vocab[3:]:
        assert unit in model
        assert len(unit.encode("utf-8", "surrogateescape")) == 1


@pytest.mark.parametrize("tables", ["background", "first", "never"])
def test_tables_give_the_same_scores(word_model, eval_text, tables):
    """A model file answers from its trie, from its tables, or from whichever
    is there (the tables taking over mid-way): the same floats."""
    _, lines = eval_text
    reference = grams.Model(str(word_model.lm), tables="first")
    model = grams.Model(str(word_model.lm), tables=tables)
    for line in lines:
        assert model.score(line) == reference.score(line)
        assert list(model.full_scores(line)) == list(reference.full_scores(line))


def test_tables_must_be_a_known_choice(word_model):
    with pytest.raises(ValueError, match="tables must be"):
        grams.Model(str(word_model.lm), tables="sometimes")
    with pytest.raises(TypeError):
        grams.Model(str(word_model.lm), None, "first")  # keyword only


@pytest.mark.parametrize("layout", ["probing", "trie"])
def test_mapped_models_of_both_layouts_score_the_same(word_model, eval_text, work, layout):
    """grams-convert --to mapped writes either layout; grams.Model maps it
    and gets the floats of the model file, sentence by sentence and token by
    token, and on threads."""
    _, lines = eval_text
    mapped = work / ("word." + layout + ".lmm")
    tool("grams-convert", word_model.lm, "--to", "mapped", "--layout", layout, "-o", mapped)
    reference = grams.Model(str(word_model.lm))
    model = grams.Model(str(mapped))
    assert model.order == reference.order
    for line in lines:
        assert model.score(line) == reference.score(line)
        assert list(model.full_scores(line)) == list(reference.full_scores(line))
    assert model.score_batch(lines, threads=2) == reference.score_batch(lines, threads=2)


@pytest.mark.parametrize("layout", ["probing", "trie"])
def test_save_mapped_writes_what_grams_convert_writes(word_model, eval_text, work, layout):
    _, lines = eval_text
    cli = work / ("cli." + layout + ".lmm")
    tool("grams-convert", word_model.lm, "--to", "mapped", "--layout", layout, "-o", cli)
    model = grams.Model(str(word_model.lm))
    saved = work / ("saved." + layout + ".lmm")
    model.save_mapped(saved, layout=layout)
    assert saved.read_bytes() == cli.read_bytes()
    # Again from the mapped model itself.
    again = work / ("again." + layout + ".lmm")
    grams.Model(str(saved)).save_mapped(str(again), layout=layout)
    assert again.read_bytes() == cli.read_bytes()
    assert [grams.Model(str(again)).score(line) for line in lines] == [model.score(line) for line in lines]


def test_save_mapped_refuses_what_it_cannot_write(word_model, work):
    model = grams.Model(str(word_model.lm))
    with pytest.raises(ValueError, match="layout must be"):
        model.save_mapped(work / "x.lmm", layout="hash")
    with pytest.raises(TypeError):
        model.save_mapped(work / "x.lmm", "trie")  # keyword only
    probing = work / "probing-only.lmm"
    model.save_mapped(probing)
    with pytest.raises(OSError, match="probing layout"):
        grams.Model(str(probing)).save_mapped(work / "x.lmm", layout="trie")
    assert not (work / "x.lmm").exists()
