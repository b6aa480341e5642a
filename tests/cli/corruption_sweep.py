#!/usr/bin/env python3
"""The corruption sweep of corruption_sweep.sh (issue 13): every single-bit
flip and every truncation of FILE, each given to every COMMAND (a command
line where {} stands for the damaged file; {out} for an output path of the
variant's own). Each run must either

  - exit 1 with an error that names the damaged file, leaving no output, or
  - for a bit flip only, exit 0 with exactly the output of the undamaged
    file (stdout, and the bytes of {out}): a bit the format ignores
    (docs/FORMAT.md: the zstd frame descriptor's unused bit).

Anything else (another exit status, a signal, an error that does not name
the file, a changed output) is reported and fails the sweep. Flips that read
with the right output are counted: more than a few per cent means the checks
do not work.

usage: corruption_sweep.py FILE STEP JOBS COMMAND [COMMAND...]
STEP: sweep every STEP-th bit and truncation (1: all of them).
"""
import concurrent.futures
import os
import shlex
import subprocess
import sys
import tempfile


def run(cmd, path, out):
    argv = [a.replace("{}", path).replace("{out}", out) for a in shlex.split(cmd)]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The output may name the file (grams-info): as the undamaged one's would.
    stdout = p.stdout.replace(path.encode(), b"{}")
    data = None
    if p.returncode == 0 and "{out}" in cmd:
        with open(out, "rb") as f:
            data = f.read()
    return p.returncode, stdout, p.stderr.decode("utf-8", "replace"), data


def main():
    path, step, jobs, commands = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    original = open(path, "rb").read()
    work = tempfile.mkdtemp(prefix="sweep.", dir=".")
    reference = []
    for cmd in commands:
        rc, stdout, stderr, data = run(cmd, os.path.abspath(path), os.path.join(work, "ref.out"))
        if rc != 0:
            sys.exit(f"{cmd}: fails on the undamaged file: {stderr}")
        reference.append((stdout, data))

    variants = []
    for bit in range(0, 8 * len(original), step):
        b = bytearray(original)
        b[bit // 8] ^= 1 << (bit % 8)
        variants.append((f"bit {bit % 8} of byte {bit // 8} flipped", bytes(b)))
    for n in range(0, len(original), step):
        variants.append((f"cut to {n} bytes", original[:n]))

    def check(i):
        what, data = variants[i]
        name = os.path.join(work, f"damaged-{i}")
        with open(name, "wb") as f:
            f.write(data)
        problems, accepted = [], 0
        for cmd, (ref_stdout, ref_data) in zip(commands, reference):
            out = os.path.join(work, f"out-{i}")
            rc, stdout, stderr, outdata = run(cmd, name, out)
            if rc == 1:
                if name not in stderr:
                    problems.append(f"{what}: {cmd}: the error does not name the file: {stderr}")
                if os.path.exists(out):
                    problems.append(f"{what}: {cmd}: exit 1 left {out}")
            elif rc == 0 and what.startswith("cut"):
                problems.append(f"{what}: {cmd}: a truncated file read without error")
            elif rc == 0:
                accepted += 1
                if stdout != ref_stdout or outdata != ref_data:
                    problems.append(f"{what}: {cmd}: exit 0 with another output")
            else:
                problems.append(f"{what}: {cmd}: exit status {rc}: {stderr[-2000:]}")
            if os.path.exists(out):
                os.unlink(out)
        # This variant's own (another thread's run may be writing its own
        # temporary file right now); the whole directory is checked at the end.
        leftovers = [f for f in os.listdir(work) if f.startswith(f"out-{i}.tmp-")]
        if leftovers:
            problems.append(f"{what}: temporary files left: {leftovers}")
        os.unlink(name)
        return problems, accepted == len(commands), data != original and len(data) == len(original)

    problems, accepted_flips, flips = [], 0, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for p, accepted, is_flip in pool.map(check, range(len(variants))):
            problems += p
            flips += is_flip
            accepted_flips += accepted and is_flip
    leftovers = [f for f in os.listdir(work) if ".tmp-" in f]
    if leftovers:
        problems.append(f"temporary files left: {leftovers}")
    print(f"{path}: {len(original)} bytes, {len(variants)} variants ({flips} bit flips), "
          f"{len(commands)} commands each; {accepted_flips} flips read with the same output")
    for p in problems[:40]:
        print("FAIL:", p)
    if problems:
        sys.exit(f"{len(problems)} problems")
    if accepted_flips * 20 > flips:
        sys.exit(f"{accepted_flips} of {flips} bit flips went unnoticed (over 5%)")


if __name__ == "__main__":
    main()
