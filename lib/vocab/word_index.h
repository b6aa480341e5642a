// WordIndex: the index scoring looks words up in. It is the VOCAB_INDEX of
// the mapped model file (docs/FORMAT.md, "Mapped model file"), read where
// it lies there, and the same index built in memory for a model loaded
// from a model file or ARPA (BuildWordIndex), so that both forms look words
// up with one code path.
//
// An index is a power-of-two array of 16-byte slots, at most half full,
// probed linearly from hash & mask: {tag << 32 | (id + 1), place}, all zero
// when empty; tag is the top 32 bits of WordHash(word). The place says where
// to compare the word: a word of up to 7 bytes is in the slot itself (bit
// 63 set, its length in bits 56-62, its bytes in bits 0-55, byte i at bit
// 8i); a longer one is its length (bits 40-62, kLongWord for 2^23 - 1 bytes
// and more) and its offset in the strings (bits 0-39). A lookup thus reads
// one cache line for most words, and one more for a long word, never the
// offsets of every word.
//
// Lookups are safe on a damaged index (a mapped file): every offset is
// checked against the strings, every id against the vocabulary size, and
// probes end after a full turn.
#ifndef GRAMS_VOCAB_WORD_INDEX_H_
#define GRAMS_VOCAB_WORD_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "grams/types.h"
#include "grams/vocabulary.h"

namespace grams {

inline constexpr size_t kWordIndexSlotBytes = 16;

// The hash of the index: a fixed function of the bytes (part of the mapped
// format), the same on every machine. 8 bytes at a time (little-endian),
// each folded in with a multiply and a shift; the length seeds the state;
// SplitMix64's finalizer mixes the end.
uint64_t WordHash(std::string_view word);

// The slots of a vocabulary whose words are `words` (id order), back to
// back at offsets[id] in their strings. Returns the number of slots (a power
// of two, >= 8 and >= 2 V) and fills *slots with 2 uint64 a slot. False if
// the strings take 2^40 bytes or more (offsets do not fit a place).
bool BuildWordIndex(const Vocabulary& vocab, const std::vector<uint64_t>& offsets,
                    std::vector<uint64_t>* slots, uint64_t* count);

// A read-only index and what its places point into.
struct WordIndexView {
  const uint64_t* slots = nullptr;  // 2 uint64 a slot
  uint64_t mask = 0;                // slot count - 1
  const char* strings = nullptr;    // the words, back to back
  uint64_t string_bytes = 0;
  uint64_t vocab_size = 0;
  // The word of an id, for words of kLongWord bytes or more (and only for
  // them): "" if it cannot be had.
  std::string_view (*word)(const void* owner, WordId id) = nullptr;
  const void* owner = nullptr;

  // The id of `word`, or Vocabulary::kNotFound.
  WordId Find(std::string_view word) const;
  // ids[i] = Find(words[i]) for i < n: the lookups of many words at once,
  // their cache misses overlapped (hashes first, every slot prefetched,
  // then the slots read, the strings of long words prefetched, then
  // compared).
  void FindMany(const std::string_view* words, size_t n, WordId* ids) const;
  // Splits `text` into words at KenLM's separators (SplitWords), appending
  // each to *words and its id (or `missing`) to *ids: FindMany with the
  // split and the hashes in one pass over the bytes.
  void FindWords(std::string_view text, std::vector<std::string_view>* words,
                 std::vector<WordId>* ids, WordId missing = Vocabulary::kNotFound) const;

 private:
  // FindMany of m <= 32 words whose hashes are known, and the places of
  // those of up to 7 bytes (InlinePlace; any value for the others); a word
  // not found gets `missing`.
  void FindHashed(const std::string_view* words, const uint64_t* hashes,
                  const uint64_t* inline_places, size_t m, WordId* ids, WordId missing) const;
};

}  // namespace grams

#endif  // GRAMS_VOCAB_WORD_INDEX_H_
