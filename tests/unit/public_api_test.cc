// The entry points the tools (and later the Python module) use, through the
// public headers only (grams/grams.h): the info lookups, BuildModelFromCounts
// and ConvertArpa against the calls they stand for, ScoreText against
// TextScorer, and the files of grams/files.h.
#include <string>
#include <vector>

#include "grams/grams.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace grams {
namespace {

using grams::test::FileExists;
using grams::test::ReadFile;
using grams::test::TempDir;

const std::vector<std::string> kCorpus = {
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "the cat saw the dog",
    "a dog sat",
    "on the mat the cat sat",
};

std::string WriteCounts(const TempDir& dir, int order = 3) {
  auto counts = test::CountLines(kCorpus, order);
  EXPECT_TRUE(counts.ok()) << counts.status().message();
  const std::string path = dir.File("corpus.counts");
  EXPECT_TRUE(WriteCountsFile(*counts, path).ok());
  return path;
}

TEST(InfoTest, EveryInfoAccessorIsTheSameLookup) {
  ModelInfo info = {{"smoothing", "mkn"}, {"discounts.1", "0.5 1 1.5"}, {"smoothing", "wb"}};
  EXPECT_EQ(InfoValue(info, "smoothing"), "mkn");  // the first entry
  EXPECT_EQ(InfoValue(info, "discounts.1"), "0.5 1 1.5");
  EXPECT_EQ(InfoValue(info, "absent"), "");
  EXPECT_TRUE(IsProperDistribution(info));
  EXPECT_FALSE(IsProperDistribution(ModelInfo{{"smoothing", "stupid"}}));
  EXPECT_TRUE(IsProperDistribution(ModelInfo{}));

  auto counts = test::CountLines(kCorpus, 2);
  ASSERT_TRUE(counts.ok());
  for (Smoothing s : {Smoothing::kModifiedKneserNey, Smoothing::kStupidBackoff}) {
    BuildOptions options;
    options.smoothing = s;
    auto model = BuildModel(*counts, options);
    ASSERT_TRUE(model.ok()) << model.status().message();
    const ModelSummary summary = Summarize(*model);
    auto lm = LanguageModel::Create(*model);
    ASSERT_TRUE(lm.ok());
    EXPECT_EQ((*lm)->info(), model->info);
    for (const auto& [key, value] : model->info) {
      EXPECT_EQ(model->Info(key), InfoValue(model->info, key));
      EXPECT_EQ(summary.Info(key), model->Info(key));
      EXPECT_EQ((*lm)->Info(key), model->Info(key));
    }
    const bool proper = s != Smoothing::kStupidBackoff;
    EXPECT_EQ(IsProperDistribution(*model), proper);
    EXPECT_EQ((*lm)->IsProbabilistic(), proper);
  }
}

TEST(InfoTest, DescribeModel) {
  ModelSummary summary;
  summary.ngram_counts = {10, 20};
  summary.info = {{"smoothing", "mkn"}, {"discounts.1", "0.5 1 1.5"}, {"counted.2", "25"}};
  EXPECT_EQ(DescribeModel(summary),
            (std::vector<std::string>{"smoothing mkn (interpolated)",
                                      "order 1: 10 n-grams, discounts D1 D2 D3+ = 0.5 1 1.5",
                                      "order 2: 20 n-grams (of 25)"}));
  summary.info = {};
  EXPECT_EQ(DescribeModel(summary).size(), 2u);  // no method line
}

TEST(BuildModelFromCountsTest, WhyCountsLoadedWhole) {
  BuildOptions o;
  ModelOutputs model_only{"m.lm", ""};
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kNone);
  EXPECT_EQ(WhyCountsLoadedWhole(o, ModelOutputs{"m.lm", "m.arpa"}),
            WholeCountsReason::kArpaOutput);
  o.max_vocab = 5;
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kVocabularySize);
  o.limit_vocab = true;
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kVocabularyList);
  o.prune_entropy = 1e-8;
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kEntropyPruning);
  o.prune = {0, 1};  // count pruning above order 1 streams
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kEntropyPruning);
  o.prune = {1, 1};  // a unigram threshold limits the vocabulary
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kCountPruning);
  o.smoothing = Smoothing::kKatz;
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kKatz);
  o.tune_text = "dev.txt";
  EXPECT_EQ(WhyCountsLoadedWhole(o, model_only), WholeCountsReason::kTune);
  EXPECT_EQ(WhyCountsLoadedWhole(o, ModelOutputs{"", "m.arpa"}), WholeCountsReason::kArpaOutput);
}

// Both paths write the bytes of WriteModelFile(BuildModel(ReadCountsFile())).
TEST(BuildModelFromCountsTest, BothPathsWriteWhatTheStepsWrite) {
  TempDir dir;
  const std::string counts_path = WriteCounts(dir);
  auto counts = ReadCountsFile(counts_path);
  ASSERT_TRUE(counts.ok());
  for (bool max_vocab : {false, true}) {
    BuildOptions options;
    if (max_vocab) options.max_vocab = 5;
    auto model = BuildModel(*counts, options);
    ASSERT_TRUE(model.ok());
    ASSERT_TRUE(WriteModelFile(*model, dir.File("steps.lm")).ok());
    ASSERT_TRUE(WriteArpa(*model, dir.File("steps.arpa")).ok());

    int built = 0;
    std::vector<std::string> stages;
    options.on_built = [&](const ModelSummary& s) {
      ++built;
      EXPECT_EQ(s.ngram_counts, Summarize(*model).ngram_counts);
    };
    options.progress = [&](const Progress& p) {
      if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
    };
    auto summary = BuildModelFromCounts(counts_path, options, ModelOutputs{dir.File("one.lm"), ""});
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(built, 1);
    EXPECT_EQ(summary->info, model->info);
    EXPECT_EQ(ReadFile(dir.File("one.lm")), ReadFile(dir.File("steps.lm")));
    EXPECT_EQ(stages.front(), "reading " + counts_path);
    EXPECT_EQ(stages.back(), max_vocab ? "writing " + dir.File("one.lm") : "estimating");

    ModelOutputs both{dir.File("two.lm"), dir.File("two.arpa")};
    ASSERT_TRUE(BuildModelFromCounts(counts_path, options, both).ok());
    EXPECT_EQ(ReadFile(both.model_path), ReadFile(dir.File("steps.lm")));
    EXPECT_EQ(ReadFile(both.arpa_path), ReadFile(dir.File("steps.arpa")));
  }
}

TEST(BuildModelFromCountsTest, TunesFirstWhenAsked) {
  TempDir dir;
  const std::string counts_path = WriteCounts(dir, 2);
  BuildOptions options;
  options.smoothing = Smoothing::kKneserNey;
  options.tune_text = dir.Write("dev.txt", "the cat sat on the log\na dog sat on the mat\n");
  std::vector<std::vector<double>> tuned;
  options.on_tuned = [&](const TuneResult& t) { tuned = t.discounts; };
  auto summary = BuildModelFromCounts(counts_path, options, ModelOutputs{dir.File("t.lm"), ""});
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(tuned.size(), 2u);
  EXPECT_EQ(summary->Info("tuned_on_dev"), "1");
}

TEST(BuildModelFromCountsTest, Errors) {
  TempDir dir;
  const std::string counts_path = WriteCounts(dir);
  auto none = BuildModelFromCounts(counts_path, BuildOptions(), ModelOutputs{});
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  auto missing = BuildModelFromCounts(dir.File("nope.counts"), BuildOptions(),
                                      ModelOutputs{dir.File("x.lm"), dir.File("x.arpa")});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.counts"), std::string::npos);
  EXPECT_FALSE(FileExists(dir.File("x.lm")));
  EXPECT_FALSE(FileExists(dir.File("x.arpa")));
}

TEST(ConvertArpaTest, ConvertsAndPrunes) {
  TempDir dir;
  auto counts = test::CountLines(kCorpus, 3);
  ASSERT_TRUE(counts.ok());
  auto model = BuildModel(*counts, BuildOptions());
  ASSERT_TRUE(model.ok());
  const std::string arpa = dir.File("m.arpa");
  ASSERT_TRUE(WriteArpa(*model, arpa).ok());
  auto summary = ConvertArpa(arpa, BuildOptions(), ModelOutputs{dir.File("m.lm"), ""});
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  auto back = ReadModelFile(dir.File("m.lm"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->order(), 3);
  EXPECT_EQ(summary->ngram_counts, Summarize(*back).ngram_counts);

  BuildOptions stupid;
  stupid.smoothing = Smoothing::kStupidBackoff;
  auto sb = BuildModel(*counts, stupid);
  ASSERT_TRUE(sb.ok());
  ASSERT_TRUE(WriteArpa(*sb, dir.File("sb.arpa")).ok());
  BuildOptions prune;
  prune.prune_entropy = 1e-6;
  auto refused = ConvertArpa(dir.File("sb.arpa"), prune, ModelOutputs{dir.File("sb.lm"), ""});
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(FileExists(dir.File("sb.lm")));
}

std::unique_ptr<LanguageModel> MakeModel(Boundaries boundaries, Unit unit) {
  CountOptions options;
  options.order = 3;
  options.tokenizer.boundaries = boundaries;
  options.tokenizer.unit = unit;
  Counter counter(options);
  for (const auto& line : kCorpus) EXPECT_TRUE(counter.AddLine(line + "\n").ok());
  auto counts = counter.Finish();
  EXPECT_TRUE(counts.ok());
  auto model = BuildModel(*counts, BuildOptions());
  EXPECT_TRUE(model.ok());
  auto lm = LanguageModel::Create(*model);
  EXPECT_TRUE(lm.ok());
  return std::move(lm).value();
}

TEST(ScoreTextTest, LinesAsTextScorerScoresThem) {
  TempDir dir;
  auto lm = MakeModel(Boundaries::kLine, Unit::kWord);
  const std::vector<std::string> lines = {"the cat sat", "a zebra sat on the mat", "", "dog"};
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  const std::string path = dir.Write("text.txt", text);
  for (size_t batch : {size_t{1}, size_t{3}, size_t{4096}}) {
    ScoreTextOptions options;
    options.batch_tokens = batch;
    std::vector<double> got;
    ASSERT_TRUE(ScoreText(*lm, {path, path}, options, [&](const TextScorer::LineScore& s) {
                  got.push_back(s.log10_prob);
                  return true;
                }).ok());
    ASSERT_EQ(got.size(), 2 * lines.size());
    TextScorer scorer(lm.get());
    TextScorer::LineScore one;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_TRUE(scorer.ScoreLine(lines[i % lines.size()], &one).ok());
      EXPECT_EQ(got[i], one.log10_prob) << "line " << i << ", batch " << batch;
    }
  }
  // The callback stops it.
  int calls = 0;
  ASSERT_TRUE(ScoreText(*lm, {path}, ScoreTextOptions(), [&](const TextScorer::LineScore&) {
                return ++calls < 2;
              }).ok());
  EXPECT_EQ(calls, 2);
  // ComputePerplexity is the totals of the same lines.
  auto stats = ComputePerplexity(*lm, path);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->sentences, lines.size());
  EXPECT_EQ(stats->oovs, 1u);
}

TEST(ScoreTextTest, ErrorsComeAfterTheLinesBeforeThem) {
  TempDir dir;
  auto lm = MakeModel(Boundaries::kLine, Unit::kChar);
  const std::string path = dir.Write("bad.txt", "the cat\nok\nbad \xff byte\nnever\n");
  std::vector<uint64_t> tokens;
  Status s = ScoreText(*lm, {path}, ScoreTextOptions(), [&](const TextScorer::LineScore& score) {
    tokens.push_back(score.tokens);
    return true;
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ":3: byte offset 15: invalid UTF-8"), std::string::npos)
      << s.message();
  EXPECT_EQ(tokens, (std::vector<uint64_t>{8, 3}));  // the characters and </s>
  Status missing = ScoreText(*lm, {dir.File("none.txt")}, ScoreTextOptions(),
                             [](const TextScorer::LineScore&) { return true; });
  EXPECT_NE(missing.message().find("none.txt"), std::string::npos);
}

TEST(ScoreTextTest, StreamEnd) {
  TempDir dir;
  auto lm = MakeModel(Boundaries::kNone, Unit::kChar);
  const std::string path = dir.Write("s.txt", "the cat\na dog\n");
  for (bool end : {false, true}) {
    ScoreTextOptions options;
    options.end_stream = end;
    std::vector<bool> has_end;
    ASSERT_TRUE(ScoreText(*lm, {path}, options, [&](const TextScorer::LineScore& score) {
                  has_end.push_back(score.has_end);
                  return true;
                }).ok());
    EXPECT_EQ(has_end,
              end ? (std::vector<bool>{false, false, true}) : (std::vector<bool>{false, false}));
  }
  auto stats = ComputePerplexity(*lm, path);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->sentences, 1u);
  EXPECT_EQ(stats->words, 14u);  // 12 characters and 2 newlines
}

TEST(FilesTest, WriterAndReader) {
  TempDir dir;
  EXPECT_EQ(InputName("-"), "<stdin>");
  EXPECT_EQ(OutputName("-"), "<stdout>");
  EXPECT_EQ(InputName("a.txt"), "a.txt");
  EXPECT_EQ(OutputName("a.txt"), "a.txt");
  EXPECT_FALSE(DefaultTempDir().empty());

  const std::string path = dir.File("out.txt");
  {
    auto w = FileWriter::Open(path);
    ASSERT_TRUE(w.ok());
    (*w)->Write("never committed\n");
  }
  EXPECT_FALSE(FileExists(path));
  auto w = FileWriter::Open(path);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->name(), path);
  (*w)->Write("\xEF\xBB\xBFone\n");
  (*w)->Write("two\nthree");
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_FALSE((*w)->broken_pipe());

  auto r = TextReader::Open(path);
  ASSERT_TRUE(r.ok());
  std::string_view line;
  std::vector<std::string> lines;
  while ((*r)->Next(&line)) lines.emplace_back(line);
  EXPECT_TRUE((*r)->status().ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));  // BOM dropped
  EXPECT_EQ((*r)->line_number(), 3u);
  EXPECT_EQ((*r)->line_offset(), 11u);
  EXPECT_FALSE((*r)->newline());
  EXPECT_EQ((*r)->Where(), path + ":3");
  EXPECT_EQ((*r)->name(), path);

  auto missing = TextReader::Open(dir.File("none.txt"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.txt"), std::string::npos);
}

}  // namespace
}  // namespace grams
