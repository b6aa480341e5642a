// The corpus index's suffix sort (index/suffix_sort.h): the two-thread sort
// gives the bytes of the one-thread sort, and both the order of a plain
// comparison sort of the suffixes, on text of few and of many distinct
// ids, with repeats shorter and longer than the overlap, and beyond the
// comparison budget (both of which send it back to one thread).
#include "index/suffix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "index/index_format.h"

namespace grams::index {
namespace {

// The suffix array by comparing whole suffixes (a prefix first).
std::vector<uint64_t> Reference(const std::vector<uint32_t>& s) {
  std::vector<uint64_t> sa(s.size());
  for (size_t i = 0; i < sa.size(); ++i) sa[i] = i;
  std::sort(sa.begin(), sa.end(), [&](uint64_t a, uint64_t b) {
    return std::lexicographical_compare(s.begin() + static_cast<std::ptrdiff_t>(a), s.end(),
                                        s.begin() + static_cast<std::ptrdiff_t>(b), s.end());
  });
  return sa;
}

std::vector<uint64_t> Unpack(const std::string& packed, size_t n, int bits) {
  std::vector<uint64_t> out(n);
  const auto* p = reinterpret_cast<const unsigned char*>(packed.data());
  for (size_t i = 0; i < n; ++i) out[i] = GetPacked(p, bits, i);
  return out;
}

struct Sorted {
  std::string one, two;
  bool used_two = false;
};

Sorted SortBoth(const std::vector<uint32_t>& s, uint64_t overlap) {
  Sorted r;
  const int bits = BitsForCount(s.size());
  EXPECT_TRUE(SortSuffixes(s, bits, 1, &r.one).ok());
  EXPECT_TRUE(SortSuffixes(s, bits, 2, &r.two, /*min_parallel=*/0, overlap, &r.used_two).ok());
  return r;
}

TEST(SuffixSortTest, TwoThreadsGiveTheBytesOfOneAndTheReferenceOrder) {
  std::mt19937 rng(16);
  int two = 0, one = 0;
  for (uint32_t alphabet : {2u, 3u, 40u, 70000u}) {
    for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{17}, size_t{500}, size_t{3001}}) {
      for (uint64_t overlap : {uint64_t{1}, uint64_t{8}, uint64_t{100000}}) {
        std::vector<uint32_t> s(n);
        for (auto& id : s) id = rng() % alphabet;
        const Sorted r = SortBoth(s, overlap);
        ASSERT_EQ(r.one, r.two) << "alphabet " << alphabet << ", n " << n << ", overlap "
                                << overlap;
        if (n <= 3001) {
          ASSERT_EQ(Unpack(r.one, n, BitsForCount(n)), Reference(s))
              << "alphabet " << alphabet << ", n " << n;
        }
        (r.used_two ? two : one) += 1;
      }
    }
  }
  // Both ways were taken: few distinct ids and a short overlap repeat
  // across the cut; many ids do not.
  EXPECT_GT(two, 10);
  EXPECT_GT(one, 3);
}

TEST(SuffixSortTest, ARepeatAcrossTheCutLongerThanTheOverlapFallsBackToOneThread) {
  std::mt19937 rng(7);
  std::vector<uint32_t> x(400);
  for (auto& id : x) id = 3 + rng() % 1000;
  // x x x: the second copy spans the middle, and each position of the first
  // third's suffixes agrees with the one 400 further for 400 tokens or more.
  std::vector<uint32_t> s;
  for (int copy = 0; copy < 3; ++copy) s.insert(s.end(), x.begin(), x.end());
  Sorted r = SortBoth(s, /*overlap=*/50);
  EXPECT_FALSE(r.used_two);
  EXPECT_EQ(r.one, r.two);
  // With an overlap past the end the first half's order is exact, but its
  // neighbours share hundreds of tokens: over the budget, one thread again.
  r = SortBoth(s, /*overlap=*/2000);
  EXPECT_FALSE(r.used_two);
  EXPECT_EQ(r.one, r.two);
  EXPECT_EQ(Unpack(r.two, s.size(), BitsForCount(s.size())), Reference(s));
}

TEST(SuffixSortTest, LinesOfAnIndexStream) {
  // B line B line ... B, with lines repeated (as corpora repeat lines).
  std::mt19937 rng(3);
  std::vector<std::vector<uint32_t>> lines(50);
  for (auto& line : lines) {
    line.resize(1 + rng() % 12);
    for (auto& id : line) id = 3 + rng() % 30;
  }
  std::vector<uint32_t> s = {2};
  for (int k = 0; k < 2000; ++k) {
    const auto& line = lines[rng() % lines.size()];
    s.insert(s.end(), line.begin(), line.end());
    s.push_back(2);
  }
  for (uint64_t overlap : {uint64_t{4}, uint64_t{64}, uint64_t{65536}}) {
    const Sorted r = SortBoth(s, overlap);
    EXPECT_EQ(r.one, r.two) << "overlap " << overlap;
  }
  const Sorted r = SortBoth(s, 65536);
  EXPECT_TRUE(r.used_two);  // neighbours share a line or two: within the budget
  EXPECT_EQ(Unpack(r.two, s.size(), BitsForCount(s.size())), Reference(s));
}

}  // namespace
}  // namespace grams::index
