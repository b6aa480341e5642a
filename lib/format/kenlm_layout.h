// The layout of KenLM's binary format (version 5) as kenlm_binary.cc and
// its companions (kenlm_lookup.cc, kenlm_check.cc) read it: the header's
// sizes, the slot and record sizes, the bit-packing and pointer-compression
// arithmetic, and little-endian loads. Internal to lib/format.
//
// Every multi-byte value is read with memcpy (the file is little-endian, as
// build_binary wrote it on x86-64 and ARM64; alignment never matters), and
// bit-packed fields are read 8 bytes at a time from their first byte, which
// the 8 bytes of padding after every bit-packed array keep inside it.
#ifndef GRAMS_FORMAT_KENLM_LAYOUT_H_
#define GRAMS_FORMAT_KENLM_LAYOUT_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

static_assert(std::endian::native == std::endian::little,
              "KenLM binaries are read as the little-endian machines that write them");

namespace grams::kenlm_layout {

// The header: a "sanity" block of test values, then the fixed parameters,
// then one uint64 count per order, padded to a multiple of 8 bytes.
inline constexpr char kMagicV5[] = "mmap lm http://kheafield.com/code format version 5\n";
constexpr std::string_view kMagicVersionPrefix = "mmap lm http://kheafield.com/code format version";
constexpr std::string_view kMagicIncomplete = "mmap lm http://kheafield.com/code incomplete\n";
constexpr size_t kMagicBytes = 56;   // the magic string, NUL-padded
constexpr size_t kSanityBytes = 88;  // magic + 3 floats + 3 uint32 + uint64
constexpr size_t kFixedBytes = 20;   // order, multiplier, layout, has words, search version
constexpr uint32_t kMaxOrder = 16;   // grams' State carries up to 15 words

// Sub-structure versions KenLM records.
constexpr uint32_t kProbingVocabVersion = 0;
constexpr uint8_t kQuantVersion = 2;
constexpr uint8_t kArrayPointerVersion = 0;

// Slot sizes of the probing layout: vocabulary {hash, id}, middle orders
// {hash, prob, backoff}, highest order {hash, prob}; unigrams {prob, backoff}.
constexpr size_t kVocabSlot = 12;
constexpr size_t kMiddleSlot = 16;
constexpr size_t kLongestSlot = 12;
constexpr size_t kProbingUnigram = 8;
// Trie unigram records: {prob, backoff, uint64 first child}.
constexpr size_t kTrieUnigram = 16;

constexpr uint32_t kSignBit = 0x80000000u;

inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t Load32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline float LoadF(const unsigned char* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
inline float FromBits(uint32_t bits) { return std::bit_cast<float>(bits); }
inline uint32_t ToBits(float f) { return std::bit_cast<uint32_t>(f); }

// `length` (<= 57) bits at bit offset `bit` of `base`, least significant
// first.
inline uint64_t ReadBits(const unsigned char* base, uint64_t bit, unsigned length) {
  const uint64_t v = Load64(base + (bit >> 3)) >> (bit & 7);
  return length >= 64 ? v : v & ((uint64_t{1} << length) - 1);
}

// A zero backoff stored as -0.0 marks an n-gram that no longer n-gram
// extends: the state after it can be shorter. Any other value, +0.0
// included, keeps it.
inline bool HasExtension(float backoff) { return ToBits(backoff) != ToBits(-0.0f); }

// Bits to store every integer up to `max_value`.
inline unsigned RequiredBits(uint64_t max_value) {
  return max_value == 0 ? 0 : static_cast<unsigned>(std::bit_width(max_value));
}

// The bucket count of a probing table for `entries` keys.
inline uint64_t ProbingBuckets(uint64_t entries, float multiplier) {
  const float scaled = multiplier * static_cast<float>(entries);
  return std::max<uint64_t>(entries + 1, static_cast<uint64_t>(scaled));
}

// Array pointer compression: how many high bits of a next pointer are
// "chopped" off into the offsets array: the number (up to the -a setting)
// that minimizes the array's size minus the bits saved.
inline unsigned ChopBits(uint64_t max_offset, uint64_t max_next, unsigned max_chop) {
  const unsigned required = RequiredBits(max_next);
  unsigned best = 0;
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (unsigned chop = 0; chop <= std::min(required, max_chop); ++chop) {
    const uint64_t table_bits = (max_next >> (required - chop)) * 64;
    const int64_t change = static_cast<int64_t>(table_bits - max_offset * chop);
    if (change < lowest) {
      lowest = change;
      best = chop;
    }
  }
  return best;
}
inline uint64_t ArrayCount(uint64_t max_offset, uint64_t max_next, unsigned max_chop) {
  const unsigned required = RequiredBits(max_next);
  return (max_next >> (required - ChopBits(max_offset, max_next, max_chop))) + 1;
}

// Bytes of a bit-packed array of entries + 1 records of `bits` bits, with 8
// bytes of padding.
inline uint64_t PackedBytes(uint64_t entries, uint64_t bits) {
  return ((1 + entries) * bits + 7) / 8 + 8;
}

// Sizes summed without overflow: saturates at UINT64_MAX, which no file
// reaches, so a damaged count always ends in "truncated".
class Size {
 public:
  Size& Add(uint64_t v) {
    value_ = value_ > UINT64_MAX - v ? UINT64_MAX : value_ + v;
    return *this;
  }
  static uint64_t Mul(uint64_t a, uint64_t b) {
    if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
    return a * b;
  }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

inline std::string Plural(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace grams::kenlm_layout

#endif  // GRAMS_FORMAT_KENLM_LAYOUT_H_
