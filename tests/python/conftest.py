"""Fixtures of the Python module's tests: the built command-line tools, the
corpus, models made with the CLI, and what the CLI says about them.

Environment (set by tests/CMakeLists.txt; defaults for a run by hand from the
source tree): GRAMS_BIN (the built grams-* tools), GRAMS_SOURCE_DIR,
GRAMS_SHARED_DIR (Brown corpus and KenLM's module, optional: the sample corpus
in data/ stands in), and PYTHONPATH with the built module.
"""

import json
import math
import os
import struct
import subprocess
from pathlib import Path

import pytest

import grams

SOURCE = Path(os.environ.get("GRAMS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN = Path(os.environ.get("GRAMS_BIN", SOURCE / "build" / "tools"))
SHARED = Path(os.environ.get("GRAMS_SHARED_DIR", SOURCE.parent / "shared"))


def f32(x):
    """x rounded to the nearest float32, as a Python float."""
    return struct.unpack("f", struct.pack("f", x))[0]


def tool(name, *args, input=None):
    """Runs a grams tool; its stdout (bytes). Fails the test on an error."""
    command = [str(BIN / name), *map(str, args)]
    result = subprocess.run(command, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


class Corpus:
    """A training text (plain or compressed) and a test text."""

    def __init__(self, name, train, test):
        self.name, self.train, self.test = name, Path(train), Path(test)

    def test_lines(self):
        with open(self.test, "rb") as f:
            return [line.rstrip(b"\n").decode("utf-8", "surrogateescape") for line in f]


@pytest.fixture(scope="session")
def corpus():
    brown = SHARED / "corpora" / "brown"
    if (brown / "train.txt").exists() and (brown / "test.txt").exists():
        return Corpus("brown", brown / "train.txt", brown / "test.txt")
    return Corpus("kjv", SOURCE / "data" / "kjv-train.txt.zst", SOURCE / "data" / "kjv-test.txt")


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("grams-python")


class Files:
    """The files of one model made with the CLI."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


@pytest.fixture(scope="session")
def word_model(corpus, work):
    """An order-4 word model of the corpus, made by grams-count | grams-build."""
    d = work / "word"
    d.mkdir()
    counts, lm, arpa = d / "train.counts", d / "train.lm", d / "train.arpa"
    tool("grams-count", "--order", 4, "-o", counts, corpus.train)
    tool("grams-build", "-o", lm, "--arpa", arpa, counts)
    return Files(counts=counts, lm=lm, arpa=arpa, order=4)


@pytest.fixture(scope="session")
def small_text(corpus, work):
    """The first 3000 lines of the training text, as a plain file."""
    path = work / "small.txt"
    data = read_text(corpus.train)
    lines = data.split(b"\n")[:3000]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def read_text(path):
    """The bytes of a text file, decompressing .zst with the zstd tool."""
    path = Path(path)
    if path.suffix == ".zst":
        return subprocess.run(["zstd", "-dc", str(path)], check=True, stdout=subprocess.PIPE).stdout
    return path.read_bytes()


@pytest.fixture(scope="session")
def small_model(small_text, work):
    """An order-3 model of small_text: counts, model and ARPA made by the CLI."""
    d = work / "small"
    d.mkdir()
    counts, lm, arpa = d / "small.counts", d / "small.lm", d / "small.arpa"
    tool("grams-count", "--order", 3, "-o", counts, small_text)
    tool("grams-build", "-o", lm, "--arpa", arpa, counts)
    return Files(counts=counts, lm=lm, arpa=arpa, order=3, text=small_text)


def cli_scores(model, text_path):
    """grams-score --json --per-token on a file: one dict per line."""
    out = tool("grams-score", "--json", "--per-token", model, text_path)
    return [json.loads(line) for line in out.decode("utf-8", "surrogateescape").splitlines()]


def cli_perplexity(model, text_path):
    return json.loads(tool("grams-perplexity", "--json", model, text_path))


class ArpaReference:
    """An independent backoff scorer over an ARPA file, in plain Python: the
    log10 probability of a word after a context, and the length of the
    longest n-gram that matched (KenLM's ngram_length)."""

    def __init__(self, path):
        self.prob, self.backoff = {}, {}
        self.order = 0
        section = 0
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("\\") and line.endswith("-grams:"):
                    section = int(line[1:line.index("-")])
                    self.order = max(self.order, section)
                    continue
                if not section or not line or line.startswith("\\"):
                    continue
                fields = line.split("\t")
                ngram = tuple(fields[1].split(" "))
                self.prob[ngram] = float(fields[0])
                if len(fields) > 2:
                    self.backoff[ngram] = float(fields[2])

    def word(self, w):
        return w if (w,) in self.prob else "<unk>"

    def score(self, context, w):
        """(log10 p(w | context), ngram length); context: a tuple of words."""
        w = self.word(w)
        context = tuple(context[len(context) - (self.order - 1):]) if self.order > 1 else ()
        for k in range(len(context), -1, -1):
            ngram = context[len(context) - k:] + (w,)
            if ngram in self.prob:
                total = self.prob[ngram]
                for j in range(k + 1, len(context) + 1):
                    total += self.backoff.get(context[len(context) - j:], 0.0)
                return total, k + 1
        raise AssertionError("no unigram for " + w)

    def sentence(self, words, bos=True, eos=True):
        """[(log10 p, ngram length)] of each word (and </s>)."""
        context = ("<s>",) if bos else ()
        out = []
        for w in list(words) + (["</s>"] if eos else []):
            out.append(self.score(context, w))
            context = context + (self.word(w),)
        return out


@pytest.fixture(scope="session")
def small_reference(small_model):
    return ArpaReference(small_model.arpa)


def isclose(a, b, tol=1e-5):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
