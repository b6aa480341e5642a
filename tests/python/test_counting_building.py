"""Counting and building from Python give the same files, byte for byte, as
grams-count and grams-build with the same options; any number of threads
gives the same bytes; a model built in memory scores as the file does."""

import copy

import pytest

import grams
from conftest import tool


@pytest.fixture(scope="module")
def lines(small_model):
    return small_model.text.read_text(encoding="utf-8", errors="surrogateescape").splitlines()


def same_file(a, b):
    return a.read_bytes() == b.read_bytes()


def test_count_files_equals_cli(small_model, work):
    out = work / "py-files.counts"
    counts = grams.count_files(small_model.text, order=3)
    counts.save(out)
    assert same_file(out, small_model.counts)
    assert grams.count_files([str(small_model.text)], order=3, output=out) is None
    assert same_file(out, small_model.counts)
    assert counts.order == 3 and counts.sentences == 3000


def test_count_lines_equals_cli(small_model, lines, work):
    out = work / "py-lines.counts"
    grams.count(lines, order=3).save(out)
    assert same_file(out, small_model.counts)
    with open(small_model.text, encoding="utf-8") as f:  # lines with their '\n'
        grams.count(f, order=3, output=out)
    assert same_file(out, small_model.counts)
    grams.count((line.encode() for line in lines), order=3).save(out)
    assert same_file(out, small_model.counts)
    counter = grams.Counter(order=3)
    counter.add_lines(lines[:1000])
    counter.add_lines(["\n".join(lines[1000:2000])])  # an item of several lines
    counter.add_lines(iter(lines[2000:]))
    counter.finish_to_file(out)
    assert same_file(out, small_model.counts)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threads_and_memory_give_the_same_bytes(small_model, lines, work, threads):
    out = work / f"py-threads{threads}.counts"
    grams.count(lines, order=3, threads=threads, memory="16M").save(out)
    assert same_file(out, small_model.counts)
    grams.count_files(small_model.text, order=3, threads=threads, memory=64 << 20, temp_dir=work,
                      output=out)
    assert same_file(out, small_model.counts)


@pytest.mark.parametrize("options", [
    ["--unit", "char", "--order", "4"],
    ["--unit", "byte", "--boundaries", "none", "--order", "3"],
    ["--normalize", "nfc", "--case-fold", "--order", "2"],
    ["--unit", "segment", "--order", "2"],
])
def test_counting_options_equal_cli(small_model, lines, work, options):
    expected = work / "cli-options.counts"
    tool("grams-count", *options, "-o", expected, small_model.text)
    kwargs = {}
    it = iter(options)
    for flag in it:
        name = flag[2:].replace("-", "_")
        kwargs[name] = True if name == "case_fold" else next(it)
    kwargs["order"] = int(kwargs["order"])
    out = work / "py-options.counts"
    grams.count(lines, **kwargs).save(out)
    assert same_file(out, expected), options
    grams.count_files(small_model.text, **kwargs, output=out)
    assert same_file(out, expected), options


def test_merge_equals_the_whole(small_model, lines, work):
    a, b = work / "half-a.counts", work / "half-b.counts"
    grams.count(lines[:1234], order=3, output=a)
    grams.count(lines[1234:], order=3).save(b)
    out = work / "merged.counts"
    grams.merge_counts([a, b]).save(out)
    assert same_file(out, small_model.counts)
    grams.merge_counts([str(a), str(b)], output=out, threads=1)
    assert same_file(out, small_model.counts)
    text_b = work / "half-b.txt"
    text_b.write_text("\n".join(lines[1234:]) + "\n", encoding="utf-8")
    counter = grams.Counter(order=3)
    counter.add_counts(grams.load_counts(a))
    counter.add_files(text_b)
    counter.finish().save(out)
    assert same_file(out, small_model.counts)


def test_counts_and_options_copy():
    counts = grams.count(["a b c", "a b"], order=2)
    assert copy.copy(counts) is counts and copy.deepcopy(counts) is counts  # immutable
    options = grams.BuildOptions(smoothing="wb", prune=[0, 1], vocab=["a", "b"])
    for twin in (copy.copy(options), copy.deepcopy(options)):
        assert repr(twin) == repr(options)
        twin.smoothing = "kn"
        assert options.smoothing == "wb"
    assert copy.deepcopy(options).vocab is not options.vocab


def test_counts_text_equals_cli(small_model, work):
    counts = grams.load_counts(small_model.counts)
    out = work / "counts.txt"
    for extra, kwargs in [([], {}), (["--min-count", "3"], {"min_count": 3}), (["--top", "50"], {"top": 50})]:
        counts.save_text(out, **kwargs)
        assert out.read_bytes() == tool("grams-count", "--order", 3, "--text", *extra, small_model.text), extra


BUILDS = [
    ([], {}),
    (["--smoothing", "kn"], {"smoothing": "kn"}),
    (["--smoothing", "wb", "--backoff"], {"smoothing": "wb", "form": "backoff"}),
    (["--smoothing", "mkn", "--backoff"], {"form": "backoff"}),
    (["--smoothing", "abs", "--discount", "0.6"], {"smoothing": "abs", "discount": 0.6}),
    (["--smoothing", "katz", "--gt-min", "1", "1", "2", "--gt-max", "1", "5"],
     {"smoothing": "katz", "gt_min": [1, 1, 2], "gt_max": [1, 5]}),
    (["--smoothing", "add", "--add-k", "0.5"], {"smoothing": "add", "add_k": 0.5}),
    (["--smoothing", "mle"], {"smoothing": "mle"}),
    (["--smoothing", "stupid", "--stupid-alpha", "0.3"], {"smoothing": "stupid", "stupid_alpha": 0.3}),
    (["--prune", "0", "1", "1"], {"prune": [0, 1, 1]}),
    (["--prune-entropy", "1e-7"], {"prune_entropy": 1e-7}),
    (["--max-vocab", "2000"], {"max_vocab": 2000}),
]


@pytest.mark.parametrize("flags,kwargs", BUILDS, ids=[" ".join(f) or "default" for f, _ in BUILDS])
def test_build_equals_cli(small_model, work, flags, kwargs):
    lm, arpa = work / "cli-build.lm", work / "cli-build.arpa"
    tool("grams-build", *flags, "-o", lm, "--arpa", arpa, small_model.counts)
    out_lm, out_arpa = work / "py-build.lm", work / "py-build.arpa"
    counts = grams.load_counts(small_model.counts)
    model = grams.build(counts, output=out_lm, arpa=out_arpa, **kwargs)
    assert same_file(out_lm, lm) and same_file(out_arpa, arpa)
    # From the counts file, to the model file only (streamed when it can be).
    assert grams.build(small_model.counts, output=out_lm, load=False, **kwargs) is None
    assert same_file(out_lm, lm)
    # The model in memory scores as the file does.
    loaded = grams.Model(lm)
    for sentence in ["the jury said it", "zzqq of the", ""]:
        assert model.score(sentence) == loaded.score(sentence)
    assert model.path is None and model.order == 3
    # ... and saves the same bytes.
    model.save(out_lm)
    model.save_arpa(out_arpa)
    assert same_file(out_lm, lm) and same_file(out_arpa, arpa)


def test_build_with_options_object_files_and_lists(small_model, work, lines):
    counts = grams.load_counts(small_model.counts)
    discounts = work / "discounts.txt"
    discounts.write_text("0.5 1.0 1.5\n-\n0.7 1.1 1.4\n")
    vocab = work / "vocab.txt"
    vocab.write_text(" ".join(sorted({w for line in lines[:300] for w in line.split()})) + "\n")
    lm = work / "cli-opts.lm"
    tool("grams-build", "--discounts", discounts, "--vocab", vocab, "-o", lm, small_model.counts)
    out = work / "py-opts.lm"
    grams.build(counts, output=out, discounts=discounts, vocab=vocab)
    assert same_file(out, lm)
    options = grams.BuildOptions(discounts=[[0.5, 1.0, 1.5], None, [0.7, 1.1, 1.4]])
    options.vocab = vocab.read_text().split()
    grams.build(counts, options, output=out)
    assert same_file(out, lm)
    assert options.smoothing == "mkn"  # build() left the options as they were
    grams.build(counts, grams.BuildOptions(smoothing="wb"), form="backoff", output=out)
    tool("grams-build", "--smoothing", "wb", "--backoff", "-o", lm, small_model.counts)
    assert same_file(out, lm)
    assert "smoothing='wb'" in repr(grams.BuildOptions(smoothing="wb"))
    # The streaming estimator's threads: the same model at any number.
    for threads in (1, 3):
        grams.build(small_model.counts, output=out, threads=threads, memory="64M")
        tool("grams-build", "-j", threads, "-S", "64M", "-o", lm, small_model.counts)
        assert same_file(out, lm)
    with pytest.raises(ValueError, match="threads"):
        grams.build(counts, threads=-1)


def test_tune_equals_cli(small_model, corpus, work):
    dev = work / "dev.txt"
    dev.write_text("\n".join(corpus.test_lines()[:200]) + "\n", encoding="utf-8")
    lm = work / "cli-tuned.lm"
    tool("grams-build", "--tune", dev, "-o", lm, small_model.counts)
    out = work / "py-tuned.lm"
    model = grams.build(small_model.counts, tune=dev, output=out)
    assert same_file(out, lm)
    assert model.info("tuned_on_dev") == "1"


def test_count_and_build_without_touching_the_disk(small_model, lines):
    model = grams.build(grams.count(lines, order=3))
    loaded = grams.Model(small_model.lm)
    assert model.path is None
    for line in lines[:200]:
        assert model.score(line) == loaded.score(line)
    assert model.info("smoothing") == "mkn"


def test_from_arpa_conversion_equals_cli(small_model, work):
    expected = work / "cli-from-arpa.lm"
    tool("grams-build", "--from-arpa", small_model.arpa, "-o", expected)
    out = work / "py-from-arpa.lm"
    grams.Model(small_model.arpa).save(out)
    assert same_file(out, expected)


def test_fallback_discounts_warn():
    with pytest.warns(RuntimeWarning):
        grams.build(grams.count(["a b c", "a b d"], order=3))


def test_high_order_char_model(lines):
    counts = grams.count(lines[:300], order=20, unit="char")
    model = grams.build(counts)
    assert model.order == 20
    line = lines[0]
    assert model.score_batch([line], threads=1) == [model.score(line)]
    with pytest.raises(ValueError, match="State API"):
        list(model.full_scores(line))
    with pytest.raises(ValueError, match="State API"):
        model.BeginSentenceWrite(grams.State())
    assert model.lookup(list(line[:5])) is not None
