// Smoothing methods, pruning and vocabulary limits (estimate/*.cc): every
// proper method normalizes on a Brown sample, in the model and through ARPA;
// hand-computed models for every method and form; kn = mkn with the same
// discounts; count pruning, vocabulary limits and relative-entropy pruning.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "smoothing_expected.h"
#include "test_util.h"

namespace grams {
namespace {

using grams::test::CountLines;
using grams::test::FileExists;
using grams::test::ModelWalker;
using grams::test::SharedPath;
using grams::test::TempDir;

constexpr double kInf = std::numeric_limits<double>::infinity();

StatusOr<Model> Build(const std::vector<std::string>& lines, int order, BuildOptions options,
                      std::vector<std::string>* warnings = nullptr) {
  GRAMS_ASSIGN_OR_RETURN(NgramCounts counts, CountLines(lines, order));
  if (warnings) options.warn = [warnings](const std::string& w) { warnings->push_back(w); };
  return BuildModel(std::move(counts), options);
}

BuildOptions Options(Smoothing s, SmoothingForm form = SmoothingForm::kDefault) {
  BuildOptions o;
  o.smoothing = s;
  o.form = form;
  return o;
}

std::vector<std::string> BrownLines(size_t count) {
  std::vector<std::string> lines;
  auto in = io::InputStream::Open(SharedPath("corpora/brown/train.txt"));
  if (!in.ok()) return lines;
  io::LineReader reader(in->get());
  std::string_view line;
  while (lines.size() < count && reader.Next(&line)) lines.emplace_back(line);
  return lines;
}

// The normalization check on a sample (test_util.h's
// ExpectEveryContextNormalized checks every context): the empty context and
// about `per_order` contexts of every order below the highest (evenly spaced
// through the trie, plus the one with most children) sum to one. Returns the
// number of contexts checked.
size_t ExpectNormalized(const Model& m, double tolerance, size_t per_order,
                        const std::string& what) {
  ModelWalker walker(m);
  EXPECT_NEAR(walker.Sum({}), 1.0, tolerance) << what << ": empty context";
  size_t checked = 1;
  for (int n = 1; n < m.order(); ++n) {
    const size_t size = m.trie.levels[n - 1].size();
    std::vector<EntryIndex> sample;
    const size_t step = std::max<size_t>(1, size / per_order);
    for (size_t i = 0; i < size; i += step) sample.push_back(static_cast<EntryIndex>(i));
    if (n + 1 <= m.order()) {
      std::vector<EntryIndex> offsets = m.trie.ChildOffsets(n + 1);
      EntryIndex best = 0;
      for (EntryIndex i = 0; i < size; ++i)
        if (offsets[i + 1] - offsets[i] > offsets[best + 1] - offsets[best]) best = i;
      sample.push_back(best);
    }
    std::vector<WordId> h(n);
    for (EntryIndex i : sample) {
      m.trie.Ngram(n, i, h.data());
      ++checked;
      const double sum = walker.Sum(h);
      EXPECT_NEAR(sum, 1.0, tolerance)
          << what << ": context '" << test::NgramString(m, n, i) << "'";
      if (std::fabs(sum - 1.0) > tolerance) return checked;  // one message is enough
    }
  }
  return checked;
}

using Method = grams::test::SmoothingMethod;

// Every proper method in each of its forms.
std::vector<Method> ProperMethods() {
  std::vector<Method> out;
  for (Smoothing s : {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey, Smoothing::kWittenBell,
                      Smoothing::kAbsolute}) {
    out.push_back({s, SmoothingForm::kInterpolated});
    out.push_back({s, SmoothingForm::kBackoff});
  }
  for (Smoothing s : {Smoothing::kKatz, Smoothing::kAdditive, Smoothing::kMaximumLikelihood}) {
    out.push_back({s, SmoothingForm::kBackoff});
  }
  return out;
}

// ------------------------------------------------------- hand-computed models

using smoothing_expected::ExpectedModel;
using smoothing_expected::kNoBackoff;

// The corpus of smoothing_expected.h.
const std::vector<std::string> kCorpus = {"a b c", "b a c d", "a b", "c a b e", "d"};

std::vector<double> Numbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<double> out;
  for (double d; in >> d;) out.push_back(d);
  return out;
}

void ExpectNear(double got, double want, const std::string& what) {
  if (std::isinf(want)) {
    EXPECT_EQ(got, want) << what;
  } else {
    EXPECT_NEAR(got, want, 1e-6) << what;
  }
}

void ExpectModel(const Model& m, const ExpectedModel& want, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_EQ(m.order(), want.order);
  for (size_t n = 1; n <= want.discounts.size(); ++n) {
    const std::vector<double> got = Numbers(m.Info("discounts." + std::to_string(n)));
    ASSERT_EQ(got.size(), want.discounts[n - 1].size()) << "discounts of order " << n;
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_NEAR(got[k], want.discounts[n - 1][k], 1e-12)
          << "discount " << k + 1 << " of order " << n;
    }
  }
  std::map<std::string, std::pair<double, double>> got = test::ProbsByNgram(m, kNoBackoff),
                                                   expected;
  for (const auto& e : want.ngrams) expected[e.ngram] = {e.log_prob, e.log_backoff};
  ASSERT_EQ(test::KeysOf(got), test::KeysOf(expected)) << "different n-gram sets";
  for (const auto& [ngram, value] : expected) {
    ExpectNear(got[ngram].first, value.first, "log10 p of '" + ngram + "'");
    ExpectNear(got[ngram].second, value.second, "log10 backoff of '" + ngram + "'");
  }
}

struct HandCase {
  const char* name;
  const ExpectedModel* want;
  BuildOptions options;
};

std::vector<HandCase> HandCases() {
  using namespace smoothing_expected;
  auto with = [](Smoothing s, SmoothingForm f, auto&& tweak) {
    BuildOptions o = Options(s, f);
    tweak(o);
    return o;
  };
  auto none = [](BuildOptions&) {};
  const SmoothingForm kI = SmoothingForm::kInterpolated, kB = SmoothingForm::kBackoff,
                      kD = SmoothingForm::kDefault;
  return {
      {"kn interpolated", &kKnInterpolated, with(Smoothing::kKneserNey, kD, none)},
      {"kn backoff", &kKnBackoff, with(Smoothing::kKneserNey, kB, none)},
      {"mkn backoff", &kMknBackoff, with(Smoothing::kModifiedKneserNey, kB, none)},
      {"mkn given discounts", &kMknGivenDiscounts,
       with(Smoothing::kModifiedKneserNey, kI,
            [](BuildOptions& o) {
              o.discounts = {{0.25, 0.5, 0.75}, {0.5, 1, 1}, {0.6, 1.2, 1.4}};
            })},
      {"wb interpolated", &kWbInterpolated, with(Smoothing::kWittenBell, kD, none)},
      {"wb backoff", &kWbBackoff, with(Smoothing::kWittenBell, kB, none)},
      {"abs interpolated", &kAbsInterpolated, with(Smoothing::kAbsolute, kI, none)},
      {"abs backoff", &kAbsBackoff, with(Smoothing::kAbsolute, kB, none)},
      {"abs backoff D = 0.5", &kAbsHalfBackoff,
       with(Smoothing::kAbsolute, kB, [](BuildOptions& o) { o.discounts.assign(3, {0.5}); })},
      {"katz defaults", &kKatzDefault, with(Smoothing::kKatz, kD, none)},
      {"katz gt-min 1 gt-max 2", &kKatzGt,
       with(Smoothing::kKatz, kB,
            [](BuildOptions& o) {
              o.gt_min = {1};
              o.gt_max = {2};
            })},
      {"add k = 1", &kAdd1, with(Smoothing::kAdditive, kD, none)},
      {"add k = 0.5", &kAddHalf,
       with(Smoothing::kAdditive, kB, [](BuildOptions& o) { o.add_k = 0.5; })},
      {"mle", &kMle, with(Smoothing::kMaximumLikelihood, kD, none)},
      {"stupid", &kStupid, with(Smoothing::kStupidBackoff, kD, none)},
      {"kn interpolated --prune 0 1", &kKnPruned,
       with(Smoothing::kKneserNey, kI,
            [](BuildOptions& o) {
              o.prune = {0, 1};
            })},
      {"wb backoff --prune 0 0 1", &kWbPrunedBackoff,
       with(Smoothing::kWittenBell, kB,
            [](BuildOptions& o) {
              o.prune = {0, 0, 1};
            })},
      {"mle --prune 0 1", &kMlePruned,
       with(Smoothing::kMaximumLikelihood, kD,
            [](BuildOptions& o) {
              o.prune = {0, 1};
            })},
  };
}

TEST(SmoothingTest, HandComputedModels) {
  for (const HandCase& c : HandCases()) {
    auto m = Build(kCorpus, 3, c.options);
    ASSERT_TRUE(m.ok()) << c.name << ": " << m.status().ToString();
    ExpectModel(*m, *c.want, c.name);
    if (c.options.smoothing != Smoothing::kStupidBackoff) {
      ExpectNormalized(*m, 1e-6, 1000, c.name);
    }
  }
}

TEST(SmoothingTest, InfoRecordsMethodAndForm) {
  auto mkn = Build(kCorpus, 3, BuildOptions());
  ASSERT_TRUE(mkn.ok());
  // The default model's info is exactly what it always was.
  ASSERT_EQ(mkn->info.size(), 5u);
  EXPECT_EQ(mkn->info[0], std::make_pair(std::string("smoothing"), std::string("mkn")));
  EXPECT_EQ(mkn->info[1], std::make_pair(std::string("interpolate_unigrams"), std::string("1")));
  EXPECT_EQ(mkn->info[2].first, "discounts.1");
  auto wb = Build(kCorpus, 3, Options(Smoothing::kWittenBell, SmoothingForm::kBackoff));
  ASSERT_TRUE(wb.ok());
  EXPECT_EQ(wb->Info("smoothing"), "wb");
  EXPECT_EQ(wb->Info("form"), "backoff");
  auto katz = Build(kCorpus, 3, Options(Smoothing::kKatz));
  ASSERT_TRUE(katz.ok());
  EXPECT_EQ(katz->Info("form"), "backoff");
  EXPECT_EQ(katz->Info("gt_min.3"), "2");
  EXPECT_EQ(katz->Info("gt_max.1"), "1");
  EXPECT_EQ(katz->Info("gt_max.2"), "7");
  auto add = Build(kCorpus, 2, Options(Smoothing::kAdditive));
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(add->Info("add_k"), "1");
}

TEST(SmoothingTest, StupidBackoffIsNotADistribution) {
  auto m = Build(kCorpus, 3, Options(Smoothing::kStupidBackoff));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->Info("smoothing"), "stupid");
  EXPECT_EQ(m->Info("stupid_alpha"), "0.40000000000000002");
  EXPECT_FALSE(IsProperDistribution(*m));
  EXPECT_FALSE(IsProperDistribution(m->info));
  // Through both file forms.
  TempDir dir;
  ASSERT_TRUE(WriteModelFile(*m, dir.File("s.lm")).ok());
  auto back = ReadModelFile(dir.File("s.lm"));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(IsProperDistribution(*back));
  for (Smoothing s :
       {Smoothing::kModifiedKneserNey, Smoothing::kKatz, Smoothing::kMaximumLikelihood}) {
    auto p = Build(kCorpus, 2, Options(s));
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(IsProperDistribution(*p)) << SmoothingName(s);
  }
  // Every entry below the top order backs off by alpha = 0.4, and alpha is configurable.
  for (float b : m->log_backoff[0]) EXPECT_FLOAT_EQ(b, static_cast<float>(std::log10(0.4)));
  BuildOptions o = Options(Smoothing::kStupidBackoff);
  o.stupid_alpha = 0.25;
  auto m2 = Build(kCorpus, 2, o);
  ASSERT_TRUE(m2.ok());
  for (float b : m2->log_backoff[0]) EXPECT_FLOAT_EQ(b, static_cast<float>(std::log10(0.25)));
}

TEST(SmoothingTest, KnAndMknWithTheSameDiscountsAgree) {
  const std::vector<std::string> lines = BrownLines(500);
  if (lines.size() < 500) GTEST_SKIP() << "brown/train.txt not found";
  auto counts = CountLines(lines, 4);
  ASSERT_TRUE(counts.ok());
  // kn's own estimates, then mkn forced to D1 = D2 = D3+ = D.
  for (SmoothingForm form : {SmoothingForm::kInterpolated, SmoothingForm::kBackoff}) {
    auto kn = BuildModel(*counts, Options(Smoothing::kKneserNey, form));
    ASSERT_TRUE(kn.ok());
    BuildOptions o = Options(Smoothing::kModifiedKneserNey, form);
    for (int n = 1; n <= 4; ++n) {
      const double d = Numbers(kn->Info("discounts." + std::to_string(n))).at(0);
      o.discounts.push_back({d, d, d});
    }
    auto mkn = BuildModel(*counts, o);
    ASSERT_TRUE(mkn.ok()) << mkn.status().ToString();
    for (int n = 1; n <= 4; ++n) {
      EXPECT_EQ(kn->log_prob[n - 1], mkn->log_prob[n - 1]) << "order " << n;
      EXPECT_EQ(kn->log_backoff[n - 1], mkn->log_backoff[n - 1]) << "order " << n;
    }
    // And mkn with its own (different) discounts does not agree.
    auto own = BuildModel(*counts, Options(Smoothing::kModifiedKneserNey, form));
    ASSERT_TRUE(own.ok());
    EXPECT_NE(kn->log_prob[2], own->log_prob[2]);
  }
}

TEST(SmoothingTest, GivenDiscountsAreChecked) {
  auto counts = CountLines(kCorpus, 2);
  ASSERT_TRUE(counts.ok());
  BuildOptions o;
  o.discounts = {{0.5, 1.0}};  // mkn takes three
  auto m = BuildModel(*counts, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("takes 3 discounts"), std::string::npos)
      << m.status().message();
  o.discounts = {{0.5, 1.0, 3.5}};  // D3+ > 3
  EXPECT_FALSE(BuildModel(*counts, o).ok());
  o = Options(Smoothing::kKneserNey);
  o.discounts = {{}, {1.5}};  // kn: D <= 1; order 1 estimated
  EXPECT_FALSE(BuildModel(*counts, o).ok());
  o.discounts = {{}, {0.75}};
  auto kn = BuildModel(*counts, o);
  ASSERT_TRUE(kn.ok()) << kn.status().ToString();
  EXPECT_EQ(kn->Info("discounts.2"), "0.75");
  o = Options(Smoothing::kWittenBell);
  o.discounts = {{0.5}};
  EXPECT_FALSE(BuildModel(*counts, o).ok()) << "wb takes no discounts";
  o = Options(Smoothing::kKatz, SmoothingForm::kInterpolated);
  EXPECT_FALSE(BuildModel(*counts, o).ok()) << "katz has no interpolated form";
}

TEST(SmoothingTest, ZeroCountAboveOrderOneIsAnError) {
  // grams-count never writes one; a hand-made counts file could.
  auto counts = CountLines(kCorpus, 2);
  ASSERT_TRUE(counts.ok());
  counts->counts[1][0] = 0;
  for (Smoothing s : {Smoothing::kModifiedKneserNey, Smoothing::kWittenBell}) {
    auto m = BuildModel(*counts, Options(s));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find("count 0"), std::string::npos) << m.status().message();
  }
}

TEST(SmoothingTest, DiscountsFile) {
  TempDir dir;
  test::WriteFile(dir.File("d.txt"),
                  "# D1 D2 D3+ per order\n0.5 1 1.5\n\n-\n0.7 1.1 1.3  # order 3\n");
  auto d = ReadDiscountsFile(dir.File("d.txt"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0], (std::vector<double>{0.5, 1, 1.5}));
  EXPECT_TRUE((*d)[1].empty());
  EXPECT_EQ((*d)[2], (std::vector<double>{0.7, 1.1, 1.3}));
  test::WriteFile(dir.File("bad.txt"), "0.5 x 1\n");
  auto bad = ReadDiscountsFile(dir.File("bad.txt"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.txt:1"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(ReadDiscountsFile(dir.File("missing.txt")).ok());
}

TEST(SmoothingTest, MaximumLikelihoodGivesUnseenWordsNothing) {
  auto m = Build(kCorpus, 2, Options(Smoothing::kMaximumLikelihood));
  ASSERT_TRUE(m.ok());
  ModelWalker walker(*m);
  const WordId a = m->vocab.Find("a"), e = m->vocab.Find("e");
  EXPECT_EQ(walker.LogProb({}, kUnkId), -kInf);
  EXPECT_EQ(walker.LogProb({a}, e), -kInf);  // "a e" never seen
  EXPECT_NEAR(walker.LogProb({a}, m->vocab.Find("b")), std::log10(3.0 / 4), 1e-6);  // a b: 3 of 4
  // ARPA writes -99 for -infinity, and reads it back.
  TempDir dir;
  ASSERT_TRUE(WriteArpa(*m, dir.File("m.arpa")).ok());
  EXPECT_NE(test::ReadFile(dir.File("m.arpa")).find("-99\t<unk>"), std::string::npos);
  auto back = ReadArpa(dir.File("m.arpa"));
  ASSERT_TRUE(back.ok());
  EXPECT_LT(ModelWalker(*back).LogProb({a}, e), -90);
}

// ------------------------------------------------------------ normalization

TEST(SmoothingTest, EveryMethodNormalizesOnBrownInModelAndArpa) {
  const std::vector<std::string> lines = BrownLines(2000);
  if (lines.size() < 2000) GTEST_SKIP() << "brown/train.txt not found";
  TempDir dir;
  for (int order : {3, 4}) {
    auto counts = CountLines(lines, order);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    for (const Method& method : ProperMethods()) {
      const std::string what = method.Name() + " order " + std::to_string(order);
      auto m = BuildModel(*counts, Options(method.smoothing, method.form));
      ASSERT_TRUE(m.ok()) << what << ": " << m.status().ToString();
      EXPECT_TRUE(IsProperDistribution(*m));
      EXPECT_GT(ExpectNormalized(*m, 1e-6, 150, what), 300u);
      const std::string arpa = dir.File("m.arpa");
      ASSERT_TRUE(WriteArpa(*m, arpa).ok());
      auto back = ReadArpa(arpa);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      ExpectNormalized(*back, 1e-6, 150, what + " (ARPA)");
    }
  }
}

}  // namespace
}  // namespace grams

namespace grams {
namespace {

// ------------------------------------------------------------------ pruning

// Number of n-grams of order n seen more than t times.
size_t CountAbove(const NgramCounts& counts, int n, uint64_t t) {
  size_t k = 0;
  for (Count c : counts.counts[n - 1]) k += c > t;
  return k;
}

TEST(PruningTest, CountPruningShrinksAndNormalizes) {
  const std::vector<std::string> lines = BrownLines(2000);
  if (lines.size() < 2000) GTEST_SKIP() << "brown/train.txt not found";
  auto counts = CountLines(lines, 4);
  ASSERT_TRUE(counts.ok());
  const std::vector<uint64_t> prune = {0, 1, 1, 2};
  for (const Method& method : ProperMethods()) {
    if (method.smoothing == Smoothing::kKatz) continue;  // katz cuts more on its own (gt-min)
    BuildOptions o = Options(method.smoothing, method.form);
    o.prune = prune;
    auto m = BuildModel(*counts, o);
    ASSERT_TRUE(m.ok()) << method.Name() << ": " << m.status().ToString();
    EXPECT_EQ(m->trie.levels[0].size(), counts->vocab.size()) << "order 1 is not pruned by a 0";
    for (int n = 2; n <= 4; ++n) {
      // Non-decreasing thresholds: prefixes and suffixes of kept n-grams are
      // seen at least as often, so exactly the n-grams above the threshold stay.
      EXPECT_EQ(m->trie.levels[n - 1].size(), CountAbove(*counts, n, prune[n - 1]))
          << method.Name() << " order " << n;
      EXPECT_LT(m->trie.levels[n - 1].size(), counts->trie.levels[n - 1].size());
      EXPECT_EQ(m->Info("counted." + std::to_string(n)),
                std::to_string(counts->trie.levels[n - 1].size()));
    }
    EXPECT_EQ(m->Info("prune"), "0 1 1 2");
    ExpectNormalized(*m, 1e-6, 150, method.Name() + " pruned");
  }
  // The last threshold repeats: "0 1" prunes singletons at every order >= 2.
  BuildOptions o;
  o.prune = {0, 1};
  auto m = BuildModel(*counts, o);
  ASSERT_TRUE(m.ok());
  for (int n = 2; n <= 4; ++n) EXPECT_EQ(m->trie.levels[n - 1].size(), CountAbove(*counts, n, 1));
  // Katz: gt-min and --prune together.
  o = Options(Smoothing::kKatz);
  o.prune = {0, 2};
  auto katz = BuildModel(*counts, o);
  ASSERT_TRUE(katz.ok());
  EXPECT_EQ(katz->trie.levels[1].size(), CountAbove(*counts, 2, 2));
  ExpectNormalized(*katz, 1e-6, 150, "katz pruned");
}

TEST(PruningTest, ThresholdsMustNotDecrease) {
  auto counts = CountLines(kCorpus, 3);
  ASSERT_TRUE(counts.ok());
  BuildOptions o;
  o.prune = {0, 2, 1};
  auto m = BuildModel(*counts, o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("must not decrease"), std::string::npos);
  o.prune = {0, 0, 1, 1};  // more orders than the counts have (lmplz refuses it too)
  auto m2 = BuildModel(*counts, o);
  ASSERT_FALSE(m2.ok());
  EXPECT_NE(m2.status().message().find("order"), std::string::npos);
}

TEST(PruningTest, KatzGtMinKeepsContextsAndSuffixes) {
  // gt-min 1 3 1: bigrams seen fewer than 3 times go, except the contexts and
  // suffixes of the trigrams, which all stay (gt-min 1).
  auto counts = CountLines(kCorpus, 3);
  ASSERT_TRUE(counts.ok());
  BuildOptions o = Options(Smoothing::kKatz);
  o.gt_min = {1, 3, 1};
  auto m = BuildModel(*counts, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->trie.levels[2].size(), counts->trie.levels[2].size());
  ModelWalker walker(*m);
  for (EntryIndex i = 0; i < m->trie.levels[2].size(); ++i) {
    WordId ids[3];
    m->trie.Ngram(3, i, ids);
    EXPECT_NE(walker.Find(ids + 1, 2), UINT32_MAX)
        << "suffix of '" << test::NgramString(*m, 3, i) << "'";
  }
  ExpectNormalized(*m, 1e-6, 100, "katz gt-min 1 3 1");
}

// ------------------------------------------------------- vocabulary limits

TEST(VocabularyLimitTest, OrderOnePruningMapsWordsToUnk) {
  // Counts: a 4, b 4, c 3, d 2, e 1 (and </s> 5).
  auto counts = CountLines(kCorpus, 2);
  ASSERT_TRUE(counts.ok());
  BuildOptions o = Options(Smoothing::kMaximumLikelihood);
  o.prune = {2};  // every order: words and bigrams seen at most twice go
  auto m = BuildModel(*counts, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->vocab.size(), 6u);  // <unk> <s> </s> a b c
  EXPECT_EQ(m->vocab.Find("d"), Vocabulary::kNotFound);
  EXPECT_EQ(m->vocab.Find("e"), Vocabulary::kNotFound);
  // <unk> now holds d and e: p(<unk>) = 3/19 (19 tokens without <s>).
  EXPECT_NEAR(m->log_prob[0][kUnkId], std::log10(3.0 / 19), 1e-6);
  EXPECT_NEAR(m->log_prob[0][m->vocab.Find("a")], std::log10(4.0 / 19), 1e-6);
  ExpectNormalized(*m, 1e-6, 100, "mle --prune 2");
  // Bigrams with <unk>: "c d" -> "c <unk>" (1), "d </s>" x2 + "e </s>" -> "<unk> </s>" (3: kept).
  ModelWalker walker(*m);
  const WordId unk_eos[2] = {kUnkId, kEosId};
  EXPECT_NE(walker.Find(unk_eos, 2), UINT32_MAX);
}

TEST(VocabularyLimitTest, MaxVocabKeepsTheMostFrequentWords) {
  const std::vector<std::string> lines = BrownLines(2000);
  if (lines.size() < 2000) GTEST_SKIP() << "brown/train.txt not found";
  auto counts = CountLines(lines, 3);
  ASSERT_TRUE(counts.ok());
  BuildOptions o;
  o.max_vocab = 1000;
  auto m = BuildModel(*counts, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->vocab.size(), 1003u);
  EXPECT_EQ(m->Info("max_vocab"), "1000");
  // The kept words are the first 1000 by count (counts are canonical: ids in
  // descending count order), and keep their order.
  for (WordId w = 3; w < 1003; ++w) EXPECT_EQ(m->vocab.Word(w), counts->vocab.Word(w));
  EXPECT_LT(m->trie.levels[2].size(), counts->trie.levels[2].size());
  EXPECT_GT(m->log_prob[0][kUnkId], -2);  // <unk> is frequent now
  ExpectNormalized(*m, 1e-6, 150, "mkn --max-vocab 1000");
  BuildOptions wb = Options(Smoothing::kWittenBell, SmoothingForm::kBackoff);
  wb.max_vocab = 500;
  auto m2 = BuildModel(*counts, wb);
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->vocab.size(), 503u);
  ExpectNormalized(*m2, 1e-6, 150, "wb --max-vocab 500");
}

TEST(VocabularyLimitTest, VocabularyList) {
  auto counts = CountLines(kCorpus, 3);
  ASSERT_TRUE(counts.ok());
  BuildOptions o;
  o.limit_vocab = true;
  o.vocab = {"a", "b", "zebra", "<s>", "a"};  // zebra: not in the text
  auto m = BuildModel(*counts, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->vocab.size(), 6u);  // <unk> <s> </s> a b zebra
  EXPECT_EQ(m->vocab.Find("c"), Vocabulary::kNotFound);
  const WordId zebra = m->vocab.Find("zebra");
  ASSERT_NE(zebra, Vocabulary::kNotFound);
  // zebra and <unk> (which now counts c, d, e) share the uniform part only if unseen:
  // zebra has count 0, so its probability is the uniform share b()/(V-1).
  EXPECT_LT(m->log_prob[0][zebra], m->log_prob[0][kUnkId]);
  EXPECT_GT(m->log_prob[0][zebra], -3);
  ExpectNormalized(*m, 1e-6, 100, "mkn --vocab");
  ModelWalker walker(*m);
  const WordId a = m->vocab.Find("a");
  const WordId a_unk[2] = {a, kUnkId};  // "a c" -> "a <unk>"
  EXPECT_NE(walker.Find(a_unk, 2), UINT32_MAX);
  for (Smoothing s : {Smoothing::kKatz, Smoothing::kAdditive, Smoothing::kWittenBell}) {
    BuildOptions so = o;
    so.smoothing = s;
    auto sm = BuildModel(*counts, so);
    ASSERT_TRUE(sm.ok());
    ExpectNormalized(*sm, 1e-6, 100, std::string(SmoothingName(s)) + " --vocab");
  }
}

// ------------------------------------------------- relative-entropy pruning

// Perplexity (OOVs included, KenLM's definition; or excluded) of a
// whitespace-tokenized text, scored with the backoff rule from the model's arrays.
double TextPerplexity(const Model& m, const std::string& path, size_t* tokens,
                      bool exclude_oovs = false) {
  auto in = io::InputStream::Open(path);
  EXPECT_TRUE(in.ok());
  if (!in.ok()) return 0;
  io::LineReader reader(in->get());
  ModelWalker walker(m);
  std::string_view line;
  double total = 0;
  *tokens = 0;
  std::vector<WordId> h;
  while (reader.Next(&line)) {
    std::istringstream words{std::string(line)};
    h.assign(1, kBosId);
    std::string word;
    auto score = [&](WordId w, bool oov) {
      std::vector<WordId> ctx(h.end() - std::min<size_t>(h.size(), m.order() - 1), h.end());
      if (!oov || !exclude_oovs) {
        total += walker.LogProb(ctx, w);
        ++*tokens;
      }
      h.push_back(w);
    };
    while (words >> word) {
      WordId w = m.vocab.Find(word);
      score(w == Vocabulary::kNotFound ? kUnkId : w, w == Vocabulary::kNotFound);
    }
    score(kEosId, false);
  }
  return std::pow(10.0, -total / static_cast<double>(*tokens));
}

TEST(EntropyPruningTest, HalfTheTrigramsForAFewPercentOfPerplexity) {
  const std::string train = SharedPath("corpora/brown/train.txt");
  const std::string test = SharedPath("corpora/brown/test.txt");
  if (!FileExists(train) || !FileExists(test)) GTEST_SKIP() << "brown not found";
  CountOptions co;
  co.order = 3;
  auto counts = CountFiles({train}, co);
  ASSERT_TRUE(counts.ok());
  auto full = BuildModel(*counts, BuildOptions());
  ASSERT_TRUE(full.ok());
  size_t tokens = 0;
  const double ppl = TextPerplexity(*full, test, &tokens);
  EXPECT_EQ(tokens, 61383u);
  EXPECT_NEAR(ppl, 314.3658, 1e-3);  // KenLM's figure (reference/README.md)

  BuildOptions o;
  o.prune_entropy = 5e-8;
  auto pruned = BuildModel(*counts, o);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  const double kept =
      static_cast<double>(pruned->trie.levels[2].size()) / full->trie.levels[2].size();
  EXPECT_GT(kept, 0.4);
  EXPECT_LT(kept, 0.6);
  EXPECT_LT(pruned->trie.levels[1].size(), full->trie.levels[1].size());
  EXPECT_EQ(pruned->Info("prune_entropy"), "4.9999999999999998e-08");
  EXPECT_EQ(pruned->Info("counted.3"), std::to_string(full->trie.levels[2].size()));
  const double pruned_ppl = TextPerplexity(*pruned, test, &tokens);
  EXPECT_GT(pruned_ppl, ppl);
  EXPECT_LT(pruned_ppl, ppl * 1.04) << "pruned " << pruned_ppl << " vs " << ppl;
  ::testing::Test::RecordProperty("trigrams_kept", std::to_string(kept));
  ::testing::Test::RecordProperty("perplexity_ratio", std::to_string(pruned_ppl / ppl));
  ExpectNormalized(*pruned, 1e-6, 150, "mkn entropy-pruned");
  // Still prefix- and suffix-closed: every n-gram's suffix is in the model.
  ModelWalker walker(*pruned);
  for (int n = 2; n <= 3; ++n) {
    WordId ids[3];
    for (EntryIndex i = 0; i < pruned->trie.levels[n - 1].size(); i += 97) {
      pruned->trie.Ngram(n, i, ids);
      ASSERT_NE(walker.Find(ids + 1, n - 1), UINT32_MAX) << test::NgramString(*pruned, n, i);
    }
  }
  // A larger threshold prunes more.
  auto smaller = BuildModel(*counts, [] {
    BuildOptions b;
    b.prune_entropy = 1e-6;
    return b;
  }());
  ASSERT_TRUE(smaller.ok());
  EXPECT_LT(smaller->trie.levels[2].size(), pruned->trie.levels[2].size());
}

TEST(EntropyPruningTest, EveryProperMethodStaysNormalized) {
  const std::vector<std::string> lines = BrownLines(2000);
  if (lines.size() < 2000) GTEST_SKIP() << "brown/train.txt not found";
  auto counts = CountLines(lines, 3);
  ASSERT_TRUE(counts.ok());
  for (const Method& method : ProperMethods()) {
    BuildOptions o = Options(method.smoothing, method.form);
    o.prune_entropy = 1e-6;
    auto m = BuildModel(*counts, o);
    ASSERT_TRUE(m.ok()) << method.Name() << ": " << m.status().ToString();
    EXPECT_LT(m->trie.levels[2].size(), counts->trie.levels[2].size()) << method.Name();
    ExpectNormalized(*m, 1e-6, 150, method.Name() + " entropy-pruned");
  }
  // Stupid backoff cannot be entropy-pruned.
  BuildOptions o = Options(Smoothing::kStupidBackoff);
  o.prune_entropy = 1e-6;
  EXPECT_FALSE(BuildModel(*counts, o).ok());
}

TEST(EntropyPruningTest, PrunesAnArpaModel) {
  auto m = Build(kCorpus, 3, Options(Smoothing::kWittenBell, SmoothingForm::kBackoff));
  ASSERT_TRUE(m.ok());
  TempDir dir;
  ASSERT_TRUE(WriteArpa(*m, dir.File("m.arpa")).ok());
  auto read = ReadArpa(dir.File("m.arpa"));
  ASSERT_TRUE(read.ok());
  const size_t before = read->trie.levels[2].size();
  ASSERT_TRUE(PruneByRelativeEntropy(&*read, 0.05).ok());
  EXPECT_LT(read->trie.levels[2].size(), before);
  ExpectNormalized(*read, 1e-6, 100, "ARPA entropy-pruned");
  EXPECT_FALSE(PruneByRelativeEntropy(&*read, -1).ok());
}

// ------------------------------------------------------------------- tuning

TEST(TuneTest, TunedDiscountsLowerDevelopmentPerplexity) {
  const std::vector<std::string> lines = BrownLines(3000);
  const std::string dev_source = SharedPath("corpora/brown/dev.txt");
  if (lines.size() < 3000 || !FileExists(dev_source)) GTEST_SKIP() << "brown not found";
  TempDir dir;
  const std::string dev = dir.File("dev.txt");
  {
    std::string text = test::ReadFile(dev_source);
    size_t cut = 0;
    for (int i = 0; i < 400; ++i) cut = text.find('\n', cut) + 1;
    test::WriteFile(dev, text.substr(0, cut));
  }
  auto counts = CountLines(lines, 3);
  ASSERT_TRUE(counts.ok());
  for (Smoothing s : {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey}) {
    SCOPED_TRACE(SmoothingName(s));
    BuildOptions o = Options(s);
    auto tuned = TuneDiscounts(*counts, dev, o);
    ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
    EXPECT_LT(tuned->perplexity, tuned->initial_perplexity);
    EXPECT_GT(tuned->evaluations, 10);
    ASSERT_EQ(tuned->discounts.size(), 3u);
    // The figures match the models built with those discounts.
    auto before = BuildModel(*counts, o);
    o.discounts = tuned->discounts;
    auto after = BuildModel(*counts, o);
    ASSERT_TRUE(before.ok() && after.ok());
    size_t tokens = 0;
    EXPECT_NEAR(TextPerplexity(*before, dev, &tokens, true), tuned->initial_perplexity,
                1e-4 * tuned->initial_perplexity);
    EXPECT_EQ(tokens, tuned->tokens - tuned->oovs);
    EXPECT_NEAR(TextPerplexity(*after, dev, &tokens, true), tuned->perplexity,
                1e-4 * tuned->perplexity);
    for (size_t n = 0; n < 3; ++n) {
      ASSERT_EQ(tuned->discounts[n].size(), s == Smoothing::kKneserNey ? 1u : 3u);
      for (size_t k = 0; k < tuned->discounts[n].size(); ++k) {
        EXPECT_GE(tuned->discounts[n][k], 0);
        EXPECT_LE(tuned->discounts[n][k], s == Smoothing::kKneserNey ? 1.0 : k + 1.0);
      }
    }
    // The estimated discounts are where the search started.
    for (size_t n = 1; n <= 3; ++n) {
      const std::vector<double> est = Numbers(before->Info("discounts." + std::to_string(n)));
      EXPECT_NEAR(tuned->initial_discounts[n - 1][0], est[0], 1e-12);
    }
  }
  // With pruning, the tuner scores the pruned model.
  BuildOptions pruned;
  pruned.prune = {0, 1};
  auto tp = TuneDiscounts(*counts, dev, pruned);
  ASSERT_TRUE(tp.ok()) << tp.status().ToString();
  auto pm = BuildModel(*counts, pruned);
  ASSERT_TRUE(pm.ok());
  size_t tokens = 0;
  EXPECT_NEAR(TextPerplexity(*pm, dev, &tokens, true), tp->initial_perplexity,
              1e-4 * tp->initial_perplexity);
}

TEST(TuneTest, Errors) {
  auto counts = CountLines(kCorpus, 2);
  ASSERT_TRUE(counts.ok());
  TempDir dir;
  test::WriteFile(dir.File("dev.txt"), "a b\n");
  EXPECT_FALSE(TuneDiscounts(*counts, dir.File("dev.txt"), Options(Smoothing::kWittenBell)).ok());
  EXPECT_FALSE(TuneDiscounts(*counts, dir.File("dev.txt"),
                             Options(Smoothing::kModifiedKneserNey, SmoothingForm::kBackoff))
                   .ok());
  auto missing = TuneDiscounts(*counts, dir.File("none.txt"), BuildOptions());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.txt"), std::string::npos);
  test::WriteFile(dir.File("oov.txt"), "zzz yyy\n");  // only OOVs (and </s>)
  EXPECT_TRUE(TuneDiscounts(*counts, dir.File("oov.txt"), BuildOptions()).ok());
  test::WriteFile(dir.File("empty.txt"), "");
  EXPECT_FALSE(TuneDiscounts(*counts, dir.File("empty.txt"), BuildOptions()).ok());
}

}  // namespace
}  // namespace grams
