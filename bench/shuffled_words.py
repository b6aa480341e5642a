#!/usr/bin/env python3
"""Writes a corpus of shuffled words: the words of SOURCE (a text file, or -
for standard input), shuffled with a fixed seed, LINE words to a line, passes
over them repeated (each reshuffled) until the output has BYTES bytes.

Nearly every n-gram of such a text is new, so it is the worst case for the
counting tables at high orders (issue 13, item 5): tests/cli/memory_bound.sh
and bench/ use it to measure grams-count -S.

  shuffled_words.py SOURCE BYTES [--seed N] [--line WORDS] > corpus.txt
"""
import argparse
import random
import sys


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("bytes", type=parse_size)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--line", type=int, default=20)
    args = parser.parse_args()
    if args.source == "-":
        words = sys.stdin.buffer.read().split()
    else:
        with open(args.source, "rb") as f:
            words = f.read().split()
    if not words:
        sys.exit(f"shuffled_words.py: {args.source}: no words")
    rng = random.Random(args.seed)
    out = sys.stdout.buffer
    written = 0
    while written < args.bytes:
        rng.shuffle(words)
        for i in range(0, len(words), args.line):
            line = b" ".join(words[i:i + args.line]) + b"\n"
            if written + len(line) > args.bytes:
                return
            out.write(line)
            written += len(line)
    out.flush()


if __name__ == "__main__":
    main()
