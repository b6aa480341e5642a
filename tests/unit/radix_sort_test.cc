// The sorts under counting: RadixSortByKey (stable, any thread count) and
// SortInPlace64 against the standard library's.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "util/radix_sort.h"

namespace grams {
namespace {

std::vector<KeyValue> RandomPairs(size_t n, uint64_t key_range, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<KeyValue> items(n);
  for (size_t i = 0; i < n; ++i) items[i] = {rng() % key_range, static_cast<uint32_t>(i)};
  return items;
}

TEST(RadixSortTest, ByKeyIsStableAndTheSameOnAnyNumberOfThreads) {
  // Few distinct keys: stability matters; many: every digit pass runs.
  for (uint64_t range : {uint64_t{1000}, uint64_t{1} << 44, ~uint64_t{0}}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{200000}}) {
      const std::vector<KeyValue> input = RandomPairs(n, range, static_cast<uint32_t>(n + range));
      std::vector<KeyValue> want = input;
      std::stable_sort(want.begin(), want.end(),
                       [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
      for (int threads : {1, 2, 3, 8}) {
        std::vector<KeyValue> got = input;
        RadixSortByKey(&got, threads);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(got[i].key, want[i].key)
              << "range " << range << ", n " << n << ", threads " << threads;
          ASSERT_EQ(got[i].value, want[i].value) << "not stable at " << i;
        }
      }
    }
  }
}

TEST(RadixSortTest, InPlace64MatchesStdSort) {
  std::mt19937_64 rng(7);
  for (size_t n : {size_t{2}, size_t{5000}, size_t{300000}}) {
    std::vector<uint64_t> input(n);
    for (auto& v : input) v = rng() >> (rng() % 40);
    std::vector<uint64_t> want = input;
    std::sort(want.begin(), want.end());
    for (int threads : {1, 2, 5}) {
      std::vector<uint64_t> got = input;
      SortInPlace64(&got, threads);
      EXPECT_EQ(got, want) << "n " << n << ", threads " << threads;
    }
  }
}

}  // namespace
}  // namespace grams
