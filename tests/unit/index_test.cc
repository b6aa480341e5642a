// CorpusIndex (grams-index): counts agree exactly with the counter's for
// every n-gram of orders 1-5 of a small corpus (and a sample of Brown's),
// in every unit and boundary mode; continuations, infinity-gram
// probabilities, where and the longest span agree with brute-force scans of
// the stream; corrupt and truncated indexes are refused naming the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "grams/counts.h"
#include "grams/index.h"
#include "index/index_format.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams {
namespace {

using test::TempDir;
using test::WriteFile;

std::unique_ptr<CorpusIndex> BuildAndOpen(const std::string& text_path, const std::string& out,
                                          const TokenizerSettings& settings = {}) {
  IndexBuildOptions options;
  options.tokenizer = settings;
  Status s = BuildIndex({text_path}, options, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  CorpusIndex::OpenOptions open;
  open.verify_checksums = true;
  auto index = CorpusIndex::Open(out, open);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? std::move(index).value() : nullptr;
}

// Every n-gram the counter lists (every `step`th one) has the same count
// in the index; the index's ids are the counter's too.
void ExpectCountsAgree(const NgramCounts& counts, const CorpusIndex& index, size_t step = 1) {
  ASSERT_EQ(index.vocab_size(), counts.vocab.size());
  for (WordId id = 0; id < counts.vocab.size(); ++id) {
    ASSERT_EQ(index.Word(id), counts.vocab.Word(id)) << id;
  }
  EXPECT_EQ(index.tokens(), counts.tokens);
  size_t checked = 0;
  for (int n = 1; n <= counts.order(); ++n) {
    const size_t size = counts.trie.levels[n - 1].size();
    std::vector<WordId> ids(n);
    for (size_t i = 0; i < size; i += step) {
      counts.trie.Ngram(n, static_cast<EntryIndex>(i), ids.data());
      const Count want = counts.counts[n - 1][i];
      if (n == 1 && ids[0] == kUnkId && want == 0) continue;
      std::vector<WordId> mapped;
      for (WordId w : ids) mapped.push_back(index.Find(counts.vocab.Word(w)));
      ASSERT_EQ(index.CountNgram(mapped), want)
          << test::NgramString(counts.trie, counts.vocab, n, static_cast<EntryIndex>(i), true);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST(IndexTest, CountsAgreeWithTheCounterOnEveryNgramOfOrdersOneToFive) {
  TempDir dir;
  const std::string text = test::SourcePath("data/kjv-test.txt");
  CountOptions options;
  options.order = 5;
  auto counts = CountFiles({text}, options);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  auto index = BuildAndOpen(text, dir.path() + "/kjv.idx");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->lines(), counts->sentences);
  ExpectCountsAgree(*counts, *index);
}

TEST(IndexTest, CountsAgreeInOtherUnitsAndAcrossLinesWithBoundariesNone) {
  TempDir dir;
  const std::string text = dir.path() + "/t.txt";
  WriteFile(text, "a b a\n\nb a c\nthe cat  sat\nthe cat\n\xc3\xa9t\xc3\xa9 a\n");
  for (Unit unit : {Unit::kWord, Unit::kByte, Unit::kChar}) {
    for (Boundaries b : {Boundaries::kLine, Boundaries::kNone}) {
      SCOPED_TRACE(std::string(UnitName(unit)) + " " + BoundariesName(b));
      CountOptions options;
      options.order = 5;
      options.tokenizer.unit = unit;
      options.tokenizer.boundaries = b;
      auto counts = CountFiles({text}, options);
      ASSERT_TRUE(counts.ok()) << counts.status().ToString();
      auto index = BuildAndOpen(text, dir.path() + "/t.idx", options.tokenizer);
      ASSERT_TRUE(index);
      EXPECT_EQ(index->settings(), options.tokenizer);
      ExpectCountsAgree(*counts, *index);
    }
  }
}

TEST(IndexTest, CountsAgreeOnASampleOfBrown) {
  const std::string text = test::SharedPath("corpora/brown/train.txt");
  if (!test::FileExists(text)) GTEST_SKIP() << text << " not found";
  TempDir dir;
  CountOptions options;
  options.order = 5;
  auto counts = CountFiles({text}, options);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  auto index = BuildAndOpen(text, dir.path() + "/brown.idx");
  ASSERT_TRUE(index);
  ExpectCountsAgree(*counts, *index, /*step=*/101);
}

// A random corpus over a few words, so that long contexts repeat, as index
// ids line by line and as the stream B line1 B ... B.
class IndexBruteForceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    const char* words[] = {"a", "b", "c", "d", "e"};
    std::string text;
    for (int l = 0; l < 300; ++l) {
      const int len = static_cast<int>(rng() % 9);
      for (int k = 0; k < len; ++k) {
        if (k) text += ' ';
        text += words[rng() % (k % 3 == 0 ? 5 : 3)];
      }
      text += '\n';
    }
    path_ = dir_.path() + "/small.txt";
    WriteFile(path_, text);
    index_ = BuildAndOpen(path_, dir_.path() + "/small.idx");
    ASSERT_TRUE(index_);
    stream_.push_back(kEosId);
    std::vector<WordId> ids;
    std::string_view rest = text;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      ASSERT_TRUE(index_->Tokenize(rest.substr(0, nl), false, &ids).ok());
      lines_.push_back(ids);
      stream_.insert(stream_.end(), ids.begin(), ids.end());
      stream_.push_back(kEosId);
      rest.remove_prefix(nl + 1);
    }
  }

  // Occurrences of q in the stream (brute force), and of q followed by
  // anything.
  Count Occurrences(const std::vector<WordId>& q, bool followed = false) const {
    Count c = 0;
    for (size_t p = 0; p + q.size() + (followed ? 1 : 0) <= stream_.size(); ++p) {
      if (std::equal(q.begin(), q.end(), stream_.begin() + static_cast<std::ptrdiff_t>(p))) ++c;
    }
    return c;
  }

  TempDir dir_;
  std::string path_;
  std::vector<std::vector<WordId>> lines_;
  std::vector<WordId> stream_;
  std::unique_ptr<CorpusIndex> index_;
};

TEST_F(IndexBruteForceTest, InfinigramProbabilitiesMatchAScanOfTheStream) {
  std::mt19937 rng(11);
  std::vector<CorpusIndex::TokenProbability> probs;
  for (int trial = 0; trial < 200; ++trial) {
    // Test lines: corpus lines, random ones, and ones with an unknown unit.
    std::vector<WordId> line;
    const int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) {
      const uint32_t r = rng() % 13;
      line.push_back(r < 12 ? index_->Find(std::string(1, static_cast<char>('a' + r % 6)))
                            : CorpusIndex::kUnknownUnit);
    }
    if (trial % 4 == 0) line = lines_[rng() % lines_.size()];
    index_->InfinigramProbabilities(line, &probs);
    ASSERT_EQ(probs.size(), line.size() + 1);
    std::vector<WordId> t = {kEosId};
    t.insert(t.end(), line.begin(), line.end());
    t.push_back(kEosId);
    for (size_t i = 1; i < t.size(); ++i) {
      // The longest suffix of t[0, i) seen followed by a unit.
      size_t k = i;
      Count context = 0;
      for (;; --k) {
        if (k == 0) break;
        std::vector<WordId> ctx(t.begin() + static_cast<std::ptrdiff_t>(i - k),
                                t.begin() + static_cast<std::ptrdiff_t>(i));
        context = Occurrences(ctx, /*followed=*/true);
        if (context > 0) break;
      }
      Count count;
      if (k == 0) {
        context = stream_.size() - 1;
        count = Occurrences({t[i]}) - (t[i] == kEosId ? 1 : 0);
      } else {
        std::vector<WordId> ng(t.begin() + static_cast<std::ptrdiff_t>(i - k),
                               t.begin() + static_cast<std::ptrdiff_t>(i + 1));
        count = Occurrences(ng);
      }
      const auto& p = probs[i - 1];
      ASSERT_EQ(p.suffix, k) << "trial " << trial << " position " << i;
      ASSERT_EQ(p.context_count, context);
      ASSERT_EQ(p.count, count);
      ASSERT_DOUBLE_EQ(p.probability, static_cast<double>(count) / static_cast<double>(context));
      // Sparse: the context is always followed by the same unit.
      bool sparse = false;
      if (k > 0) {
        std::vector<WordId> next_units;
        for (size_t q = 0; q + k < stream_.size(); ++q) {
          if (std::equal(t.begin() + static_cast<std::ptrdiff_t>(i - k),
                         t.begin() + static_cast<std::ptrdiff_t>(i),
                         stream_.begin() + static_cast<std::ptrdiff_t>(q))) {
            next_units.push_back(stream_[q + k]);
          }
        }
        std::sort(next_units.begin(), next_units.end());
        sparse = std::unique(next_units.begin(), next_units.end()) - next_units.begin() == 1;
      }
      ASSERT_EQ(p.sparse, sparse) << "trial " << trial << " position " << i;
    }
  }
}

TEST_F(IndexBruteForceTest, ContinuationsWhereAndLongestSpanMatchAScan) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<WordId> q;
    const int len = static_cast<int>(rng() % 4);
    for (int k = 0; k < len; ++k) {
      q.push_back(index_->Find(std::string(1, static_cast<char>('a' + rng() % 5))));
    }
    // Continuations: every unit after an occurrence of q within a line.
    std::map<WordId, Count> want;
    Count want_total = 0;
    for (size_t p = (q.empty() ? 1 : 0); p + q.size() < stream_.size(); ++p) {
      if (!std::equal(q.begin(), q.end(), stream_.begin() + static_cast<std::ptrdiff_t>(p)))
        continue;
      ++want[stream_[p + q.size()]];
      ++want_total;
    }
    std::vector<CorpusIndex::Continuation> next;
    uint64_t distinct = 0;
    ASSERT_EQ(index_->Continuations(q, 0, &next, &distinct), want_total);
    ASSERT_EQ(distinct, want.size());
    for (size_t i = 0; i < next.size(); ++i) {
      EXPECT_EQ(next[i].count, want[next[i].word]);
      if (i > 0) {
        EXPECT_GE(next[i - 1].count, next[i].count);
      }
    }
    std::vector<CorpusIndex::Continuation> top;
    index_->Continuations(q, 2, &top, &distinct);
    EXPECT_LE(top.size(), 2u);
    if (q.empty()) continue;
    // Where: the lines holding q.
    std::vector<uint64_t> lines;
    const Count c = index_->Where(q, 1000000, &lines);
    std::vector<uint64_t> want_lines;
    for (size_t l = 0; l < lines_.size(); ++l) {
      const auto& w = lines_[l];
      if (std::search(w.begin(), w.end(), q.begin(), q.end()) != w.end())
        want_lines.push_back(l + 1);
    }
    EXPECT_EQ(c, Occurrences(q));
    EXPECT_EQ(lines, want_lines);
    index_->Where(q, 3, &lines);
    EXPECT_LE(lines.size(), 3u);
    // The longest span of q + an unknown unit + q's reverse.
    std::vector<WordId> u = q;
    u.push_back(CorpusIndex::kUnknownUnit);
    u.insert(u.end(), q.rbegin(), q.rend());
    const CorpusIndex::Span s = index_->LongestSpan(u);
    size_t best = 0;
    for (size_t b = 0; b < u.size(); ++b) {
      for (size_t e = b + 1; e <= u.size(); ++e) {
        std::vector<WordId> piece(u.begin() + static_cast<std::ptrdiff_t>(b),
                                  u.begin() + static_cast<std::ptrdiff_t>(e));
        if (std::find(piece.begin(), piece.end(), CorpusIndex::kUnknownUnit) != piece.end()) break;
        if (Occurrences(piece) > 0) best = std::max(best, e - b);
      }
    }
    ASSERT_EQ(s.length, best);
    if (best > 0) {
      std::vector<WordId> piece(u.begin() + static_cast<std::ptrdiff_t>(s.begin),
                                u.begin() + static_cast<std::ptrdiff_t>(s.begin + s.length));
      EXPECT_EQ(s.count, Occurrences(piece));
      const auto& w = lines_.at(s.line - 1);
      EXPECT_NE(std::search(w.begin(), w.end(), piece.begin(), piece.end()), w.end());
    }
  }
}

TEST_F(IndexBruteForceTest, QueriesWithUnknownOrMisplacedMarksCountZero) {
  const WordId a = index_->Find("a");
  const WordId unknown = index_->Find("zzz");
  EXPECT_EQ(unknown, CorpusIndex::kUnknownUnit);
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{unknown}), 0u);
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{a, unknown}), 0u);
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{}), 0u);
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{a, kBosId}), 0u);
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{kEosId, a}), 0u);
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{kBosId}), lines_.size());
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{kEosId}), lines_.size());
  EXPECT_EQ(index_->CountNgram(std::vector<WordId>{12345678}), 0u);
  std::vector<WordId> ids;
  ASSERT_TRUE(index_->Tokenize("<s> a zzz", true, &ids).ok());
  EXPECT_EQ(ids, (std::vector<WordId>{kBosId, a, CorpusIndex::kUnknownUnit}));
}

// Corrupt and truncated files.
class IndexCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.path() + "/t.txt", "a b a\n\nb a c\nthe cat sat\n");
    good_path_ = dir_.path() + "/good.idx";
    ASSERT_TRUE(BuildIndex({dir_.path() + "/t.txt"}, {}, good_path_).ok());
    good_ = test::ReadFile(good_path_);
    ASSERT_GT(good_.size(), 256u);
  }
  // Opens `bytes` as a file; exercises the queries when it opens.
  Status Open(const std::string& bytes, bool verify) {
    const std::string path = dir_.path() + "/bad.idx";
    WriteFile(path, bytes);
    CorpusIndex::OpenOptions options;
    options.verify_checksums = verify;
    auto index = CorpusIndex::Open(path, options);
    if (!index.ok()) {
      EXPECT_NE(index.status().message().find(path), std::string::npos)
          << index.status().ToString();
      return index.status();
    }
    std::vector<WordId> ids;
    for (const char* q : {"a", "a b", "b a c", "<s> the cat sat </s>", "zz"}) {
      EXPECT_TRUE((*index)->Tokenize(q, true, &ids).ok());
      (void)(*index)->CountNgram(ids);
      std::vector<CorpusIndex::Continuation> next;
      uint64_t distinct;
      (void)(*index)->Continuations(ids, 3, &next, &distinct);
      std::vector<CorpusIndex::TokenProbability> probs;
      (*index)->InfinigramProbabilities(ids, &probs);
      std::vector<uint64_t> lines;
      (void)(*index)->Where(ids, 5, &lines);
      (void)(*index)->LongestSpan(ids);
    }
    return Status::OK();
  }
  uint32_t DecodeHeaderSize() const { return DecodeFixed32(good_.data() + 24); }
  TempDir dir_;
  std::string good_path_, good_;
};

TEST_F(IndexCorruptionTest, TheGoodFileOpens) { EXPECT_TRUE(Open(good_, true).ok()); }

TEST_F(IndexCorruptionTest, EveryTruncationIsRefused) {
  for (size_t cut = 0; cut < good_.size(); cut += (cut < 300 ? 1 : 7)) {
    const Status s = Open(good_.substr(0, cut), false);
    EXPECT_FALSE(s.ok()) << "cut at " << cut;
  }
}

TEST_F(IndexCorruptionTest, EveryHeaderByteFlipIsRefused) {
  const uint32_t H = DecodeHeaderSize();
  for (size_t i = 0; i < H; ++i) {
    std::string bad = good_;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(Open(bad, false).ok()) << "byte " << i;
  }
}

TEST_F(IndexCorruptionTest, SectionDamageIsFoundByTheChecksumsAndNeverCrashes) {
  const uint32_t H = DecodeHeaderSize();
  std::mt19937 rng(3);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good_;
    const size_t at = H + rng() % (bad.size() - H);
    const char old = bad[at];
    bad[at] = static_cast<char>(rng());
    if (bad[at] == old) continue;
    (void)Open(bad, false);  // may open: answers may be wrong, never a crash
    // Padding between sections is not checksummed.
    const Status s = Open(bad, true);
    if (s.ok()) continue;
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  }
}

TEST_F(IndexCorruptionTest, OtherFilesAreRefusedClearly) {
  EXPECT_NE(Open("", false).message().find("empty file"), std::string::npos);
  EXPECT_NE(
      Open("hello world, not an index at all, long enough to read a header from it......", false)
          .message()
          .find("not a grams corpus index"),
      std::string::npos);
  auto missing = CorpusIndex::Open(dir_.path() + "/missing.idx");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  std::string appended = good_ + "x";
  EXPECT_NE(Open(appended, false).message().find("appended"), std::string::npos);
}

// The byte code the suffix sort runs on is order-preserving and prefix-free
// across all its lengths (1 to 5 bytes), so the sort of its bytes is the
// sort of the ids.
TEST(IndexTest, TheIdCodeIsOrderPreservingAndPrefixFree) {
  std::vector<uint32_t> ids;
  for (uint64_t edge : {0ull, 0x80ull, 0x4080ull, 0x204080ull, 0x10204080ull, 0xFFFFFFFEull}) {
    for (int64_t d = -300; d <= 300; ++d) {
      const int64_t id = static_cast<int64_t>(edge) + d;
      if (id >= 0 && id <= 0xFFFFFFFFll) ids.push_back(static_cast<uint32_t>(id));
    }
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) ids.push_back(static_cast<uint32_t>(rng()));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto code = [](uint32_t id) {
    unsigned char b[8];
    const int n = index::EncodeId(id, b);
    return std::string(reinterpret_cast<const char*>(b), static_cast<size_t>(n));
  };
  std::vector<std::string> codes;
  for (uint32_t id : ids) codes.push_back(code(id));
  for (size_t i = 1; i < codes.size(); ++i) {
    const std::string& a = codes[i - 1];
    const std::string& b = codes[i];
    ASSERT_LT(a, b) << ids[i - 1] << " " << ids[i];
    ASSERT_NE(b.compare(0, a.size(), a), 0) << "prefix: " << ids[i - 1] << " " << ids[i];
  }
  EXPECT_EQ(code(0x7F).size(), 1u);
  EXPECT_EQ(code(0x80).size(), 2u);
  EXPECT_EQ(code(0x4080).size(), 3u);
  EXPECT_EQ(code(0x204080).size(), 4u);
  EXPECT_EQ(code(0x10204080).size(), 5u);
}

}  // namespace
}  // namespace grams
