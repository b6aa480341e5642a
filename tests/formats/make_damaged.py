#!/usr/bin/env python3
"""Derives the damaged files in bad/ from the v1 files (see README.md).

Run from tests/formats/: python3 make_damaged.py
"""
import struct
import zlib


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def flip(data, pos, mask):
    b = bytearray(data)
    b[pos] ^= mask
    return bytes(b)


def with_version(data, version):
    # Prelude: magic (8), version (4), kind (4), header length L (4); then the
    # header and a CRC-32 of bytes [0, 20 + L).
    header_len = struct.unpack_from("<I", data, 16)[0]
    b = bytearray(data)
    struct.pack_into("<I", b, 8, version)
    struct.pack_into("<I", b, 20 + header_len, zlib.crc32(bytes(b[:20 + header_len])))
    return bytes(b)


for kind in ("counts", "lm"):
    good = read("v1/tiny." + kind)
    out = "bad/tiny." + kind + "."
    write(out + "truncated-half", good[:len(good) // 2])
    write(out + "no-end-marker", good[:-20])           # the 20-byte end marker cut off
    write(out + "header-flip", flip(good, 22, 0x04))   # inside the CRC-protected header
    write(out + "frame-flip", flip(good, len(good) - 22, 0x10))  # last frame's checksum
    if kind == "counts":
        write(out + "trailing", good + b"garbage\n")
        write(out + "version2", with_version(good, 2))
        write(out + "empty", b"")
        write(out + "prelude-only", good[:20])
