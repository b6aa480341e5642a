#!/usr/bin/python3
"""Crafts hostile grams counts/model files from a valid one (tests/cli/claims.sh).

  craft_claims.py ngrams IN OUT ORDER COUNT   header claims COUNT n-grams of ORDER
  craft_claims.py frame IN OUT SECTION SIZE   section SECTION (1-based) declares
                                              SIZE content bytes, its frame header too
The header's CRC is recomputed, so that the claim reaches the decoders.
"""
import struct
import sys
import zlib


def varint(data, pos):
    value, shift = 0, 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def put_varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def split(data):
    header_len = struct.unpack_from("<I", data, 16)[0]
    return data[:20], data[20:20 + header_len], data[24 + header_len:]


def main():
    what, src, dst, which, value = sys.argv[1:6]
    which, value = int(which), int(value)
    data = open(src, "rb").read()
    prelude, header, rest = split(data)
    if what == "ngrams":
        order, p = varint(header, 0)
        fields = [order]
        for _ in range(order + 1):  # vocabulary size, then a count per order
            v, p = varint(header, p)
            fields.append(v)
        fields[1 + which] = value
        if which == 1:
            fields[1] = value  # the vocabulary size is order 1's count
        header = b"".join(put_varint(f) for f in fields) + header[p:]
        prelude = prelude[:16] + struct.pack("<I", len(header))
    elif what == "frame":
        pos = 0
        for _ in range(which - 1):
            comp = struct.unpack_from("<Q", rest, pos + 12)[0]
            pos += 20 + comp
        sid, raw, comp = struct.unpack_from("<IQQ", rest, pos)
        # A frame of one raw block declaring `value` bytes of content: a
        # single-segment frame header with an 8-byte content size.
        frame = struct.pack("<IB", 0xFD2FB528, 0xE0) + struct.pack("<Q", value)
        frame += bytes([0x01, 0x00, 0x00])  # last block, raw, size 0
        rest = rest[:pos] + struct.pack("<IQQ", sid, value, len(frame)) + frame + rest[pos + 20 + comp:]
    crc = zlib.crc32(prelude + header) & 0xFFFFFFFF
    open(dst, "wb").write(prelude + header + struct.pack("<I", crc) + rest)


main()
