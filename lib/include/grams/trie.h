// NgramTrie: the sorted set of n-grams of orders 1..N shared by counts and
// models.
//
// Order n (level n-1 here) is a list of entries sorted by (parent, word):
// entry i is the n-gram whose first n-1 words are entry parents[i] of the
// level below and whose last word is words[i]. Level 0 (unigrams) holds every
// vocabulary word: entry i is word i, and it has no parents. The children of
// an entry are therefore contiguous, which is what the file formats store
// (a child count per parent) and what the estimator walks.
#ifndef GRAMS_TRIE_H_
#define GRAMS_TRIE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "grams/export.h"
#include "grams/types.h"

namespace grams {

struct GRAMS_EXPORT TrieLevel {
  std::vector<WordId> words;
  std::vector<EntryIndex> parents;  // empty at level 0
  size_t size() const { return words.size(); }
};

struct GRAMS_EXPORT NgramTrie {
  std::vector<TrieLevel> levels;  // levels[n-1] holds the n-grams

  int order() const { return static_cast<int>(levels.size()); }
  // Writes the word ids of entry `index` of order `n` into out[0..n-1].
  void Ngram(int n, EntryIndex index, WordId* out) const;
  // Returns offsets o with size = entries of order n-1, plus one: the children
  // of entry p of order n-1 are entries [o[p], o[p+1]) of order n. REQUIRES: n >= 2.
  std::vector<EntryIndex> ChildOffsets(int n) const;
  // The entry of the n-gram ids[0..n) among the entries of order n, or -1
  // if the trie does not hold it: binary search, level by level (each level
  // is sorted by parent, then word).
  int64_t Find(const WordId* ids, int n) const;
};

}  // namespace grams

#endif  // GRAMS_TRIE_H_
