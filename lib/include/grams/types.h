// Core scalar types and reserved vocabulary ids shared by every stage.
#ifndef GRAMS_TYPES_H_
#define GRAMS_TYPES_H_

#include <cstdint>

namespace grams {

using WordId = uint32_t;      // index into the Vocabulary
using Count = uint64_t;       // an n-gram count
using EntryIndex = uint32_t;  // index of an n-gram within its order of a trie

// Reserved ids: every vocabulary starts with these three, in this order.
inline constexpr WordId kUnkId = 0;  // <unk>
inline constexpr WordId kBosId = 1;  // <s>
inline constexpr WordId kEosId = 2;  // </s>
inline constexpr int kNumReservedWords = 3;

inline constexpr const char* kUnkWord = "<unk>";
inline constexpr const char* kBosWord = "<s>";
inline constexpr const char* kEosWord = "</s>";

// The highest order any tool accepts. Nothing is sized by it at compile time:
// it only bounds user input.
inline constexpr int kMaxOrder = 255;

}  // namespace grams

#endif  // GRAMS_TYPES_H_
