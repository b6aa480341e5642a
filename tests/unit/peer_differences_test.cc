// The definitions that the peer tests (tests/peer/, issue 18) settled, checked
// directly: Stupid Backoff charges alpha at every backoff, also from a context
// that is not in the model (Brants et al. 2007, NLTK), in every model form and
// scoring path; Katz lowers its Good-Turing cut-off k while n_{k+1} = 0 (SRILM).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "grams/build.h"
#include "grams/language_model.h"
#include "grams/model_io.h"
#include "grams/scorer.h"
#include "test_util.h"

namespace grams {
namespace {

// NLTK's test_models.py corpus.
const std::vector<std::string> kNltk = {"a b c d", "e g a d b e"};

// log10 scores of `words` from the null context, through the State API and
// through ScoreSpan (which must agree).
std::vector<float> ScoreWords(const LanguageModel& lm, const std::vector<std::string>& words) {
  std::vector<WordId> ids;
  for (const std::string& w : words) ids.push_back(lm.Index(w));
  std::vector<float> state_scores;
  State s = lm.NullContextState();
  for (WordId id : ids) {
    State next;
    state_scores.push_back(lm.Score(s, id, &next));
    s = next;
  }
  std::vector<float> span(ids.size());
  lm.ScoreSpan(ids.data(), ids.size(), span.data());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_FLOAT_EQ(span[i], state_scores[i]) << words[i];
  return state_scores;
}

TEST(PeerDifferencesTest, StupidBackoffChargesAlphaFromAnUnseenContext) {
  auto counts = test::CountLines(kNltk, 3);
  ASSERT_TRUE(counts.ok());
  BuildOptions o;
  o.smoothing = Smoothing::kStupidBackoff;
  auto model = BuildModel(*counts, o);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  test::TempDir dir;
  ASSERT_TRUE(WriteModelFile(*model, dir.File("sb.lm")).ok());
  ASSERT_TRUE(WriteArpa(*model, dir.File("sb.arpa")).ok());
  auto built = LanguageModel::Create(*model);
  ASSERT_TRUE(built.ok());
  auto file = LanguageModel::Load(dir.File("sb.lm"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto arpa = LanguageModel::Load(dir.File("sb.arpa"));
  ASSERT_TRUE(arpa.ok()) << arpa.status().ToString();
  const double la = std::log10(0.4);
  for (const LanguageModel* lm : {built->get(), file->get(), arpa->get()}) {
    // S(c | b) = c(b c) / c(b) = 1/2; S(c | a b) = 1; "c b" was never seen, so
    // S(c | c b) = alpha S(c | b) (NLTK: 0.4 x 0.5); and S(b | d c): "d c"
    // unseen, "c b" unseen: alpha^2 S(b) = 0.16 x 2/12.
    std::vector<float> s = ScoreWords(*lm, {"a", "b", "c"});
    EXPECT_NEAR(s[1], std::log10(1.0 / 2), 1e-6);  // S(b | a): a b, a d
    EXPECT_NEAR(s[2], 0.0, 1e-6);
    s = ScoreWords(*lm, {"c", "b", "c"});
    EXPECT_NEAR(s[1], la + std::log10(2.0 / 12), 1e-6);  // S(b | c) = alpha S(b)
    EXPECT_NEAR(s[2], la + std::log10(0.5), 1e-6);       // S(c | c b) = alpha S(c | b)
    s = ScoreWords(*lm, {"d", "c", "b"});
    EXPECT_NEAR(s[2], 2 * la + std::log10(2.0 / 12), 1e-6);
    // From <s>: S(b | <s> c) = alpha^2 S(b) as well.
    State st = lm->BeginSentenceState(), next;
    lm->Score(st, lm->Index("c"), &next);
    EXPECT_NEAR(lm->Score(next, lm->Index("b"), &st), 2 * la + std::log10(2.0 / 12), 1e-6);
    const WordId sentence[] = {lm->Index("c"), lm->Index("b")};
    float out[2];
    lm->ScoreSentence(sentence, 2, out);
    EXPECT_NEAR(out[1], 2 * la + std::log10(2.0 / 12), 1e-6);
  }
  // A normalized model keeps the ARPA rule: a context not in the model costs nothing.
  auto mkn = BuildModel(*counts, BuildOptions());
  ASSERT_TRUE(mkn.ok());
  auto lm = LanguageModel::Create(*mkn);
  ASSERT_TRUE(lm.ok());
  std::vector<float> s = ScoreWords(**lm, {"c", "b", "c"});
  const std::vector<float> bc = ScoreWords(**lm, {"b", "c"});
  EXPECT_FLOAT_EQ(s[2], bc[1]);
}

TEST(PeerDifferencesTest, KatzLowersTheCutOffWhileNkPlusOneIsZero) {
  // Bigram count-of-counts n_1 = 5, n_2 = 1, n_3.. = 0: k = 7 is lowered to 1,
  // where d_1 = 0 is out of range: no discount (SRILM; keeping k = 7 would give
  // d_1 = 2 n_2 / n_1 = 0.4).
  auto counts = test::CountLines({"a b c d", "a"}, 2);
  ASSERT_TRUE(counts.ok());
  BuildOptions o;
  o.smoothing = Smoothing::kKatz;
  std::vector<std::string> warnings;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto m = BuildModel(*counts, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->Info("gt_max.2"), "7");
  EXPECT_EQ(m->Info("discounts.2"), "1 1 1 1 1 1 1");
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find("cut-off lowered from 7 to 1"), std::string::npos) << warnings[0];
  // With n_3 > 0 the cut-off 2 stays: d_1 = (2 n_2 / n_1 - 3 n_3 / n_1) / (1 - 3 n_3 / n_1).
  auto counts2 = test::CountLines({"a b a b a b", "c d c d", "e f", "g h"}, 2);
  ASSERT_TRUE(counts2.ok());
  o.gt_max = {1, 2};
  warnings.clear();
  auto m2 = BuildModel(*counts2, o);
  ASSERT_TRUE(m2.ok());
  EXPECT_TRUE(warnings.empty()) << warnings[0];
}

TEST(PeerDifferencesTest, ArpaWithoutBosGetsItAsAContext) {
  // SRILM writes models without <s> (a pruned model, say): read with one
  // warning, <s> added as a context only (never predicted: log10 -99).
  test::TempDir dir;
  test::WriteFile(dir.File("nobos.arpa"),
                  "\\data\\\nngram 1=4\nngram 2=1\n\n\\1-grams:\n-1.0\t<unk>\n-0.5\t</s>\n"
                  "-0.5\tx\t-0.2\n-0.6\ty\n\n\\2-grams:\n-0.1\tx y\n\n\\end\\\n");
  std::vector<std::string> warnings;
  auto m = ReadArpa(dir.File("nobos.arpa"), [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no <s>"), std::string::npos) << warnings[0];
  EXPECT_EQ(m->log_prob[0][kBosId], -99.0f);
  auto lm = LanguageModel::Load(dir.File("nobos.arpa"));
  ASSERT_TRUE(lm.ok()) << lm.status().ToString();
  const WordId xy[] = {(*lm)->Index("x"), (*lm)->Index("y")};
  float out[2];
  (*lm)->ScoreSentence(xy, 2, out);
  EXPECT_FLOAT_EQ(out[0], -0.5f);  // p(x | <s>) = p(x): <s> has no n-grams
  EXPECT_FLOAT_EQ(out[1], -0.1f);
  // No </s> is still an error.
  test::WriteFile(dir.File("noeos.arpa"),
                  "\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\t<unk>\n-0.5\tx\n\n\\end\\\n");
  auto bad = ReadArpa(dir.File("noeos.arpa"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("</s>"), std::string::npos);
}

}  // namespace
}  // namespace grams
