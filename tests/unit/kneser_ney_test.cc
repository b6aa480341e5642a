// Modified Kneser-Ney estimation (estimate/kneser_ney.cc) against numbers
// worked out independently, and against KenLM's lmplz.
//
// The expected values below were computed with exact fractions by a small
// Python script written from the formulas in ../shared/reference/README.md
// (not from our C++ code): counts of the <s>/</s>-wrapped lines, adjusted
// counts, count-of-counts t(n,k), discounts D(n,k) = k - (k+1) Y t(n,k+1) /
// t(n,k) with Y = t(n,1) / (t(n,1) + 2 t(n,2)), then
//   p(w|h) = (a(hw) - D(n, a(hw))) / S(h) + b(h) p(w|h'),
//   b(h)   = (D(n,1) N1(h) + D(n,2) N2(h) + D(n,3) N3+(h)) / S(h),
//   p(w)   = (a(w) - D(1, a(w))) / S + b() / |V|,
// |V| = vocabulary without <s> (with <unk>), p(<unk>) = b() / |V|.
// Each entry's comment shows its derivation: "a=" is the adjusted count
// (raw count in parentheses), then the formula with the exact value.
// Dk_j is D(k, j); b(h) of a context is shown on the context's own entry.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "estimate/estimate_internal.h"
#include "grams/build.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "test_util.h"

namespace grams {
namespace {

using grams::test::ExpectEveryContextNormalized;
using grams::test::FileExists;
using grams::test::SharedPath;

// The highest order has no backoff.
constexpr double kNoBackoff = 1e300;

struct ExpectedNgram {
  const char* ngram;
  double log_prob;
  double log_backoff;  // kNoBackoff at the highest order
};

struct ExpectedModel {
  int order;
  std::vector<std::array<double, 3>> discounts;  // D(n,1), D(n,2), D(n,3+) per order
  std::vector<ExpectedNgram> ngrams;
};

// The corpora: kOrder1 is counted from kCorpusU, the others from kCorpusK.
const std::vector<std::string> kCorpusU = {"a b c d", "a b c", "a b", "a"};
const std::vector<std::string> kCorpusK = {"d", "a a", "c b d a a a", "c b a a", "a a", "c b", "d"};

// kOrder1: order 1 on a b c d | a b c | a b | a
//   order 1: t1..t4 = 1, 1, 1, 2; D1 = 1/3, 1, 1/3
//   |V| = 6 (</s> <unk> a b c d)
//   unigrams: S = 14, N1/N2/N3+ = 1/1/3, b() = 1/6, b()/|V| = 1/36
const ExpectedModel kOrder1 = {
    1,
    {{1.0 / 3, 1.0, 1.0 / 3}},
    {
        // a=4 (raw 4): (4 - 1/3)/14 + b()/6 = 73/252
        {"</s>", -0.538077681, kNoBackoff},
        // <s>: log10 p written as 0
        {"<s>", 0.000000000, kNoBackoff},
        // unseen: b()/6 = 1/36
        {"<unk>", -1.556302501, kNoBackoff},
        // a=4 (raw 4): (4 - 1/3)/14 + b()/6 = 73/252
        {"a", -0.538077681, kNoBackoff},
        // a=3 (raw 3): (3 - 1/3)/14 + b()/6 = 55/252
        {"b", -0.661037851, kNoBackoff},
        // a=2 (raw 2): (2 - 1)/14 + b()/6 = 25/252
        {"c", -1.003460532, kNoBackoff},
        // a=1 (raw 1): (1 - 1/3)/14 + b()/6 = 19/252
        {"d", -1.122646940, kNoBackoff},
    },
};

// kOrder1Fallback: order 1 on d | a a | c b d a a a | c b a a | a a | c b | d
//   order 1: t1..t4 = 0, 0, 3, 0 (fallback); D1 = 1/2, 1, 3/2
//   |V| = 6 (</s> <unk> a b c d)
//   unigrams: S = 25, N1/N2/N3+ = 0/0/5, b() = 3/10, b()/|V| = 1/20
const ExpectedModel kOrder1Fallback = {
    1,
    {{1.0 / 2, 1.0, 3.0 / 2}},
    {
        // a=7 (raw 7): (7 - 3/2)/25 + b()/6 = 27/100
        {"</s>", -0.568636236, kNoBackoff},
        // <s>: log10 p written as 0
        {"<s>", 0.000000000, kNoBackoff},
        // unseen: b()/6 = 1/20
        {"<unk>", -1.301029996, kNoBackoff},
        // a=9 (raw 9): (9 - 3/2)/25 + b()/6 = 7/20
        {"a", -0.455931956, kNoBackoff},
        // a=3 (raw 3): (3 - 3/2)/25 + b()/6 = 11/100
        {"b", -0.958607315, kNoBackoff},
        // a=3 (raw 3): (3 - 3/2)/25 + b()/6 = 11/100
        {"c", -0.958607315, kNoBackoff},
        // a=3 (raw 3): (3 - 3/2)/25 + b()/6 = 11/100
        {"d", -0.958607315, kNoBackoff},
    },
};

// kOrder2: order 2 on d | a a | c b d a a a | c b a a | a a | c b | d
//   order 1: t1..t4 = 2, 1, 1, 1; D1 = 1/2, 1/2, 1
//   order 2: t1..t4 = 4, 3, 2, 1; D2 = 2/5, 6/5, 11/5
//   |V| = 6 (</s> <unk> a b c d)
//   unigrams: S = 11, N1/N2/N3+ = 2/1/2, b() = 7/22, b()/|V| = 7/132
const ExpectedModel kOrder2 = {
    2,
    {{1.0 / 2, 1.0 / 2, 1.0}, {2.0 / 5, 6.0 / 5, 11.0 / 5}},
    {
        // a=3 (raw 7): (3 - 1)/11 + b()/6 = 31/132
        {"</s>", -0.629212237, 0.000000000},
        // <s>: log10 p written as 0; b = (2*D2_2 + 1*D2_3)/7 = 23/35
        {"<s>", 0.000000000, -0.182340208},
        // unseen: b()/6 = 7/132
        {"<unk>", -1.275475891, 0.000000000},
        // a=4 (raw 9): (4 - 1)/11 + b()/6 = 43/132; b = (2*D2_3)/9 = 22/45
        {"a", -0.487105476, -0.310789833},
        // a=1 (raw 3): (1 - 1/2)/11 + b()/6 = 13/132; b = (3*D2_1)/3 = 2/5
        {"b", -1.006630579, -0.397940009},
        // a=1 (raw 3): (1 - 1/2)/11 + b()/6 = 13/132; b = (1*D2_3)/3 = 11/15
        {"c", -1.006630579, -0.134698574},
        // a=2 (raw 3): (2 - 1/2)/11 + b()/6 = 25/132; b = (1*D2_1 + 1*D2_2)/3 = 8/15
        {"d", -0.722633923, -0.273001272},
        // a=2 (raw 2): (2 - 6/5)/7 + b(<s>) p(a) = 1517/4620
        {"<s> a", -0.483656395, kNoBackoff},
        // a=3 (raw 3): (3 - 11/5)/7 + b(<s>) p(c) = 827/4620
        {"<s> c", -0.747136466, kNoBackoff},
        // a=2 (raw 2): (2 - 6/5)/7 + b(<s>) p(d) = 1103/4620
        {"<s> d", -0.622066463, kNoBackoff},
        // a=4 (raw 4): (4 - 11/5)/9 + b(a) p(</s>) = 17/54
        {"a </s>", -0.501944838, kNoBackoff},
        // a=5 (raw 5): (5 - 11/5)/9 + b(a) p(a) = 127/270
        {"a a", -0.327560043, kNoBackoff},
        // a=1 (raw 1): (1 - 2/5)/3 + b(b) p(</s>) = 97/330
        {"b </s>", -0.531742206, kNoBackoff},
        // a=1 (raw 1): (1 - 2/5)/3 + b(b) p(a) = 109/330
        {"b a", -0.481087442, kNoBackoff},
        // a=1 (raw 1): (1 - 2/5)/3 + b(b) p(d) = 91/330
        {"b d", -0.559472548, kNoBackoff},
        // a=3 (raw 3): (3 - 11/5)/3 + b(c) p(b) = 61/180
        {"c b", -0.469942670, kNoBackoff},
        // a=2 (raw 2): (2 - 6/5)/3 + b(d) p(</s>) = 194/495
        {"d </s>", -0.406803469, kNoBackoff},
        // a=1 (raw 1): (1 - 2/5)/3 + b(d) p(a) = 37/99
        {"d a", -0.427433471, kNoBackoff},
    },
};

// kOrder3: order 3 on d | a a | c b d a a a | c b a a | a a | c b | d
//   order 1: t1..t4 = 2, 1, 1, 1; D1 = 1/2, 1/2, 1
//   order 2: t1..t4 = 7, 2, 1, 1; D2 = 7/11, 23/22, 5/11
//   order 3: t1..t4 = 7, 2, 1, 1; D3 = 7/11, 23/22, 5/11
//   |V| = 6 (</s> <unk> a b c d)
//   unigrams: S = 11, N1/N2/N3+ = 2/1/2, b() = 7/22, b()/|V| = 7/132
const ExpectedModel kOrder3 = {
    3,
    {{1.0 / 2, 1.0 / 2, 1.0}, {7.0 / 11, 23.0 / 22, 5.0 / 11}, {7.0 / 11, 23.0 / 22, 5.0 / 11}},
    {
        // a=3 (raw 7): (3 - 1)/11 + b()/6 = 31/132
        {"</s>", -0.629212237, 0.000000000},
        // <s>: log10 p written as 0; b = (2*D2_2 + 1*D2_3)/7 = 4/11
        {"<s>", 0.000000000, -0.439332694},
        // unseen: b()/6 = 7/132
        {"<unk>", -1.275475891, 0.000000000},
        // a=4 (raw 9): (4 - 1)/11 + b()/6 = 43/132; b = (1*D2_1 + 1*D2_3)/5 = 12/55
        {"a", -0.487105476, -0.661181443},
        // a=1 (raw 3): (1 - 1/2)/11 + b()/6 = 13/132; b = (3*D2_1)/3 = 7/11
        {"b", -1.006630579, -0.196294645},
        // a=1 (raw 3): (1 - 1/2)/11 + b()/6 = 13/132; b = (1*D2_1)/1 = 7/11
        {"c", -1.006630579, -0.196294645},
        // a=2 (raw 3): (2 - 1/2)/11 + b()/6 = 25/132; b = (2*D2_1)/2 = 7/11
        {"d", -0.722633923, -0.196294645},
        // a=2 (raw 2): (2 - 23/22)/7 + b(<s>) p(a) = 185/726; b = (1*D3_2)/2 = 23/44
        {"<s> a", -0.593764892, -0.281724840},
        // a=3 (raw 3): (3 - 5/11)/7 + b(<s>) p(c) = 145/363; b = (1*D3_3)/3 = 5/33
        {"<s> c", -0.398538623, -0.819543936},
        // a=2 (raw 2): (2 - 23/22)/7 + b(<s>) p(d) = 149/726; b = (1*D3_2)/2 = 23/44
        {"<s> d", -0.687750352, -0.281724840},
        // a=1 (raw 4): (1 - 7/11)/5 + b(a) p(</s>) = 15/121
        {"a </s>", -0.906694111, 0.000000000},
        // a=4 (raw 5): (4 - 5/11)/5 + b(a) p(a) = 472/605; b = (1*D3_1 + 1*D3_3)/5 = 12/55
        {"a a", -0.107813376, -0.661181443},
        // a=1 (raw 1): (1 - 7/11)/3 + b(b) p(</s>) = 131/484
        {"b </s>", -0.567574066, 0.000000000},
        // a=1 (raw 1): (1 - 7/11)/3 + b(b) p(a) = 159/484; b = (1*D3_1)/1 = 7/11
        {"b a", -0.483448237, -0.196294645},
        // a=1 (raw 1): (1 - 7/11)/3 + b(b) p(d) = 117/484; b = (1*D3_1)/1 = 7/11
        {"b d", -0.616659500, -0.196294645},
        // a=1 (raw 3): (1 - 7/11)/1 + b(c) p(b) = 619/1452; b = (3*D3_1)/3 = 7/11
        {"c b", -0.370275967, -0.196294645},
        // a=1 (raw 2): (1 - 7/11)/2 + b(d) p(</s>) = 481/1452
        {"d </s>", -0.479821540, 0.000000000},
        // a=1 (raw 1): (1 - 7/11)/2 + b(d) p(a) = 565/1452; b = (1*D3_1)/1 = 7/11
        {"d a", -0.409918169, -0.196294645},
        // a=2 (raw 2): (2 - 23/22)/2 + b(<s> a) p(a a) = 23561/26620
        {"<s> a a", -0.053014332, kNoBackoff},
        // a=3 (raw 3): (3 - 5/11)/3 + b(<s> c) p(c b) = 43751/47916
        {"<s> c b", -0.039492572, kNoBackoff},
        // a=2 (raw 2): (2 - 23/22)/2 + b(<s> d) p(d </s>) = 41555/63888
        {"<s> d </s>", -0.186796006, kNoBackoff},
        // a=4 (raw 4): (4 - 5/11)/5 + b(a a) p(a </s>) = 4899/6655
        {"a a </s>", -0.133040620, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/5 + b(a a) p(a a) = 8084/33275
        {"a a a", -0.614491759, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/1 + b(b a) p(a a) = 5724/6655
        {"b a a", -0.065448435, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/1 + b(b d) p(d a) = 9763/15972
        {"b d a", -0.213776012, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/3 + b(c b) p(b </s>) = 4687/15972
        {"c b </s>", -0.532464348, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/3 + b(c b) p(b a) = 5275/15972
        {"c b a", -0.481136838, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/3 + b(c b) p(b d) = 4393/15972
        {"c b d", -0.560598098, kNoBackoff},
        // a=1 (raw 1): (1 - 7/11)/1 + b(d a) p(a a) = 5724/6655
        {"d a a", -0.065448435, kNoBackoff},
    },
};

StatusOr<Model> Build(const std::vector<std::string>& lines, int order,
                      std::vector<std::string>* warnings = nullptr) {
  GRAMS_ASSIGN_OR_RETURN(NgramCounts counts, test::CountLines(lines, order));
  BuildOptions build;
  if (warnings) build.warn = [warnings](const std::string& w) { warnings->push_back(w); };
  return BuildModel(counts, build);
}

std::array<double, 3> Discounts(const Model& m, int n) {
  std::istringstream in(m.Info("discounts." + std::to_string(n)));
  std::array<double, 3> d = {-1, -1, -1};
  in >> d[0] >> d[1] >> d[2];
  EXPECT_TRUE(in) << "discounts." << n << " = '" << m.Info("discounts." + std::to_string(n)) << "'";
  return d;
}

void ExpectModel(const Model& m, const ExpectedModel& want) {
  ASSERT_EQ(m.order(), want.order);
  ASSERT_EQ(m.log_prob.size(), static_cast<size_t>(want.order));
  ASSERT_EQ(m.log_backoff.size(), static_cast<size_t>(want.order));
  EXPECT_TRUE(m.log_backoff[want.order - 1].empty());
  for (int n = 1; n <= want.order; ++n) {
    std::array<double, 3> d = Discounts(m, n);
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(d[k], want.discounts[n - 1][k], 1e-12) << "D(" << n << "," << k + 1 << ")";
    }
  }
  for (int n = 1; n <= m.order(); ++n) {
    ASSERT_EQ(m.log_prob[n - 1].size(), m.trie.levels[n - 1].size());
    if (n < m.order()) {
      ASSERT_EQ(m.log_backoff[n - 1].size(), m.trie.levels[n - 1].size());
    }
  }
  std::map<std::string, std::pair<double, double>> got = test::ProbsByNgram(m, kNoBackoff);
  std::map<std::string, std::pair<double, double>> expected;
  for (const ExpectedNgram& e : want.ngrams) expected[e.ngram] = {e.log_prob, e.log_backoff};
  ASSERT_EQ(test::KeysOf(got), test::KeysOf(expected)) << "different n-gram sets";
  for (const auto& [ngram, value] : expected) {
    EXPECT_NEAR(got[ngram].first, value.first, 1e-6) << "log10 p of '" << ngram << "'";
    EXPECT_NEAR(got[ngram].second, value.second, 1e-6) << "log10 backoff of '" << ngram << "'";
  }
}

TEST(KneserNeyTest, Order1) {
  std::vector<std::string> warnings;
  auto m = Build(kCorpusU, 1, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  ExpectModel(*m, kOrder1);
  EXPECT_EQ(m->Info("smoothing"), "mkn");
}

TEST(KneserNeyTest, Order1WithFallbackDiscounts) {
  // Every word of kCorpusK occurs 3 times or more: t(1,1) = t(1,2) = t(1,4) = 0.
  // A vocabulary this small (an alphabet) is expected to fall back at order
  // 1: no warning (estimate/estimate_internal.h, FallbackExpected).
  std::vector<std::string> warnings;
  auto m = Build(kCorpusK, 1, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  ExpectModel(*m, kOrder1Fallback);
  const std::array<double, 3> d = Discounts(*m, 1);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(d[k], kFallbackDiscounts[k]);
}

// The fallback goes unannounced only at order 1 of an alphabet-sized
// vocabulary; a word vocabulary, or any higher order, is warned about
// (tests/cli/units.sh builds a character model that warns at its higher
// orders only).
TEST(KneserNeyTest, FallbackExpectedOnlyAtOrder1OfSmallVocabularies) {
  EXPECT_TRUE(estimate::FallbackExpected(1, 3));
  EXPECT_TRUE(estimate::FallbackExpected(1, estimate::kSmallVocabulary));
  EXPECT_FALSE(estimate::FallbackExpected(1, estimate::kSmallVocabulary + 1));
  EXPECT_FALSE(estimate::FallbackExpected(2, 10));
}

TEST(KneserNeyTest, Order2) {
  std::vector<std::string> warnings;
  auto m = Build(kCorpusK, 2, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  ExpectModel(*m, kOrder2);
}

TEST(KneserNeyTest, Order3) {
  std::vector<std::string> warnings;
  auto m = Build(kCorpusK, 3, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  ExpectModel(*m, kOrder3);
}

TEST(KneserNeyTest, ConsumingBuildGivesTheSameModel) {
  CountOptions options;
  options.order = 3;
  Counter counter(options);
  for (const auto& line : kCorpusK) ASSERT_TRUE(counter.AddLine(line).ok());
  auto counts = counter.Finish();
  ASSERT_TRUE(counts.ok());
  auto by_ref = BuildModel(*counts, BuildOptions());
  auto by_move = BuildModel(std::move(*counts), BuildOptions());
  ASSERT_TRUE(by_ref.ok() && by_move.ok());
  ExpectModel(*by_move, kOrder3);
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(by_ref->log_prob[n - 1], by_move->log_prob[n - 1]);
    EXPECT_EQ(by_ref->log_backoff[n - 1], by_move->log_backoff[n - 1]);
  }
}

// ------------------------------------------------------------- normalization
//
// ExpectEveryContextNormalized (test_util.h): every context's distribution,
// by the backoff rule from the model's numbers alone, sums to one.

TEST(KneserNeyTest, FallbackDiscountsAtEveryOrderStillNormalize) {
  // kCorpusU at order 3: t(n,2) = t(n,3) = 0 at orders 1 and 2, t(3,4) = 0 at
  // order 3 (adjusted counts), so every order falls back.
  std::vector<std::string> warnings;
  auto m = Build(kCorpusU, 3, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // Order 1's fallback is expected on so small a vocabulary and not warned
  // about (FallbackExpected); orders 2 and 3 warn.
  ASSERT_EQ(warnings.size(), 2u);
  for (int n = 1; n <= 3; ++n) {
    if (n >= 2) {
      EXPECT_NE(warnings[n - 2].find("order " + std::to_string(n)), std::string::npos)
          << warnings[n - 2];
    }
    const std::array<double, 3> d = Discounts(*m, n);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(d[k], kFallbackDiscounts[k]) << "order " << n;
  }
  ExpectEveryContextNormalized(*m, 1e-6);
}

TEST(KneserNeyTest, NoWarnCallbackIsFine) {
  auto counts_model = Build(kCorpusU, 3, nullptr);
  ASSERT_TRUE(counts_model.ok());
}

TEST(KneserNeyTest, ModelsNormalize) {
  for (int order : {1, 2, 3}) {
    auto k = Build(kCorpusK, order);
    ASSERT_TRUE(k.ok());
    ExpectEveryContextNormalized(*k, 1e-6);
    auto u = Build(kCorpusU, order);
    ASSERT_TRUE(u.ok());
    ExpectEveryContextNormalized(*u, 1e-6);
  }
  // Orders beyond the sentence lengths, empty lines, a single word.
  auto odd = Build({"", "x", "x y x y", "", "y"}, 6);
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  ExpectEveryContextNormalized(*odd, 1e-6);
}

TEST(KneserNeyTest, BrownSampleNormalizes) {
  const std::string path = SharedPath("corpora/brown/train.txt");
  if (!FileExists(path)) GTEST_SKIP() << path << " not found";
  auto in = io::InputStream::Open(path);
  ASSERT_TRUE(in.ok());
  io::LineReader reader(in->get());
  std::vector<std::string> lines;
  std::string_view line;
  while (lines.size() < 150 && reader.Next(&line)) lines.emplace_back(line);
  auto m = Build(lines, 3);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectEveryContextNormalized(*m, 1e-6);
}

TEST(KneserNeyTest, EmptyCountsAreAnError) {
  // Nothing counted: no words to estimate from.
  auto m = Build({}, 3);
  EXPECT_FALSE(m.ok());
  NgramCounts none;
  auto m2 = BuildModel(none, BuildOptions());
  ASSERT_FALSE(m2.ok());
  EXPECT_EQ(m2.status().code(), StatusCode::kInvalidArgument);
}

// ------------------------------------------------------------- KenLM parity

// An ARPA file's n-grams, checked against a model entry by entry.
struct ArpaComparison {
  std::vector<size_t> declared;  // per order, from the data section
  std::vector<size_t> seen;      // n-grams read per order
  size_t missing = 0;            // in the ARPA, not in the model
  size_t prob_mismatches = 0, backoff_mismatches = 0;
  double max_prob_diff = 0, max_backoff_diff = 0;
  std::string first_problem;
};

// Parses the ARPA text (zstd-compressed is fine) and compares every n-gram
// with the model. Written here rather than using grams::ReadArpa so that
// this test checks the estimator against KenLM and nothing else.
Status CompareWithArpa(const Model& m, const std::string& path, double tolerance,
                       ArpaComparison* out) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  io::LineReader reader(in.get());
  test::ModelWalker walker(m);
  std::string_view line;
  int section = -1;  // 0 = \data\, n = \n-grams:
  std::vector<WordId> ids;
  out->seen.assign(m.order() + 1, 0);
  auto problem = [&](const std::string& what) {
    if (out->first_problem.empty()) out->first_problem = reader.Where() + ": " + what;
  };
  while (reader.Next(&line)) {
    if (line.empty()) continue;
    if (line[0] == '\\') {
      if (line == "\\data\\") {
        section = 0;
      } else if (line == "\\end\\") {
        break;
      } else {
        section = std::atoi(std::string(line.substr(1)).c_str());
        if (section < 1 || section > m.order()) {
          return InvalidArgument(reader.Where() + ": unexpected section " + std::string(line));
        }
      }
      continue;
    }
    if (section == 0) {
      // "ngram N=count"
      size_t eq = line.find('=');
      if (line.substr(0, 6) != "ngram " || eq == std::string_view::npos) continue;
      int n = std::atoi(std::string(line.substr(6, eq - 6)).c_str());
      if (static_cast<int>(out->declared.size()) < n + 1) out->declared.resize(n + 1, 0);
      out->declared[n] = std::strtoull(std::string(line.substr(eq + 1)).c_str(), nullptr, 10);
      continue;
    }
    if (section < 1) continue;
    // prob \t w1 ... wn [\t backoff]
    const size_t tab1 = line.find('\t');
    if (tab1 == std::string_view::npos) return InvalidArgument(reader.Where() + ": no tab");
    size_t tab2 = line.find('\t', tab1 + 1);
    std::string_view words = line.substr(
        tab1 + 1, tab2 == std::string_view::npos ? std::string_view::npos : tab2 - tab1 - 1);
    double prob = std::strtod(std::string(line.substr(0, tab1)).c_str(), nullptr);
    double backoff = tab2 == std::string_view::npos
                         ? 0.0
                         : std::strtod(std::string(line.substr(tab2 + 1)).c_str(), nullptr);
    ids.clear();
    size_t start = 0;
    while (start <= words.size()) {
      size_t sp = words.find(' ', start);
      std::string_view w =
          words.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start);
      WordId id = m.vocab.Find(w);
      ids.push_back(id);
      if (sp == std::string_view::npos) break;
      start = sp + 1;
    }
    if (static_cast<int>(ids.size()) != section) {
      return InvalidArgument(reader.Where() + ": " + std::to_string(ids.size()) + " words in the " +
                             std::to_string(section) + "-gram section");
    }
    ++out->seen[section];
    bool known = true;
    for (WordId id : ids) known = known && id != Vocabulary::kNotFound;
    const EntryIndex e = known ? walker.Find(ids.data(), section) : UINT32_MAX;
    if (e == UINT32_MAX) {
      ++out->missing;
      problem(std::string(words) + " is not in the model");
      continue;
    }
    double dp = std::fabs(m.log_prob[section - 1][e] - prob);
    out->max_prob_diff = std::max(out->max_prob_diff, dp);
    if (dp > tolerance) {
      ++out->prob_mismatches;
      problem("log10 p of " + std::string(words) + ": KenLM " + std::to_string(prob) + ", grams " +
              std::to_string(m.log_prob[section - 1][e]));
    }
    double ours = section < m.order() ? m.log_backoff[section - 1][e] : 0.0;
    double db = std::fabs(ours - backoff);
    out->max_backoff_diff = std::max(out->max_backoff_diff, db);
    if (db > tolerance) {
      ++out->backoff_mismatches;
      problem("backoff of " + std::string(words) + ": KenLM " + std::to_string(backoff) +
              ", grams " + std::to_string(ours));
    }
  }
  return reader.status();
}

void CheckKenlmParity(int order, const std::string& arpa) {
  const std::string corpus = SharedPath("corpora/brown/train.txt");
  const std::string reference = SharedPath("reference/" + arpa);
  if (!FileExists(corpus) || !FileExists(reference)) GTEST_SKIP() << "shared data not found";
  CountOptions options;
  options.order = order;
  auto counts = CountFiles({corpus}, options);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  std::vector<std::string> warnings;
  BuildOptions build;
  build.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto m = BuildModel(std::move(*counts), build);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty()) << warnings.front();

  // reference/README.md checkpoints (lmplz's discounts, 6 significant digits).
  // Orders 1 and 2 are the same in the order-3 and order-5 models; order 3
  // is the highest (raw counts) only in the order-3 model.
  const double want[3][3] = {
      {0.622401, 1.06743, 1.36858}, {0.783704, 1.14746, 1.39497}, {0.882173, 1.21619, 1.43136}};
  for (int n = 1; n <= (order == 3 ? 3 : 2); ++n) {
    std::array<double, 3> d = Discounts(*m, n);
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(d[k], want[n - 1][k], 6e-6) << "D(" << n << "," << k + 1 << ")";
    }
  }

  ArpaComparison cmp;
  Status s = CompareWithArpa(*m, reference, 1e-4, &cmp);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int n = 1; n <= order; ++n) {
    ASSERT_LT(static_cast<size_t>(n), cmp.declared.size());
    EXPECT_EQ(cmp.seen[n], cmp.declared[n]) << "order " << n << " of the ARPA file";
    EXPECT_EQ(m->trie.levels[n - 1].size(), cmp.declared[n]) << "order " << n;
  }
  // Same counts per order and every ARPA n-gram found: the same n-gram set.
  EXPECT_EQ(cmp.missing, 0u) << cmp.first_problem;
  EXPECT_EQ(cmp.prob_mismatches, 0u)
      << cmp.first_problem << " (max diff " << cmp.max_prob_diff << ")";
  EXPECT_EQ(cmp.backoff_mismatches, 0u)
      << cmp.first_problem << " (max diff " << cmp.max_backoff_diff << ")";
  ::testing::Test::RecordProperty("max_log_prob_diff", std::to_string(cmp.max_prob_diff));
  ::testing::Test::RecordProperty("max_log_backoff_diff", std::to_string(cmp.max_backoff_diff));
}

TEST(KenlmParityTest, BrownOrder3) { CheckKenlmParity(3, "brown.o3.kenlm.arpa.zst"); }

TEST(KenlmParityTest, BrownOrder5) { CheckKenlmParity(5, "brown.o5.kenlm.arpa.zst"); }

}  // namespace
}  // namespace grams
