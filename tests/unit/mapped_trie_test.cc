// The mapped model's trie layout (docs/FORMAT.md, "The trie layout";
// query/packed_trie.h): its packed arrays read back what was packed; it
// scores exactly the floats of the probing layout and of the model in
// memory (n-gram lengths and State API included), for MKN and Stupid
// Backoff, orders 1 to 5, vocabularies that need more than 16 bits; it is
// written deterministically from every source; every truncated or
// inconsistent file is refused with an error naming it; damage the cheap
// checks cannot see never crashes a query and the full check finds it.
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "format/mapped_model.h"
#include "grams/grams.h"
#include "mapped_test_util.h"
#include "query/packed_trie.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams {
namespace {

using namespace mapped_test;
using test::ReadFile;
using test::TempDir;

TEST(PackedTrieTest, PackedFieldsReadBackWhatWasPacked) {
  std::mt19937_64 rng(5);
  for (uint32_t bits : {1u, 2u, 7u, 8u, 15u, 16u, 17u, 31u, 32u}) {
    SCOPED_TRACE(bits);
    std::vector<uint32_t> v(1000);
    for (auto& x : v) x = static_cast<uint32_t>(rng() & ((uint64_t{1} << bits) - 1));
    std::vector<unsigned char> packed;
    query::PackBits(v.data(), v.size(), bits, &packed);
    ASSERT_EQ(packed.size(), query::PackedBytes(v.size(), bits));
    // A level whose words are v: one parent with every entry as a child.
    const uint32_t first[2] = {0, static_cast<uint32_t>(v.size())};
    std::vector<unsigned char> starts;
    query::PackFirst(first, 2, &starts);
    const std::vector<float> values(v.size());
    query::PackedLevel level(v.size(), 1, starts.data(), starts.size(), packed.data(), bits,
                             values.data(), 1);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(level.Word(i), v[i]) << i;
  }
}

TEST(PackedTrieTest, ChildRangesReadBackWhateverTheirSpread) {
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 50; ++trial) {
    // Parents with 0 children mostly, a few with very many (up to 2^31 in
    // all): every block width from 0 to 32.
    const uint64_t lower = 1 + rng() % 700;
    std::vector<uint32_t> first(lower + 1, 0);
    uint64_t total = 0;
    for (uint64_t p = 0; p < lower; ++p) {
      const uint64_t r = rng() % 100;
      const uint64_t c = r < 60 ? 0 : r < 95 ? rng() % 5 : rng() % (uint64_t{1} << (rng() % 27));
      total = std::min<uint64_t>(total + c, UINT32_MAX - 1);
      first[p + 1] = static_cast<uint32_t>(total);
    }
    std::vector<unsigned char> packed;
    query::PackFirst(first.data(), first.size(), &packed);
    ASSERT_GE(packed.size(), query::MinFirstBytes(first.size()));
    const std::vector<unsigned char> words(query::PackedBytes(total, 1), 0);
    query::PackedLevel level(total, lower, packed.data(), packed.size(), words.data(), 1, nullptr,
                             1);
    for (uint64_t p = 0; p < lower; ++p) {
      uint32_t begin, count;
      level.Children(static_cast<EntryIndex>(p), &begin, &count);
      ASSERT_EQ(begin, first[p]) << "trial " << trial << " parent " << p;
      ASSERT_EQ(count, first[p + 1] - first[p]) << "trial " << trial << " parent " << p;
    }
  }
}

// A model in the trie layout beside its probing layout and model file.
class MappedTrieTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    model_ = new Model(BuildZipfModel(4, 3000, 2000));
    ASSERT_TRUE(WriteModelFile(*model_, File("m.lm")).ok());
    ASSERT_TRUE(WriteArpa(*model_, File("m.arpa")).ok());
    ASSERT_TRUE(WriteMappedModel(*model_, File("m.lmm")).ok());
    Status s = WriteMappedModel(*model_, File("t.lmm"), MappedLayout::kTrie);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }
  static std::string File(const std::string& name) { return dir_->File(name); }

  // Scores `model` in memory, and written in the trie layout and read back
  // (mapped and read into memory), and expects the same floats and n-gram
  // lengths.
  static void ExpectSameScores(const Model& model, const std::string& name,
                               const std::vector<std::string>& text) {
    const std::string path = File(name);
    Status s = WriteMappedModel(model, path, MappedLayout::kTrie);
    ASSERT_TRUE(s.ok()) << s.ToString();
    auto created = LanguageModel::Create(model);
    ASSERT_TRUE(created.ok());
    LoadOptions copy;
    copy.read_into_memory = true;
    auto mapped = MustLoad(path);
    auto in_memory = MustLoad(path, copy);
    ASSERT_TRUE(mapped && in_memory);
    EXPECT_FALSE(mapped->TablesReady());
    const std::vector<float> want = ScoreAll(**created, text);
    ExpectSameFloats(want, ScoreAll(*mapped, text), name.c_str());
    ExpectSameFloats(want, ScoreAll(*in_memory, text), name.c_str());
    // The batch API with n-gram lengths, <s> or not.
    std::vector<WordId> ids;
    std::vector<size_t> ends;
    for (const auto& line : text) {
      for (size_t at = 0; at < line.size();) {
        size_t end = line.find(' ', at);
        if (end == std::string::npos) end = line.size();
        ids.push_back((*created)->Index(line.substr(at, end - at)));
        at = end + 1;
      }
      ids.push_back(kEosId);
      ends.push_back(ids.size());
    }
    for (bool bos : {true, false}) {
      std::vector<float> a(ids.size()), b(ids.size());
      std::vector<uint8_t> la(ids.size()), lb(ids.size());
      (*created)->ScoreSentences(ids.data(), ends.data(), ends.size(), bos, a.data(), la.data());
      mapped->ScoreSentences(ids.data(), ends.data(), ends.size(), bos, b.data(), lb.data());
      ExpectSameFloats(a, b, "batch");
      EXPECT_TRUE(la == lb) << "n-gram lengths differ";
    }
  }

  static TempDir* dir_;
  static Model* model_;
};
TempDir* MappedTrieTest::dir_ = nullptr;
Model* MappedTrieTest::model_ = nullptr;

TEST_F(MappedTrieTest, ScoresTheSameFloatsAsEveryOtherForm) {
  ExpectSameScores(*model_, "same.lmm", HeldOut());
  auto trie = MustLoad(File("t.lmm"));
  auto probing = MustLoad(File("m.lmm"));
  ASSERT_TRUE(trie && probing);
  ExpectSameFloats(ScoreAll(*probing, HeldOut()), ScoreAll(*trie, HeldOut()), "probing");
  LoadOptions verify;
  verify.verify_checksums = true;
  EXPECT_TRUE(MustLoad(File("t.lmm"), verify) != nullptr);
  EXPECT_EQ(trie->order(), 4);
  EXPECT_EQ(trie->settings().ToKeyValues(), model_->settings.ToKeyValues());
  EXPECT_EQ(trie->Info("smoothing"), model_->Info("smoothing"));
  ASSERT_EQ(trie->vocab().size(), model_->vocab.size());
  for (WordId id = 0; id < model_->vocab.size(); ++id) {
    ASSERT_EQ(trie->Index(model_->vocab.Word(id)), id);
  }
}

TEST_F(MappedTrieTest, EveryOrderStupidBackoffAndWideVocabularies) {
  for (int order : {1, 2, 3, 5}) {
    SCOPED_TRACE(order);
    ExpectSameScores(BuildZipfModel(order, 800, 500), "o" + std::to_string(order) + ".lmm",
                     ZipfCorpus(60, 600, 3));
  }
  // Stupid Backoff: its alpha for the context it drops.
  auto counts = test::CountLines(ZipfCorpus(800, 500, 7), 3);
  ASSERT_TRUE(counts.ok());
  BuildOptions stupid;
  stupid.smoothing = Smoothing::kStupidBackoff;
  auto sb = BuildModel(*counts, stupid);
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  ExpectSameScores(*sb, "stupid.lmm", ZipfCorpus(60, 600, 3));
  // 70,000 words: ids of 17 bits.
  std::vector<std::string> lines = ZipfCorpus(2000, 500, 7);
  for (int k = 0; k < 70000; k += 10) {
    std::string line;
    for (int j = k; j < k + 10; ++j) line += (j > k ? " u" : "u") + std::to_string(j);
    lines.push_back(line);
  }
  auto wide_counts = test::CountLines(lines, 3);
  ASSERT_TRUE(wide_counts.ok());
  auto wide_or = BuildModel(*wide_counts, BuildOptions());
  ASSERT_TRUE(wide_or.ok());
  const Model& wide = *wide_or;
  ASSERT_GT(wide.vocab.size(), 65536u);
  std::vector<std::string> text = ZipfCorpus(100, 600, 4);
  text.push_back("u69998 u69999 u5 u6 u7 w1 u65600 u65601 u65602");
  ExpectSameScores(wide, "wide.lmm", text);
}

TEST_F(MappedTrieTest, WritingIsDeterministicWhateverTheSource) {
  const std::string want = ReadFile(File("t.lmm"));
  // From the Model (the fixture's file) and from the model file read back.
  for (const char* source : {"m.lm"}) {
    auto model = LoadModel(File(source));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ASSERT_TRUE(WriteMappedModel(*model, File("again.lmm"), MappedLayout::kTrie).ok());
    EXPECT_TRUE(ReadFile(File("again.lmm")) == want) << source;
  }
  EXPECT_FALSE(test::HasTempFiles(dir_->path()));
}

TEST_F(MappedTrieTest, IsAboutHalfTheProbingLayout) {
  const uint64_t trie = ReadFile(File("t.lmm")).size(), probing = ReadFile(File("m.lmm")).size();
  EXPECT_LT(trie * 10, probing * 6) << trie << " against " << probing;
}

// Model equality, bit for bit: vocabulary, n-grams, values, settings, info.
void ExpectSameModel(const Model& a, const Model& b) {
  ASSERT_EQ(a.vocab.size(), b.vocab.size());
  for (WordId id = 0; id < a.vocab.size(); ++id) ASSERT_EQ(a.vocab.Word(id), b.vocab.Word(id));
  ASSERT_EQ(a.order(), b.order());
  for (int n = 1; n <= a.order(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_TRUE(a.trie.levels[n - 1].words == b.trie.levels[n - 1].words);
    EXPECT_TRUE(a.trie.levels[n - 1].parents == b.trie.levels[n - 1].parents);
    ExpectSameFloats(a.log_prob[n - 1], b.log_prob[n - 1], "log_prob");
    ExpectSameFloats(a.log_backoff[n - 1], b.log_backoff[n - 1], "log_backoff");
  }
  EXPECT_EQ(a.settings.ToKeyValues(), b.settings.ToKeyValues());
  EXPECT_EQ(a.info, b.info);
}

TEST_F(MappedTrieTest, ReadsBackAsTheModelAndConvertsToEveryForm) {
  auto back = LoadModel(File("t.lmm"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameModel(*model_, *back);
  // The model file and ARPA: the bytes of the model's; the probing layout,
  // from the model read back or from the trie layout loaded for scoring:
  // the probing layout's bytes.
  ASSERT_TRUE(WriteModelFile(*back, File("back.lm")).ok());
  EXPECT_TRUE(ReadFile(File("back.lm")) == ReadFile(File("m.lm")));
  ASSERT_TRUE(WriteArpa(*back, File("back.arpa")).ok());
  EXPECT_TRUE(ReadFile(File("back.arpa")) == ReadFile(File("m.arpa")));
  auto lm = MustLoad(File("t.lmm"));
  ASSERT_TRUE(lm);
  Status s = WriteMappedModel(*lm, File("back.lmm"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(ReadFile(File("back.lmm")) == ReadFile(File("m.lmm")));
  // The probing layout cannot: it holds hashes.
  auto probing = LoadModel(File("m.lmm"));
  ASSERT_FALSE(probing.ok());
  EXPECT_NE(probing.status().message().find("probing layout"), std::string::npos)
      << probing.status().ToString();
}

TEST_F(MappedTrieTest, BlanksComeBackAsNgramsOfTheirOwn) {
  // An ARPA file that lacks "a c" and "b c d", which longer n-grams need:
  // read with blanks, it scores the same through the trie layout and back.
  const std::string arpa =
      dir_->Write("holes.arpa",
                  "\\data\\\nngram 1=7\nngram 2=4\nngram 3=3\nngram 4=1\n"
                  "\n\\1-grams:\n-1 <unk>\n-99 <s> -0.5\n-1.5 </s>\n-1.25 a -0.25\n-1.75 b -0.375\n"
                  "-2 c -0.125\n-2.5 d -0.75\n"
                  "\n\\2-grams:\n-0.5 <s> a -0.0625\n-0.75 a b -0.5\n-0.875 b c -0.25\n-0.625 c d\n"
                  "\n\\3-grams:\n-0.25 <s> a b -0.125\n-0.375 a b c -0.1875\n-0.3125 <s> a c\n"
                  "\n\\4-grams:\n-0.0625 a b c d\n\n\\end\\\n");
  auto holey = ReadArpa(arpa);
  ASSERT_TRUE(holey.ok()) << holey.status().ToString();
  ASSERT_FALSE(holey->blanks.empty());
  ASSERT_TRUE(WriteMappedModel(*holey, File("holes.lmm"), MappedLayout::kTrie).ok());
  auto back = LoadModel(File("holes.lmm"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (int n = 1; n <= holey->order(); ++n) {
    EXPECT_EQ(back->trie.levels[n - 1].size(), holey->trie.levels[n - 1].size());
  }
  const std::vector<std::string> text = {"a b c d", "a c d", "b c d a", "d c b a", "a b c"};
  auto from_arpa = LanguageModel::Create(*holey);
  auto from_back = LanguageModel::Create(*back);
  ASSERT_TRUE(from_arpa.ok() && from_back.ok());
  ExpectSameFloats(ScoreAll(**from_arpa, text), ScoreAll(**from_back, text), "blanks");
}

// ------------------------------------------------------------ bad files

TEST_F(MappedTrieTest, TruncationAnywhereIsRefused) {
  const std::string whole = ReadFile(File("t.lmm"));
  std::vector<uint64_t> cuts = {8, 64, HeaderSize(whole) - 1, HeaderSize(whole)};
  for (uint32_t i = 0; i < SectionCount(whole); ++i) {
    const uint64_t offset = SectionField(whole, i, 8), size = SectionField(whole, i, 16);
    for (uint64_t at : {offset, offset + size / 2, offset + size - 1}) cuts.push_back(at);
  }
  for (uint64_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    ExpectRefused(dir_->Write("cut.lmm", whole.substr(0, cut)), StatusCode::kCorruption,
                  "truncated");
  }
}

TEST_F(MappedTrieTest, EveryHeaderByteIsChecked) {
  const std::string whole = ReadFile(File("t.lmm"));
  for (uint32_t at = 0; at < HeaderSize(whole); ++at) {
    std::string b = whole;
    b[at] ^= 0x10;
    auto lm = LanguageModel::Load(dir_->Write("flip.lmm", b));
    ASSERT_FALSE(lm.ok()) << "a flipped header byte at " << at << " was accepted";
  }
}

TEST_F(MappedTrieTest, InconsistentHeadersAreRefusedEvenWithAValidCrc) {
  const std::string whole = ReadFile(File("t.lmm"));
  // Sections 4, 5, 6: order 2's children, words and values; 7: order 3's
  // children.
  auto entry = [](size_t i) { return kSectionsAt + kSectionBytes * i; };
  struct Case {
    const char* name;
    std::function<void(std::string*)> edit;
    const char* text;
  };
  const std::vector<Case> cases = {
      {"kind", [](std::string* b) { SetFixed32(b, 12, 1); }, "section count"},
      {"first count",
       [&](std::string* b) { SetFixed64(b, entry(7) + 24, SectionField(*b, 7, 24) - 1); },
       "order 3 trie has inconsistent sizes"},
      {"first short", [&](std::string* b) { SetFixed64(b, entry(4) + 16, 8); },
       "order 2 children has inconsistent sizes"},
      {"word bits", [&](std::string* b) { SetFixed64(b, entry(5) + 32, 32); },
       "order 2 words has inconsistent sizes"},
      {"words size",
       [&](std::string* b) { SetFixed64(b, entry(5) + 16, SectionField(*b, 5, 16) - 1); },
       "inconsistent sizes"},
      {"values size",
       [&](std::string* b) { SetFixed64(b, entry(6) + 16, SectionField(*b, 6, 16) - 4); },
       "order 2 values has inconsistent sizes"},
      {"entries",
       [&](std::string* b) {
         SetFixed64(b, entry(6) + 24, SectionField(*b, 6, 24) - 1);
         SetFixed64(b, entry(6) + 40, SectionField(*b, 6, 40) - 1);
         SetFixed64(b, entry(6) + 16, SectionField(*b, 6, 16) - 8);
       },
       "order 2 trie has inconsistent sizes"},
      {"id", [&](std::string* b) { SetFixed32(b, entry(5), SectionField(*b, 6, 0) & 0xffffffff); },
       "unexpected section"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string b = whole;
    c.edit(&b);
    FixHeaderCrc(&b);
    ExpectRefused(dir_->Write(std::string(c.name) + ".lmm", b), StatusCode::kCorruption, c.text);
  }
}

// Recomputes section i's CRC and the header's, so that a test reaches the
// checks behind them.
void FixCrcs(std::string* b, size_t i) {
  const uint64_t offset = SectionField(*b, i, 8), size = SectionField(*b, i, 16);
  SetFixed32(b, kSectionsAt + kSectionBytes * i + 4, Crc32(b->data() + offset, size));
  FixHeaderCrc(b);
}

TEST_F(MappedTrieTest, AStructureOutOfOrderIsRefusedWhenReadBackButScores) {
  const std::string whole = ReadFile(File("t.lmm"));
  const auto text = HeldOut();
  // Section 8: order 3's words (4 + 3 x (3 - 2) + 1); section 7: its
  // children's starts.
  struct Case {
    const char* name;
    size_t section;
    std::function<void(std::string*, uint64_t offset, uint64_t size)> edit;
    const char* text;
  };
  const std::vector<Case> cases = {
      {"words", 8,
       [](std::string* b, uint64_t offset, uint64_t size) {
         for (uint64_t k = 0; k + 8 < size; ++k) (*b)[offset + k] = static_cast<char>(k * 37);
       },
       "words are out of order"},
      {"first", 7,
       [](std::string* b, uint64_t offset, uint64_t) {
         // Block 1's base, one more: its parents' children start one late.
         uint64_t place;  // directory entry 1: block 1's offset << 6 | width
         std::memcpy(&place, b->data() + offset + 8, 8);
         const uint64_t blocks_at =
             offset + (SectionField(*b, 7, 24) + query::kFirstBlock - 1) / query::kFirstBlock * 8;
         (*b)[blocks_at + (place >> 6)] ^= 1;
       },
       "the order 3"},  // the runs overlap or leave a gap: either is seen first
      {"start", 7,
       [](std::string* b, uint64_t offset, uint64_t) {
         // Block 0's base, 1: the first parent's children start at 1.
         const uint64_t blocks_at =
             offset + (SectionField(*b, 7, 24) + query::kFirstBlock - 1) / query::kFirstBlock * 8;
         (*b)[blocks_at] = 1;
       },
       "the order 3 children do not follow each other"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string b = whole;
    c.edit(&b, SectionField(b, c.section, 8), SectionField(b, c.section, 16));
    FixCrcs(&b, c.section);
    const std::string path = dir_->Write(std::string(c.name) + ".lmm", b);
    auto model = LoadModel(path);
    ASSERT_FALSE(model.ok()) << c.name << " was read back";
    EXPECT_EQ(model.status().code(), StatusCode::kCorruption);
    EXPECT_NE(model.status().message().find(path), std::string::npos);
    EXPECT_NE(model.status().message().find(c.text), std::string::npos)
        << model.status().ToString();
    auto lm = LanguageModel::Load(path);  // scoring does not need the order
    ASSERT_TRUE(lm.ok()) << lm.status().ToString();
    EXPECT_EQ(ScoreAll(**lm, text).size(), ScoreAll(*MustLoad(File("t.lmm")), text).size());
  }
}

TEST_F(MappedTrieTest, DamagedSectionsNeverCrashAndTheFullCheckRefusesThem) {
  const std::string whole = ReadFile(File("t.lmm"));
  const auto text = HeldOut();
  const size_t tokens = ScoreAll(*MustLoad(File("t.lmm")), text).size();
  LoadOptions verify;
  verify.verify_checksums = true;
  std::mt19937_64 rng(3);
  // Loads a damaged file: it scores every token, or, for a FIRST section
  // (4, 7, ...) whose directory was hit, it is refused on open.
  auto load_damaged = [&](uint32_t i, const std::string& path) {
    auto lm = LanguageModel::Load(path);
    if (!lm.ok() && i >= 4 && (i - 4) % 3 == 0) {
      EXPECT_EQ(lm.status().code(), StatusCode::kCorruption);
      EXPECT_NE(lm.status().message().find("FIRST directory points past its section"),
                std::string::npos)
          << lm.status().ToString();
      return;
    }
    ASSERT_TRUE(lm.ok()) << "section " << i << ": " << lm.status().ToString();
    EXPECT_EQ(ScoreAll(**lm, text).size(), tokens);
  };
  for (uint32_t i = 3; i < SectionCount(whole); ++i) {
    const uint64_t offset = SectionField(whole, i, 8), size = SectionField(whole, i, 16);
    for (int trial = 0; trial < 4; ++trial) {
      std::string b = whole;
      for (int k = 0; k < 64; ++k) b[offset + rng() % size] ^= static_cast<char>(1 + rng() % 255);
      const std::string path = dir_->Write("damaged.lmm", b);
      load_damaged(i, path);
      ExpectRefused(path, StatusCode::kCorruption, "checksum mismatch", verify);
    }
    // The whole section one byte value: children past every end, blocks
    // 63 bits wide at offsets far past the section, words all ones.
    for (char fill : {'\xff', '\x00', '\x7f'}) {
      std::string b = whole;
      std::memset(b.data() + offset, fill, size);
      load_damaged(i, dir_->Write("filled.lmm", b));
    }
  }
}

// The queries read FIRST's blocks where its directory says, unclamped: a
// directory entry that points past the section, or a width over 32, is
// refused on open even when every CRC agrees.
TEST_F(MappedTrieTest, ADirectoryPastItsSectionIsRefusedOnOpen) {
  const std::string whole = ReadFile(File("t.lmm"));
  const uint32_t first3 = 7;  // order 3's FIRST
  const uint64_t offset = SectionField(whole, first3, 8), size = SectionField(whole, first3, 16);
  const uint64_t blocks =
      (SectionField(whole, first3, 24) + query::kFirstBlock - 1) / query::kFirstBlock;
  const uint64_t block_bytes = size - blocks * 8;
  struct Case {
    const char* name;
    uint64_t entry;  // the last block's: its offset << 6 | width
  };
  uint64_t last;
  std::memcpy(&last, whole.data() + offset + (blocks - 1) * 8, 8);
  const std::vector<Case> cases = {
      {"width 33", (last >> 6) << 6 | 33},
      {"offset past the blocks", block_bytes << 6 | (last & 63)},
      {"bits past the blocks", (block_bytes - 11) << 6 | 32},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string b = whole;
    std::memcpy(b.data() + offset + (blocks - 1) * 8, &c.entry, 8);
    FixCrcs(&b, first3);
    const std::string path = dir_->Write("directory.lmm", b);
    ExpectRefused(path, StatusCode::kCorruption, "order 3 FIRST directory points past its section");
  }
  // The last block's own entry, rewritten as it was, still opens.
  std::string b = whole;
  std::memcpy(b.data() + offset + (blocks - 1) * 8, &last, 8);
  EXPECT_TRUE(LanguageModel::Load(dir_->Write("same.lmm", b)).ok());
}

}  // namespace
}  // namespace grams
