// Vocabulary: a bijection between unit strings and dense WordIds.
// Ids 0, 1, 2 are always <unk>, <s>, </s>. Not thread-safe for writes;
// concurrent Find() calls on an unchanging Vocabulary are safe.
#ifndef GRAMS_VOCABULARY_H_
#define GRAMS_VOCABULARY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/types.h"

namespace grams {

class GRAMS_EXPORT Vocabulary {
 public:
  static constexpr WordId kNotFound = UINT32_MAX;

  // The most words a Vocabulary holds, the reserved ones included: ids run
  // from 0 to kMaxWords - 1 = 4294967293, below every sentinel WordId
  // (kNotFound, Index::kUnknownUnit, the mixer's absent word: all
  // UINT32_MAX), and a model's vocabulary size stays within what its
  // readers accept (2^32 - 2). FindOrInsert of a new word into a full
  // vocabulary returns kNotFound; callers turn that into a Status error
  // (see TooManyWords).
  static constexpr size_t kMaxWords = size_t{UINT32_MAX} - 1;

  // The capacity in force: kMaxWords, unless a test lowered it.
  static size_t max_words();
  // For tests only: the capacity of every Vocabulary becomes `max_words`
  // (at least kNumReservedWords; 0 or anything above kMaxWords restores
  // kMaxWords). Not for use while another thread inserts words.
  static void SetMaxWordsForTesting(size_t max_words);
  // The end of the error a caller reports when FindOrInsert refuses a word:
  // "more than 4294967294 distinct words: the vocabulary of a grams model
  // is limited to 32-bit ids" (with the capacity in force).
  static std::string TooManyWords();

  // A vocabulary holding only <unk>, <s>, </s>.
  Vocabulary();

  // Number of words, reserved ones included.
  size_t size() const { return offsets_.size() - 1; }

  // The id of `word`, or kNotFound.
  WordId Find(std::string_view word) const { return Find(word, Hash(word)); }
  WordId Find(std::string_view word, uint64_t hash) const;

  // The id of `word`, adding it with the next free id if new; kNotFound
  // (nothing added) if it is new and the vocabulary already holds
  // max_words() words.
  WordId FindOrInsert(std::string_view word) { return FindOrInsert(word, Hash(word)); }
  WordId FindOrInsert(std::string_view word, uint64_t hash);
  // Starts loading the slot where a lookup of a word of this Hash() begins,
  // for a caller that hashes many words before looking them up.
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  // The word with id `id`. REQUIRES: id < size(). The words lie back to
  // back in id order: Word(id) starts Word(id).data() - Word(0).data()
  // bytes into the arena_bytes() of them all.
  std::string_view Word(WordId id) const {
    return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }

  // Total bytes of all words (for sizing buffers).
  size_t arena_bytes() const { return arena_.size(); }

  static uint64_t Hash(std::string_view word);

  // A vocabulary whose id i is words[i]. REQUIRES: words[0..2] are the
  // reserved words, all words are distinct and there are at most
  // max_words() of them (returns false otherwise).
  static bool FromWords(const std::vector<std::string_view>& words, Vocabulary* out);

  void Reserve(size_t words, size_t bytes);

 private:
  // Rehashes into a table of `size` slots (a power of two, more than twice
  // the words).
  void Rehash(uint64_t size);

  std::vector<char> arena_;
  std::vector<uint64_t> offsets_;  // size()+1 entries
  std::vector<uint64_t> slots_;    // hash tag << 32 | id+1, 0 = empty; linear probing
  uint64_t mask_ = 0;
};

}  // namespace grams

#endif  // GRAMS_VOCABULARY_H_
