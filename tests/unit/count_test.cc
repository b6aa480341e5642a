// Counting (count/): every n-gram of orders 1..N of <s>-/</s>-wrapped lines,
// canonical vocabulary ids, trie invariants, error reporting, determinism.
#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "grams/counts.h"
#include "test_util.h"
#include "vocab/canonical_order.h"

namespace grams {
namespace {

using grams::test::CountLines;
using grams::test::ReadFile;
using grams::test::SharedPath;
using grams::test::TempDir;
using grams::test::WriteFile;

using NgramMap = std::map<std::string, Count>;

// Every n-gram of every order as "w1 w2 ... wn" -> count.
NgramMap ToMap(const NgramCounts& c) {
  NgramMap m;
  for (int n = 1; n <= c.order(); ++n) {
    for (EntryIndex i = 0; i < c.trie.levels[n - 1].size(); ++i) {
      const std::string key = test::NgramString(c.trie, c.vocab, n, i);
      EXPECT_TRUE(m.emplace(key, c.counts[n - 1][i]).second) << "duplicate n-gram " << key;
    }
  }
  return m;
}

StatusOr<NgramCounts> CountText(const std::string& text, int order) {
  TempDir dir;
  WriteFile(dir.File("corpus.txt"), text);
  CountOptions options;
  options.order = order;
  return CountFiles({dir.File("corpus.txt")}, options);
}

// Checks the structural invariants every NgramCounts must satisfy.
void ExpectTrieInvariants(const NgramCounts& c) {
  ASSERT_EQ(c.counts.size(), static_cast<size_t>(c.order()));
  const TrieLevel& uni = c.trie.levels[0];
  ASSERT_EQ(uni.size(), c.vocab.size());
  EXPECT_TRUE(uni.parents.empty());
  for (WordId w = 0; w < uni.size(); ++w) ASSERT_EQ(uni.words[w], w);
  ASSERT_EQ(c.counts[0].size(), uni.size());
  for (int n = 2; n <= c.order(); ++n) {
    const TrieLevel& level = c.trie.levels[n - 1];
    const size_t below = c.trie.levels[n - 2].size();
    ASSERT_EQ(level.parents.size(), level.size()) << "order " << n;
    ASSERT_EQ(c.counts[n - 1].size(), level.size()) << "order " << n;
    for (size_t i = 0; i < level.size(); ++i) {
      ASSERT_LT(level.parents[i], below) << "order " << n << " entry " << i;
      ASSERT_LT(level.words[i], c.vocab.size()) << "order " << n << " entry " << i;
      ASSERT_NE(level.words[i], kBosId) << "<s> after the first position, order " << n;
      ASSERT_GE(c.counts[n - 1][i], 1u) << "order " << n << " entry " << i;
      if (i > 0) {
        bool ascending =
            level.parents[i - 1] < level.parents[i] ||
            (level.parents[i - 1] == level.parents[i] && level.words[i - 1] < level.words[i]);
        ASSERT_TRUE(ascending) << "order " << n << " not sorted by (parent, word) at " << i;
      }
    }
    // A context occurs at least as often as all its continuations together
    // (except where the context is followed by the end of the line).
    std::vector<Count> child_sum(below, 0);
    for (size_t i = 0; i < level.size(); ++i) child_sum[level.parents[i]] += c.counts[n - 1][i];
    for (size_t p = 0; p < below; ++p) {
      ASSERT_LE(child_sum[p], c.counts[n - 2][p]) << "order " << n - 1 << " entry " << p;
    }
  }
  // ChildOffsets agrees with the parents.
  for (int n = 2; n <= c.order(); ++n) {
    auto offsets = c.trie.ChildOffsets(n);
    ASSERT_EQ(offsets.size(), c.trie.levels[n - 2].size() + 1);
    EXPECT_EQ(offsets.back(), c.trie.levels[n - 1].size());
    for (size_t p = 0; p + 1 < offsets.size(); ++p) {
      for (EntryIndex i = offsets[p]; i < offsets[p + 1]; ++i) {
        ASSERT_EQ(c.trie.levels[n - 1].parents[i], p);
      }
    }
  }
}

TEST(CounterTest, EveryNgramOfEveryOrder) {
  // <s> a b a </s>
  // <s> b a c </s>
  auto c = CountLines({"a b a", "b a c"}, 3);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  NgramMap want = {
      {"<unk>", 0},    {"<s>", 2},     {"</s>", 2},   {"a", 3},        {"b", 2},
      {"c", 1},        {"<s> a", 1},   {"<s> b", 1},  {"a b", 1},      {"b a", 2},
      {"a </s>", 1},   {"a c", 1},     {"c </s>", 1}, {"<s> a b", 1},  {"a b a", 1},
      {"b a </s>", 1}, {"<s> b a", 1}, {"b a c", 1},  {"a c </s>", 1},
  };
  EXPECT_EQ(ToMap(*c), want);
  EXPECT_EQ(c->order(), 3);
  EXPECT_EQ(c->sentences, 2u);
  EXPECT_EQ(c->tokens, 8u);  // 6 words + 2 </s>
  EXPECT_EQ(c->vocab.size(), 6u);
}

TEST(CounterTest, RepeatedNgramsAcrossLines) {
  // <s> a a a a </s> / <s> a a </s>
  auto c = CountLines({"a a a a", "a a"}, 4);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  NgramMap want = {
      {"<unk>", 0},      {"<s>", 2},          {"</s>", 2},      {"a", 6},
      {"<s> a", 2},      {"a a", 4},          {"a </s>", 2},    {"<s> a a", 2},
      {"a a a", 2},      {"a a </s>", 2},     {"<s> a a a", 1}, {"a a a a", 1},
      {"a a a </s>", 1}, {"<s> a a </s>", 1},
  };
  EXPECT_EQ(ToMap(*c), want);
  EXPECT_EQ(c->tokens, 8u);
}

TEST(CounterTest, EmptyLinesCountAsEmptySentences) {
  auto c = CountLines({"", "   ", "x"}, 3);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  NgramMap want = {
      {"<unk>", 0},    {"<s>", 3},   {"</s>", 3},   {"x", 1},
      {"<s> </s>", 2}, {"<s> x", 1}, {"x </s>", 1}, {"<s> x </s>", 1},
  };
  EXPECT_EQ(ToMap(*c), want);
  EXPECT_EQ(c->sentences, 3u);
  EXPECT_EQ(c->tokens, 4u);  // x + three </s>
}

TEST(CounterTest, EmptyInput) {
  auto c = CountLines({}, 3);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  NgramMap want = {{"<unk>", 0}, {"<s>", 0}, {"</s>", 0}};
  EXPECT_EQ(ToMap(*c), want);
  EXPECT_EQ(c->sentences, 0u);
  EXPECT_EQ(c->tokens, 0u);
  EXPECT_EQ(c->order(), 3);

  auto f = CountText("", 3);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(ToMap(*f), want);
}

TEST(CounterTest, FileWithoutFinalNewline) {
  auto with = CountText("a b\nc\n", 2);
  auto without = CountText("a b\nc", 2);
  ASSERT_TRUE(with.ok() && without.ok());
  NgramMap want = {
      {"<unk>", 0}, {"<s>", 2}, {"</s>", 2},   {"a", 1},     {"b", 1},      {"c", 1},
      {"<s> a", 1}, {"a b", 1}, {"b </s>", 1}, {"<s> c", 1}, {"c </s>", 1},
  };
  EXPECT_EQ(ToMap(*without), want);
  EXPECT_EQ(ToMap(*with), want);
  EXPECT_EQ(without->sentences, 2u);
}

TEST(CounterTest, FinalEmptyLineIsASentence) {
  // "a\n\n" is two lines: "a" and "".
  auto c = CountText("a\n\n", 2);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sentences, 2u);
  EXPECT_EQ(ToMap(*c)["<s> </s>"], 1u);
}

TEST(CounterTest, CarriageReturnsAreWhitespace) {
  auto crlf = CountText("a b\r\nc\r\n\r\n", 3);
  auto lf = CountText("a b\nc\n\n", 3);
  ASSERT_TRUE(crlf.ok() && lf.ok());
  EXPECT_EQ(ToMap(*crlf), ToMap(*lf));
  EXPECT_EQ(crlf->vocab.Find("b\r"), Vocabulary::kNotFound);
  EXPECT_EQ(crlf->vocab.size(), 6u);
  EXPECT_EQ(crlf->sentences, 3u);
  EXPECT_EQ(crlf->tokens, lf->tokens);
}

TEST(CounterTest, TabsAndRunsOfWhitespace) {
  auto messy = CountLines({"  a\t\tb   c \t",
                           "\x0b"
                           "d\x0c"
                           "e\r"},
                          3);
  auto clean = CountLines({"a b c", "d e"}, 3);
  ASSERT_TRUE(messy.ok() && clean.ok());
  EXPECT_EQ(ToMap(*messy), ToMap(*clean));
  EXPECT_EQ(messy->tokens, 7u);
}

TEST(CounterTest, NonAsciiBytesArePartOfWords) {
  // Only ASCII whitespace separates: a UTF-8 no-break space (C2 A0) does not.
  auto c = CountLines({"caf\xc3\xa9 x\xc2\xa0y"}, 1);
  ASSERT_TRUE(c.ok());
  NgramMap want = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 1}, {"caf\xc3\xa9", 1}, {"x\xc2\xa0y", 1}};
  EXPECT_EQ(ToMap(*c), want);
}

TEST(CounterTest, OrderOne) {
  auto c = CountLines({"a b a", "b a c"}, 1);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  EXPECT_EQ(c->order(), 1);
  NgramMap want = {{"<unk>", 0}, {"<s>", 2}, {"</s>", 2}, {"a", 3}, {"b", 2}, {"c", 1}};
  EXPECT_EQ(ToMap(*c), want);
  EXPECT_EQ(c->tokens, 8u);
}

TEST(CounterTest, OrderTwelveOnShortText) {
  // 7 tokens with the markers: one n-gram of each order 1..7, none above.
  auto c = CountLines({"a b c d e"}, 12);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  ASSERT_EQ(c->order(), 12);
  const char* toks[] = {"<s>", "a", "b", "c", "d", "e", "</s>"};
  NgramMap want = {{"<unk>", 0}};
  for (int n = 1; n <= 7; ++n) {
    for (int i = 0; i + n <= 7; ++i) {
      std::string key;
      for (int k = i; k < i + n; ++k) {
        if (k > i) key += ' ';
        key += toks[k];
      }
      want[key] = 1;
    }
  }
  EXPECT_EQ(ToMap(*c), want);
  for (int n = 1; n <= 12; ++n) {
    size_t expected = n == 1 ? 8 : (n <= 7 ? 8 - n : 0);
    EXPECT_EQ(c->trie.levels[n - 1].size(), expected) << "order " << n;
  }
}

TEST(CounterTest, HighOrderWithRepeats) {
  // Orders far beyond the sentence lengths, with shared prefixes.
  auto c = CountLines({"x y x y x", "x y x", "y"}, 8);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectTrieInvariants(*c);
  NgramMap m = ToMap(*c);
  EXPECT_EQ(m["<s> x y x"], 2u);
  EXPECT_EQ(m["<s> x y x y x </s>"], 1u);
  EXPECT_EQ(m["x y x"], 3u);
  EXPECT_EQ(m["<s> y </s>"], 1u);
  EXPECT_EQ(c->trie.levels[6].size(), 1u);  // only <s> x y x y x </s>
  EXPECT_EQ(c->trie.levels[7].size(), 0u);
}

TEST(CounterTest, InvalidOrders) {
  CountOptions options;
  TempDir dir;
  WriteFile(dir.File("a.txt"), "a b\n");
  for (int order : {0, -1, kMaxOrder + 1}) {
    options.order = order;
    auto c = CountFiles({dir.File("a.txt")}, options);
    ASSERT_FALSE(c.ok()) << "order " << order;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    // One check (the Counter's) for every entry point, with no inputs too.
    const std::string expected = "order must be between 1 and " + std::to_string(kMaxOrder) +
                                 ", not " + std::to_string(order);
    EXPECT_EQ(c.status().message(), expected);
    EXPECT_EQ(CountFiles({}, options).status().message(), expected);
    EXPECT_EQ(CountFilesToFile({dir.File("a.txt")}, options, dir.File("a.counts")).message(),
              expected);
    EXPECT_FALSE(test::FileExists(dir.File("a.counts")));

    // The Counter itself refuses too (instead of crashing in Finish()).
    Counter counter(options);
    Status s = counter.AddLine("a b");
    auto f = counter.Finish();
    EXPECT_FALSE(s.ok() && f.ok()) << "order " << order;
  }
}

TEST(CounterTest, ReservedTokenIsAnErrorWithFileLineAndByteOffset) {
  TempDir dir;
  const std::string path = dir.File("corpus.txt");
  // Line 3 starts at byte 4 + 4 = 8; "<s>" is 2 bytes into it: byte offset 10.
  WriteFile(path, "a b\nc d\ne <s> f\n");
  CountOptions options;
  auto c = CountFiles({path}, options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  const std::string& msg = c.status().message();
  EXPECT_NE(msg.find(path + ":3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte offset 10"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<s>"), std::string::npos) << msg;

  WriteFile(path, "</s>\n");
  c = CountFiles({path}, options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(path + ":1"), std::string::npos) << c.status().ToString();
  EXPECT_NE(c.status().message().find("byte offset 0"), std::string::npos) << c.status().ToString();
  EXPECT_NE(c.status().message().find("</s>"), std::string::npos) << c.status().ToString();

  // In a second input file: named, with offsets relative to that file.
  WriteFile(dir.File("ok.txt"), "fine line\n");
  WriteFile(dir.File("bad.txt"), "x\n\n  y z <s>\n");
  c = CountFiles({dir.File("ok.txt"), dir.File("bad.txt")}, options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(dir.File("bad.txt") + ":3"), std::string::npos)
      << c.status().ToString();
  EXPECT_NE(c.status().message().find("byte offset 9"), std::string::npos) << c.status().ToString();

  // Through AddLine, `where` names the line.
  Counter counter(options);
  Status s = counter.AddLine("p <s> q", "my input");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("my input"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("<s>"), std::string::npos) << s.ToString();
}

TEST(CounterTest, ReservedTokenOnlyAsAWholeToken) {
  // "<s>x" and "a</s>" are ordinary words.
  auto c = CountLines({"<s>x a</s> <S>"}, 1);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->vocab.size(), 6u);
}

TEST(CounterTest, UnkInTextCountsAsUnk) {
  auto c = CountLines({"a <unk> b"}, 2);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  NgramMap m = ToMap(*c);
  EXPECT_EQ(m["<unk>"], 1u);
  EXPECT_EQ(m["a <unk>"], 1u);
  EXPECT_EQ(c->vocab.Find("<unk>"), kUnkId);
  EXPECT_EQ(c->vocab.size(), 5u);
}

TEST(CounterTest, CanonicalVocabularyIds) {
  // Counts: a 3, b 2, B 2, c 2, d 1, é 1, e 1. Reserved first (whatever their
  // counts), then descending count, ties in byte order ("B" < "b" < "c";
  // "e" < "\xc3\xa9").
  auto c = CountLines({"b c c a a a", "d b B", "\xc3\xa9 e B"}, 2);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::vector<std::string> want = {"<unk>", "<s>", "</s>", "a", "B",
                                   "b",     "c",   "d",    "e", "\xc3\xa9"};
  ASSERT_EQ(c->vocab.size(), want.size());
  for (WordId id = 0; id < want.size(); ++id) {
    EXPECT_EQ(c->vocab.Word(id), want[id]) << "id " << id;
    EXPECT_EQ(c->vocab.Find(want[id]), id);
  }
  // </s> (3) and <s> (3) keep their reserved ids even though a has as many.
  EXPECT_EQ(c->counts[0][kEosId], 3u);
  EXPECT_EQ(c->counts[0][3], 3u);
}

TEST(CounterTest, CountsAreIndependentOfLineOrderAndFileSplit) {
  TempDir dir;
  const std::string text = "the cat sat\non the mat\nthe cat\n\nsat on the cat mat\n";
  const std::string reversed = "sat on the cat mat\n\nthe cat\non the mat\nthe cat sat\n";
  WriteFile(dir.File("a.txt"), text);
  WriteFile(dir.File("b.txt"), reversed);
  WriteFile(dir.File("part1.txt"), "the cat sat\non the mat\n");
  WriteFile(dir.File("part2.txt"), "the cat\n\nsat on the cat mat");
  CountOptions options;
  options.order = 4;
  auto a = CountFiles({dir.File("a.txt")}, options);
  auto a2 = CountFiles({dir.File("a.txt")}, options);
  auto b = CountFiles({dir.File("b.txt")}, options);
  auto split = CountFiles({dir.File("part1.txt"), dir.File("part2.txt")}, options);
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok() && split.ok());
  ASSERT_TRUE(WriteCountsFile(*a, dir.File("a.counts")).ok());
  ASSERT_TRUE(WriteCountsFile(*a2, dir.File("a2.counts")).ok());
  ASSERT_TRUE(WriteCountsFile(*b, dir.File("b.counts")).ok());
  ASSERT_TRUE(WriteCountsFile(*split, dir.File("split.counts")).ok());
  const std::string bytes = ReadFile(dir.File("a.counts"));
  EXPECT_EQ(ReadFile(dir.File("a2.counts")), bytes) << "counting twice differs";
  EXPECT_EQ(ReadFile(dir.File("b.counts")), bytes) << "line order changes the file";
  EXPECT_EQ(ReadFile(dir.File("split.counts")), bytes) << "splitting the input changes the file";
}

TEST(CounterTest, AddLineAndAddFileAgree) {
  TempDir dir;
  std::vector<std::string> lines = {"x y z", "", "y y", "z x y z"};
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  WriteFile(dir.File("t.txt"), text);
  CountOptions options;
  options.order = 3;
  Counter counter(options);
  ASSERT_TRUE(counter.AddFile(dir.File("t.txt")).ok());
  auto by_file = counter.Finish();
  auto by_line = CountLines(lines, 3);
  ASSERT_TRUE(by_file.ok() && by_line.ok());
  EXPECT_EQ(ToMap(*by_file), ToMap(*by_line));
  EXPECT_EQ(by_file->sentences, by_line->sentences);
  EXPECT_EQ(by_file->tokens, by_line->tokens);
}

TEST(CounterTest, MissingInputFile) {
  TempDir dir;
  CountOptions options;
  auto c = CountFiles({dir.File("missing.txt")}, options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("missing.txt"), std::string::npos);
}

TEST(CounterTest, ManyBatchesMatchSmallInput) {
  // More than one internal batch (64K tokens): the same sentence repeated
  // gives exactly proportional counts.
  const std::string sentence = "w1 w2 w3 w1 w2 w4 w5 w1";
  const int reps = 30000;  // 30000 * 9 tokens > 4 batches
  CountOptions options;
  options.order = 4;
  Counter counter(options);
  for (int i = 0; i < reps; ++i) ASSERT_TRUE(counter.AddLine(sentence).ok());
  auto many = counter.Finish();
  auto one = CountLines({sentence}, 4);
  ASSERT_TRUE(many.ok() && one.ok());
  ExpectTrieInvariants(*many);
  NgramMap want = ToMap(*one);
  for (auto& [k, v] : want) v *= reps;
  EXPECT_EQ(ToMap(*many), want);
  EXPECT_EQ(many->sentences, static_cast<uint64_t>(reps));
  EXPECT_EQ(many->tokens, 9u * reps);
}

TEST(CounterTest, BrownTrainOrder5) {
  const std::string path = SharedPath("corpora/brown/train.txt");
  if (!grams::test::FileExists(path)) GTEST_SKIP() << path << " not found";
  CountOptions options;
  options.order = 5;
  auto c = CountFiles({path}, options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // KenLM's lmplz on the same text (reference/README.md).
  const size_t want[] = {53450, 419824, 798721, 930627, 925662};
  for (int n = 1; n <= 5; ++n)
    EXPECT_EQ(c->trie.levels[n - 1].size(), want[n - 1]) << "order " << n;
  EXPECT_EQ(c->vocab.size(), 53450u);
  ExpectTrieInvariants(*c);
  // Totals: every sentence of k words has k + 3 - n n-grams of order n.
  // Unigrams (including <s>) add up to tokens + sentences.
  Count total1 = std::accumulate(c->counts[0].begin(), c->counts[0].end(), Count{0});
  EXPECT_EQ(total1, c->tokens + c->sentences);
  Count total2 = std::accumulate(c->counts[1].begin(), c->counts[1].end(), Count{0});
  EXPECT_EQ(total2, c->tokens);  // one bigram per word or </s>
}

// The canonical order (vocab/canonical_order.h): descending count, ties by
// unsigned bytes with a prefix first, whatever the first 8 bytes settle;
// the threaded sort of many words agrees with a plain sort.
TEST(CanonicalOrderTest, CountThenBytes) {
  const std::string nul("abcdefgh\0", 9);
  const std::vector<std::string> words = {"b",     "a",          "ab",        "a\xff",
                                          "a\x01", "abcdefghij", "abcdefghi", "abcdefgh",
                                          nul,     "z",          "\xc3\xa9"};
  const std::vector<Count> counts = {5, 1, 1, 1, 1, 1, 1, 1, 1, 7, 1};
  const std::vector<uint32_t> order = SortCanonically(
      words.size(), [&](size_t i) { return counts[i]; },
      [&](size_t i) { return std::string_view(words[i]); });
  std::vector<std::string> sorted;
  for (uint32_t i : order) sorted.push_back(words[i]);
  const std::vector<std::string> expected = {"z",          "b",        "a",       "a\x01",
                                             "ab",         "abcdefgh", nul,       "abcdefghi",
                                             "abcdefghij", "a\xff",    "\xc3\xa9"};
  EXPECT_EQ(sorted, expected);

  std::vector<std::string> many;
  std::vector<Count> many_counts;
  for (uint32_t i = 0; i < 150000; ++i) {
    many.push_back(std::to_string(i * 2654435761u % 1000003));
    // (Some share their first 8 bytes or more; some are bytes above 0x7f.)
    many.back().insert(0, i % 5 == 0 ? "wwwwwwww" : i % 23 == 0 ? "\xc3\xa9" : "w");
  }
  std::sort(many.begin(), many.end());
  many.erase(std::unique(many.begin(), many.end()), many.end());
  // Counts of every kind of bucket: 1 and the other small ones, 0, one per
  // power of two above 63, and over 2^32.
  for (uint32_t i = 0; i < many.size(); ++i) {
    many_counts.push_back(i % 7 == 0    ? 3
                          : i % 11 == 0 ? 64 + i % 500
                          : i % 13 == 0 ? (Count{1} << 40) + i % 3
                          : i % 17 == 0 ? 0
                          : i % 19 == 0 ? 63
                                        : 1);
  }
  auto count_of = [&](size_t i) { return many_counts[i]; };
  auto word_of = [&](size_t i) { return std::string_view(many[i]); };
  std::vector<uint32_t> plain(many.size());
  std::iota(plain.begin(), plain.end(), 0);
  std::sort(plain.begin(), plain.end(), [&](uint32_t a, uint32_t b) {
    return many_counts[a] != many_counts[b] ? many_counts[a] > many_counts[b] : many[a] < many[b];
  });
  // On one thread and several, by powers of two and not; shuffled input
  // too, so that the slices' cuts fall everywhere.
  std::vector<size_t> shuffle(many.size());
  std::iota(shuffle.begin(), shuffle.end(), 0);
  std::mt19937 rng(7);
  std::shuffle(shuffle.begin(), shuffle.end(), rng);
  for (int threads : {1, 2, 3, 4, 5, 8}) {
    EXPECT_TRUE(SortCanonically(many.size(), count_of, word_of, threads) == plain) << threads;
    std::vector<uint32_t> got = SortCanonically(
        many.size(), [&](size_t i) { return many_counts[shuffle[i]]; },
        [&](size_t i) { return std::string_view(many[shuffle[i]]); }, threads);
    for (uint32_t& i : got) i = static_cast<uint32_t>(shuffle[i]);
    EXPECT_TRUE(got == plain) << threads << " threads, shuffled";
  }
}

// Counted ids follow it: the reserved words, then the canonical order.
TEST(CanonicalOrderTest, CountedVocabularyIsCanonical) {
  auto c = CountText("b a c\nc c b\nd\n", 2);
  ASSERT_TRUE(c.ok());
  std::vector<std::string> words;
  for (WordId w = 0; w < c->vocab.size(); ++w) words.emplace_back(c->vocab.Word(w));
  EXPECT_EQ(words, (std::vector<std::string>{"<unk>", "<s>", "</s>", "c", "b", "a", "d"}));
}

}  // namespace
}  // namespace grams
