// The KenLM binary reader: scores equal to what KenLM's query printed on the
// same binaries (tests/formats/kenlm), in every layout, through every query
// API; conversion of a trie to a Model; and damaged files (truncated at
// every length, header bytes flipped, foreign files, other versions), which
// must fail with an error naming the file, or load and answer queries
// without reading outside the file.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "format/kenlm_binary.h"
#include "format/kenlm_model.h"
#include "grams/language_model.h"
#include "grams/model_io.h"
#include "grams/scorer.h"
#include "test_util.h"

namespace grams {
namespace {

const std::string kDir = std::string(GRAMS_SOURCE_DIR) + "/tests/formats/kenlm/";
const char* const kLayouts[] = {"probing", "trie", "trie-a22", "trie-q8b8", "trie-q4b6a22"};

// One word of query's output: "word=ID LENGTH LOG10".
struct QueryWord {
  std::string word;
  uint32_t id;
  int length;
  float log10;
};

// query's output: a list of words per line.
std::vector<std::vector<QueryWord>> ReadQuery(const std::string& path) {
  std::vector<std::vector<QueryWord>> lines;
  std::istringstream in(test::ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("Total:") == std::string::npos) continue;
    std::vector<QueryWord> words;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, '\t')) {
      if (field.rfind("Total:", 0) == 0) break;
      const size_t eq = field.rfind('=');
      QueryWord w;
      w.word = field.substr(0, eq);
      std::istringstream rest(field.substr(eq + 1));
      rest >> w.id >> w.length >> w.log10;
      words.push_back(w);
    }
    lines.push_back(words);
  }
  return lines;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(test::ReadFile(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

TEST(KenlmBinaryTest, WordHashIsMurmurHash64A) {
  // Seed 0: the empty string hashes to 0; the rest are the hashes the trie
  // vocabulary of tiny.trie is sorted by (checked below through Index).
  EXPECT_EQ(KenlmWordHash(""), 0u);
  auto file = KenlmBinary::Open(kDir + "tiny.trie", {});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  for (uint32_t id = 1; id < (*file)->vocab_size(); ++id) {
    EXPECT_EQ((*file)->Index((*file)->Word(id)), id) << (*file)->Word(id);
  }
  EXPECT_EQ((*file)->Index("<unk>"), 0u);
  EXPECT_EQ((*file)->Index("no-such-word"), 0u);
}

TEST(KenlmBinaryTest, HeaderAndLayout) {
  for (const char* layout : kLayouts) {
    SCOPED_TRACE(layout);
    auto file = KenlmBinary::Open(kDir + "tiny." + layout, {});
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    const KenlmBinary& f = **file;
    EXPECT_EQ(f.order(), 5);
    EXPECT_EQ(f.vocab_size(), 37u);
    EXPECT_EQ(f.counts()[0], 37u);
    EXPECT_EQ(f.Word(0), "<unk>");
    EXPECT_EQ(f.Word(f.bos()), "<s>");
    EXPECT_EQ(f.Word(f.eos()), "</s>");
    EXPECT_EQ(f.header_bytes() + f.vocab_bytes() + f.search_bytes() + f.strings_bytes(),
              f.file_size());
    EXPECT_TRUE(f.Check().ok()) << f.Check().ToString();
    const std::string name = layout;
    EXPECT_EQ(f.is_trie(), name != "probing");
    if (name == "trie") {
      // build_binary adds the missing context n-grams to the trie.
      EXPECT_EQ(f.counts(), (std::vector<uint64_t>{37, 52, 13, 7, 4}));
    }
    if (name == "probing") {
      EXPECT_EQ(f.counts(), (std::vector<uint64_t>{37, 47, 11, 6, 4}));
    }
    EXPECT_EQ(f.prob_bits(), name == "trie-q8b8" ? 8 : name == "trie-q4b6a22" ? 4 : 0);
    EXPECT_EQ(f.backoff_bits(), name == "trie-q8b8" ? 8 : name == "trie-q4b6a22" ? 6 : 0);
    EXPECT_EQ(f.pointer_bits(), name.find("a22") != std::string::npos ? 22 : 0);
  }
}

// Every token of every line, through the State API (FullScore) and through
// whole-sentence scoring (ScoreSentences with lengths), equals query's
// output: the same float, n-gram length and OOV flag.
TEST(KenlmBinaryTest, ScoresEqualKenlmQuery) {
  const std::vector<std::string> text = Lines(kDir + "tiny.txt");
  for (const char* layout : kLayouts) {
    for (bool in_memory : {false, true}) {
      SCOPED_TRACE(std::string(layout) + (in_memory ? " read" : " mapped"));
      const auto expected = ReadQuery(kDir + "tiny." + layout + ".query.txt");
      ASSERT_EQ(expected.size(), text.size());
      LoadOptions options;
      options.read_into_memory = in_memory;
      auto lm_or = LanguageModel::Load(kDir + "tiny." + layout, options);
      ASSERT_TRUE(lm_or.ok()) << lm_or.status().ToString();
      const LanguageModel& lm = **lm_or;
      EXPECT_EQ(lm.order(), 5);
      EXPECT_EQ(lm.Info("source"), "kenlm");
      EXPECT_TRUE(lm.IsProbabilistic());
      EXPECT_EQ(lm.settings().unit, Unit::kWord);
      for (size_t i = 0; i < text.size(); ++i) {
        const std::vector<std::string> words = Words(text[i]);
        ASSERT_EQ(expected[i].size(), words.size() + 1);
        std::vector<WordId> ids;
        for (const std::string& w : words) ids.push_back(lm.Index(w));
        ids.push_back(kEosId);
        std::vector<float> out(ids.size());
        std::vector<uint8_t> lengths(ids.size());
        const size_t end = ids.size();
        lm.ScoreSentences(ids.data(), &end, 1, /*bos=*/true, out.data(), lengths.data());
        State state = lm.BeginSentenceState(), next;
        for (size_t k = 0; k < ids.size(); ++k) {
          const QueryWord& q = expected[i][k];
          SCOPED_TRACE("line " + std::to_string(i + 1) + " word " + q.word);
          const FullScoreResult r = lm.FullScore(state, ids[k], &next);
          state = next;
          EXPECT_EQ(r.log_prob, q.log10);
          EXPECT_EQ(r.ngram_length, q.length);
          EXPECT_EQ(r.oov, q.id == 0);
          EXPECT_EQ(out[k], q.log10);
          EXPECT_EQ(lengths[k], q.length);
          if (k < words.size()) {
            EXPECT_EQ(lm.vocab().Word(ids[k]), q.id ? q.word : "<unk>");
          }
        }
      }
    }
  }
}

// The perplexity summary query printed after the lines.
TEST(KenlmBinaryTest, PerplexityEqualsKenlmQuery) {
  for (const char* layout : kLayouts) {
    SCOPED_TRACE(layout);
    auto lm = LanguageModel::Load(kDir + "tiny." + layout);
    ASSERT_TRUE(lm.ok());
    auto stats = ComputePerplexity(**lm, kDir + "tiny.txt");
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    double want_ppl = 0, want_ppl_no_oov = 0;
    for (const std::string& line : Lines(kDir + "tiny." + std::string(layout) + ".query.txt")) {
      if (line.rfind("Perplexity including OOVs:", 0) == 0) want_ppl = std::stod(line.substr(27));
      if (line.rfind("Perplexity excluding OOVs:", 0) == 0) {
        want_ppl_no_oov = std::stod(line.substr(27));
      }
    }
    // The token scores are the same floats; query sums each sentence in a
    // float where grams sums in double, hence the last digits.
    EXPECT_NEAR(stats->Perplexity(), want_ppl, want_ppl * 1e-6);
    EXPECT_NEAR(stats->PerplexityExcludingOovs(), want_ppl_no_oov, want_ppl_no_oov * 1e-6);
    EXPECT_EQ(stats->oovs, 4u);
    EXPECT_EQ(stats->tokens(), 42u);
  }
}

// A trie converts to a Model holding the same n-grams (with the contexts
// build_binary added), which grams then scores to the same floats; the
// quantized layouts give their quantized values.
TEST(KenlmBinaryTest, TrieConvertsToModel) {
  const std::vector<std::string> text = Lines(kDir + "tiny.txt");
  for (const char* layout : kLayouts) {
    SCOPED_TRACE(layout);
    auto model = LoadModel(kDir + "tiny." + layout);
    if (std::string(layout) == "probing") {
      ASSERT_FALSE(model.ok());
      EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(model.status().message().find("probing"), std::string::npos);
      EXPECT_NE(model.status().message().find("tiny.probing"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(model->order(), 5);
    EXPECT_EQ(model->vocab.size(), 37u);
    EXPECT_EQ(model->trie.levels[1].size(), 52u);
    EXPECT_EQ(model->trie.levels[4].size(), 4u);
    EXPECT_EQ(model->Info("source"), "kenlm");
    auto lm = LanguageModel::Create(*model);
    ASSERT_TRUE(lm.ok());
    const auto expected = ReadQuery(kDir + "tiny." + std::string(layout) + ".query.txt");
    for (size_t i = 0; i < text.size(); ++i) {
      std::vector<WordId> ids;
      for (const std::string& w : Words(text[i])) ids.push_back((*lm)->Index(w));
      ids.push_back(kEosId);
      std::vector<float> out(ids.size());
      (*lm)->ScoreSentence(ids.data(), ids.size(), out.data());
      for (size_t k = 0; k < ids.size(); ++k)
        EXPECT_EQ(out[k], expected[i][k].log10) << i << " " << k;
    }
    // Through ARPA text and back: the same model.
    test::TempDir dir;
    ASSERT_TRUE(WriteArpa(*model, dir.File("m.arpa")).ok());
    auto again = ReadArpa(dir.File("m.arpa"));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->log_prob, model->log_prob);
  }
}

TEST(KenlmBinaryTest, MappedFormOfATrie) {
  test::TempDir dir;
  auto lm = LanguageModel::Load(kDir + "tiny.trie");
  ASSERT_TRUE(lm.ok());
  ASSERT_TRUE(WriteMappedModel(**lm, dir.File("m.lmm")).ok());
  auto mapped = LanguageModel::Load(dir.File("m.lmm"));
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_EQ((*mapped)->vocab().size(), 37u);
  auto probing = LanguageModel::Load(kDir + "tiny.probing");
  ASSERT_TRUE(probing.ok());
  const Status s = WriteMappedModel(**probing, dir.File("p.lmm"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

// The file read whole from a stream (a pipe or a compressed file) scores as
// the mapped one does.
TEST(KenlmBinaryTest, FromBytes) {
  auto f = KenlmBinary::FromBytes("<stdin>", test::ReadFile(kDir + "tiny.trie-q4b6a22"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE((*f)->Check().ok());
  EXPECT_EQ((*f)->name(), "<stdin>");
}

// Status of opening `bytes` as a KenLM binary, through a file.
Status OpenBytes(const test::TempDir& dir, const std::string& bytes) {
  const std::string path = dir.Write("damaged", bytes);
  auto f = KenlmBinary::Open(path, {});
  if (!f.ok()) return f.status();
  // Loaded: every query stays inside the file (checked by ASan builds).
  const KenlmBinary& b = **f;
  float backoffs[16];
  uint32_t context[4];
  for (uint32_t w = 0; w < b.vocab_size(); ++w) {
    for (int k = 0; k < 4; ++k)
      context[k] = (w * 7 + static_cast<uint32_t>(k) * 13) % b.vocab_size();
    b.Score(w, context, std::min(b.order() - 1, 4), backoffs);
    b.Index(b.Word(w));
  }
  (void)b.Check();
  (void)KenlmToModel(b);
  return Status::OK();
}

TEST(KenlmBinaryTest, TruncatedAtEveryLength) {
  test::TempDir dir;
  for (const char* layout : kLayouts) {
    SCOPED_TRACE(layout);
    const std::string bytes = test::ReadFile(kDir + "tiny." + std::string(layout));
    for (size_t n = 0; n < bytes.size(); ++n) {
      const Status s = OpenBytes(dir, bytes.substr(0, n));
      ASSERT_FALSE(s.ok()) << "cut at " << n;
      EXPECT_EQ(s.code(), StatusCode::kCorruption) << n << ": " << s.ToString();
      EXPECT_NE(s.message().find(dir.File("damaged")), std::string::npos) << s.ToString();
    }
  }
}

TEST(KenlmBinaryTest, FlippedBytesNeverEscapeTheFile) {
  test::TempDir dir;
  for (const char* layout : kLayouts) {
    SCOPED_TRACE(layout);
    const std::string bytes = test::ReadFile(kDir + "tiny." + std::string(layout));
    size_t header_errors = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ 0x5A);
      const Status s = OpenBytes(dir, damaged);
      if (i < 160 && !s.ok()) ++header_errors;
    }
    // Every byte of the sanity block and the fixed parameters is checked
    // (the counts' high bytes too); padding bytes are not.
    EXPECT_GE(header_errors, 100u);
  }
}

TEST(KenlmBinaryTest, HeaderErrors) {
  test::TempDir dir;
  const std::string trie = test::ReadFile(kDir + "tiny.trie");
  auto expect = [&](std::string bytes, StatusCode code, const std::string& text) {
    const Status s = OpenBytes(dir, bytes);
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_NE(s.message().find(text), std::string::npos) << s.ToString();
  };
  std::string v4 = trie;
  v4[49] = '4';
  expect(v4, StatusCode::kUnsupportedVersion, "version 4");
  std::string incomplete = "mmap lm http://kheafield.com/code incomplete\n";
  incomplete.resize(trie.size(), '\0');
  expect(incomplete, StatusCode::kCorruption, "did not finish");
  std::string rest = trie;
  rest[96] = 1;  // rest-cost probing
  expect(rest, StatusCode::kUnsupportedVersion, "rest costs");
  std::string no_words = trie;
  no_words[100] = 0;
  expect(no_words, StatusCode::kUnsupportedVersion, "vocabulary strings");
  std::string big_endian = trie;
  std::swap(big_endian[60], big_endian[63]);
  expect(big_endian, StatusCode::kCorruption, "test values");
  std::string order = trie;
  order[88] = 1;
  expect(order, StatusCode::kCorruption, "order 1");
  std::string trailing = trie + std::string("extra\0", 6);
  expect(trailing, StatusCode::kCorruption, "more than 37 words");
  expect(test::ReadFile(kDir + "tiny.arpa"), StatusCode::kCorruption, "not a KenLM binary");
  expect("", StatusCode::kCorruption, "empty file");
}

// A foreign file that only starts like a KenLM binary, and the error
// LanguageModel::Load gives for a damaged one.
TEST(KenlmBinaryTest, LoadNamesTheFile) {
  test::TempDir dir;
  const std::string path =
      dir.Write("foreign.bin", "mmap lm http://kheafield.com/code but no more");
  auto lm = LanguageModel::Load(path);
  ASSERT_FALSE(lm.ok());
  EXPECT_NE(lm.status().message().find(path), std::string::npos) << lm.status().ToString();
  const std::string trie = test::ReadFile(kDir + "tiny.trie");
  const std::string cut = dir.Write("cut.bin", trie.substr(0, trie.size() / 2));
  lm = LanguageModel::Load(cut);
  ASSERT_FALSE(lm.ok());
  EXPECT_EQ(lm.status().code(), StatusCode::kCorruption);
  EXPECT_NE(lm.status().message().find("cut.bin: truncated"), std::string::npos)
      << lm.status().ToString();
}

// LoadOptions::verify_checksums runs the full check: a word hash damaged in
// the sorted vocabulary loads without it and fails with it.
TEST(KenlmBinaryTest, CheckFindsDamage) {
  test::TempDir dir;
  std::string trie = test::ReadFile(kDir + "tiny.trie");
  trie[0x98 + 8 + 8 * 5 + 7] ^= 0x40;  // the top byte of the sixth hash
  const std::string path = dir.Write("damaged.trie", trie);
  EXPECT_TRUE(LanguageModel::Load(path).ok());
  LoadOptions options;
  options.verify_checksums = true;
  auto lm = LanguageModel::Load(path, options);
  ASSERT_FALSE(lm.ok());
  EXPECT_EQ(lm.status().code(), StatusCode::kCorruption);
  EXPECT_NE(lm.status().message().find("damaged KenLM binary"), std::string::npos)
      << lm.status().ToString();
}

}  // namespace
}  // namespace grams
