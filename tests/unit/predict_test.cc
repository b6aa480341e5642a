// NgramPredictor: LogProb equals LanguageModel::Score, TopK equals a
// brute-force pass over the vocabulary (small models of every smoothing and
// order, and Brown order 3), ContinuationsOf lists the trie's children,
// Distribution matches LogProb, and Sample's draws follow the model's
// probabilities (chi-square at a fixed seed).
#include "grams/predict.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/files.h"
#include "grams/language_model.h"
#include "grams/model_io.h"
#include "test_util.h"

namespace grams {
namespace {

const std::vector<std::string> kLines = {
    "the cat sat on the mat",      "the dog sat on the log",
    "a cat and a dog sat",         "the cat saw the dog",
    "on the mat the cat sat down", "a dog and the cat",
    "the mat is on the log",       "down sat the dog",
    "the cat the dog the mat",
};

Model BuildOf(const std::vector<std::string>& lines, int order, Smoothing smoothing) {
  auto counts = test::CountLines(lines, order);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  BuildOptions options;
  options.smoothing = smoothing;
  auto model = BuildModel(*counts, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

std::vector<Prediction> BruteForce(const NgramPredictor& p, const std::vector<WordId>& ctx,
                                   size_t k, bool include_unk) {
  std::vector<Prediction> all;
  for (WordId w = 0; w < p.vocab().size(); ++w) {
    if (w == kBosId || (w == kUnkId && !include_unk)) continue;
    all.push_back({w, p.LogProb(ctx.data(), ctx.size(), w)});
  }
  std::sort(all.begin(), all.end(), [](const Prediction& a, const Prediction& b) {
    return a.log10_prob > b.log10_prob || (a.log10_prob == b.log10_prob && a.word < b.word);
  });
  if (all.size() > k) all.resize(k);
  return all;
}

void ExpectSame(const std::vector<Prediction>& got, const std::vector<Prediction>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].word, want[i].word) << "rank " << i;
    EXPECT_EQ(got[i].log10_prob, want[i].log10_prob) << "rank " << i;
  }
}

// Random contexts of the model's words (<unk> and </s> among them).
std::vector<std::vector<WordId>> Contexts(const Vocabulary& vocab, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<WordId>> out;
  for (int i = 0; i < count; ++i) {
    std::vector<WordId> ctx;
    if (i % 2 == 0) ctx.push_back(kBosId);
    const int len = static_cast<int>(rng() % 6);
    for (int j = 0; j < len; ++j) {
      WordId w = static_cast<WordId>(rng() % vocab.size());
      if (w == kBosId) w = kUnkId;
      ctx.push_back(w);
    }
    out.push_back(ctx);
  }
  return out;
}

TEST(PredictTest, LogProbEqualsLanguageModelScore) {
  for (Smoothing smoothing : {Smoothing::kModifiedKneserNey, Smoothing::kWittenBell,
                              Smoothing::kKatz, Smoothing::kStupidBackoff}) {
    for (int order : {1, 2, 3, 5}) {
      SCOPED_TRACE(std::string(SmoothingName(smoothing)) + " order " + std::to_string(order));
      Model model = BuildOf(kLines, order, smoothing);
      auto lm = LanguageModel::Create(model);
      ASSERT_TRUE(lm.ok());
      auto p = NgramPredictor::Create(std::move(model));
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      EXPECT_EQ((*p)->IsProbabilistic(), smoothing != Smoothing::kStupidBackoff);
      for (const auto& ctx : Contexts((*p)->vocab(), 200, 7)) {
        State state = ctx.empty() || ctx[0] != kBosId ? (*lm)->NullContextState()
                                                      : (*lm)->BeginSentenceState();
        State next;
        for (size_t i = ctx.empty() || ctx[0] != kBosId ? 0 : 1; i < ctx.size(); ++i) {
          (*lm)->Score(state, ctx[i], &next);
          state = next;
        }
        for (WordId w = 0; w < (*p)->vocab().size(); ++w) {
          if (w == kBosId) continue;
          ASSERT_EQ((*p)->LogProb(ctx.data(), ctx.size(), w), (*lm)->Score(state, w, &next))
              << "word " << w << " after " << ctx.size() << " words";
        }
      }
    }
  }
}

TEST(PredictTest, TopKEqualsBruteForce) {
  for (Smoothing smoothing : {Smoothing::kModifiedKneserNey, Smoothing::kKatz, Smoothing::kAdditive,
                              Smoothing::kStupidBackoff}) {
    for (int order : {1, 2, 3, 4}) {
      SCOPED_TRACE(std::string(SmoothingName(smoothing)) + " order " + std::to_string(order));
      auto p = NgramPredictor::Create(BuildOf(kLines, order, smoothing));
      ASSERT_TRUE(p.ok());
      const size_t vocab = (*p)->vocab().size();
      std::vector<Prediction> got;
      for (const auto& ctx : Contexts((*p)->vocab(), 100, 11)) {
        for (size_t k : {size_t{1}, size_t{3}, size_t{10}, vocab}) {
          for (bool unk : {false, true}) {
            TopKOptions options;
            options.k = k;
            options.include_unk = unk;
            (*p)->TopK(ctx.data(), ctx.size(), options, &got);
            ExpectSame(got, BruteForce(**p, ctx, k, unk));
          }
        }
      }
    }
  }
}

TEST(PredictTest, ContinuationsAndDistribution) {
  Model model = BuildOf(kLines, 3, Smoothing::kModifiedKneserNey);
  const Model copy = model;
  auto p = NgramPredictor::Create(std::move(model));
  ASSERT_TRUE(p.ok());
  const Vocabulary& v = (*p)->vocab();
  const WordId the = v.Find("the"), cat = v.Find("cat");
  // Every unigram.
  Continuations all = (*p)->ContinuationsOf(nullptr, 0);
  EXPECT_EQ(all.size, v.size());
  // "the cat" -> the trigrams "the cat *", by word.
  const WordId ctx[] = {the, cat};
  Continuations c = (*p)->ContinuationsOf(ctx, 2);
  std::vector<std::string> words;
  for (size_t i = 0; i < c.size; ++i) {
    words.push_back(std::string(v.Word(c.words[i])));
    if (i) {
      EXPECT_LT(c.words[i - 1], c.words[i]);
    }
    const WordId tri[] = {the, cat, c.words[i]};
    // Its own probability: the trigram is in the model, so no backoff.
    EXPECT_EQ(c.log10_probs[i], (*p)->LogProb(tri, 2, tri[2]));
  }
  std::sort(words.begin(), words.end());
  EXPECT_EQ(words, (std::vector<std::string>{"</s>", "sat", "saw", "the"}));
  // Not in the model, or too long: empty.
  const WordId missing[] = {cat, cat};
  EXPECT_EQ((*p)->ContinuationsOf(missing, 2).size, 0u);
  const WordId three[] = {the, cat, the};
  EXPECT_EQ((*p)->ContinuationsOf(three, 3).size, 0u);

  for (const auto& context : Contexts(v, 50, 3)) {
    std::vector<float> dist;
    (*p)->Distribution(context.data(), context.size(), &dist);
    ASSERT_EQ(dist.size(), v.size());
    double sum = 0;
    for (WordId w = 0; w < v.size(); ++w) {
      if (w == kBosId) {
        EXPECT_EQ(dist[w], -std::numeric_limits<float>::infinity());
        continue;
      }
      EXPECT_EQ(dist[w], (*p)->LogProb(context.data(), context.size(), w));
      sum += std::pow(10.0, dist[w]);
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

// Pearson's chi-square of `draws` samples against the model's distribution
// after `ctx`, with its degrees of freedom.
std::pair<double, int> ChiSquare(const NgramPredictor& p, const std::vector<WordId>& ctx, int draws,
                                 uint64_t seed) {
  std::vector<float> dist;
  p.Distribution(ctx.data(), ctx.size(), &dist);
  std::vector<double> prob(dist.size());
  double total = 0;
  for (size_t w = 0; w < dist.size(); ++w) total += prob[w] = std::pow(10.0, double{dist[w]});
  std::vector<int> seen(dist.size(), 0);
  uint64_t rng = seed;
  for (int i = 0; i < draws; ++i) ++seen[p.Sample(ctx.data(), ctx.size(), &rng)];
  double chi = 0;
  int cells = 0;
  for (size_t w = 0; w < dist.size(); ++w) {
    const double expected = draws * prob[w] / total;
    if (expected == 0) {
      EXPECT_EQ(seen[w], 0) << "word " << w << " has no mass but was drawn";
      continue;
    }
    chi += (seen[w] - expected) * (seen[w] - expected) / expected;
    ++cells;
  }
  return {chi, cells - 1};
}

TEST(PredictTest, SampleFollowsTheModel) {
  for (Smoothing smoothing :
       {Smoothing::kModifiedKneserNey, Smoothing::kKatz, Smoothing::kStupidBackoff}) {
    SCOPED_TRACE(SmoothingName(smoothing));
    PredictorOptions options;
    options.sampling = true;
    auto p = NgramPredictor::Create(BuildOf(kLines, 3, smoothing), options);
    ASSERT_TRUE(p.ok());
    const Vocabulary& v = (*p)->vocab();
    const std::vector<std::vector<WordId>> contexts = {{kBosId},
                                                       {kBosId, v.Find("the")},
                                                       {v.Find("the"), v.Find("cat")},
                                                       {v.Find("dog"), v.Find("the")},
                                                       {v.Find("zebra")},
                                                       {}};
    for (const auto& ctx : contexts) {
      // 200000 draws: the 99.9% quantile of chi-square with d degrees of
      // freedom is below d + 3.1 sqrt(2d) + 10 for these d (<= 20); a wrong
      // sampler (say one off by a backoff) lands in the thousands.
      auto [chi, df] = ChiSquare(**p, ctx, 200000, 12345);
      EXPECT_LT(chi, df + 3.1 * std::sqrt(2.0 * df) + 10) << "df " << df;
    }
    // Reproducible.
    uint64_t a = 99, b = 99;
    for (int i = 0; i < 100; ++i) {
      const WordId ctx[] = {kBosId};
      EXPECT_EQ((*p)->Sample(ctx, 1, &a), (*p)->Sample(ctx, 1, &b));
    }
  }
}

// The state Sample hands on equals the state of the longer context walked
// from its start, and the draws equal those of Sample on the words.
TEST(PredictTest, SampleStateFollowsTheContext) {
  for (int order : {1, 2, 3, 5}) {
    SCOPED_TRACE("order " + std::to_string(order));
    PredictorOptions options;
    options.sampling = true;
    auto p = NgramPredictor::Create(BuildOf(kLines, order, Smoothing::kModifiedKneserNey), options);
    ASSERT_TRUE(p.ok());
    uint64_t rng_a = 5, rng_b = 5;
    for (int sentence = 0; sentence < 300; ++sentence) {
      std::vector<WordId> ctx = {kBosId};
      PredictState state = (*p)->StateOf(ctx.data(), ctx.size());
      for (int i = 0; i < 30; ++i) {
        PredictState next;
        const WordId w = (*p)->Sample(state, &rng_a, &next);
        ASSERT_EQ(w, (*p)->Sample(ctx.data(), ctx.size(), &rng_b));
        if (w == kEosId) break;
        ctx.push_back(w);
        const PredictState walked = (*p)->StateOf(ctx.data(), ctx.size());
        ASSERT_EQ(next.length, walked.length);
        for (int j = 0; j < walked.length; ++j) ASSERT_EQ(next.entry[j], walked.entry[j]);
        state = next;
      }
    }
  }
}

TEST(PredictTest, BrownTopKEqualsBruteForce) {
  const std::string train = test::SharedPath("corpora/brown/train.txt");
  const std::string test_text = test::SharedPath("corpora/brown/test.txt");
  if (!test::FileExists(train)) GTEST_SKIP() << "no " << train;
  CountOptions count_options;
  count_options.order = 3;
  auto counts = CountFiles({train}, count_options);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  auto model = BuildModel(std::move(*counts), BuildOptions());
  ASSERT_TRUE(model.ok());
  auto p = NgramPredictor::Create(std::move(model).value());
  ASSERT_TRUE(p.ok());
  auto reader = UnitReader::Create((*p)->settings(), &(*p)->vocab());
  ASSERT_TRUE(reader.ok());
  auto text = TextReader::Open(test_text);
  ASSERT_TRUE(text.ok());
  std::string_view line;
  std::vector<WordId> ids;
  std::vector<Prediction> got;
  int queries = 0;
  for (int n = 0; n < 40 && (*text)->Next(&line); ++n) {
    ASSERT_TRUE((*reader)->Read(line, true, &ids).ok());
    // Every prefix of the line (a few of each: the brute force is slow).
    for (size_t len = 1; len <= ids.size(); len += 3) {
      TopKOptions options;
      options.k = 10;
      (*p)->TopK(ids.data(), len, options, &got);
      ExpectSame(got,
                 BruteForce(**p, std::vector<WordId>(ids.begin(), ids.begin() + len), 10, false));
      ++queries;
    }
  }
  EXPECT_GT(queries, 100);
}

TEST(PredictTest, UnitReaderTokenizesAsTheModel) {
  Model model = BuildOf(kLines, 2, Smoothing::kModifiedKneserNey);
  auto reader = UnitReader::Create(model.settings, &model.vocab);
  ASSERT_TRUE(reader.ok());
  std::vector<WordId> ids;
  ASSERT_TRUE((*reader)->Read("  the zebra\tcat ", true, &ids).ok());
  EXPECT_EQ(
      ids, (std::vector<WordId>{kBosId, model.vocab.Find("the"), kUnkId, model.vocab.Find("cat")}));
  ASSERT_TRUE((*reader)->Read("", false, &ids).ok());
  EXPECT_TRUE(ids.empty());
}

TEST(PredictTest, RejectsInconsistentModels) {
  Model model = BuildOf(kLines, 2, Smoothing::kModifiedKneserNey);
  Model bad = model;
  bad.trie.levels[1].parents[0] = static_cast<EntryIndex>(bad.trie.levels[0].size());
  EXPECT_FALSE(NgramPredictor::Create(std::move(bad)).ok());
  bad = model;
  bad.log_prob[1].pop_back();
  EXPECT_FALSE(NgramPredictor::Create(std::move(bad)).ok());
  bad = model;
  bad.trie.levels[1].words[0] = 1000000;
  EXPECT_FALSE(NgramPredictor::Create(std::move(bad)).ok());
}

}  // namespace
}  // namespace grams
