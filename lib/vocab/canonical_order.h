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
// are made and sorted on `threads` threads, then merged on them too.
// count_of and word_of are called from those threads at once. Words must
// be distinct (the order of equal words is unspecified).
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
  // Each thread makes its slice's ranks and sorts them.
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
  // The sorted slices merged pairwise, round by round, each round's output
  // cut into T pieces along the merge path so that every thread writes
  // one: the item at output position p is found by a binary search for how
  // many of the first p come from the left run (ties go left, as
  // std::merge takes them).
  std::vector<Rank> other(T > 1 ? n : 0);
  Rank* src = ranks.data();
  Rank* dst = other.data();
  for (size_t width = 1; width < static_cast<size_t>(T); width *= 2) {
    for (size_t a = 0; a < static_cast<size_t>(T); a += 2 * width) {
      const size_t lo = cut[a], mid = cut[std::min<size_t>(a + width, T)],
                   hi = cut[std::min<size_t>(a + 2 * width, T)];
      // How many of the first p outputs come from [lo, mid).
      auto split = [&](size_t p) {
        size_t from = p > hi - mid ? p - (hi - mid) : 0, to = std::min(p, mid - lo);
        while (from < to) {  // the least i with !(right[p - i - 1] < left[i])
          const size_t i = from + (to - from) / 2;
          if (less(src[mid + p - i - 1], src[lo + i])) {
            to = i;
          } else {
            from = i + 1;
          }
        }
        return from;
      };
      RunOnThreads(T, [&](int t) {
        const size_t p0 = (hi - lo) * t / T, p1 = (hi - lo) * (t + 1) / T;
        const size_t i0 = split(p0), i1 = split(p1);
        std::merge(src + lo + i0, src + lo + i1, src + mid + (p0 - i0), src + mid + (p1 - i1),
                   dst + lo + p0, less);
      });
    }
    std::swap(src, dst);
  }
  std::vector<uint32_t> order(n);
  RunOnThreads(T, [&](int t) {
    for (size_t i = cut[t]; i < cut[t + 1]; ++i) order[i] = src[i].index;
  });
  return order;
}

}  // namespace grams

#endif  // GRAMS_VOCAB_CANONICAL_ORDER_H_
