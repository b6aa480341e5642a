// The dynamic mixture (grams/mix.h, CreateMixture): each token's score is
// the mixture of the models' own scores (against NgramPredictor::LogProb,
// an independent path), exactly the static mixture's score where the static
// model holds the token's whole n-gram, OOVs are the units no model has, the
// State API and the sentence scorer agree, threads change no bit, and bad
// mixtures are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/mix.h"
#include "grams/predict.h"
#include "grams/scorer.h"
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
const std::vector<std::string> kText = {
    "the cat sat on the word",  // "word" is in b only
    "god saw the mat",          // "mat" in a only, "god" in b only
    "a zebra sat",              // "zebra" in neither: an OOV
    "",                         // </s> alone
    "the light and the dog sat on the log in the beginning",
};

Model Build(const std::vector<std::string>& lines, int order, Smoothing smoothing) {
  auto counts = test::CountLines(lines, order);
  EXPECT_TRUE(counts.ok());
  BuildOptions options;
  options.smoothing = smoothing;
  auto model = BuildModel(*counts, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

struct Member {
  std::shared_ptr<const LanguageModel> lm;
  std::unique_ptr<NgramPredictor> predictor;
};

Member Make(const std::vector<std::string>& lines, int order,
            Smoothing smoothing = Smoothing::kModifiedKneserNey) {
  Model model = Build(lines, order, smoothing);
  Member m;
  auto lm = LanguageModel::Create(model);
  EXPECT_TRUE(lm.ok());
  m.lm = std::move(lm).value();
  auto p = NgramPredictor::Create(std::move(model));
  EXPECT_TRUE(p.ok());
  m.predictor = std::move(p).value();
  return m;
}

std::unique_ptr<LanguageModel> Mix(const std::vector<const Member*>& members,
                                   const std::vector<double>& weights) {
  std::vector<std::shared_ptr<const LanguageModel>> lms;
  for (const Member* m : members) lms.push_back(m->lm);
  auto mixed = CreateMixture(lms, weights);
  EXPECT_TRUE(mixed.ok()) << mixed.status().ToString();
  return std::move(mixed).value();
}

// The reference: log10 sum_i w_i P_i(word | context) from each model's
// NgramPredictor, words by their text ("" = </s>), a word a model lacks
// having P_i = 0 (and being its <unk> in a context), a word in no model
// every model's <unk>.
float Reference(const std::vector<const Member*>& members, const std::vector<double>& weights,
                const std::vector<std::string>& context, const std::string& word, bool* oov) {
  auto id = [](const Vocabulary& v, const std::string& w) {
    return w.empty() ? kEosId : v.Find(w);
  };
  *oov = true;
  for (const Member* m : members) {
    if (id(m->predictor->vocab(), word) != Vocabulary::kNotFound) *oov = false;
  }
  double sum = 0;
  for (double w : weights) sum += w;
  double p = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const NgramPredictor& pr = *members[i]->predictor;
    WordId w = id(pr.vocab(), word);
    if (w == Vocabulary::kNotFound) {
      if (!*oov) continue;
      w = kUnkId;
    }
    std::vector<WordId> ctx = {kBosId};
    for (const std::string& c : context) {
      const WordId cw = pr.vocab().Find(c);
      ctx.push_back(cw == Vocabulary::kNotFound ? kUnkId : cw);
    }
    p += weights[i] / sum * std::pow(10.0, double{pr.LogProb(ctx.data(), ctx.size(), w)});
  }
  return static_cast<float>(std::log10(p));
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> words;
  std::string w;
  for (char c : line + " ") {
    if (c == ' ') {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w.push_back(c);
    }
  }
  return words;
}

TEST(MixDynamicTest, EveryTokenIsTheMixtureOfTheModels) {
  const Member a = Make(kA, 3), b = Make(kB, 2, Smoothing::kWittenBell);
  const std::vector<const Member*> members = {&a, &b};
  const std::vector<double> weights = {0.3, 0.9};
  auto mixed = Mix(members, weights);
  EXPECT_EQ(mixed->order(), 3);
  EXPECT_TRUE(mixed->IsProbabilistic());
  EXPECT_EQ(mixed->Info("source"), "mix");
  EXPECT_EQ(mixed->Info("mix.dynamic"), "true");
  const std::vector<double> normalized = MixtureWeights(*mixed);
  ASSERT_EQ(normalized.size(), 2u);
  EXPECT_DOUBLE_EQ(normalized[0], 0.25);
  EXPECT_DOUBLE_EQ(normalized[1], 0.75);
  EXPECT_TRUE(MixtureWeights(*a.lm).empty());
  TextScorer scorer(mixed.get());
  TextScorer::LineScore score;
  int oovs = 0;
  for (const std::string& line : kText) {
    SCOPED_TRACE(line);
    ASSERT_TRUE(scorer.ScoreLine(line, &score).ok());
    const std::vector<std::string> words = Split(line);
    ASSERT_EQ(score.token_log10.size(), words.size() + 1);
    std::vector<std::string> context;
    for (size_t k = 0; k <= words.size(); ++k) {
      const std::string word = k < words.size() ? words[k] : "";
      bool oov = false;
      EXPECT_EQ(score.token_log10[k], Reference(members, weights, context, word, &oov)) << word;
      EXPECT_EQ(score.token_oov[k], oov) << word;
      oovs += oov;
      if (k < words.size()) context.push_back(word);
    }
  }
  EXPECT_EQ(oovs, 1);  // zebra
  // The n-gram length: the longest a model having the word matched.
  ASSERT_TRUE(scorer.ScoreLine("the cat sat", &score).ok());
  EXPECT_EQ(score.token_ngram_length[2], 3);  // "the cat sat" is in a
}

TEST(MixDynamicTest, StaticMixtureScoresTheSameWhereItHoldsTheNgram) {
  for (bool same_ngrams : {true, false}) {
    SCOPED_TRACE(same_ngrams ? "same n-grams" : "different n-grams");
    const Member a = Make(kA, 3);
    const Member b = same_ngrams ? Make(kA, 3, Smoothing::kWittenBell) : Make(kB, 3);
    const std::vector<double> weights = {0.6, 0.4};
    auto mixed = Mix({&a, &b}, weights);
    auto static_model = MixModels({a.predictor.get(), b.predictor.get()}, weights);
    ASSERT_TRUE(static_model.ok());
    auto static_lm = LanguageModel::Create(*static_model);
    ASSERT_TRUE(static_lm.ok());
    TextScorer dynamic(mixed.get()), fixed(static_lm->get());
    TextScorer::LineScore d, s;
    size_t held = 0;
    for (const std::string& line : kText) {
      ASSERT_TRUE(dynamic.ScoreLine(line, &d).ok());
      ASSERT_TRUE(fixed.ScoreLine(line, &s).ok());
      ASSERT_EQ(d.token_log10.size(), s.token_log10.size());
      for (size_t k = 0; k < d.token_log10.size(); ++k) {
        EXPECT_EQ(d.token_oov[k], s.token_oov[k]);
        // The static model holds the whole n-gram: the same float.
        const size_t full = std::min<size_t>(k + 2, 3);
        if (s.token_ngram_length[k] == full) {
          EXPECT_EQ(d.token_log10[k], s.token_log10[k]) << line << " token " << k;
          ++held;
        }
      }
    }
    EXPECT_GT(held, 10u);
  }
}

TEST(MixDynamicTest, StateApiAgreesWithSentences) {
  const Member a = Make(kA, 3), b = Make(kB, 2);
  auto mixed = Mix({&a, &b}, {0.5, 0.5});
  for (const std::string& line : kText) {
    std::vector<WordId> ids;
    for (const std::string& w : Split(line)) ids.push_back(mixed->Index(w));
    ids.push_back(kEosId);
    std::vector<float> whole(ids.size());
    mixed->ScoreSentence(ids.data(), ids.size(), whole.data());
    State state = mixed->BeginSentenceState(), next;
    for (size_t k = 0; k < ids.size(); ++k) {
      const FullScoreResult r = mixed->FullScore(state, ids[k], &next);
      EXPECT_EQ(r.log_prob, whole[k]) << line << " token " << k;
      EXPECT_EQ(r.oov, ids[k] == kUnkId);
      state = next;
    }
  }
}

TEST(MixDynamicTest, ThreadsChangeNoBit) {
  const Member a = Make(kA, 3), b = Make(kB, 3);
  auto mixed = Mix({&a, &b}, {0.7, 0.3});
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += kText[i % kText.size()] + "\n";
  const std::string path = dir.path() + "/text.txt";
  test::WriteFile(path, text);
  ScoreTextOptions one, four;
  four.threads = 4;
  auto p1 = ComputePerplexity(*mixed, path, one);
  auto p4 = ComputePerplexity(*mixed, path, four);
  ASSERT_TRUE(p1.ok() && p4.ok());
  EXPECT_EQ(p1->log10_prob, p4->log10_prob);
  EXPECT_EQ(p1->oovs, 3000u / 5);
  EXPECT_EQ(p1->oovs, p4->oovs);
}

TEST(MixDynamicTest, MixtureOfMixturesAndOneModel) {
  const Member a = Make(kA, 3), b = Make(kB, 3);
  // One model with weight 1: the model's own floats.
  auto alone = CreateMixture({a.lm}, {2.0});
  ASSERT_TRUE(alone.ok());
  TextScorer s1(alone->get()), s2(a.lm.get());
  TextScorer::LineScore x, y;
  ASSERT_TRUE(s1.ScoreLine("the cat sat on the mat", &x).ok());
  ASSERT_TRUE(s2.ScoreLine("the cat sat on the mat", &y).ok());
  EXPECT_EQ(x.token_log10, y.token_log10);
  // (a + b) mixed with b: a mixture is a model like any other.
  std::shared_ptr<const LanguageModel> ab = Mix({&a, &b}, {0.5, 0.5});
  auto nested = CreateMixture({ab, b.lm}, {0.5, 0.5});
  ASSERT_TRUE(nested.ok());
  auto flat = Mix({&a, &b}, {0.25, 0.75});
  TextScorer s3(nested->get()), s4(flat.get());
  for (const std::string& line : kText) {
    ASSERT_TRUE(s3.ScoreLine(line, &x).ok());
    ASSERT_TRUE(s4.ScoreLine(line, &y).ok());
    for (size_t k = 0; k < x.token_log10.size(); ++k) {
      EXPECT_NEAR(x.token_log10[k], y.token_log10[k], 1e-6) << line;
    }
  }
}

TEST(MixDynamicTest, RefusesBadMixtures) {
  const Member a = Make(kA, 2), sb = Make(kB, 2, Smoothing::kStupidBackoff);
  EXPECT_FALSE(CreateMixture({}, {}).ok());
  EXPECT_FALSE(CreateMixture({a.lm, a.lm}, {1.0}).ok());
  EXPECT_FALSE(CreateMixture({a.lm, a.lm}, {1.0, -1.0}).ok());
  EXPECT_FALSE(CreateMixture({a.lm, a.lm}, {0.0, 0.0}).ok());
  EXPECT_FALSE(CreateMixture({a.lm, a.lm}, {1.0, std::nan("")}).ok());
  EXPECT_FALSE(CreateMixture({a.lm, nullptr}, {1.0, 1.0}).ok());
  auto mixed_kinds = CreateMixture({a.lm, sb.lm}, {1.0, 1.0}, {"a.lm", "sb.lm"});
  ASSERT_FALSE(mixed_kinds.ok());
  EXPECT_NE(mixed_kinds.status().message().find("sb.lm"), std::string::npos);
  Model chars = Build(kA, 2, Smoothing::kModifiedKneserNey);
  chars.settings.unit = Unit::kChar;
  auto c = LanguageModel::Create(chars);
  ASSERT_TRUE(c.ok());
  std::shared_ptr<const LanguageModel> cs = std::move(c).value();
  auto units = CreateMixture({a.lm, cs}, {1.0, 1.0}, {"a.lm", "c.lm"});
  ASSERT_FALSE(units.ok());
  EXPECT_NE(units.status().message().find("c.lm: the models split text differently: setting unit"),
            std::string::npos)
      << units.status().message();
  // Stupid Backoff with Stupid Backoff: scores, marked as such.
  const Member sb2 = Make(kA, 3, Smoothing::kStupidBackoff);
  auto scores = CreateMixture({sb.lm, sb2.lm}, {1.0, 1.0});
  ASSERT_TRUE(scores.ok());
  EXPECT_FALSE((*scores)->IsProbabilistic());
  // No tables to write.
  test::TempDir dir;
  auto mixed = Mix({&a, &a}, {1.0, 1.0});
  EXPECT_FALSE(WriteMappedModel(*mixed, dir.path() + "/m.mapped").ok());
}

}  // namespace
}  // namespace grams
