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
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/threads.h"

namespace grams {

// Sorts the words 0 .. n-1, none of them reserved, into canonical order and
// returns their indices in that order: word i has count count_of(i) and
// bytes word_of(i) (a std::string_view that stays valid during the call).
//
// Most words of a corpus occur a few times, so the words are first
// distributed into buckets: one per count below kSmallCount and first byte,
// and one per power of two above (in place of most of the comparisons of a
// single sort; the buckets are then sorted on `threads` threads at once).
// Within a bucket, each word carries its first 8 bytes as a number
// (big-endian and zero-padded, so it orders as the bytes do) and the
// strings themselves are compared only when those are equal. count_of and
// word_of are called from those threads at once, and more than once per
// word. Words must be distinct (the order of equal words is unspecified,
// as is which thread sorts which bucket: the result is the same).
template <typename CountOf, typename WordOf>
std::vector<uint32_t> SortCanonically(size_t n, CountOf count_of, WordOf word_of, int threads = 1) {
  constexpr uint64_t kSmallCount = 64;
  // Larger counts: one bucket per power of two, the highest first (bucket
  // 0 .. kLarge-1: the leading zero bits of the count); then the smaller
  // ones by count, descending, and first byte, ascending.
  constexpr size_t kLarge = 64 - 6;  // (kSmallCount = 2^6)
  constexpr size_t kBuckets = kLarge + kSmallCount * 256;
  struct Key {
    uint64_t prefix;
    uint32_t index;
  };
  auto prefix_of = [](std::string_view w) {
    uint64_t prefix = 0;
    for (size_t k = 0; k < 8; ++k) {
      prefix = prefix << 8 | (k < w.size() ? static_cast<unsigned char>(w[k]) : 0);
    }
    return prefix;
  };
  auto bucket_of = [](uint64_t count, uint64_t prefix) -> size_t {
    if (count >= kSmallCount) return static_cast<size_t>(__builtin_clzll(count));
    return kLarge + (kSmallCount - 1 - count) * 256 + (prefix >> 56);
  };
  const int T = n < (1u << 16) ? 1 : std::max(1, threads);
  std::vector<size_t> cut(T + 1);
  for (int t = 0; t <= T; ++t) cut[t] = n * t / T;
  // Each thread counts its slice's words per bucket, then places them
  // (after the same buckets' words of the slices before it).
  std::vector<std::vector<size_t>> at(T, std::vector<size_t>(kBuckets, 0));
  RunOnThreads(T, [&](int t) {
    for (size_t i = cut[t]; i < cut[t + 1]; ++i) {
      ++at[t][bucket_of(static_cast<uint64_t>(count_of(i)), prefix_of(word_of(i)))];
    }
  });
  std::vector<size_t> begin(kBuckets + 1, 0);
  for (size_t b = 0; b < kBuckets; ++b) {
    size_t sum = begin[b];
    for (int t = 0; t < T; ++t) {
      const size_t words = at[t][b];
      at[t][b] = sum;
      sum += words;
    }
    begin[b + 1] = sum;
  }
  std::vector<Key> keys(n);
  RunOnThreads(T, [&](int t) {
    std::vector<size_t>& next = at[t];
    for (size_t i = cut[t]; i < cut[t + 1]; ++i) {
      const uint64_t prefix = prefix_of(word_of(i));
      keys[next[bucket_of(static_cast<uint64_t>(count_of(i)), prefix)]++] = {
          prefix, static_cast<uint32_t>(i)};
    }
  });
  // The buckets sorted, the largest first, each by the thread free next.
  std::vector<uint32_t> todo;
  for (size_t b = 0; b < kBuckets; ++b)
    if (begin[b + 1] - begin[b] > 1) todo.push_back(static_cast<uint32_t>(b));
  std::stable_sort(todo.begin(), todo.end(), [&begin](uint32_t a, uint32_t b) {
    return begin[a + 1] - begin[a] > begin[b + 1] - begin[b];
  });
  auto bytes_less = [&word_of](const Key& a, const Key& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return word_of(a.index) < word_of(b.index);
  };
  auto count_less = [&count_of, &bytes_less](const Key& a, const Key& b) {
    const uint64_t ca = static_cast<uint64_t>(count_of(a.index));
    const uint64_t cb = static_cast<uint64_t>(count_of(b.index));
    return ca != cb ? ca > cb : bytes_less(a, b);
  };
  std::atomic<size_t> taken{0};
  RunOnThreads(std::min<int>(T, static_cast<int>(todo.size())), [&](int) {
    for (size_t j; (j = taken.fetch_add(1, std::memory_order_relaxed)) < todo.size();) {
      const uint32_t b = todo[j];
      if (b < kLarge) {
        std::sort(keys.begin() + begin[b], keys.begin() + begin[b + 1], count_less);
      } else {
        std::sort(keys.begin() + begin[b], keys.begin() + begin[b + 1], bytes_less);
      }
    }
  });
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = keys[i].index;
  return order;
}

}  // namespace grams

#endif  // GRAMS_VOCAB_CANONICAL_ORDER_H_
