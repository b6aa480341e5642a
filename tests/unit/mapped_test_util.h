// What the tests of the mapped model file (mapped_model_test.cc, both
// layouts; mapped_trie_test.cc, the trie layout's own) share: a Zipf corpus
// and its models, scoring every token two ways, the header's fields, and
// the checks of a refused file.
#ifndef GRAMS_TESTS_UNIT_MAPPED_TEST_UTIL_H_
#define GRAMS_TESTS_UNIT_MAPPED_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "grams/grams.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams::mapped_test {

// A Brown-like corpus: Zipf-distributed words (exponent 1.1) over a
// vocabulary of `vocab` words, sentences of 3 to 25 words. Deterministic.
inline std::vector<std::string> ZipfCorpus(size_t sentences, size_t vocab, uint64_t seed) {
  std::vector<double> cdf(vocab);
  double total = 0;
  for (size_t i = 0; i < vocab; ++i) cdf[i] = total += 1.0 / std::pow(i + 1.0, 1.1);
  std::mt19937_64 rng(seed);
  std::vector<std::string> lines;
  for (size_t s = 0; s < sentences; ++s) {
    const size_t len = 3 + rng() % 23;
    std::string line;
    for (size_t k = 0; k < len; ++k) {
      const double u = static_cast<double>(rng() >> 11) / 9007199254740992.0 * total;
      const size_t w = std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
      if (k) line += ' ';
      line += 'w';
      line += std::to_string(w);
    }
    lines.push_back(line);
  }
  return lines;
}

inline Model BuildZipfModel(int order, size_t sentences, size_t vocab) {
  auto counts = test::CountLines(ZipfCorpus(sentences, vocab, 7), order);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  auto model = BuildModel(*counts, BuildOptions());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(*model);
}

inline std::unique_ptr<LanguageModel> MustLoad(const std::string& path, LoadOptions options = {}) {
  auto lm = LanguageModel::Load(path, options);
  EXPECT_TRUE(lm.ok()) << lm.status().ToString();
  return lm.ok() ? std::move(*lm) : nullptr;
}

// Every token's log10 probability of every line (held-out text with OOVs),
// through TextScorer, and the State API's scores of the same tokens.
inline std::vector<float> ScoreAll(const LanguageModel& lm, const std::vector<std::string>& lines) {
  std::vector<float> out;
  TextScorer scorer(&lm);
  TextScorer::LineScore score;
  for (const auto& line : lines) {
    EXPECT_TRUE(scorer.ScoreLine(line, &score).ok());
    out.insert(out.end(), score.token_log10.begin(), score.token_log10.end());
    State state = lm.BeginSentenceState(), next;
    std::vector<std::string_view> words;
    size_t start = 0;
    while (start < line.size()) {
      size_t end = line.find(' ', start);
      if (end == std::string::npos) end = line.size();
      words.push_back(std::string_view(line).substr(start, end - start));
      start = end + 1;
    }
    for (auto w : words) {
      out.push_back(lm.Score(state, lm.Index(w), &next));
      state = next;
    }
    out.push_back(lm.Score(state, kEosId, &next));
  }
  return out;
}

inline void ExpectSameFloats(const std::vector<float>& a, const std::vector<float>& b,
                             const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(FloatBits(a[i]), FloatBits(b[i]))
        << what << ": token " << i << ": " << a[i] << " vs " << b[i];
  }
}

// Held-out text: a different seed, and words the model never saw.
inline std::vector<std::string> HeldOut() {
  auto lines = ZipfCorpus(300, 3000, 99);
  lines.push_back("zzz unseen w1 w2 qqq");
  lines.push_back("");
  return lines;
}

// The header's fields (docs/FORMAT.md), for the tests that edit them.
constexpr size_t kHeaderSizeAt = 24;
constexpr size_t kSectionsAt = 64;
constexpr size_t kSectionBytes = 48;
inline uint32_t HeaderSize(const std::string& b) { return DecodeFixed32(b.data() + kHeaderSizeAt); }
inline uint32_t SectionCount(const std::string& b) { return DecodeFixed32(b.data() + 48); }
inline uint64_t SectionField(const std::string& b, size_t i, size_t at) {
  return DecodeFixed64(b.data() + kSectionsAt + kSectionBytes * i + at);
}
inline void SetFixed64(std::string* b, size_t at, uint64_t v) {
  std::string e;
  PutFixed64(&e, v);
  memcpy(b->data() + at, e.data(), 8);
}
inline void SetFixed32(std::string* b, size_t at, uint32_t v) {
  std::string e;
  PutFixed32(&e, v);
  memcpy(b->data() + at, e.data(), 4);
}
// Recomputes the header CRC, so that a test reaches the checks behind it.
inline void FixHeaderCrc(std::string* b) {
  const uint32_t h = HeaderSize(*b);
  SetFixed32(b, h - 4, Crc32(b->data(), h - 4));
}

inline void ExpectRefused(const std::string& path, StatusCode code, const std::string& text,
                          LoadOptions options = {}) {
  auto lm = LanguageModel::Load(path, options);
  ASSERT_FALSE(lm.ok()) << path << " was accepted";
  EXPECT_EQ(lm.status().code(), code) << lm.status().ToString();
  EXPECT_NE(lm.status().message().find(path), std::string::npos)
      << "the error does not name the file: " << lm.status().ToString();
  EXPECT_NE(lm.status().message().find(text), std::string::npos)
      << "expected '" << text << "' in: " << lm.status().ToString();
}

}  // namespace grams::mapped_test

#endif  // GRAMS_TESTS_UNIT_MAPPED_TEST_UTIL_H_
