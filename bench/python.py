#!/usr/bin/python3
"""Benchmarks of the grams Python module, next to the kenlm module on the same
model (docs/PYTHON.md, "Performance"):

  a  Model.score over the Brown test sentences, one call per sentence:
     sentences/s for grams and kenlm (target: grams >= 1.5x kenlm)
  b  Model.score_batch over the test sentences (x4): 2 threads against 1
     (target: >= 1.8x)
  c  `import grams` plus loading the order-5 model, in a fresh interpreter:
     its mapped form (grams-convert --to mapped; target: under 20 ms) and
     the compressed model file (and `import kenlm` plus loading its probing
     binary, for reference)

The model is KenLM's reference brown.o5 ARPA (../shared/reference), converted
by grams-build --from-arpa for grams and by KenLM's build_binary (probing) for
kenlm, so both score the same n-grams. Runs of the two sides are interleaved,
and medians are reported. Run it with Debian's /usr/bin/python3, which the
module and ../shared/tools/kenlm are built for.

Usage: bench/python.py [--build DIR] [--shared DIR] [--runs N] [--only abc]
                       [--work DIR] [--keep] [--out FILE]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=str(REPO / "build"), help="the build directory (default: build/)")
    p.add_argument("--shared", default=os.environ.get("GRAMS_SHARED_DIR", str(REPO.parent / "shared")),
                   help="shared data: corpora, reference models, kenlm (default: ../shared)")
    p.add_argument("--runs", type=int, default=11, help="timed runs per figure; the median is reported")
    p.add_argument("--only", default="abc", help="which parts to run (default: abc)")
    p.add_argument("--work", help="scratch directory (default: a new one, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--out", help="also write the results as TSV to this file")
    return p.parse_args()


def run(*command, **kw):
    return subprocess.run([str(c) for c in command], check=True, **kw)


def prepare(args, work):
    """The model for both: grams' file and kenlm's probing binary, from one ARPA."""
    shared = Path(args.shared)
    arpa_zst = shared / "reference" / "brown.o5.kenlm.arpa.zst"
    arpa, lm, probing = work / "brown.o5.arpa", work / "brown.o5.lm", work / "brown.o5.probing"
    if not arpa.exists():
        run("zstd", "-dqf", arpa_zst, "-o", arpa)
    if not lm.exists():
        run(Path(args.build) / "tools" / "grams-build", "-q", "--from-arpa", arpa, "-o", lm)
    mapped = work / "brown.o5.lmm"
    if not mapped.exists():
        run(Path(args.build) / "tools" / "grams-convert", lm, "--to", "mapped", "-o", mapped)
    build_binary = shared / "tools" / "kenlm" / "build_binary"
    if not probing.exists() and build_binary.exists():
        run(build_binary, "probing", arpa, probing, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return lm, probing if probing.exists() else None


def per_second(count, seconds):
    return count / seconds if seconds > 0 else float("inf")


def bench_score(grams, kenlm, lm, probing, sentences, runs):
    g = grams.Model(lm)
    k = kenlm.Model(str(probing)) if kenlm and probing else None
    if k:
        worst = max(abs(g.score(s) - k.score(s)) for s in sentences)
        print(f"  agreement: largest |grams - kenlm| over the test sentences {worst:.2g} "
              "(kenlm sums in float32)")
    passes = 3

    def timed(model):
        score = model.score
        start = time.perf_counter()
        for _ in range(passes):
            for s in sentences:
                score(s)
        return time.perf_counter() - start

    for model in (g, k):  # warm up
        if model:
            timed(model)
    times = {"grams": [], "kenlm": []}
    for _ in range(runs):
        times["grams"].append(timed(g))
        if k:
            times["kenlm"].append(timed(k))
    n = passes * len(sentences)
    results = [("score_grams", "grams Model.score, sentences/s", per_second(n, statistics.median(times["grams"])))]
    if k:
        results.append(("score_kenlm", "kenlm Model.score, sentences/s",
                        per_second(n, statistics.median(times["kenlm"]))))
        results.append(("score_ratio", "grams / kenlm (target >= 1.5)", results[0][2] / results[1][2]))
    return results


def bench_batch(grams, lm, sentences, runs):
    g = grams.Model(lm)
    batch = sentences * 4
    assert g.score_batch(batch, threads=1) == g.score_batch(batch, threads=2)
    times = {1: [], 2: []}
    for _ in range(runs):
        for threads in (1, 2):
            start = time.perf_counter()
            g.score_batch(batch, threads=threads)
            times[threads].append(time.perf_counter() - start)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    return [("batch_1", "score_batch, 1 thread, sentences/s", per_second(len(batch), one)),
            ("batch_2", "score_batch, 2 threads, sentences/s", per_second(len(batch), two)),
            ("batch_speedup", "2 threads / 1 thread (target >= 1.8)", one / two)]


def bench_load(args, lm, probing, runs):
    def child(module, path, directory):
        code = ("import sys, time\n"
                f"sys.path.insert(0, {str(directory)!r})\n"
                "t = time.perf_counter()\n"
                f"import {module}\n"
                f"m = {module}.Model({str(path)!r})\n"
                "print(time.perf_counter() - t)\n")
        out = subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.PIPE, text=True)
        return float(out.stdout)

    module_dir = Path(args.build) / "python"
    kenlm_dir = Path(args.shared) / "tools" / "kenlm"
    mapped = lm.with_suffix(".lmm")
    grams_times, mapped_times, kenlm_times = [], [], []
    for _ in range(runs):
        mapped_times.append(child("grams", mapped, module_dir))
        grams_times.append(child("grams", lm, module_dir))
        if probing:
            kenlm_times.append(child("kenlm", probing, kenlm_dir))
    results = [("load_grams_mapped", "import grams + load brown o5 mapped, ms",
                1000 * statistics.median(mapped_times)),
               ("load_grams", "import grams + load brown o5 model file, ms",
                1000 * statistics.median(grams_times))]
    if kenlm_times:
        results.append(("load_kenlm", "import kenlm + load its probing binary, ms",
                        1000 * statistics.median(kenlm_times)))
    return results


def main():
    args = parse_args()
    sys.path.insert(0, str(Path(args.build) / "python"))
    import grams
    kenlm = None
    kenlm_dir = Path(args.shared) / "tools" / "kenlm"
    if kenlm_dir.is_dir():
        sys.path.insert(0, str(kenlm_dir))
        try:
            import kenlm
        except ImportError as e:
            print(f"note: no kenlm module ({e}); its figures are skipped")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="grams-bench-python."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        lm, probing = prepare(args, work)
        test = Path(args.shared) / "corpora" / "brown" / "test.txt"
        sentences = test.read_text(encoding="utf-8").splitlines()
        print(f"grams {grams.__version__} from {grams.__file__}; {len(sentences)} test sentences; "
              f"medians of {args.runs} runs; load average {os.getloadavg()[0]:.2f}")
        results = []
        if "a" in args.only:
            results += bench_score(grams, kenlm, lm, probing, sentences, args.runs)
        if "b" in args.only:
            results += bench_batch(grams, lm, sentences, args.runs)
        if "c" in args.only:
            results += bench_load(args, lm, probing, args.runs)
        for key, label, value in results:
            print(f"  {label:45s} {value:12.2f}")
        if args.out:
            with open(args.out, "w") as f:
                for key, label, value in results:
                    f.write(f"{key}\t{label}\t{value:.4f}\n")
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
