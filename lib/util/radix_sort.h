// LSD radix sort of (64-bit key, 32-bit value) pairs: stable, linear time,
// and only as many passes as the largest key has significant bits.
#ifndef GRAMS_UTIL_RADIX_SORT_H_
#define GRAMS_UTIL_RADIX_SORT_H_

#include <cstdint>
#include <vector>

namespace grams {

struct KeyValue {
  uint64_t key;
  uint32_t value;
};

// Sorts `items` by key ascending (stable). Uses a scratch buffer of equal size.
inline void RadixSortByKey(std::vector<KeyValue>* items) {
  const size_t n = items->size();
  if (n < 2) return;
  uint64_t max_key = 0;
  for (const auto& kv : *items) max_key |= kv.key;
  int bits = 0;
  while (bits < 64 && (max_key >> bits) != 0) ++bits;
  constexpr int kDigit = 11;
  constexpr size_t kBuckets = size_t{1} << kDigit;
  std::vector<KeyValue> scratch(n);
  std::vector<size_t> count(kBuckets);
  std::vector<KeyValue>* src = items;
  std::vector<KeyValue>* dst = &scratch;
  for (int shift = 0; shift < bits; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& kv : *src) ++count[(kv.key >> shift) & (kBuckets - 1)];
    size_t sum = 0;
    for (auto& c : count) {
      size_t t = c;
      c = sum;
      sum += t;
    }
    for (const auto& kv : *src) (*dst)[count[(kv.key >> shift) & (kBuckets - 1)]++] = kv;
    std::swap(src, dst);
  }
  if (src != items) items->swap(*src);
}

}  // namespace grams

#endif  // GRAMS_UTIL_RADIX_SORT_H_
