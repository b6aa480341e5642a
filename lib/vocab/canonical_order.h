// The canonical order of a vocabulary (docs/FORMAT.md, "Vocabulary"): the
// reserved words <unk>, <s>, </s> keep ids 0, 1 and 2, and the other words
// follow by descending count, ties by their bytes (compared as unsigned
// bytes; a prefix comes before its extensions). The counter (and so the
// merge of counts files) and the vocabulary limits of the estimator
// (estimate/vocab_limit.cc) number words this way, both through
// SortCanonically: this is the one definition.
#ifndef GRAMS_VOCAB_CANONICAL_ORDER_H_
#define GRAMS_VOCAB_CANONICAL_ORDER_H_

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/threads.h"

namespace grams {

// Sorts the words 0 .. n-1, none of them reserved, into canonical order and
// returns their indices in that order: word i has count count_of(i) and
// bytes word_of(i) (a std::string_view that stays valid during the call).
//
// Half the words of a corpus or so occur once, so most comparisons are of
// bytes: each word carries its first 8 bytes as a number (big-endian and
// zero-padded, so it orders as the bytes do), and the strings themselves
// are compared only when those are equal. With more than 64K words, slices
// are made and sorted on `threads` threads, then merged. count_of and
// word_of are called from those threads at once. Words must be distinct
// (the order of equal words is unspecified).
template <typename CountOf, typename WordOf>
std::vector<uint32_t> SortCanonically(size_t n, CountOf count_of, WordOf word_of, int threads = 1) {
  struct Rank {
    uint64_t count, prefix;
    uint32_t index;
  };
  auto less = [&word_of](const Rank& a, const Rank& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return word_of(a.index) < word_of(b.index);
  };
  const int T = n < (1u << 16) ? 1 : std::max(1, threads);
  std::vector<size_t> cut(T + 1);
  for (int t = 0; t <= T; ++t) cut[t] = n * t / T;
  // Each thread makes its slice's ranks and sorts them; the slices are
  // then merged in place.
  std::vector<Rank> ranks(n);
  RunOnThreads(T, [&](int t) {
    for (size_t i = cut[t]; i < cut[t + 1]; ++i) {
      const std::string_view w = word_of(i);
      uint64_t prefix = 0;
      for (size_t k = 0; k < 8; ++k) {
        prefix = prefix << 8 | (k < w.size() ? static_cast<unsigned char>(w[k]) : 0);
      }
      ranks[i] = {static_cast<uint64_t>(count_of(i)), prefix, static_cast<uint32_t>(i)};
    }
    std::sort(ranks.begin() + cut[t], ranks.begin() + cut[t + 1], less);
  });
  for (int t = 1; t < T; ++t) {
    std::inplace_merge(ranks.begin(), ranks.begin() + cut[t], ranks.begin() + cut[t + 1], less);
  }
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = ranks[i].index;
  return order;
}

}  // namespace grams

#endif  // GRAMS_VOCAB_CANONICAL_ORDER_H_
