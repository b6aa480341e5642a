"""Working with models from Python (issue 14): the dynamic mixture
grams.Mixture against grams-score / grams-perplexity --mix-model and against
an independent computation from each model's own per-token scores (grams-score
of each model alone, and KenLM's module on their ARPA files when at hand), EM
weights against grams-mix --dev, Model.predict() against grams-predict and
Model.generate() against grams-generate. On Brown (a Brown order-3 model mixed
with a King James Bible order-3 model) when the shared corpora are at hand."""

import importlib
import json
import math
import pickle
import re
import sys

import pytest

import grams
from conftest import SHARED, cli_perplexity, cli_scores, f32, tool


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


@pytest.fixture(scope="session")
def pair(work):
    """Two order-3 models with different vocabularies (Brown and KJV when the
    shared corpora are there, else two halves of the sample corpus), their
    ARPA files, and a development text."""
    d = work / "mix"
    d.mkdir()
    brown, kjv = SHARED / "corpora" / "brown", SHARED / "corpora" / "kjv" / "kjv.txt"
    if (brown / "train.txt").exists() and kjv.exists():
        texts, dev = [brown / "train.txt", kjv], brown / "dev.txt"
    else:
        from conftest import SOURCE, read_text
        data = read_text(SOURCE / "data" / "kjv-train.txt.zst").split(b"\n")
        half = len(data) // 2
        texts = [d / "first.txt", d / "second.txt"]
        texts[0].write_bytes(b"\n".join(data[:half]) + b"\n")
        texts[1].write_bytes(b"\n".join(l.lower() for l in data[half:]) + b"\n")
        dev = SOURCE / "data" / "kjv-test.txt"
    models = []
    for i, text in enumerate(texts):
        lm, arpa = d / f"m{i}.lm", d / f"m{i}.arpa"
        counts = d / f"m{i}.counts"
        tool("grams-count", "--order", 3, "-o", counts, text)
        tool("grams-build", "-o", lm, "--arpa", arpa, counts)
        models.append((lm, arpa))
    return models, dev


WEIGHTS = [0.7, 0.3]


def mixture_reference(per_model, weights, vocabs):
    """log10 of each token under the mixture, from each model's own per-token
    scores (dicts of grams-score --json --per-token, one list per model): a
    unit a model lacks has p = 0 there, a unit in no model each model's
    <unk>; rounded to float32 as every score is. Also the OOV count."""
    total, oovs, tokens = 0.0, 0, 0
    for lines in zip(*per_model):
        for details in zip(*(line["tokens_detail"] for line in lines)):
            word = details[0]["token"]
            known = [word == "</s>" or word in v for v in vocabs]
            oov = not any(known)
            p = 0.0
            for k, d in enumerate(details):
                if known[k] or oov:
                    p += weights[k] * 10 ** f32(d["log10prob"])
            total += f32(math.log10(p))
            oovs += oov
            tokens += 1
    return total, oovs, tokens


def test_mixture_equals_the_models_per_token_scores(pair):
    (a, b), dev = pair
    per_model = [cli_scores(m[0], dev) for m in (a, b)]
    vocabs = [set(tool("grams-info", "--vocab", m[0]).decode().split("\n")) for m in (a, b)]
    total, oovs, tokens = mixture_reference(per_model, WEIGHTS, vocabs)
    cli = json.loads(tool("grams-perplexity", "--json", "--mix-model", b[0], "--weights",
                          "0.7,0.3", a[0], dev))
    assert cli["oovs"] == oovs and cli["tokens"] == tokens
    # The same floats summed in the same order: equal to 1e-9 (in fact exactly).
    assert math.isclose(cli["log10prob"], total, rel_tol=1e-12), (cli["log10prob"], total)
    ppl = 10 ** (-total / tokens)
    assert math.isclose(cli["perplexity"], ppl, rel_tol=1e-9), (cli["perplexity"], ppl)
    # The Python module: the same numbers.
    mix = grams.Mixture([grams.Model(a[0]), grams.Model(b[0])], WEIGHTS)
    stats = mix.evaluate(dev)
    assert stats.log10_prob == cli["log10prob"] and stats.oovs == cli["oovs"]
    assert mix.perplexity(dev) == cli["perplexity"]
    # Any form of the models: ARPA members give the same numbers.
    arpa = json.loads(tool("grams-perplexity", "--json", "--mix-model", b[1], "--weights",
                           "0.7,0.3", a[1], dev))
    assert arpa == cli


def test_mixture_equals_kenlm_on_the_arpa_files(pair):
    kenlm = kenlm_module()
    if kenlm is None:
        pytest.skip("the kenlm module is not at hand (GRAMS_SHARED_DIR/tools/kenlm)")
    (a, b), dev = pair
    ks = [kenlm.Model(str(m[1])) for m in (a, b)]
    total, tokens = 0.0, 0
    with open(dev, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            scores = [list(k.full_scores(line.rstrip("\n"))) for k in ks]
            for t, word in enumerate(words + ["</s>"]):
                known = [word == "</s>" or word in k for k in ks]
                oov = not any(known)
                p = sum(w * 10 ** s[t][0] for w, s, kn in zip(WEIGHTS, scores, known) if kn or oov)
                total += f32(math.log10(p))  # each token's score is a float
                tokens += 1
    cli = json.loads(tool("grams-perplexity", "--json", "--mix-model", b[1], "--weights",
                          "0.7,0.3", a[1], dev))
    assert cli["tokens"] == tokens
    ppl = 10 ** (-total / tokens)
    # KenLM's floats of each model, mixed here: equal to 1e-9 (exactly, on
    # Brown and KJV; without the float rounding of each token, 2e-8).
    assert math.isclose(cli["log10prob"], total, rel_tol=1e-9), (cli["log10prob"], total)
    assert math.isclose(cli["perplexity"], ppl, rel_tol=1e-9), (cli["perplexity"], ppl)


def test_mixture_scores_as_grams_score(pair):
    (a, b), dev = pair
    mix = grams.Mixture([grams.Model(a[0]), grams.Model(b[0])], [7, 3])
    assert mix.mix_weights == pytest.approx(WEIGHTS, abs=1e-15)
    assert [m.path for m in mix.mix_models] == [grams.Model(a[0]).path, grams.Model(b[0]).path]
    assert mix.order == 3 and mix.is_probabilistic
    out = tool("grams-score", "--json", "--per-token", "--ngram-length", "--mix-model", b[0],
               "--weights", "7,3", a[0], dev).decode().splitlines()
    with open(dev, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f][:300]
    for line, js in zip(lines, out):
        js = json.loads(js)
        assert mix.score(line) == pytest.approx(js["log10prob"], abs=1e-9)
        full = list(mix.full_scores(line))
        for (p, n, oov), d in zip(full, js["tokens_detail"]):
            assert f32(p) == f32(d["log10prob"]) and oov == d["oov"] and n == d["ngram_length"]
    assert mix.score_batch(lines, threads=3) == [mix.score(l) for l in lines]
    # Not pickled itself; its models and weights are.
    with pytest.raises(TypeError, match="mix_models"):
        pickle.dumps(mix)
    models = pickle.loads(pickle.dumps(mix.mix_models))
    again = grams.Mixture(models, mix.mix_weights)
    assert again.mix_weights == mix.mix_weights and again.score(lines[0]) == mix.score(lines[0])


def test_mixture_errors(pair):
    (a, b), _ = pair
    ma = grams.Model(a[0])
    with pytest.raises(ValueError, match="weights for 2 models"):
        grams.Mixture([ma, ma], [1.0])
    with pytest.raises(ValueError):
        grams.Mixture([ma, ma], [0.0, 0.0])
    with pytest.raises(ValueError):
        grams.Mixture([ma, ma], [1.0, -1.0])
    with pytest.raises(ValueError):
        grams.Mixture([], None)
    with pytest.raises(TypeError):
        grams.Mixture([ma, "x"], None)
    chars = grams.build(grams.count([b"the cat sat"], order=2, unit="char"))
    with pytest.raises(ValueError, match="split text differently"):
        grams.Mixture([ma, chars], None)
    mix = grams.Mixture([ma, ma])
    with pytest.raises(ValueError, match="mixture"):
        mix.lookup("the")
    with pytest.raises(ValueError, match="mixture"):
        mix.save("x.lm")
    with pytest.raises(ValueError, match="mixture"):
        mix.predict("the")


def test_em_weights_equal_grams_mix(pair):
    (a, b), dev = pair
    out = tool("grams-mix", "--dev", dev, a[0], b[0]).decode()
    best = re.search(r"best weights: (\S+) (\S+) \(dev perplexity (\S+), (\d+) iterations", out)
    assert best, out
    r = grams.estimate_mix_weights([grams.Model(a[0]), grams.Model(b[0])], dev)
    assert r["iterations"] == int(best.group(4))
    assert f"{r['weights'][0]:.6f}" == best.group(1) and f"{r['weights'][1]:.6f}" == best.group(2)
    assert f"{r['perplexity']:.4f}" == best.group(3)
    its = [l for l in out.splitlines() if l.startswith("iteration ")]
    assert len(r["history"]) == len(its)
    for (w, ppl), line in zip(r["history"], its):
        assert line.endswith(f", dev perplexity {ppl:.4f}")
    # The dynamic mixture with those weights: EM's perplexity (up to the
    # float rounding of each token's score).
    mix = grams.Mixture([grams.Model(a[0]), grams.Model(b[0])], r["weights"])
    assert mix.perplexity(dev) == pytest.approx(r["perplexity"], rel=1e-6)
    with pytest.raises(ValueError):
        grams.estimate_mix_weights([grams.Model(a[0])], dev)
    with pytest.raises(OSError):
        grams.estimate_mix_weights([grams.Model(a[0]), grams.Model(b[0])], "/no/such/dev.txt")


def test_static_mixture_against_the_dynamic_one(pair, work):
    """The static model (grams-mix -o) scores the n-grams it holds exactly
    as the dynamic mixture; over a text, its perplexity stays within 2% of
    the mixture's (the words a context lacks back off to the static model's
    recomputed backoff instead of each model's own)."""
    (a, b), dev = pair
    static = work / "mix" / "static.lm"
    tool("grams-mix", "--weights", "0.7,0.3", "-o", static, a[0], b[0])
    s = cli_perplexity(static, dev)
    d = json.loads(tool("grams-perplexity", "--json", "--mix-model", b[0], "--weights",
                        "0.7,0.3", a[0], dev))
    assert s["oovs"] == d["oovs"] and s["tokens"] == d["tokens"]
    assert abs(s["perplexity"] - d["perplexity"]) / d["perplexity"] < 0.02, (s, d)
    out_s = tool("grams-score", "--json", "--per-token", "--ngram-length", static, dev)
    out_d = tool("grams-score", "--json", "--per-token", "--mix-model", b[0], "--weights",
                 "0.7,0.3", a[0], dev)
    held = 0
    for ls, ld in zip(out_s.decode().splitlines(), out_d.decode().splitlines()):
        for k, (ts, td) in enumerate(zip(json.loads(ls)["tokens_detail"],
                                         json.loads(ld)["tokens_detail"])):
            if ts["ngram_length"] == min(k + 2, 3):
                assert ts["log10prob"] == td["log10prob"], (k, ts, td)
                held += 1
    assert held > 1000


def test_predict_equals_grams_predict(small_model, corpus):
    model = grams.Model(small_model.lm)
    prefixes = [l for l in corpus.test_lines()[:40]] + ["", "the"]
    text = "".join(p + "\n" for p in prefixes).encode()
    out = tool("grams-predict", "--json", "-k", 7, small_model.lm, input=text).decode().splitlines()
    assert len(out) == len(prefixes)
    for prefix, line in zip(prefixes, out):
        want = [(p["unit"], p["log10prob"]) for p in json.loads(line)["predictions"]]
        got = model.predict(prefix, k=7)
        assert [u for u, _ in got] == [u for u, _ in want], prefix
        assert all(f32(g) == f32(w) for (_, g), (_, w) in zip(got, want)), prefix
    # Exact: the same as scoring every unit after the prefix.
    best = model.predict("the jury", k=3, unk=True)
    vocab = [w for w in model.vocab() if w != "<s>"]
    state, out_state = grams.State(), grams.State()
    model.BeginSentenceWrite(state)
    for w in ["the", "jury"]:
        model.BaseScore(state, w, out_state)
        state, out_state = out_state, grams.State()
    scores = []
    for w in vocab:
        scores.append((model.BaseScore(state, w, grams.State()), w))
    scores.sort(key=lambda x: -x[0])
    assert [f32(p) for _, p in best] == [f32(s) for s, _ in scores[:3]]
    with pytest.raises(ValueError):
        model.predict("the", k=0)
    no_bos = model.predict("of the", k=3, bos=False)
    want = tool("grams-predict", "--no-bos", "-k", 3, small_model.lm, input=b"of the\n").decode()
    assert "\t".join(u for u, _ in no_bos) == "\t".join(p.split(" ")[0] for p in want.strip().split("\t"))


def test_generate_equals_grams_generate(small_model):
    model = grams.Model(small_model.lm)
    for args, kw in [((), {}),
                     (("--seed", 7, "--temperature", 0.8, "--top-k", 20), dict(seed=7, temperature=0.8, top_k=20)),
                     (("--top-p", 0.9, "--prefix", "the jury", "--max-length", 12),
                      dict(top_p=0.9, prefix="the jury", max_length=12)),
                     (("--no-unk", "-j", 3), dict(no_unk=True, threads=3))]:
        want = tool("grams-generate", "-n", 25, *args, small_model.lm).decode().splitlines()
        got = model.generate(25, **kw)
        assert got == want, (args, kw)
    assert model.generate(3, seed=5) == model.generate(3, seed=5, threads=2)
    with pytest.raises(ValueError):
        model.generate(2, temperature=0)
    with pytest.raises(ValueError):
        model.generate(2, top_p=1.5)
    stream = grams.build(grams.count([b"abcabcabd\n"] * 20, order=3, unit="char", boundaries="none"))
    text = stream.generate(40, seed=3)
    assert isinstance(text, str) and 0 < len(text) <= 40 + 1
