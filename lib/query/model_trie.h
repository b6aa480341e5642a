// A model file's n-gram trie (docs/FORMAT.md, "The n-gram trie"), decoded
// for search: what a LanguageModel loaded from a model file answers queries
// from at once, while the hash tables that answer them faster are built on a
// thread of their own (language_model.cc), or instead of them
// (LoadOptions::tables). Both give the same floats: they hold the same
// values, and a token's lookups stop at the same order.
//
// Order 1's entries are the word ids. Each order n >= 2 keeps, per entry p
// of order n-1, where its children begin (first[p], first[p + 1] where the
// next parent's do), each entry's word (ascending under a parent), and its
// log10 probability and backoff side by side (one cache line holds both;
// the file's byte planes, format/trie_codec.h, would take eight).
//
// A search walks from a parent to its child by a binary search of the
// parent's words: scoring a sentence, the parent of the n-gram of order j
// ending at a token is the one of order j-1 that ended at the token before,
// already found, so a token costs one search per order it matches.
#ifndef GRAMS_QUERY_MODEL_TRIE_H_
#define GRAMS_QUERY_MODEL_TRIE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "grams/types.h"
#include "util/huge_array.h"
#include "util/prefetch.h"

namespace grams::query {

// A trie's orders, each a Level (ModelTrieLevel, or query/packed_trie.h's
// PackedLevel): level(n) for n >= 2.
template <class L>
class TrieLevels {
 public:
  using Level = L;
  explicit TrieLevels(int order) : order_(order), levels_(std::max(order, 1) + 1) {}

  int order() const { return order_; }
  Level& level(int n) { return levels_[n]; }
  const Level& level(int n) const { return levels_[n]; }

 private:
  int order_;
  std::vector<Level> levels_;  // [n] for n >= 2
};

struct ModelTrieLevel {
  // How ScoreTrie ends the search of a parent of one child (score_trie.cc).
  static constexpr bool kOneChildDoneAtOnce = false;
  uint64_t size = 0;            // entries of this order
  HugeArray<EntryIndex> first;  // per entry of order n-1, and one past the last
  // Per entry, its word: on 16 bits (short_words) when the vocabulary has
  // at most 65,536 words, half the pages to fault in and to search; else
  // on 32 (words).
  HugeArray<uint16_t> short_words;
  HugeArray<WordId> words;
  bool short_ids = false;
  // Per entry: its log10 probability, then (below the top order) its
  // log10 backoff: `stride` floats.
  HugeArray<float> values;
  size_t stride = 2;

  // What the searches read (query/packed_trie.h's PackedLevel has the
  // same): the children of entry p of order n-1, a word, the values.
  void Children(EntryIndex p, uint32_t* begin, uint32_t* count) const {
    *begin = first[p];
    *count = first[p + 1] - first[p];
  }
  void PrefetchChildren(EntryIndex p) const { ::grams::Prefetch(first.data() + p); }
  WordId Word(uint64_t i) const { return short_ids ? short_words[i] : words[i]; }
  void PrefetchWord(uint64_t i) const {
    if (short_ids) {
      ::grams::Prefetch(short_words.data() + i);
    } else {
      ::grams::Prefetch(words.data() + i);
    }
  }
  const float* Values(uint64_t e) const { return values.data() + e * stride; }
};

using ModelTrie = TrieLevels<ModelTrieLevel>;

// The entry of a trie's order n >= 2 (ModelTrie, PackedTrie) under entry
// `parent` of order n-1 whose word is w, into *child; false if there is
// none.
template <class Level>
bool ChildOf(const Level& l, EntryIndex parent, WordId w, EntryIndex* child) {
  uint32_t at, size;
  l.Children(parent, &at, &size);
  if (size == 0) return false;
  // A lower bound without branches on the words (which the processor could
  // not predict): the range halves whatever they hold.
  while (size > 1) {
    const uint32_t half = size / 2;
    at = l.Word(at + half - 1) < w ? at + half : at;
    size -= half;
  }
  if (l.Word(at) != w) return false;
  *child = at;
  return true;
}

// The entry of order n holding the n-gram ids[0..n) (oldest word first,
// each an id of the vocabulary), into *entry; false if it is not in the
// trie.
template <class Trie>
bool FindInTrie(const Trie& t, const WordId* ids, int n, EntryIndex* entry) {
  EntryIndex e = ids[0];
  for (int j = 2; j <= n; ++j) {
    if (!ChildOf(t.level(j), e, ids[j - 1], &e)) return false;
  }
  *entry = e;
  return true;
}

}  // namespace grams::query

#endif  // GRAMS_QUERY_MODEL_TRIE_H_
