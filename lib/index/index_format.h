// The corpus index file's layout (docs/FORMAT.md, "Corpus index"): the
// fixed header, the section table and the bit-packed arrays. Shared by the
// writer (index_build.cc) and the reader (index.cc). Internal.
#ifndef GRAMS_INDEX_INDEX_FORMAT_H_
#define GRAMS_INDEX_INDEX_FORMAT_H_

#include <bit>
#include <cstdint>
#include <cstring>

namespace grams::index {

inline constexpr char kIndexMagic[8] = {'\x89', 'G', 'R', 'M', 'I', 'D', 'X', '\n'};
inline constexpr uint32_t kIndexVersion = 1;
inline constexpr size_t kFixedHeaderSize = 64;
inline constexpr size_t kSectionEntrySize = 32;
inline constexpr uint32_t kSectionCount = 4;
inline constexpr size_t kSectionAlign = 64;
// One LINE_SAMPLES entry per this many stream positions.
inline constexpr int kSampleShift = 8;
// Packed arrays end with this many zero bytes, so that any element is read
// with one unaligned 8-byte load.
inline constexpr size_t kPackPadding = 8;
inline constexpr uint32_t kMaxHeaderSize = 64u << 20;

enum SectionId : uint32_t { kVocab = 1, kTokens = 2, kSuffixes = 3, kLineSamples = 4 };

// Bits to store every value 0 .. n-1 (at least 1).
inline int BitsForCount(uint64_t n) { return n <= 2 ? 1 : static_cast<int>(std::bit_width(n - 1)); }

// Bytes of a packed array of n values of `bits` bits, padding included.
inline uint64_t PackedBytes(uint64_t n, int bits) {
  return (n * static_cast<uint64_t>(bits) + 7) / 8 + kPackPadding;
}

// Element i of a packed array (little-endian bit order: element i occupies
// bits [i*bits, (i+1)*bits) of the byte string). bits <= 56.
inline uint64_t GetPacked(const unsigned char* base, int bits, uint64_t i) {
  const uint64_t bit = i * static_cast<uint64_t>(bits);
  uint64_t word;
  std::memcpy(&word, base + (bit >> 3), 8);
  return (word >> (bit & 7)) & ((uint64_t{1} << bits) - 1);
}

// Sets element i (the array zero-initialized; each element set once).
inline void PutPacked(unsigned char* base, int bits, uint64_t i, uint64_t v) {
  const uint64_t bit = i * static_cast<uint64_t>(bits);
  uint64_t word;
  std::memcpy(&word, base + (bit >> 3), 8);
  word |= v << (bit & 7);
  std::memcpy(base + (bit >> 3), &word, 8);
}

// Writes id's code at out (at most 5 bytes); returns its length. The code
// is prefix-free and order-preserving: 1 byte below 0x80 (the most frequent
// units, as ids are canonical), then 2 bytes led by 0x80-0xBF, 3 by
// 0xC0-0xDF, 4 by 0xE0-0xEF and 5 by 0xF0, each big-endian in its range.
inline int EncodeId(uint32_t id, unsigned char* out) {
  if (id < 0x80) {
    out[0] = static_cast<unsigned char>(id);
    return 1;
  }
  uint64_t x = id - 0x80u;
  int len = 2;
  unsigned lead = 0x80;
  if (x >= 0x4000) {
    x -= 0x4000;
    len = 3, lead = 0xC0;
    if (x >= 0x200000) {
      x -= 0x200000;
      len = 4, lead = 0xE0;
      if (x >= 0x10000000) {
        x -= 0x10000000;
        len = 5, lead = 0xF0;
      }
    }
  }
  for (int k = len - 1; k >= 1; --k) {
    out[k] = static_cast<unsigned char>(x & 0xff);
    x >>= 8;
  }
  out[0] = static_cast<unsigned char>(lead | x);
  return len;
}

}  // namespace grams::index

#endif  // GRAMS_INDEX_INDEX_FORMAT_H_
