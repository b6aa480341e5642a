// The sorts under counting: RadixSortByKey (stable, any thread count) and
// SortInPlace64 against the standard library's.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
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

// Keys whose digits are the same in every item for some passes (skipped:
// they would move nothing), leaving an even or an odd number of passes that
// move items (the last one ends in the scratch, copied back), or none at all.
TEST(RadixSortTest, ByKeySkipsTheDigitsEveryItemShares) {
  std::mt19937_64 rng(11);
  const size_t n = 100000;
  // key(i): varying bits (lo) below, a constant run in the middle, varying
  // bits (hi) above it.
  struct Shape {
    int lo_bits, gap_bits, hi_bits;
  };
  for (Shape shape : {Shape{11, 22, 20}, Shape{11, 11, 11}, Shape{0, 40, 3}, Shape{0, 50, 0}}) {
    std::vector<KeyValue> input(n);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t lo = shape.lo_bits ? rng() % (uint64_t{1} << shape.lo_bits) : 0;
      const uint64_t hi = shape.hi_bits ? rng() % (uint64_t{1} << shape.hi_bits) : 0;
      // A constant 1 at the top of the gap, so that the keys have bits above it.
      const uint64_t gap = uint64_t{1} << (shape.lo_bits + shape.gap_bits - 1);
      input[i] = {hi << (shape.lo_bits + shape.gap_bits) | gap | lo, static_cast<uint32_t>(i)};
    }
    std::vector<KeyValue> want = input;
    std::stable_sort(want.begin(), want.end(),
                     [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
    for (int threads : {1, 2, 3}) {
      std::vector<KeyValue> got = input;
      RadixSortByKey(got.data(), got.size(), threads);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(got[i].key, want[i].key) << "lo " << shape.lo_bits << ", gap " << shape.gap_bits
                                           << ", hi " << shape.hi_bits << ", threads " << threads;
        ASSERT_EQ(got[i].value, want[i].value) << "not stable at " << i;
      }
    }
  }
}

TEST(RadixSortTest, InPlace64MatchesStdSort) {
  std::mt19937_64 rng(7);
  // Values of every size; uniform ones; values below 2^11 (no shift); most
  // values in the top bucket, so that no bucket cuts the values in two
  // halves (one flag pass on one thread), and which SortBucket64 splits
  // again and again; and 50 values many times over, buckets that stay
  // whole down to the last bit.
  auto spread = [&] { return rng() >> (rng() % 40); };
  auto uniform = [&] { return rng(); };
  auto narrow = [&] { return rng() % 2000; };
  auto top = [&] {
    return rng() % 10 == 0 ? rng() % 1000 : (uint64_t{1} << 40) - 1 - rng() % 1000;
  };
  auto repeated = [&] { return (rng() % 50) << 30 | 12345; };
  const std::function<uint64_t()> kinds[] = {spread, uniform, narrow, top, repeated};
  for (size_t n : {size_t{2}, size_t{5000}, size_t{300000}}) {
    for (const auto& kind : kinds) {
      std::vector<uint64_t> input(n);
      for (auto& v : input) v = kind();
      std::vector<uint64_t> want = input;
      std::sort(want.begin(), want.end());
      for (int threads : {1, 2, 5}) {
        std::vector<uint64_t> got = input;
        SortInPlace64(&got, threads);
        EXPECT_EQ(got, want) << "n " << n << ", threads " << threads;
      }
    }
  }
}

// SortSmall, a bucket's sort: values below 2^bits, spread, crowded into a
// few runs of equal top bits (long runs go to std::sort), or with equal
// values; every size from one value to past the counting pass's threshold.
TEST(RadixSortTest, SortSmallMatchesStdSort) {
  std::mt19937_64 rng(23);
  std::vector<uint64_t> scratch;
  for (int bits : {1, 9, 30, 55, 64}) {
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    auto spread = [&] { return rng() & mask; };
    auto crowded = [&] { return ((rng() % 3) << (bits - 1) | (rng() & 1023)) & mask; };
    auto equal = [&] { return (rng() % 4) & mask; };
    const std::function<uint64_t()> kinds[] = {spread, crowded, equal};
    for (size_t n : {size_t{0}, size_t{1}, size_t{24}, size_t{25}, size_t{700}, size_t{9000}}) {
      for (const auto& kind : kinds) {
        std::vector<uint64_t> input(n);
        for (auto& v : input) v = kind();
        std::vector<uint64_t> want = input;
        std::sort(want.begin(), want.end());
        const uint64_t* got = SortSmall(input.data(), n, bits, &scratch);
        EXPECT_EQ(std::vector<uint64_t>(got, got + n), want) << "n " << n << ", bits " << bits;
      }
    }
  }
}

}  // namespace
}  // namespace grams
