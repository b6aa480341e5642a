// Sorting counted tables into trie order (count/sort_tables.h): the levels
// emitted hold every n-gram with its count, in (parent, word) order, the
// same at any thread count whether each emit runs in line or beside the
// next order's sort, and whether the keys are bucketed or sorted wide; and
// an emit's error ends the sort.
#include "count/sort_tables.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace grams::count {
namespace {

constexpr int kOrder = 4;
constexpr int kParts = 3;

// A random text: `tokens` tokens of `words` distinct words.
struct Text {
  size_t tokens = 3000;
  uint32_t words = 40;
};

using Gram = std::vector<WordId>;

// Counts every n-gram of orders 2..kOrder of a random text into kParts
// buckets (by first word), as the counter does; `expected` gets the counts
// by canonical words (word_map applied).
std::vector<BucketTables> CountText(const Text& spec, const std::vector<WordId>& word_map,
                                    std::map<Gram, Count>* expected) {
  std::vector<BucketTables> parts(kParts, BucketTables(kOrder - 1));
  std::mt19937 rng(11);
  std::vector<uint32_t> text(spec.tokens);
  // Skewed: low ids are frequent, so that some parents have many children.
  for (auto& w : text) w = std::min(rng() % spec.words, rng() % spec.words);
  bool overflow = false;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    BucketTables& tables = parts[text[i] % kParts];
    uint32_t parent = text[i];
    Gram gram{word_map[text[i]]};
    for (int n = 2; n <= kOrder && i + n - 1 < text.size(); ++n) {
      const uint32_t w = text[i + n - 1];
      parent = tables[n - 2].Increment(parent, w, KeyHash(parent, w), &overflow, 1);
      gram.push_back(word_map[w]);
      ++(*expected)[gram];
    }
  }
  EXPECT_FALSE(overflow);
  return parts;
}

struct Emitted {
  std::vector<TrieLevel> levels;
  std::vector<std::vector<Count>> counts;
  std::vector<std::optional<OrderSections>> sections;
  std::vector<int> orders;  // in the order emit saw them
};

Status Sort(std::vector<BucketTables>* parts, const std::vector<WordId>& word_map, int threads,
            EmitMode mode, Emitted* out, int fail_at = 0, bool force_wide = false,
            bool encode = false) {
  std::vector<BucketTables*> pointers;
  for (auto& p : *parts) pointers.push_back(&p);
  return SortTables(
      pointers, kOrder, word_map, threads, nullptr, mode, encode,
      [&](int n, SortedOrder* order) -> Status {
        out->orders.push_back(n);
        if (n == fail_at) return IOError("emit of order " + std::to_string(n));
        out->levels.push_back(std::move(order->level));
        out->counts.push_back(std::move(order->counts));
        out->sections.push_back(std::move(order->sections));
        return Status::OK();
      },
      force_wide);
}

// How a text is sorted in a test.
struct How {
  int threads = 1;
  EmitMode mode = EmitMode::kInLine;
  bool force_wide = false;
  bool encode = false;
};

// Counts `spec` and sorts it; `expected` (if not null) gets its n-grams.
Emitted CountAndSort(const Text& spec, const std::vector<WordId>& word_map, const How& how,
                     std::map<Gram, Count>* expected = nullptr) {
  std::map<Gram, Count> unused;
  auto parts = CountText(spec, word_map, expected ? expected : &unused);
  Emitted out;
  EXPECT_TRUE(
      Sort(&parts, word_map, how.threads, how.mode, &out, 0, how.force_wide, how.encode).ok());
  return out;
}

std::vector<WordId> Shuffled(uint32_t words) {
  std::vector<WordId> word_map(words);
  for (WordId w = 0; w < words; ++w) word_map[w] = w;
  std::shuffle(word_map.begin(), word_map.end(), std::mt19937(5));
  return word_map;
}

// Rebuilds each n-gram of `emitted` from its parents and checks the order
// and the counts against `expected`.
void ExpectTrie(const Emitted& emitted, uint32_t words, const std::map<Gram, Count>& expected) {
  ASSERT_EQ(emitted.orders, (std::vector<int>{2, 3, 4}));
  std::vector<std::vector<Gram>> grams(kOrder + 1);
  for (WordId w = 0; w < words; ++w) grams[1].push_back({w});
  std::map<Gram, Count> seen;
  for (int n = 2; n <= kOrder; ++n) {
    const TrieLevel& level = emitted.levels[n - 2];
    for (size_t i = 0; i < level.size(); ++i) {
      if (i > 0) {
        const bool ordered =
            level.parents[i - 1] < level.parents[i] ||
            (level.parents[i - 1] == level.parents[i] && level.words[i - 1] < level.words[i]);
        ASSERT_TRUE(ordered) << "order " << n << " entry " << i;
      }
      Gram g = grams[n - 1].at(level.parents[i]);
      g.push_back(level.words[i]);
      grams[n].push_back(g);
      seen[g] = emitted.counts[n - 2][i];
    }
  }
  EXPECT_EQ(seen, expected);
}

void ExpectSameLevels(const Emitted& got, const Emitted& want) {
  EXPECT_EQ(got.orders, want.orders);
  for (int n = 2; n <= kOrder; ++n) {
    SCOPED_TRACE("order " + std::to_string(n));
    EXPECT_EQ(got.levels[n - 2].words, want.levels[n - 2].words);
    EXPECT_EQ(got.levels[n - 2].parents, want.levels[n - 2].parents);
    EXPECT_EQ(got.counts[n - 2], want.counts[n - 2]);
  }
}

TEST(SortTablesTest, EmitsEveryOrderInTrieOrderAtAnyThreadCountAndMode) {
  const Text spec;
  const std::vector<WordId> word_map = Shuffled(spec.words);
  std::map<Gram, Count> expected;
  const Emitted reference = CountAndSort(spec, word_map, How{}, &expected);
  ExpectTrie(reference, spec.words, expected);
  for (EmitMode mode : {EmitMode::kInLine, EmitMode::kOverlapped}) {
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("threads " + std::to_string(threads));
      ExpectSameLevels(CountAndSort(spec, word_map, How{threads, mode}), reference);
    }
  }
}

// Large enough for buckets of many keys (each sorted by a counting pass and
// runs, some long: a frequent parent's children) and for the parallel
// passes; the wide sort, which larger orders take, gives the same levels.
TEST(SortTablesTest, BucketedAndWideSortsAgreeOnALargerText) {
  const Text spec{100000, 2000};
  const std::vector<WordId> word_map = Shuffled(spec.words);
  std::map<Gram, Count> expected;
  const Emitted reference = CountAndSort(spec, word_map, How{2, EmitMode::kOverlapped}, &expected);
  ExpectTrie(reference, spec.words, expected);
  for (bool wide : {false, true}) {
    for (int threads : {1, 3}) {
      SCOPED_TRACE(std::string(wide ? "wide" : "bucketed") + ", threads " +
                   std::to_string(threads));
      ExpectSameLevels(CountAndSort(spec, word_map, How{threads, EmitMode::kInLine, wide}),
                       reference);
    }
  }
}

// Checks `out`, sorted with encode, against `reference`, sorted without:
// each order given encoded holds the bytes EncodeOrder makes of the
// reference's level, each other the same level. Returns how many orders
// came encoded.
int ExpectEncodedOrSame(const Emitted& out, const Emitted& reference, size_t words) {
  EXPECT_EQ(out.orders, reference.orders);
  int encoded = 0;
  for (int n = 2; n <= kOrder; ++n) {
    SCOPED_TRACE("order " + std::to_string(n));
    const size_t lower = n == 2 ? words : reference.levels[n - 3].size();
    // A bucket holds whole parents when there are 11 bits of them.
    EXPECT_EQ(out.sections[n - 2].has_value(), lower > 1024);
    if (!out.sections[n - 2]) {
      EXPECT_EQ(out.levels[n - 2].words, reference.levels[n - 2].words);
      EXPECT_EQ(out.levels[n - 2].parents, reference.levels[n - 2].parents);
      EXPECT_EQ(out.counts[n - 2], reference.counts[n - 2]);
      continue;
    }
    ++encoded;
    EXPECT_TRUE(out.levels[n - 2].words.empty());
    const OrderSections want =
        EncodeOrder(lower, reference.levels[n - 2], reference.counts[n - 2].data(), 1);
    EXPECT_EQ(out.sections[n - 2]->child_counts, want.child_counts);
    EXPECT_EQ(out.sections[n - 2]->words, want.words);
    EXPECT_EQ(out.sections[n - 2]->counts, want.counts);
  }
  return encoded;
}

// Asked to encode, the sort hands on each order whose buckets hold whole
// parents (the order below has more than 1024 n-grams) as the bytes
// EncodeOrder makes of its level, and the others as levels; at any thread
// count, in line or overlapped.
TEST(SortTablesTest, EncodedOrdersAreTheBytesOfTheirLevels) {
  for (const Text& spec : {Text{100000, 2000}, Text{}}) {
    SCOPED_TRACE(std::to_string(spec.words) + " words");
    const std::vector<WordId> word_map = Shuffled(spec.words);
    const Emitted reference = CountAndSort(spec, word_map, How{});
    for (EmitMode mode : {EmitMode::kInLine, EmitMode::kOverlapped}) {
      for (int threads : {1, 2, 3}) {
        SCOPED_TRACE("threads " + std::to_string(threads));
        const Emitted out =
            CountAndSort(spec, word_map, How{threads, mode, false, /*encode=*/true});
        // 2000 words: every order; 40 words: some (order 2 not).
        const int encoded = ExpectEncodedOrSame(out, reference, spec.words);
        EXPECT_EQ(encoded, spec.words == 2000 ? 3 : 2);
      }
    }
  }
}

TEST(SortTablesTest, AnEmitsErrorEndsTheSort) {
  const Text spec;
  const std::vector<WordId> word_map = Shuffled(spec.words);
  for (EmitMode mode : {EmitMode::kInLine, EmitMode::kOverlapped}) {
    for (int fail_at : {2, 3, 4}) {
      std::map<Gram, Count> unused;
      auto parts = CountText(spec, word_map, &unused);
      Emitted out;
      const Status s = Sort(&parts, word_map, 2, mode, &out, fail_at);
      EXPECT_EQ(s.code(), StatusCode::kIOError);
      EXPECT_EQ(s.message(), "emit of order " + std::to_string(fail_at));
      // No emit after the one that failed.
      EXPECT_EQ(out.orders.back(), fail_at);
      EXPECT_EQ(out.orders.size(), static_cast<size_t>(fail_at - 1));
    }
  }
}

}  // namespace
}  // namespace grams::count
