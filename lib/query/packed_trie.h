// The n-gram trie of a mapped model of the trie layout (docs/FORMAT.md,
// "The trie layout"): query/model_trie.h's structure, packed so that the
// file is about half the size of the probing layout's tables and is
// searched where it lies.
//
// Per order n >= 2, as in ModelTrie:
// - where the children of each entry of order n-1 begin, in blocks of 64
//   (kFirstBlock): a directory of one fixed64 per block, its offset in the
//   blocks' bytes << 6 | its width w (0..32), and each block a fixed32
//   base (the block's first value) then its values less the base in w bits
//   each, LSB first. The values ascend, so a block of parents with few
//   children takes few bits (7 to 10 bits a parent for Brown, against the
//   20 of a plain array);
// - each entry's word, in `word_bits` bits (the width of V - 1);
// - its log10 probability and, below the top order, its backoff, side by
//   side (stride 2), as float32.
// The packed sections end with 8 zero bytes, so that every field is read
// with one unaligned 8-byte load.
//
// Reading is safe on a damaged file: the reader checks on open that the
// directory's blocks lie within FIRST (PackedLevel::DirectoryOk), and
// PackedLevel clamps a range of children to the order's entries, so a
// query cannot read outside the mapping; it can only get wrong numbers
// (the full check, verify_checksums, catches those).
#ifndef GRAMS_QUERY_PACKED_TRIE_H_
#define GRAMS_QUERY_PACKED_TRIE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "grams/types.h"
#include "query/model_trie.h"
#include "util/prefetch.h"

namespace grams::query {

inline constexpr uint64_t kFirstBlock = 64;
// Zero bytes after a packed section's last field.
inline constexpr uint64_t kPackedPad = 8;

// The bits needed for values up to v.
inline uint32_t BitWidth(uint64_t v) {
  return v == 0 ? 0 : 64 - static_cast<uint32_t>(__builtin_clzll(v));
}

// The width of a word id of a vocabulary of V words (at least 1).
inline uint32_t WordBits(uint64_t V) { return std::max<uint32_t>(1, BitWidth(V - 1)); }

// Bytes of `count` fields of `bits` bits, padded.
inline uint64_t PackedBytes(uint64_t count, uint32_t bits) {
  return (count * bits + 7) / 8 + kPackedPad;
}

// Appends v[0..n) in `bits` bits each (bits <= 32), LSB first, padded.
void PackBits(const uint32_t* v, uint64_t n, uint32_t bits, std::vector<unsigned char>* out);

// The FIRST section of first[0..count), ascending: its directory, then its
// blocks, then the pad.
void PackFirst(const uint32_t* first, uint64_t count, std::vector<unsigned char>* out);

// The fewest bytes a FIRST section of `count` values takes (its directory
// and the pad): what a reader checks before it trusts the directory's size.
inline uint64_t MinFirstBytes(uint64_t count) {
  return (count + kFirstBlock - 1) / kFirstBlock * 8 + kPackedPad;
}

// One order n >= 2 of a packed trie, read in place.
class PackedLevel {
 public:
  // How ScoreTrie ends the search of a parent of one child (score_trie.cc).
  static constexpr bool kOneChildDoneAtOnce = true;

  PackedLevel() = default;
  // `first` holds MinFirstBytes(lower + 1) bytes or more; `words`
  // PackedBytes(size, word_bits); `values` size * stride floats.
  PackedLevel(uint64_t size, uint64_t lower, const unsigned char* first, uint64_t first_bytes,
              const unsigned char* words, uint32_t word_bits, const float* values, size_t stride)
      : size_(size),
        lower_(lower),
        dir_(first),
        blocks_(first + (lower + kFirstBlock) / kFirstBlock * 8),
        limit_(first_bytes - (lower + kFirstBlock) / kFirstBlock * 8 - 8),
        words_(words),
        word_bits_(word_bits),
        word_mask_(word_bits >= 32 ? 0xffffffffu : (uint32_t{1} << word_bits) - 1),
        values_(values),
        stride_(stride) {}

  uint64_t size() const { return size_; }

  // Whether every block of the directory fits the section: its width at
  // most 32 and its base and its values' bits (read with 8-byte loads)
  // within the blocks' bytes. The reader checks it on open, before any
  // query (a fraction of a millisecond for Brown's 34,000 blocks), so
  // that the queries below need not clamp what they read from the
  // directory.
  bool DirectoryOk() const;

  // The children of entry p of order n-1: [*begin, *begin + *count).
  // REQUIRES: DirectoryOk(). The children are clamped to the order's
  // entries, so a damaged FIRST section gives wrong ranges, never a read
  // outside the mapping.
  void Children(EntryIndex p, uint32_t* begin, uint32_t* count) const {
    const Block k = BlockOf(p);
    const uint64_t i = p % kFirstBlock;
    const uint64_t b = std::min<uint64_t>(k.Value(blocks_, i), size_);
    // p + 1 is in the same block but for the block's last parent.
    const uint64_t next =
        i + 1 < kFirstBlock ? k.Value(blocks_, i + 1) : BlockOf(p + 1).Value(blocks_, 0);
    const uint64_t e = std::min<uint64_t>(next, size_);
    *begin = static_cast<uint32_t>(b);
    *count = static_cast<uint32_t>(e > b ? e - b : 0);
  }
  void PrefetchChildren(EntryIndex p) const {
    const Block k = BlockOf(p);
    ::grams::Prefetch(blocks_ + k.offset);
    ::grams::Prefetch(blocks_ + k.offset + 4 + (((p % kFirstBlock) * k.width) >> 3));
  }

  WordId Word(uint64_t i) const {
    // Words of 16 bits (a vocabulary of 32,769 to 65,536 words, Brown's)
    // are a little-endian uint16 array: one load, no shift or mask. The
    // searches read a word a step; this is 5-8% of the trie layout's time
    // on 5x brown train (a 4-byte load and shift instead of the 8-byte
    // one: no gain).
    if (word_bits_ == 16) {
      uint16_t w;
      std::memcpy(&w, words_ + 2 * i, 2);
      return w;
    }
    const uint64_t bit = i * word_bits_;
    uint64_t v;
    std::memcpy(&v, words_ + (bit >> 3), 8);
    return static_cast<WordId>((v >> (bit & 7)) & word_mask_);
  }
  void PrefetchWord(uint64_t i) const { ::grams::Prefetch(words_ + ((i * word_bits_) >> 3)); }

  const float* Values(uint64_t e) const { return values_ + e * stride_; }

 private:
  // A block of FIRST, as its directory entry describes it.
  struct Block {
    uint64_t offset;  // in the blocks' bytes
    uint32_t width;   // bits a value
    // The block's value i: its base plus the i-th delta.
    uint32_t Value(const unsigned char* blocks, uint64_t i) const {
      uint32_t base;
      std::memcpy(&base, blocks + offset, 4);
      const uint64_t bit = i * width;
      uint64_t v;
      std::memcpy(&v, blocks + offset + 4 + (bit >> 3), 8);
      return base + static_cast<uint32_t>((v >> (bit & 7)) & ((uint64_t{1} << width) - 1));
    }
  };
  Block BlockOf(uint64_t p) const {
    uint64_t d;
    std::memcpy(&d, dir_ + (p / kFirstBlock) * 8, 8);
    return Block{d >> 6, static_cast<uint32_t>(d & 63)};
  }

  uint64_t size_ = 0;
  uint64_t lower_ = 0;
  const unsigned char* dir_ = nullptr;
  const unsigned char* blocks_ = nullptr;
  uint64_t limit_ = 0;  // the last offset of the blocks' bytes an 8-byte load may start at
  const unsigned char* words_ = nullptr;
  uint32_t word_bits_ = 1;
  uint32_t word_mask_ = 1;
  const float* values_ = nullptr;
  size_t stride_ = 1;
};

// A packed trie's orders: level(n) for n >= 2.
using PackedTrie = TrieLevels<PackedLevel>;

}  // namespace grams::query

#endif  // GRAMS_QUERY_PACKED_TRIE_H_
