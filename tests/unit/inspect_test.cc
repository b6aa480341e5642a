// grams/inspect.h: InspectFile, ListVocabulary and LookupNgram on every kind
// of file (counts, model, mapped, ARPA, KenLM binary), with the same answers
// whatever form a model comes in, and errors that name the file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grams/inspect.h"
#include "grams/language_model.h"
#include "grams/model_io.h"
#include "test_util.h"

namespace grams {
namespace {

const std::vector<std::string> kCorpus = {"the cat sat on the mat", "the dog sat on the log",
                                          "a cat and a dog"};
const std::string kKenlm = std::string(GRAMS_SOURCE_DIR) + "/tests/formats/kenlm/";

struct Files {
  test::TempDir dir;
  std::string counts, model, mapped, arpa;
  Model built;
  Files() {
    auto c = test::CountLines(kCorpus, 3);
    EXPECT_TRUE(c.ok());
    counts = dir.File("c.counts");
    EXPECT_TRUE(WriteCountsFile(*c, counts).ok());
    auto m = BuildModel(*c, BuildOptions());
    EXPECT_TRUE(m.ok());
    built = *m;
    model = dir.File("m.lm");
    arpa = dir.File("m.arpa");
    mapped = dir.File("m.lmm");
    EXPECT_TRUE(WriteModelFile(built, model).ok());
    EXPECT_TRUE(WriteArpa(built, arpa).ok());
    EXPECT_TRUE(WriteMappedModel(built, mapped).ok());
  }
};

TEST(InspectTest, EveryKind) {
  Files f;
  for (bool check : {false, true}) {
    InspectOptions options;
    options.check = check;
    auto counts = InspectFile(f.counts, options);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->kind, "counts");
    EXPECT_EQ(counts->order, 3);
    EXPECT_EQ(counts->vocab_size, 12u);
    EXPECT_EQ(counts->sentences, 3u);
    EXPECT_EQ(counts->tokens, 20u);
    EXPECT_EQ(counts->checked, check);
    for (const std::string& path : {f.model, f.mapped, f.arpa}) {
      SCOPED_TRACE(path);
      auto s = InspectFile(path, options);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_EQ(s->order, 3);
      EXPECT_EQ(s->vocab_size, 12u);
      EXPECT_EQ(s->ngram_counts, counts->ngram_counts);
      EXPECT_EQ(s->checked, check || s->kind == "arpa");
      EXPECT_GT(s->file_bytes, 0u);
      if (s->kind != "arpa") {
        EXPECT_EQ(InfoValue(s->info, "smoothing"), "mkn");
      }
    }
    auto kenlm = InspectFile(kKenlm + "tiny.trie-q8b8", options);
    ASSERT_TRUE(kenlm.ok());
    EXPECT_EQ(kenlm->kind, "kenlm");
    EXPECT_EQ(kenlm->format_version, 5u);
    EXPECT_EQ(kenlm->ngram_counts, (std::vector<uint64_t>{37, 52, 13, 7, 4}));
    EXPECT_EQ(InfoValue(kenlm->info, "kenlm_quantization"), "8 8");
    EXPECT_EQ(kenlm->parts.size(), 4u);
  }
  EXPECT_EQ(InspectFile(f.dir.File("nope")).status().code(), StatusCode::kNotFound);
}

TEST(InspectTest, VocabularyInIdOrder) {
  Files f;
  for (const std::string& path : {f.counts, f.model, f.mapped, f.arpa}) {
    std::vector<std::string> words;
    ASSERT_TRUE(ListVocabulary(path, [&](WordId id, std::string_view w) {
                  EXPECT_EQ(id, words.size());
                  words.emplace_back(w);
                }).ok());
    ASSERT_EQ(words.size(), f.built.vocab.size()) << path;
    for (WordId id = 0; id < words.size(); ++id) EXPECT_EQ(words[id], f.built.vocab.Word(id));
  }
  std::vector<std::string> words;
  TokenizerSettings settings;
  settings.unit = Unit::kChar;
  ASSERT_TRUE(ListVocabulary(
                  kKenlm + "tiny.probing",
                  [&](WordId, std::string_view w) { words.emplace_back(w); }, &settings)
                  .ok());
  EXPECT_EQ(settings.unit, Unit::kWord);
  ASSERT_EQ(words.size(), 37u);
  EXPECT_EQ(words[0], "<unk>");
  EXPECT_EQ(words[1], "<s>");
  EXPECT_EQ(words[2], "</s>");
}

TEST(InspectTest, LookupGivesTheStoredValues) {
  Files f;
  std::vector<WordId> ids = {f.built.vocab.Find("sat"), f.built.vocab.Find("on")};
  // Entry of "sat on" in the model's trie.
  const TrieLevel& bigrams = f.built.trie.levels[1];
  size_t entry = 0;
  while (entry < bigrams.size() &&
         !(bigrams.parents[entry] == ids[0] && bigrams.words[entry] == ids[1])) {
    ++entry;
  }
  ASSERT_LT(entry, bigrams.size());
  for (const std::string& path : {f.model, f.mapped, f.arpa}) {
    SCOPED_TRACE(path);
    auto v = LookupNgram(path, {"sat", "on"});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->found);
    EXPECT_FALSE(v->is_counts);
    EXPECT_EQ(v->log_prob, f.built.log_prob[1][entry]);
    EXPECT_EQ(v->log_backoff, f.built.log_backoff[1][entry]);
    auto absent = LookupNgram(path, {"mat", "sat"});
    ASSERT_TRUE(absent.ok());
    EXPECT_FALSE(absent->found);
    EXPECT_EQ(LookupNgram(path, {"a", "b", "c", "d"}).status().code(),
              StatusCode::kInvalidArgument);
  }
  auto count = LookupNgram(f.counts, {"sat", "on"});
  ASSERT_TRUE(count.ok());
  EXPECT_TRUE(count->found && count->is_counts);
  EXPECT_EQ(count->count, 2u);
  EXPECT_EQ(LookupNgram(f.counts, {}).status().code(), StatusCode::kInvalidArgument);
  // A KenLM binary: the 5-gram query found (tiny.txt, line 1), and its
  // backoff at a lower order.
  for (const char* layout : {"tiny.probing", "tiny.trie", "tiny.trie-a22"}) {
    auto five = LookupNgram(kKenlm + layout, {"looking", "on", "a", "little", "more"});
    ASSERT_TRUE(five.ok());
    EXPECT_TRUE(five->found);
    EXPECT_EQ(five->log_prob, -0.001813953f);
    EXPECT_EQ(five->log_backoff, 0.0f);
    auto unk = LookupNgram(kKenlm + layout, {"<unk>"});
    ASSERT_TRUE(unk.ok());
    EXPECT_TRUE(unk->found);
    EXPECT_EQ(unk->log_prob, -1.995635f);
    EXPECT_EQ(unk->log_backoff, -20.0f);
  }
}

}  // namespace
}  // namespace grams
