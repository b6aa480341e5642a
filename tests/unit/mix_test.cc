// Mixing (grams/mix.h): the static mixture normalizes every context, its
// n-grams carry the dynamic mixture's probabilities, EM never lowers the
// development text's probability and beats each model alone, and models that
// split text differently are refused.
#include "grams/mix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/predict.h"
#include "test_util.h"

namespace grams {
namespace {

const std::vector<std::string> kA = {
    "the cat sat on the mat", "the dog sat on the log", "a cat and a dog sat",
    "the cat saw the dog",    "on the mat the cat sat", "the bird sang",
};
const std::vector<std::string> kB = {
    "in the beginning was the word", "the word was with god", "and the light shone",
    "the cat was in the beginning",  "god saw the light",     "and the dog sat",
};

std::unique_ptr<NgramPredictor> Predictor(const std::vector<std::string>& lines, int order,
                                          Smoothing smoothing = Smoothing::kModifiedKneserNey) {
  auto counts = test::CountLines(lines, order);
  EXPECT_TRUE(counts.ok());
  BuildOptions options;
  options.smoothing = smoothing;
  auto model = BuildModel(*counts, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto p = NgramPredictor::Create(std::move(model).value());
  EXPECT_TRUE(p.ok());
  return std::move(p).value();
}

// log10 of the dynamic mixture of `words[0..n)` (union words) after the
// context words[0..n-1).
double Dynamic(const std::vector<const NgramPredictor*>& models, const std::vector<double>& weights,
               const Vocabulary& vocab, const std::vector<WordId>& words) {
  double p = 0;
  const WordId w = words.back();
  for (size_t i = 0; i < models.size(); ++i) {
    const Vocabulary& own = models[i]->vocab();
    auto local = [&](WordId u) {
      const WordId id = u < 3 ? u : own.Find(vocab.Word(u));
      return id;
    };
    const WordId lw = local(w);
    if (lw == Vocabulary::kNotFound) continue;
    std::vector<WordId> ctx;
    for (size_t k = 0; k + 1 < words.size(); ++k) {
      const WordId c = local(words[k]);
      ctx.push_back(c == Vocabulary::kNotFound ? kUnkId : c);
    }
    p += weights[i] * std::pow(10.0, double{models[i]->LogProb(ctx.data(), ctx.size(), lw)});
  }
  return std::log10(p);
}

TEST(MixTest, StaticMixtureNormalizesAndMatchesTheMixture) {
  for (int order : {2, 3}) {
    SCOPED_TRACE("order " + std::to_string(order));
    auto a = Predictor(kA, order);
    auto b = Predictor(kB, 3, Smoothing::kWittenBell);
    const std::vector<const NgramPredictor*> models = {a.get(), b.get()};
    ASSERT_TRUE(CheckMixable(models, {"a", "b"}).ok());
    const std::vector<double> weights = {0.3, 0.7};
    auto mixed = MixModels(models, weights);
    ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
    EXPECT_EQ(mixed->order(), 3);
    EXPECT_EQ(mixed->Info("source"), "mix");
    EXPECT_TRUE(IsProperDistribution(*mixed));
    // The union vocabulary.
    for (const auto* m : models) {
      for (WordId w = 0; w < m->vocab().size(); ++w) {
        EXPECT_NE(mixed->vocab.Find(m->vocab().Word(w)), Vocabulary::kNotFound);
      }
    }
    test::ExpectEveryContextNormalized(*mixed, 1e-6);
    // Every n-gram of the union has the dynamic mixture's probability.
    std::vector<WordId> words;
    for (int n = 1; n <= mixed->order(); ++n) {
      for (EntryIndex e = 0; e < mixed->trie.levels[n - 1].size(); ++e) {
        words.resize(n);
        mixed->trie.Ngram(n, e, words.data());
        if (words.back() == kBosId) continue;
        EXPECT_NEAR(mixed->log_prob[n - 1][e], Dynamic(models, weights, mixed->vocab, words), 2e-6)
            << test::NgramString(*mixed, n, e);
      }
    }
  }
}

TEST(MixTest, SameNgramsScoreExactlyAsTheMixture) {
  // One count set, two smoothings: the same n-grams.
  auto a = Predictor(kA, 3, Smoothing::kModifiedKneserNey);
  auto b = Predictor(kA, 3, Smoothing::kWittenBell);
  const std::vector<const NgramPredictor*> models = {a.get(), b.get()};
  auto mixed = MixModels(models, {0.6, 0.4});
  ASSERT_TRUE(mixed.ok());
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(mixed->trie.levels[n - 1].size(), a->model().trie.levels[n - 1].size());
  }
  test::ExpectEveryContextNormalized(*mixed, 1e-6);
  std::vector<WordId> words;
  for (int n = 1; n <= 3; ++n) {
    for (EntryIndex e = 0; e < mixed->trie.levels[n - 1].size(); ++e) {
      words.resize(n);
      mixed->trie.Ngram(n, e, words.data());
      if (words.back() == kBosId) continue;
      EXPECT_EQ(mixed->log_prob[n - 1][e],
                static_cast<float>(Dynamic(models, {0.6, 0.4}, mixed->vocab, words)));
    }
  }
}

TEST(MixTest, EmNeverLowersTheDevProbability) {
  auto a = Predictor(kA, 3);
  auto b = Predictor(kB, 3);
  const std::vector<const NgramPredictor*> models = {a.get(), b.get()};
  test::TempDir dir;
  const std::string dev = dir.path() + "/dev.txt";
  test::WriteFile(
      dev, "the cat sat on the log\nthe word was god\nthe dog sat\nand the cat saw the light\n");
  auto scores = ScoreForMix(models, dev);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  EXPECT_EQ(scores->sentences, 4u);
  EXPECT_EQ(scores->tokens, 6u + 4 + 3 + 6 + 4);
  std::vector<MixIteration> its;
  MixEmOptions options;
  options.tolerance = 1e-9;
  const MixIteration last = EstimateMixWeights(*scores, {0.5, 0.5}, options,
                                               [&](const MixIteration& it) { its.push_back(it); });
  ASSERT_GE(its.size(), 3u);
  EXPECT_EQ(its[0].iteration, 0);
  for (size_t i = 1; i < its.size(); ++i) {
    EXPECT_GE(its[i].log10_prob, its[i - 1].log10_prob - 1e-12) << "iteration " << i;
    EXPECT_NEAR(its[i].weights[0] + its[i].weights[1], 1.0, 1e-12);
  }
  EXPECT_EQ(last.iteration, its.back().iteration);
  // The optimum: no weight on a grid does better.
  for (double w = 0.01; w < 1; w += 0.01) {
    EXPECT_LE(MixLog10Prob(*scores, {w, 1 - w}), last.log10_prob + 1e-9) << w;
  }
  // On the tokens both know, the mixture beats each alone here (on this
  // text: not a theorem, as a word one model lacks pulls weight to the other).
  uint64_t known = 0;
  const double mix = MixLog10ProbKnown(*scores, last.weights, &known);
  EXPECT_GT(known, 0u);
  EXPECT_GT(mix, MixLog10ProbKnown(*scores, {1, 0}, &known));
  EXPECT_GT(mix, MixLog10ProbKnown(*scores, {0, 1}, &known));
}

TEST(MixTest, RefusesModelsThatSplitTextDifferently) {
  auto a = Predictor(kA, 2);
  Model chars = a->model();
  chars.settings.unit = Unit::kChar;
  auto c = NgramPredictor::Create(std::move(chars));
  ASSERT_TRUE(c.ok());
  Status s = CheckMixable({a.get(), c->get()}, {"a.lm", "c.lm"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("c.lm"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("unit"), std::string::npos) << s.message();
  EXPECT_FALSE(CheckMixable({a.get()}, {"a.lm"}).ok());
  auto sb = Predictor(kA, 2, Smoothing::kStupidBackoff);
  EXPECT_FALSE(CheckMixable({a.get(), sb.get()}, {"a.lm", "sb.lm"}).ok());
  // Stupid Backoff with Stupid Backoff: scores, marked as such.
  auto sb2 = Predictor(kB, 2, Smoothing::kStupidBackoff);
  ASSERT_TRUE(CheckMixable({sb.get(), sb2.get()}, {"sb.lm", "sb2.lm"}).ok());
  auto mixed = MixModels({sb.get(), sb2.get()}, {0.5, 0.5});
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(IsProperDistribution(*mixed));
}

}  // namespace
}  // namespace grams
