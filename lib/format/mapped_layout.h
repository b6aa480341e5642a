// The byte layout of the mapped model file (docs/FORMAT.md, "Mapped model
// file") that its writer (mapped_writer.cc) and its reader (mapped_model.cc)
// share: sizes and alignments, section ids, the vocabulary index's slots and
// the header's key/values. Internal to those two files.
#ifndef GRAMS_FORMAT_MAPPED_LAYOUT_H_
#define GRAMS_FORMAT_MAPPED_LAYOUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/coding.h"

namespace grams::mapped {

inline constexpr size_t kFixedHeaderBytes = 64;
inline constexpr size_t kSectionEntryBytes = 48;
inline constexpr uint64_t kMaxHeaderBytes = 64u << 20;
inline constexpr uint64_t kSectionAlign = 64;
inline constexpr uint64_t kTableAlign = 4096;
inline constexpr uint64_t kHugeAlign = uint64_t{2} << 20;
// The tables start on a 2 MiB boundary when they are at least this large, so
// that the kernel can map them with huge pages; smaller files stay small.
inline constexpr uint64_t kHugeAlignFrom = uint64_t{4} << 20;

enum SectionType : uint32_t {
  kVocabIndex = 1,    // 16-byte slots {tag, id + 1, place}; all zero = empty
  kVocabOffsets = 2,  // uint64 x (V + 1): word i is strings[offsets[i], offsets[i+1])
  kVocabStrings = 3,  // the words' bytes, back to back
  kUnigrams = 4,      // V records of kUnigramBytes
  kTable = 5,         // one shard of one order's table
  // The trie layout (query/packed_trie.h), per order n >= 2:
  kTrieFirst = 6,   // where each entry of order n-1's children begin
  kTrieWords = 7,   // each entry's word, packed
  kTrieValues = 8,  // each entry's log10 prob (and backoff), float32
};

inline uint32_t SectionIdOf(uint32_t type, uint32_t order, uint32_t shard) {
  return (type << 16) | (order << 8) | shard;
}

// The section ids of a model of order N and layout `trie` (kind 2) or not
// (kind 1), in file order.
inline std::vector<uint32_t> ExpectedIds(uint32_t order, bool trie) {
  std::vector<uint32_t> ids = {SectionIdOf(kVocabIndex, 0, 0), SectionIdOf(kVocabOffsets, 0, 0),
                               SectionIdOf(kVocabStrings, 0, 0), SectionIdOf(kUnigrams, 1, 0)};
  for (uint32_t n = 2; n <= order; ++n) {
    if (trie) {
      ids.push_back(SectionIdOf(kTrieFirst, n, 0));
      ids.push_back(SectionIdOf(kTrieWords, n, 0));
      ids.push_back(SectionIdOf(kTrieValues, n, 0));
    } else {
      ids.push_back(SectionIdOf(kTable, n, 0));
      ids.push_back(SectionIdOf(kTable, n, 1));
    }
  }
  return ids;
}

inline std::string SectionName(uint32_t id) {
  switch (id >> 16) {
    case kVocabIndex:
      return "the vocabulary index";
    case kVocabOffsets:
      return "the vocabulary offsets";
    case kVocabStrings:
      return "the vocabulary strings";
    case kUnigrams:
      return "the unigrams";
    case kTrieFirst:
      return "the order " + std::to_string((id >> 8) & 0xff) + " children";
    case kTrieWords:
      return "the order " + std::to_string((id >> 8) & 0xff) + " words";
    case kTrieValues:
      return "the order " + std::to_string((id >> 8) & 0xff) + " values";
    default:
      return "the order " + std::to_string((id >> 8) & 0xff) + " table (shard " +
             std::to_string(id & 0xff) + ")";
  }
}

inline uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// The vocabulary index's slots are vocab/word_index.h's (kWordIndexSlotBytes).

inline void PutKeyValues(std::string* out,
                         const std::vector<std::pair<std::string, std::string>>& kv) {
  PutVarint64(out, kv.size());
  for (const auto& [k, v] : kv) {
    PutLengthPrefixed(out, k);
    PutLengthPrefixed(out, v);
  }
}

inline bool GetKeyValues(const char** p, const char* end,
                         std::vector<std::pair<std::string, std::string>>* kv) {
  uint64_t n;
  if (!GetVarint64(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetLengthPrefixed(p, end, &k) || !GetLengthPrefixed(p, end, &v)) return false;
    kv->emplace_back(std::string(k), std::string(v));
  }
  return true;
}

}  // namespace grams::mapped

#endif  // GRAMS_FORMAT_MAPPED_LAYOUT_H_
