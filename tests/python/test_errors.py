"""Bad paths, damaged files, bad text and bad options raise OSError,
ValueError or TypeError with grams' message; nothing crashes the interpreter."""

import os
import pickle
import subprocess
import sys

import pytest

import grams
from conftest import tool


def test_missing_model(work):
    missing = work / "no-such-model.lm"
    with pytest.raises(FileNotFoundError) as e:
        grams.Model(missing)
    assert isinstance(e.value, OSError)
    assert "no-such-model.lm" in str(e.value)
    with pytest.raises(OSError):
        grams.LanguageModel(str(missing))


def test_not_a_model(work, small_model):
    empty = work / "empty.lm"
    empty.write_bytes(b"")
    garbage = work / "garbage.lm"
    garbage.write_bytes(os.urandom(4096))
    text = work / "text.lm"
    text.write_text("just some words\nand more\n")
    for path in (empty, garbage, text, small_model.counts, work):
        with pytest.raises(OSError) as e:
            grams.Model(path)
        assert str(e.value), path


def test_truncated_and_damaged_files_raise(work, small_model):
    data = small_model.lm.read_bytes()
    damaged = work / "damaged.lm"
    step = max(1, len(data) // 60)
    for size in list(range(0, 200, 7)) + list(range(200, len(data), step)):
        damaged.write_bytes(data[:size])
        with pytest.raises(OSError):
            grams.Model(damaged)
    for offset in range(0, len(data), len(data) // 25):
        flipped = bytearray(data)
        flipped[offset] ^= 0x5A
        damaged.write_bytes(bytes(flipped))
        try:
            grams.Model(damaged)  # a flip the checks cannot see may load
        except OSError:
            pass
    arpa = small_model.arpa.read_bytes()
    for size in (10, len(arpa) // 3, len(arpa) - 40):
        damaged.write_bytes(arpa[:size])
        with pytest.raises(OSError):
            grams.Model(damaged)
    counts = small_model.counts.read_bytes()
    for size in (0, 30, len(counts) // 2, len(counts) - 1):
        damaged.write_bytes(counts[:size])
        with pytest.raises(OSError):
            grams.load_counts(damaged)
        with pytest.raises(OSError):
            grams.build(damaged)
    with pytest.raises(OSError):
        grams.load_counts(small_model.lm)


def test_missing_inputs_of_counting_and_building(work):
    missing = work / "missing.txt"
    with pytest.raises(FileNotFoundError):
        grams.count_files(missing)
    with pytest.raises(FileNotFoundError):
        grams.count_files([missing], output=work / "x.counts")
    assert not (work / "x.counts").exists()
    with pytest.raises(FileNotFoundError):
        grams.merge_counts([missing])
    with pytest.raises(FileNotFoundError):
        grams.load_counts(missing)
    with pytest.raises(FileNotFoundError):
        grams.build(missing)
    with pytest.raises(FileNotFoundError):
        grams.Counter().add_files(missing)


def test_unwritable_outputs(work, small_model):
    model = grams.Model(small_model.lm)
    nowhere = work / "no-such-dir" / "out"
    with pytest.raises(OSError):
        model.save(nowhere)
    with pytest.raises(OSError):
        model.save_arpa(nowhere)
    counts = grams.load_counts(small_model.counts)
    with pytest.raises(OSError):
        counts.save(nowhere)
    with pytest.raises(OSError):
        grams.build(counts, output=nowhere)
    with pytest.raises(OSError):
        grams.count(["a b"], output=nowhere)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_invalid_utf8(work, small_text):
    counts = grams.count(["naïve text", "more"], order=3, unit="char")
    model = grams.build(counts)
    with pytest.raises(ValueError, match="invalid UTF-8"):
        model.score(b"caf\xe9")
    with pytest.raises(ValueError, match="sentence 2"):
        model.score_batch(["fine", "fine", b"bad \xff", "fine"], threads=2)
    with pytest.raises(ValueError, match="line 2"):
        model.evaluate(["fine", b"bad \xff"])
    bad = work / "bad-utf8.txt"
    bad.write_bytes(b"fine\nbad \xff\n")
    with pytest.raises(ValueError, match="bad-utf8.txt"):
        model.evaluate(bad)
    with pytest.raises(ValueError, match="line 3"):
        grams.count(["ok", "ok", b"\xc3("], unit="char")
    with pytest.raises(ValueError):
        grams.count_files(bad, unit="char")
    # replace and skip as grams-count's --invalid.
    assert grams.count([b"\xc3("], unit="char", invalid="replace").count(["\ufffd"]) == 1
    assert grams.count([b"\xc3("], unit="char", invalid="skip").count(["("]) == 1


@pytest.mark.parametrize("kwargs", [
    {"order": 0}, {"order": 256}, {"unit": "bogus"}, {"normalize": "nfd"}, {"boundaries": "page"},
    {"invalid": "ignore"}, {"threads": -1}, {"threads": 65}, {"memory": "12Q"}, {"memory": "1K"},
    {"memory": -5}, {"memory": "0%"},
])
def test_bad_count_options(kwargs):
    with pytest.raises(ValueError):
        grams.count(["a b c"], **kwargs)
    with pytest.raises(ValueError):
        grams.Counter(**kwargs)


@pytest.mark.parametrize("kwargs", [
    {"smoothing": "bogus"}, {"form": "sideways"}, {"discount": 0.5}, {"smoothing": "abs", "discount": 1.5},
    {"smoothing": "wb", "tune": "dev.txt"}, {"form": "backoff", "tune": "dev.txt"}, {"add_k": 2.0},
    {"smoothing": "katz", "stupid_alpha": 0.5}, {"prune": [1, 0]}, {"prune": []},
    {"smoothing": "abs", "discount": 0.5, "discounts": [[0.5]]}, {"smoothing": "wb", "form": "interpolated", "gt_min": [1]},
])
def test_bad_build_options(small_model, kwargs):
    counts = grams.load_counts(small_model.counts)
    with pytest.raises(ValueError):
        grams.build(counts, **kwargs)


def test_type_errors(small_model):
    model = grams.Model(small_model.lm)
    for call in (lambda: grams.Model(42), lambda: model.score(42), lambda: model.score_batch([b"a", 3]),
                 lambda: grams.count("one string"), lambda: grams.count(42), lambda: grams.count_files(42),
                 lambda: grams.build(42), lambda: grams.build(small_model.counts, bogus=1),
                 lambda: grams.BuildOptions(bogus=1), lambda: grams.build(small_model.counts, options="mkn"),
                 lambda: model.lookup(42), lambda: model.BaseScore(grams.State(), 42, grams.State()),
                 lambda: model.BaseScore("state", "the", grams.State()), lambda: 3 in model):
        with pytest.raises(TypeError):
            call()
    with pytest.raises(ValueError):
        grams.Model("bad\0path")


def test_spent_counter():
    counter = grams.Counter(order=2)
    counter.add_lines(["a b"])
    counter.finish()
    for call in (counter.finish, lambda: counter.add_lines(["c"]), lambda: counter.finish_to_file("x")):
        with pytest.raises(ValueError, match="finished"):
            call()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_pickling_a_model_built_in_memory():
    model = grams.build(grams.count(["a b c", "a c b"], order=2))
    with pytest.raises(TypeError, match="built in memory"):
        pickle.dumps(model)


def test_states_of_another_model(word_model, small_model):
    big, small = grams.Model(word_model.lm), grams.Model(small_model.lm)
    vocab = big.vocab()
    state, out = grams.State(), grams.State()
    big.BeginSentenceWrite(state)
    big.BaseScore(state, vocab[-1], out)  # the rarest word: an id beyond the small model's
    with pytest.raises(ValueError, match="another model"):
        small.BaseScore(out, "the", grams.State())
    forged = pickle.loads(pickle.dumps(out))
    with pytest.raises(ValueError):
        small.BaseFullScore(forged, "the", grams.State())
    with pytest.raises(ValueError):
        grams.State.__new__(grams.State).__setstate__(([1] * 40, [0.0] * 40))


def test_stupid_backoff_has_no_perplexity(small_model):
    model = grams.build(grams.load_counts(small_model.counts), smoothing="stupid")
    assert isinstance(model.score("the jury"), float)
    assert model.is_probabilistic is False
    with pytest.raises(ValueError, match="Stupid Backoff"):
        model.perplexity("the jury")
    with pytest.raises(ValueError, match="Stupid Backoff"):
        model.evaluate(["the jury"])


def test_nothing_crashes_the_interpreter(work, small_model):
    """The same abuse in a child interpreter: it must end normally."""
    script = f"""
import grams, os, pickle
errors = 0
model = grams.Model({str(small_model.lm)!r})
calls = [
    lambda: grams.Model({str(work / 'none')!r}),
    lambda: grams.Model({str(small_model.counts)!r}),
    lambda: model.score(None), lambda: model.score_batch(None), lambda: model.evaluate(None),
    lambda: model.evaluate(123), lambda: model.lookup([None]), lambda: model.BaseScore(None, None, None),
    lambda: grams.count([None]), lambda: grams.count([b'a'], order=-1), lambda: grams.build(None),
    lambda: grams.load_counts(b''), lambda: grams.merge_counts([]), lambda: grams.Counter(order=1).add_counts(None),
    lambda: pickle.loads(b'junk'), lambda: model.save(''), lambda: model.perplexity(object()),
    # Instances whose __init__ never ran (cls.__new__, as copy and pickle make them).
    lambda: grams.Model.__new__(grams.Model).score('a'),
    lambda: grams.Model.__new__(grams.Model).full_scores('a'),
    lambda: grams.Model.__new__(grams.Model).order,
    lambda: grams.Model.__new__(grams.Model).BaseScore(grams.State(), 'a', grams.State()),
    lambda: pickle.dumps(grams.Model.__new__(grams.Model)),
    lambda: grams.Counts.__new__(grams.Counts).count('a'),
    lambda: grams.build(grams.Counts.__new__(grams.Counts)),
    lambda: grams.Counter(order=1).add_counts(grams.Counts.__new__(grams.Counts)),
    lambda: grams.Counter.__new__(grams.Counter).add_lines(['a']),
    lambda: grams.BuildOptions.__new__(grams.BuildOptions).smoothing,
    lambda: grams.build({str(small_model.counts)!r}, grams.BuildOptions.__new__(grams.BuildOptions)),
    lambda: grams.PerplexityStats.__new__(grams.PerplexityStats).perplexity,
    lambda: grams.Config.__new__(grams.Config).load_method,
    lambda: grams.Model.vocab(42), lambda: grams.Model.score(42, 'a'),
]
for call in calls:
    try:
        call()
    except (OSError, ValueError, TypeError, pickle.UnpicklingError):
        errors += 1
print(errors, len(calls))
"""
    result = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ)
    assert result.returncode == 0, result.stderr
    errors, calls = map(int, result.stdout.split())
    assert errors == calls, result.stdout
