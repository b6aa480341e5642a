// The vocabulary's capacity (Vocabulary::kMaxWords, issue 13): the cap is
// exact, a new word past it is refused (kNotFound, nothing inserted, no id
// wraps), and every reader that builds a vocabulary from outside text turns
// that into an error naming the file (and line where it knows it): the
// counter, the counts merge, the counts-text reader, the ARPA reader, the
// static and dynamic mixtures, the --limit-vocab list and the index builder. The tests lower the
// cap to a handful of words (Vocabulary::SetMaxWordsForTesting).
#include "grams/vocabulary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/index.h"
#include "grams/language_model.h"
#include "grams/mix.h"
#include "grams/model_io.h"
#include "grams/predict.h"
#include "test_util.h"

namespace grams {
namespace {

using test::TempDir;

// Lowers the cap for one test and restores it afterwards.
class VocabularyCapTest : public ::testing::Test {
 protected:
  void TearDown() override {
    Vocabulary::SetMaxWordsForTesting(0);
    EXPECT_EQ(Vocabulary::max_words(), Vocabulary::kMaxWords);
  }
  static void Cap(size_t words) {
    Vocabulary::SetMaxWordsForTesting(words);
    ASSERT_EQ(Vocabulary::max_words(), words);
  }
};

// The error of a full vocabulary, at `where` (a file name, with ":LINE"
// where the reader knows it).
void ExpectFull(const Status& s, const std::string& where, size_t cap) {
  ASSERT_FALSE(s.ok()) << "the vocabulary should be full at " << where;
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find(where), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("more than " + std::to_string(cap) + " distinct words"),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("32-bit ids"), std::string::npos) << s.ToString();
}

TEST(VocabularyTest, TheCapIsBelowEverySentinelId) {
  EXPECT_EQ(Vocabulary::kMaxWords, size_t{4294967294});
  EXPECT_EQ(Vocabulary::max_words(), Vocabulary::kMaxWords);
  // The largest id a full vocabulary hands out is below kNotFound (and
  // CorpusIndex::kUnknownUnit, the same value).
  EXPECT_LT(Vocabulary::kMaxWords - 1, size_t{Vocabulary::kNotFound});
  EXPECT_LT(Vocabulary::kMaxWords - 1, size_t{CorpusIndex::kUnknownUnit});
  EXPECT_EQ(Vocabulary::TooManyWords(),
            "more than 4294967294 distinct words: the vocabulary of a grams model is limited to "
            "32-bit ids");
}

TEST_F(VocabularyCapTest, CapIsExactAndANewWordPastItIsNotFound) {
  Cap(8);
  Vocabulary v;
  ASSERT_EQ(v.size(), 3u);
  // Words 3..7 fit: the vocabulary holds exactly 8.
  const std::vector<std::string> words = {"a", "bb", "ccc", "dddd", "eeeee"};
  for (size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(v.FindOrInsert(words[i]), static_cast<WordId>(3 + i)) << words[i];
  }
  ASSERT_EQ(v.size(), 8u);
  const size_t bytes = v.arena_bytes();
  // The next new word is refused, and nothing is added: no id wraps.
  EXPECT_EQ(v.FindOrInsert("f"), Vocabulary::kNotFound);
  EXPECT_EQ(v.FindOrInsert("another"), Vocabulary::kNotFound);
  EXPECT_EQ(v.size(), 8u);
  EXPECT_EQ(v.arena_bytes(), bytes);
  EXPECT_EQ(v.Find("f"), Vocabulary::kNotFound);
  // The words it holds are still found, by both calls.
  for (size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(v.Find(words[i]), static_cast<WordId>(3 + i));
    EXPECT_EQ(v.FindOrInsert(words[i]), static_cast<WordId>(3 + i));
    EXPECT_EQ(v.Word(static_cast<WordId>(3 + i)), words[i]);
  }
  EXPECT_EQ(v.FindOrInsert(kEosWord), kEosId);
  EXPECT_EQ(Vocabulary::TooManyWords(),
            "more than 8 distinct words: the vocabulary of a grams model is limited to 32-bit ids");

  // FromWords: 8 words fit, 9 do not.
  std::vector<std::string_view> list = {kUnkWord, kBosWord, kEosWord, "a", "b", "c", "d", "e"};
  Vocabulary from;
  EXPECT_TRUE(Vocabulary::FromWords(list, &from));
  EXPECT_EQ(from.size(), 8u);
  list.push_back("f");
  EXPECT_FALSE(Vocabulary::FromWords(list, &from));

  // The cap holds the reserved words at least; 0 restores kMaxWords.
  Vocabulary::SetMaxWordsForTesting(1);
  EXPECT_EQ(Vocabulary::max_words(), size_t{kNumReservedWords});
  Vocabulary::SetMaxWordsForTesting(0);
  EXPECT_EQ(Vocabulary::max_words(), Vocabulary::kMaxWords);
}

TEST_F(VocabularyCapTest, CounterFullVocabularyIsAnErrorWithFileAndLine) {
  TempDir dir;
  // 3 reserved + a b c d e f g x = 11 words; "h" (line 3, 2 bytes into it,
  // 16 into the file) is the 12th. Single bytes and longer words take
  // different paths in the counter: both are checked.
  const std::string path = dir.Write("corpus.txt", "a b c\nd e f g\nx h\n");
  const std::string long_path = dir.Write("long.txt", "aa bb cc\ndd ee ff gg\nxx hh\n");
  for (int order : {1, 3}) {
    SCOPED_TRACE("order " + std::to_string(order));
    Cap(11);  // "x" fits, "h" does not
    CountOptions options;
    options.order = order;
    auto counts = CountFiles({path}, options);
    ExpectFull(counts.status(), path + ":3: byte offset 16", 11);
    counts = CountFiles({long_path}, options);
    ExpectFull(counts.status(), long_path + ":3: byte offset 24", 11);
    // The same text fits one more word.
    Cap(12);
    EXPECT_TRUE(CountFiles({path}, options).ok());
    EXPECT_TRUE(CountFiles({long_path}, options).ok());
    Cap(11);
    // Written to a file: nothing is written.
    const std::string out = dir.File("out.counts");
    ExpectFull(CountFilesToFile({path}, options, out), path + ":3", 11);
    EXPECT_FALSE(std::filesystem::exists(out));
    // Through AddLine: `where` names the input.
    Counter counter(options);
    ASSERT_TRUE(counter.AddLine("a b c d e f g x", "my input").ok());
    ExpectFull(counter.AddLine("a b h", "my input"), "my input", 11);
  }
  // Counting stops at the first such error: the first of two inputs.
  Cap(11);
  const std::string more = dir.Write("more.txt", "p q r s t u v w y\n");
  ExpectFull(CountFiles({more, path}, CountOptions()).status(), more + ":1", 11);
}

// The order-2 counts of the one line `text`.
NgramCounts Counts(const std::string& text) {
  auto counts = test::CountLines({text}, 2);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  return std::move(counts).value();
}

TEST_F(VocabularyCapTest, MergeFullVocabularyIsAnErrorNamingTheFile) {
  TempDir dir;
  // 3 reserved + 4 words each; the union has 3 + 8 = 11.
  const std::string a = dir.File("a.counts");
  const std::string b = dir.File("b.counts");
  ASSERT_TRUE(WriteCountsFile(Counts("a b c d"), a).ok());
  ASSERT_TRUE(WriteCountsFile(Counts("e f g h"), b).ok());
  Cap(10);
  ExpectFull(MergeCountFiles({a, b}).status(), b, 10);
  const std::string out = dir.File("merged.counts");
  ExpectFull(MergeCountFilesToFile({a, b}, out), b, 10);
  EXPECT_FALSE(std::filesystem::exists(out));
  // A file whose own vocabulary is past the cap is refused as it is read.
  Cap(6);
  ExpectFull(MergeCountFiles({a}).status(), a, 6);
  Cap(11);
  EXPECT_TRUE(MergeCountFiles({a, b}).ok());

  // In memory (Counter::AddCounts): the name given.
  Cap(10);
  CountOptions options;
  options.order = 2;
  Counter counter(options);
  ASSERT_TRUE(counter.AddCounts(Counts("a b c d"), "shard 1").ok());
  ExpectFull(counter.AddCounts(Counts("e f g h"), "shard 2"), "shard 2", 10);
}

TEST_F(VocabularyCapTest, CountsTextFullVocabularyIsAnErrorWithFileAndLine) {
  TempDir dir;
  const std::string path =
      dir.Write("counts.txt", "<s>\t2\na\t1\nb\t1\nc\t1\n</s>\t2\n<s> a\t1\nd\t1\ne\t1\n");
  Cap(7);  // a b c d fit; "e" (line 8) does not
  ExpectFull(ReadCountsText({path}).status(), path + ":8", 7);
  Cap(8);
  EXPECT_TRUE(ReadCountsText({path}).ok());
}

TEST_F(VocabularyCapTest, ArpaFullVocabularyIsAnErrorWithFileAndLine) {
  TempDir dir;
  const std::string path = dir.Write("model.arpa",
                                     "\\data\\\n"
                                     "ngram 1=8\n"
                                     "\n"
                                     "\\1-grams:\n"
                                     "-1\t<unk>\n"
                                     "-99\t<s>\t0\n"
                                     "-1\t</s>\n"
                                     "-1\ta\n"
                                     "-1\tb\n"
                                     "-1\tc\n"
                                     "-1\td\n"
                                     "-1\te\n"
                                     "\n"
                                     "\\end\\\n");
  Cap(7);  // a b c d fit; "e" (line 12) does not
  ExpectFull(ReadArpa(path).status(), path + ":12", 7);
  Cap(8);
  auto model = ReadArpa(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->vocab.size(), 8u);
}

Model Build(const std::string& text) {
  auto model = BuildModel(Counts(text), BuildOptions());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

TEST_F(VocabularyCapTest, MixFullUnionVocabularyIsAnErrorNamingTheModel) {
  // 3 reserved + 4 words each (one shared): the union has 3 + 7 = 10.
  Model a = Build("a b c d a b");
  Model b = Build("d e f g e f");
  auto pa = NgramPredictor::Create(a);
  auto pb = NgramPredictor::Create(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  const std::vector<const NgramPredictor*> models = {pa->get(), pb->get()};
  auto la = LanguageModel::Create(a);
  auto lb = LanguageModel::Create(b);
  ASSERT_TRUE(la.ok() && lb.ok());
  const std::vector<std::shared_ptr<const LanguageModel>> lms = {std::move(la).value(),
                                                                 std::move(lb).value()};
  Cap(9);
  ExpectFull(MixModels(models, {0.5, 0.5}, {"a.lm", "b.lm"}).status(), "b.lm", 9);
  ExpectFull(MixModels(models, {0.5, 0.5}).status(), "model 2", 9);
  ExpectFull(CreateMixture(lms, {0.5, 0.5}, {"a.lm", "b.lm"}).status(), "b.lm", 9);
  Cap(10);
  auto mixed = MixModels(models, {0.5, 0.5}, {"a.lm", "b.lm"});
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(mixed->vocab.size(), 10u);
  EXPECT_TRUE(CreateMixture(lms, {0.5, 0.5}).ok());
}

TEST_F(VocabularyCapTest, LimitVocabListPastTheCapIsAnError) {
  const NgramCounts counts = Counts("a b c d");  // 7 words
  BuildOptions options;
  options.limit_vocab = true;
  options.vocab = {"a", "b", "c", "d", "x", "y"};  // kept with x, y: 9 words
  Cap(8);
  auto model = BuildModel(counts, options);
  ExpectFull(model.status(), "--limit-vocab", 8);
  Cap(9);
  model = BuildModel(counts, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->vocab.size(), 9u);
}

TEST_F(VocabularyCapTest, IndexFullVocabularyIsAnErrorWithFileAndLine) {
  TempDir dir;
  const std::string out = dir.File("corpus.idx");
  // One input: its reading worker's vocabulary fills first.
  const std::string one = dir.Write("one.txt", "a b c\nd e f g\nx h\n");
  Cap(11);
  ExpectFull(BuildIndex({one}, {}, out), one + ":3: byte offset 16", 11);
  EXPECT_FALSE(std::filesystem::exists(out));
  // Two inputs, read by two workers whose vocabularies (3 + 3, 3 + 4
  // words) fit: the corpus's, their union, does not.
  const std::string a = dir.Write("a.txt", "a b c\n");
  const std::string b = dir.Write("b.txt", "d\ne f g\n");
  Cap(9);
  const Status s = BuildIndex({a, b}, {}, out);
  ExpectFull(s, b + ":2: more than", 9);  // the corpus's error: no byte offset
  EXPECT_FALSE(std::filesystem::exists(out));
  Cap(12);
  EXPECT_TRUE(BuildIndex({one}, {}, out).ok());
  Cap(10);
  EXPECT_TRUE(BuildIndex({a, b}, {}, out).ok());
}

}  // namespace
}  // namespace grams
