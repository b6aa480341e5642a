// LanguageModel::FullScore: the log10 probability of Score, the length of the
// n-gram that matched (KenLM's FullScoreReturn::ngram_length) and the OOV flag,
// checked against the model's own n-grams.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "grams/counts.h"
#include "grams/model.h"
#include "grams/scorer.h"
#include "test_util.h"

namespace grams {
namespace {

const std::vector<std::string> kLines = {
    "the cat sat on the mat", "the dog sat on the log",      "a cat and a dog sat",
    "the cat saw the dog",    "on the mat the cat sat down",
};

std::unique_ptr<LanguageModel> ModelOfLines(int order, Model* model_out) {
  auto counts = test::CountLines(kLines, order);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  auto model = BuildModel(*counts, BuildOptions());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto lm = LanguageModel::Create(*model);
  EXPECT_TRUE(lm.ok()) << lm.status().ToString();
  *model_out = std::move(model).value();
  return std::move(lm).value();
}

// The length of the longest n-gram of the model that ends in words[k] and
// lies within words[0..k] (words[0] = <s>), at most `order` long.
int LongestMatch(const std::map<std::string, std::pair<double, double>>& ngrams,
                 const std::vector<std::string>& words, size_t k, int order) {
  int best = 1;
  std::string ngram = words[k];
  for (int n = 2; n <= order && k + 1 >= static_cast<size_t>(n); ++n) {
    ngram = words[k + 1 - n] + " " + ngram;
    if (!ngrams.count(ngram)) break;
    best = n;
  }
  return best;
}

TEST(FullScoreTest, MatchesScoreAndTheModelsNgrams) {
  for (int order : {1, 2, 3, 4}) {
    SCOPED_TRACE("order " + std::to_string(order));
    Model model;
    auto lm = ModelOfLines(order, &model);
    const auto ngrams = test::ProbsByNgram(model, 0);
    for (const std::string sentence :
         {"the cat sat on the mat", "a dog saw the cat", "the zebra sat on the mat", "cat"}) {
      SCOPED_TRACE(sentence);
      std::vector<std::string> words = {"<s>"};
      std::vector<WordId> ids;
      for (size_t p = 0, q; p < sentence.size(); p = q + 1) {
        q = sentence.find(' ', p);
        if (q == std::string::npos) q = sentence.size();
        const std::string word = sentence.substr(p, q - p);
        ids.push_back(lm->Index(word));
        words.push_back(ids.back() == kUnkId ? "<unk>" : word);
      }
      ids.push_back(kEosId);
      words.push_back("</s>");
      std::vector<float> whole(ids.size());
      lm->ScoreSentence(ids.data(), ids.size(), whole.data());

      State state = lm->BeginSentenceState(), by_score, by_full;
      for (size_t k = 0; k < ids.size(); ++k) {
        const float score = lm->Score(state, ids[k], &by_score);
        const FullScoreResult full = lm->FullScore(state, ids[k], &by_full);
        EXPECT_EQ(full.log_prob, score) << words[k + 1];
        EXPECT_EQ(full.log_prob, whole[k]) << words[k + 1];
        EXPECT_EQ(full.oov, ids[k] == kUnkId) << words[k + 1];
        EXPECT_EQ(full.ngram_length, LongestMatch(ngrams, words, k + 1, order)) << words[k + 1];
        ASSERT_EQ(by_full.length, by_score.length);
        EXPECT_EQ(0, std::memcmp(by_full.words, by_score.words, by_full.length * sizeof(WordId)));
        state = by_full;
      }
    }
  }
}

TEST(FullScoreTest, KnownLengths) {
  Model model;
  auto lm = ModelOfLines(3, &model);
  State s0 = lm->BeginSentenceState(), s1, s2, s3;
  // "<s> the cat": the trigram is in the corpus.
  EXPECT_EQ(lm->FullScore(s0, lm->Index("the"), &s1).ngram_length, 2);
  EXPECT_EQ(lm->FullScore(s1, lm->Index("cat"), &s2).ngram_length, 3);
  // "the cat zebra": an OOV matches only its unigram.
  const FullScoreResult oov = lm->FullScore(s2, lm->Index("zebra"), &s3);
  EXPECT_TRUE(oov.oov);
  EXPECT_EQ(oov.ngram_length, 1);
  EXPECT_EQ(oov.log_prob, lm->Score(s2, kUnkId, &s3));
  // From the empty context, every word is a unigram.
  State null = lm->NullContextState(), out;
  EXPECT_EQ(lm->FullScore(null, lm->Index("cat"), &out).ngram_length, 1);
  EXPECT_FALSE(lm->FullScore(null, lm->Index("cat"), &out).oov);
  // "cat sat" is a bigram but "the cat sat" is a trigram too.
  State t, c;
  lm->FullScore(null, lm->Index("the"), &t);
  lm->FullScore(t, lm->Index("cat"), &c);
  EXPECT_EQ(lm->FullScore(c, lm->Index("sat"), &out).ngram_length, 3);
}

}  // namespace
}  // namespace grams
