#include "grams/vocabulary.h"

#include <atomic>
#include <cstring>
#include <functional>

namespace grams {

namespace {

// The capacity in force (tests lower it): read once per new word only.
std::atomic<size_t> max_words_in_force{Vocabulary::kMaxWords};

}  // namespace

size_t Vocabulary::max_words() { return max_words_in_force.load(std::memory_order_relaxed); }

void Vocabulary::SetMaxWordsForTesting(size_t max_words) {
  if (max_words == 0 || max_words > kMaxWords) max_words = kMaxWords;
  if (max_words < kNumReservedWords) max_words = kNumReservedWords;
  max_words_in_force.store(max_words, std::memory_order_relaxed);
}

std::string Vocabulary::TooManyWords() {
  return "more than " + std::to_string(max_words()) +
         " distinct words: the vocabulary of a grams model is limited to 32-bit ids";
}

uint64_t Vocabulary::Hash(std::string_view word) {
  uint64_t h = std::hash<std::string_view>()(word);
  // std::hash may be weak in the high bits; finish with a 64-bit mix.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

Vocabulary::Vocabulary() {
  offsets_.push_back(0);
  slots_.assign(64, 0);
  mask_ = 63;
  FindOrInsert(kUnkWord);
  FindOrInsert(kBosWord);
  FindOrInsert(kEosWord);
}

void Vocabulary::Reserve(size_t words, size_t bytes) {
  arena_.reserve(bytes);
  offsets_.reserve(words + 1);
  uint64_t size = mask_ + 1;
  while (size < words * 2) size *= 2;
  if (size > mask_ + 1) Rehash(size);  // once, not doubling by steps
}

// A slot is (high 32 bits of the hash) << 32 | (id + 1); 0 = empty. Keeping
// the tag beside the id costs one cache miss per probe, not two.
WordId Vocabulary::Find(std::string_view word, uint64_t hash) const {
  const uint64_t tag = hash >> 32;
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const uint64_t s = slots_[i];
    if (s == 0) return kNotFound;
    if ((s >> 32) == tag) {
      const WordId id = static_cast<WordId>(s & 0xffffffffu) - 1;
      if (Word(id) == word) return id;
    }
  }
}

WordId Vocabulary::FindOrInsert(std::string_view word, uint64_t hash) {
  const uint64_t tag = hash >> 32;
  uint64_t i = hash & mask_;
  for (;; i = (i + 1) & mask_) {
    const uint64_t s = slots_[i];
    if (s == 0) break;
    if ((s >> 32) == tag) {
      const WordId id = static_cast<WordId>(s & 0xffffffffu) - 1;
      if (Word(id) == word) return id;
    }
  }
  if (size() >= max_words()) return kNotFound;  // full: a new word only
  const WordId id = static_cast<WordId>(size());
  arena_.insert(arena_.end(), word.begin(), word.end());
  offsets_.push_back(arena_.size());
  slots_[i] = (tag << 32) | (static_cast<uint64_t>(id) + 1);
  if (size() * 2 > mask_ + 1) Rehash((mask_ + 1) * 2);
  return id;
}

void Vocabulary::Rehash(uint64_t new_size) {
  std::vector<uint64_t> slots(new_size, 0);
  uint64_t mask = new_size - 1;
  for (WordId id = 0; id < size(); ++id) {
    uint64_t h = Hash(Word(id));
    uint64_t i = h & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = ((h >> 32) << 32) | (static_cast<uint64_t>(id) + 1);
  }
  slots_.swap(slots);
  mask_ = mask;
}

bool Vocabulary::FromWords(const std::vector<std::string_view>& words, Vocabulary* out) {
  Vocabulary v;
  if (words.size() < kNumReservedWords || words[kUnkId] != kUnkWord || words[kBosId] != kBosWord ||
      words[kEosId] != kEosWord || words.size() > max_words()) {
    return false;
  }
  size_t bytes = 0;
  for (auto w : words) bytes += w.size();
  v.Reserve(words.size(), bytes);
  for (size_t i = kNumReservedWords; i < words.size(); ++i) {
    if (v.FindOrInsert(words[i]) != i) return false;
  }
  *out = std::move(v);
  return true;
}

}  // namespace grams
