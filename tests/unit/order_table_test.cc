// The counting hash table (count/order_table.h): against a std::map through
// its growth, and keys whose hashes are equal, whose slots then carry the
// same high hash bits, so that only their entries tell them apart.
#include "count/order_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

namespace grams::count {
namespace {

using Key = std::pair<uint32_t, uint32_t>;

TEST(OrderTableTest, CountsAsAMapThroughItsGrowth) {
  OrderTable table;
  std::map<Key, std::pair<uint32_t, uint64_t>> expected;  // key -> (index, count)
  std::mt19937 rng(7);
  bool overflow = false;
  // 200,000 increments over about 60,000 keys: the table doubles from 256
  // slots to 2^17, its slots keeping 24 high hash bits, then 15.
  for (int i = 0; i < 200000; ++i) {
    const Key key{rng() % 300, rng() % 200};
    const uint64_t by = 1 + rng() % 3;
    const uint32_t index =
        table.Increment(key.first, key.second, KeyHash(key.first, key.second), &overflow, by);
    auto [it, added] = expected.try_emplace(key, index, 0);
    if (added) {
      EXPECT_EQ(index, expected.size() - 1) << "a new key takes the next index";
    } else {
      ASSERT_EQ(index, it->second.first) << key.first << " " << key.second;
    }
    it->second.second += by;
  }
  EXPECT_FALSE(overflow);
  ASSERT_EQ(table.size(), expected.size());
  for (const auto& [key, value] : expected) {
    const CountEntry& e = table.entries()[value.first];
    EXPECT_EQ(e.parent, key.first);
    EXPECT_EQ(e.word, key.second);
    EXPECT_EQ(e.count, value.second);
  }
}

TEST(OrderTableTest, KeysOfTheSameHashAreKeptApart) {
  // Pairs of keys with equal 32-bit hashes. KeyHash(p, w) is the high half
  // of (p * 2^32 + w) * C mod 2^64, which is p * (C mod 2^32) + hi(w * C)
  // mod 2^32, and C is odd: for any w2 there is the p2 that gives it the
  // hash of (p, w).
  const uint64_t C = 0x9E3779B97F4A7C15ULL;
  const uint32_t c = static_cast<uint32_t>(C);
  uint32_t inverse = c;  // of c mod 2^32, by Newton's iteration
  for (int i = 0; i < 5; ++i) inverse *= 2 - c * inverse;
  ASSERT_EQ(c * inverse, 1u);
  auto hi = [&](uint32_t w) { return static_cast<uint32_t>((w * C) >> 32); };
  std::vector<std::pair<Key, Key>> same;
  for (uint32_t i = 0; i < 8; ++i) {
    const Key a{i, 5 + i};
    const uint32_t w2 = 100 + i;
    same.emplace_back(a, Key{a.first + (hi(a.second) - hi(w2)) * inverse, w2});
  }
  OrderTable table;
  bool overflow = false;
  auto add = [&](const Key& k, uint64_t by) {
    return table.Increment(k.first, k.second, KeyHash(k.first, k.second), &overflow, by);
  };
  for (int round = 1; round <= 3; ++round) {
    for (size_t i = 0; i < same.size(); ++i) {
      const auto& [a, b] = same[i];
      ASSERT_EQ(KeyHash(a.first, a.second), KeyHash(b.first, b.second));
      ASSERT_NE(a, b);
      EXPECT_EQ(add(a, 1), 2 * i) << "round " << round;
      EXPECT_EQ(add(b, 10), 2 * i + 1) << "round " << round;
    }
  }
  EXPECT_FALSE(overflow);
  ASSERT_EQ(table.size(), 2 * same.size());
  for (size_t i = 0; i < table.size(); ++i) EXPECT_EQ(table.entries()[i].count, i % 2 ? 30u : 3u);
}

}  // namespace
}  // namespace grams::count
