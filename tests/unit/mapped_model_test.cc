// The mapped model file (docs/FORMAT.md, "Mapped model file"): it scores
// exactly the floats of the model file, of ARPA and of the model in memory;
// it is written deterministically; every truncated, damaged or foreign file
// is refused with an error naming it before any query; damage the cheap
// checks cannot see never crashes a query and is caught by the full check;
// and models load from pipes and FIFOs.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "format/mapped_model.h"
#include "grams/counts.h"
#include "grams/grams.h"
#include "mapped_test_util.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams {
namespace {

using namespace mapped_test;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// A model written in every form, shared by the tests of one process.
class MappedModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    model_ = new Model(BuildZipfModel(4, 3000, 2000));
    ASSERT_TRUE(WriteModelFile(*model_, File("m.lm")).ok());
    ASSERT_TRUE(WriteArpa(*model_, File("m.arpa")).ok());
    Status s = WriteMappedModel(*model_, File("m.lmm"));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }
  static std::string File(const std::string& name) { return dir_->File(name); }

  // A copy of the mapped file with `edit` applied to its bytes.
  static std::string Damaged(const std::string& name,
                             const std::function<void(std::string*)>& edit) {
    std::string bytes = ReadFile(File("m.lmm"));
    edit(&bytes);
    const std::string path = File(name);
    WriteFile(path, bytes);
    return path;
  }

  static TempDir* dir_;
  static Model* model_;
};
TempDir* MappedModelTest::dir_ = nullptr;
Model* MappedModelTest::model_ = nullptr;

TEST_F(MappedModelTest, ScoresTheSameFloatsAsEveryOtherForm) {
  const auto text = HeldOut();
  auto created = LanguageModel::Create(*model_);
  ASSERT_TRUE(created.ok());
  const std::vector<float> want = ScoreAll(**created, text);
  auto file = MustLoad(File("m.lm"));
  auto arpa = MustLoad(File("m.arpa"));
  auto mapped = MustLoad(File("m.lmm"));
  LoadOptions copy;
  copy.read_into_memory = true;
  auto in_memory = MustLoad(File("m.lmm"), copy);
  LoadOptions verify;
  verify.verify_checksums = true;
  auto verified = MustLoad(File("m.lmm"), verify);
  ASSERT_TRUE(file && arpa && mapped && in_memory && verified);
  ExpectSameFloats(want, ScoreAll(*file, text), "model file");
  ExpectSameFloats(want, ScoreAll(*arpa, text), "ARPA");
  ExpectSameFloats(want, ScoreAll(*mapped, text), "mapped");
  ExpectSameFloats(want, ScoreAll(*in_memory, text), "mapped, read into memory");
  ExpectSameFloats(want, ScoreAll(*verified, text), "mapped, verified");

  // And the rest of the API: order, settings, info, vocabulary, Index.
  EXPECT_EQ(mapped->order(), 4);
  EXPECT_EQ(mapped->Info("smoothing"), (*created)->Info("smoothing"));
  EXPECT_TRUE(mapped->IsProbabilistic());
  EXPECT_EQ(mapped->settings().ToKeyValues(), model_->settings.ToKeyValues());
  ASSERT_EQ(mapped->vocab().size(), model_->vocab.size());
  for (WordId id = 0; id < model_->vocab.size(); ++id) {
    ASSERT_EQ(mapped->vocab().Word(id), model_->vocab.Word(id));
    ASSERT_EQ(mapped->Index(model_->vocab.Word(id)), id);
  }
  EXPECT_EQ(mapped->Index("never-seen"), kUnkId);
  EXPECT_EQ(mapped->Index(""), kUnkId);
}

TEST_F(MappedModelTest, PerplexityIsTheSame) {
  const std::string text = dir_->Write("text.txt", [] {
    std::string t;
    for (const auto& l : HeldOut()) t += l + "\n";
    return t;
  }());
  auto a = ComputePerplexity(*MustLoad(File("m.lm")), text);
  auto b = ComputePerplexity(*MustLoad(File("m.lmm")), text);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->log10_prob, b->log10_prob);
  EXPECT_EQ(a->oovs, b->oovs);
  EXPECT_EQ(a->words, b->words);
}

TEST_F(MappedModelTest, IsMappedSharedAndReadOnly) {
  auto lm = MustLoad(File("m.lmm"));
  const std::string maps = ReadFile("/proc/self/maps");
  bool found = false;
  for (size_t at = maps.find(File("m.lmm")); at != std::string::npos;
       at = maps.find(File("m.lmm"), at + 1)) {
    const size_t line = maps.rfind('\n', at) + 1;
    const std::string perms = maps.substr(maps.find(' ', line) + 1, 4);
    EXPECT_EQ(perms, "r--s") << maps.substr(line, at - line);
    found = true;
  }
  EXPECT_TRUE(found) << "the mapped model is not in /proc/self/maps";
}

TEST_F(MappedModelTest, WritingIsDeterministicWhateverTheSource) {
  // From the Model, from the model file loaded for scoring, and from the
  // mapped file itself: the same bytes.
  auto from_file = MustLoad(File("m.lm"));
  auto from_mapped = MustLoad(File("m.lmm"));
  ASSERT_TRUE(from_file && from_mapped);
  ASSERT_TRUE(WriteMappedModel(*from_file, File("a.lmm")).ok());
  ASSERT_TRUE(WriteMappedModel(*from_mapped, File("b.lmm")).ok());
  ASSERT_TRUE(WriteMappedModel(*model_, File("c.lmm")).ok());
  const std::string want = ReadFile(File("m.lmm"));
  EXPECT_TRUE(ReadFile(File("a.lmm")) == want);
  EXPECT_TRUE(ReadFile(File("b.lmm")) == want);
  EXPECT_TRUE(ReadFile(File("c.lmm")) == want);
  EXPECT_FALSE(test::HasTempFiles(dir_->path()));
}

TEST_F(MappedModelTest, SmallFilesAreSmall) {
  // About 20 bytes per n-gram plus the vocabulary; no 2 MiB alignment for a
  // small model.
  uint64_t ngrams = 0;
  for (const auto& level : model_->trie.levels) ngrams += level.size();
  const uint64_t size = ReadFile(File("m.lmm")).size();
  EXPECT_LT(size, ngrams * 22 + model_->vocab.size() * 48 + 64 * 1024) << ngrams << " n-grams";
}

TEST_F(MappedModelTest, LargeModelsAlignTheirTablesForHugePages) {
  Model big = BuildZipfModel(3, 40000, 20000);
  ASSERT_TRUE(WriteMappedModel(big, File("big.lmm")).ok());
  const std::string b = ReadFile(File("big.lmm"));
  ASSERT_GE(SectionCount(b), 6u);
  EXPECT_EQ(SectionField(b, 4, 8) % (2u << 20), 0u) << "first table at " << SectionField(b, 4, 8);
  auto lm = MustLoad(File("big.lmm"));
  auto created = LanguageModel::Create(big);
  ASSERT_TRUE(lm && created.ok());
  const auto text = ZipfCorpus(200, 20000, 5);
  ExpectSameFloats(ScoreAll(**created, text), ScoreAll(*lm, text), "big mapped");
}

TEST_F(MappedModelTest, OrdersOneAndTwo) {
  for (int order : {1, 2}) {
    Model m = BuildZipfModel(order, 500, 300);
    const std::string path = File("o" + std::to_string(order) + ".lmm");
    ASSERT_TRUE(WriteMappedModel(m, path).ok());
    auto lm = MustLoad(path);
    auto created = LanguageModel::Create(m);
    ASSERT_TRUE(lm && created.ok());
    const auto text = ZipfCorpus(50, 300, 3);
    ExpectSameFloats(ScoreAll(**created, text), ScoreAll(*lm, text), "low order");
  }
}

TEST_F(MappedModelTest, CharacterModelsKeepTheirSettings) {
  CountOptions options;
  options.order = 5;
  options.tokenizer.unit = Unit::kChar;
  Counter counter(options);
  for (const auto& line : ZipfCorpus(300, 200, 11))
    ASSERT_TRUE(counter.AddLine(line + " é中").ok());
  auto counts = counter.Finish();
  ASSERT_TRUE(counts.ok());
  auto model = BuildModel(*counts, BuildOptions());
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE(WriteMappedModel(*model, File("char.lmm")).ok());
  auto lm = MustLoad(File("char.lmm"));
  auto created = LanguageModel::Create(*model);
  ASSERT_TRUE(lm && created.ok());
  EXPECT_EQ(lm->settings().unit, Unit::kChar);
  TextScorer a(lm.get()), b(created->get());
  TextScorer::LineScore sa, sb;
  for (const std::string line : {"w1 w2 é", "中文 w3", ""}) {
    ASSERT_TRUE(a.ScoreLine(line, &sa).ok());
    ASSERT_TRUE(b.ScoreLine(line, &sb).ok());
    ExpectSameFloats(sb.token_log10, sa.token_log10, "char model");
  }
}

// ------------------------------------------------------------ bad files

TEST_F(MappedModelTest, TruncationAnywhereIsRefused) {
  const std::string whole = ReadFile(File("m.lmm"));
  const uint32_t header = HeaderSize(whole);
  std::vector<uint64_t> cuts = {1, 7, 8, 30, 63, 64, 100, header - 4, header - 1, header};
  for (uint32_t i = 0; i < SectionCount(whole); ++i) {
    const uint64_t offset = SectionField(whole, i, 8), size = SectionField(whole, i, 16);
    cuts.push_back(offset);
    cuts.push_back(offset + size / 2);
    cuts.push_back(offset + size - 1);
  }
  cuts.push_back(whole.size() - 1);
  for (uint64_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    const std::string path = dir_->Write("cut.lmm", whole.substr(0, cut));
    auto lm = LanguageModel::Load(path);
    ASSERT_FALSE(lm.ok());
    EXPECT_EQ(lm.status().code(), StatusCode::kCorruption) << lm.status().ToString();
    EXPECT_NE(lm.status().message().find(path), std::string::npos) << lm.status().ToString();
    const std::string& msg = lm.status().message();
    EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
                msg.find("bad magic") != std::string::npos)
        << msg;
  }
  // Bytes appended are refused too.
  ExpectRefused(dir_->Write("long.lmm", whole + "x"), StatusCode::kCorruption, "appended");
}

TEST_F(MappedModelTest, EveryHeaderByteIsChecked) {
  const std::string whole = ReadFile(File("m.lmm"));
  const uint32_t header = HeaderSize(whole);
  // One copy, each byte flipped in place and restored.
  const std::string path = dir_->Write("flip.lmm", whole);
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  for (uint32_t at = 0; at < header; ++at) {
    const char flipped = static_cast<char>(whole[at] ^ 0x10);
    ASSERT_EQ(pwrite(fd, &flipped, 1, at), 1);
    auto lm = LanguageModel::Load(path);
    ASSERT_FALSE(lm.ok()) << "a flipped header byte at " << at << " was accepted";
    EXPECT_NE(lm.status().message().find(path), std::string::npos) << lm.status().ToString();
    ASSERT_EQ(pwrite(fd, &whole[at], 1, at), 1);
  }
  ::close(fd);
  ASSERT_TRUE(LanguageModel::Load(path).ok());
  // Specific messages: the magic, the version, the CRC.
  std::string b = whole;
  b[1] = 'X';
  ExpectRefused(dir_->Write("magic.lmm", b), StatusCode::kCorruption, "not an ARPA file");
  b = whole;
  SetFixed32(&b, 8, 2);
  ExpectRefused(dir_->Write("version.lmm", b), StatusCode::kUnsupportedVersion, "version 2");
  b = whole;
  b[header - 10] ^= 1;
  ExpectRefused(dir_->Write("crc.lmm", b), StatusCode::kCorruption, "header checksum mismatch");
}

TEST_F(MappedModelTest, InconsistentHeadersAreRefusedEvenWithAValidCrc) {
  const std::string whole = ReadFile(File("m.lmm"));
  struct Case {
    const char* name;
    std::function<void(std::string*)> edit;
    const char* text;
  };
  const size_t table = kSectionsAt + kSectionBytes * 5;  // order 2, shard 1
  const std::vector<Case> cases = {
      {"order", [](std::string* b) { SetFixed32(b, 28, 3); }, "section count"},
      {"order0", [](std::string* b) { SetFixed32(b, 28, 0); }, "bad order"},
      {"vocab", [](std::string* b) { SetFixed64(b, 32, 2); }, "vocabulary size"},
      {"vocab2", [](std::string* b) { SetFixed64(b, 32, SectionField(*b, 3, 24) + 1); },
       "inconsistent"},
      {"offset", [&](std::string* b) { SetFixed64(b, table + 8, whole.size()); },
       "outside the file"},
      {"overlap", [&](std::string* b) { SetFixed64(b, table + 8, SectionField(*b, 4, 8)); },
       "overlaps"},
      {"unaligned", [&](std::string* b) { SetFixed64(b, table + 8, SectionField(*b, 5, 8) + 64); },
       "outside"},
      {"size", [&](std::string* b) { SetFixed64(b, table + 16, SectionField(*b, 5, 16) + 16); },
       ""},
      {"homes", [&](std::string* b) { SetFixed64(b, table + 32, SectionField(*b, 5, 24)); },
       "inconsistent"},
      {"homes0", [&](std::string* b) { SetFixed64(b, table + 32, 0); }, "inconsistent"},
      {"slots", [&](std::string* b) { SetFixed64(b, table + 24, SectionField(*b, 5, 24) - 1); },
       "inconsistent"},
      {"id", [&](std::string* b) { SetFixed32(b, table, 7); }, "unexpected section"},
      {"index", [&](std::string* b) { SetFixed64(b, kSectionsAt + 24, 12); }, "inconsistent"},
      {"kind", [](std::string* b) { SetFixed32(b, 12, 9); }, "unknown kind"},
      {"flags", [](std::string* b) { SetFixed32(b, 52, 1); }, "unknown flags"},
      {"filesize", [&](std::string* b) { SetFixed64(b, 16, whole.size() - 1); }, ""},
      {"headersize", [&](std::string* b) { SetFixed32(b, kHeaderSizeAt, 20); }, "header size"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = Damaged(std::string(c.name) + ".lmm", [&](std::string* b) {
      c.edit(b);
      if (std::string(c.name) != "headersize") FixHeaderCrc(b);
    });
    auto lm = LanguageModel::Load(path);
    ASSERT_FALSE(lm.ok()) << c.name << " was accepted";
    EXPECT_NE(lm.status().message().find(path), std::string::npos) << lm.status().ToString();
    EXPECT_NE(lm.status().message().find(c.text), std::string::npos) << lm.status().ToString();
  }
}

TEST_F(MappedModelTest, DamagedTablesNeverCrashAndTheFullCheckRefusesThem) {
  const std::string whole = ReadFile(File("m.lmm"));
  const auto text = HeldOut();
  auto good = MustLoad(File("m.lmm"));
  const std::vector<float> want = ScoreAll(*good, text);
  LoadOptions verify;
  verify.verify_checksums = true;
  std::mt19937_64 rng(3);
  // Damage in every section but its last slot: loads (the cheap checks
  // cannot see it), queries run (maybe to other scores), and the full check
  // names the section.
  for (uint32_t i = 0; i < SectionCount(whole); ++i) {
    const uint64_t offset = SectionField(whole, i, 8), size = SectionField(whole, i, 16);
    for (int trial = 0; trial < 4; ++trial) {
      std::string b = whole;
      const uint64_t span = i >= 4 ? size - 16 : size;  // tables: not the sentinel
      for (int k = 0; k < 64; ++k) b[offset + rng() % span] ^= static_cast<char>(1 + rng() % 255);
      const std::string path = dir_->Write("damaged.lmm", b);
      auto lm = LanguageModel::Load(path);
      if (i <= 2 && !lm.ok()) {
        // The offsets and strings hold the reserved words, which are checked.
        EXPECT_NE(lm.status().message().find("reserved words"), std::string::npos);
        continue;
      }
      ASSERT_TRUE(lm.ok()) << "section " << i << ": " << lm.status().ToString();
      const std::vector<float> got = ScoreAll(**lm, text);
      EXPECT_EQ(got.size(), want.size());
      (void)(*lm)->vocab();
      ExpectRefused(path, StatusCode::kCorruption, "checksum mismatch", verify);
    }
  }
  // An index full of one id, offsets pointing anywhere: no crash, no hang.
  std::string b = whole;
  const uint64_t index = SectionField(whole, 0, 8), slots = SectionField(whole, 0, 24);
  for (uint64_t s = 0; s < slots; ++s) {
    SetFixed64(&b, index + 16 * s, (uint64_t{7} << 32) | 0xFFFFFFF0u);
    SetFixed64(&b, index + 16 * s + 8, rng());
  }
  const uint64_t offsets = SectionField(whole, 1, 8), V = SectionField(whole, 3, 24);
  for (uint64_t w = 4; w <= V; ++w) SetFixed64(&b, offsets + 8 * w, rng());
  auto lm = LanguageModel::Load(dir_->Write("index.lmm", b));
  ASSERT_TRUE(lm.ok()) << lm.status().ToString();
  EXPECT_EQ((*lm)->Index("w1"), kUnkId);
  EXPECT_EQ(ScoreAll(**lm, text).size(), want.size());
  // Slots that point at real words but with ids past the end, and places
  // past the strings: still nothing found, nothing read outside.
  const std::string good_index = whole.substr(index, slots * 16);
  b = whole;
  for (uint64_t s = 0; s < slots; ++s) {
    const uint64_t first = DecodeFixed64(good_index.data() + 16 * s);
    if (first == 0) continue;
    SetFixed64(&b, index + 16 * s, (first & ~uint64_t{0xffffffff}) | 0xFFFFFFFFu);
    if (s % 2) SetFixed64(&b, index + 16 * s + 8, (uint64_t{5} << 40) | ((uint64_t{1} << 40) - 2));
  }
  auto lm2 = LanguageModel::Load(dir_->Write("index2.lmm", b));
  ASSERT_TRUE(lm2.ok()) << lm2.status().ToString();
  EXPECT_EQ((*lm2)->Index("w1"), kUnkId);
  EXPECT_EQ(ScoreAll(**lm2, text).size(), want.size());
  EXPECT_EQ((*lm)->vocab().size(), 3u);  // the damaged words are dropped
}

TEST_F(MappedModelTest, AMissingTableEndIsRefused) {
  const std::string whole = ReadFile(File("m.lmm"));
  std::string b = whole;
  const uint64_t end = SectionField(whole, 6, 8) + SectionField(whole, 6, 16);
  b[end - 12] = 1;  // the last slot's key, order 3 shard 0 (16-byte slots)
  ExpectRefused(dir_->Write("noend.lmm", b), StatusCode::kCorruption, "no end marker");
}

TEST_F(MappedModelTest, ForeignAndEmptyFilesAndDirectories) {
  ExpectRefused(dir_->Write("empty.lmm", ""), StatusCode::kCorruption, "");
  ExpectRefused(dir_->Write("text.lmm", "hello world\n"), StatusCode::kCorruption, "");
  ExpectRefused(dir_->Write("png.lmm", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)),
                StatusCode::kCorruption, "");
  ExpectRefused(dir_->Write("short.lmm", std::string(kMappedMagic, 8)), StatusCode::kCorruption,
                "truncated header");
  ExpectRefused(dir_->path(), StatusCode::kInvalidArgument, "is a directory");
  ExpectRefused(File("nonexistent.lmm"), StatusCode::kNotFound, "no such file");
  // A counts file is not a model.
  auto counts = test::CountLines({"a b c"}, 2);
  ASSERT_TRUE(counts.ok());
  ASSERT_TRUE(WriteCountsFile(*counts, File("c.counts")).ok());
  ExpectRefused(File("c.counts"), StatusCode::kInvalidArgument, "counts file");
  // And the Model readers say what a mapped model is.
  auto model = LoadModel(File("m.lmm"));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("mapped model"), std::string::npos);
}

// The kernel's behaviour, documented in docs/FORMAT.md: a mapped file cut
// short while in use kills the process with SIGBUS when a query touches a
// page past the new end. read_into_memory is the guard.
#if GRAMS_TEST_HAS_ASAN
// AddressSanitizer catches the signal and exits reporting it.
const auto kSigbusDeath = [](int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; };
constexpr const char* kSigbusMessage = "BUS";
#else
const auto kSigbusDeath = ::testing::KilledBySignal(SIGBUS);
constexpr const char* kSigbusMessage = "";
#endif
TEST_F(MappedModelTest, AFileShrunkWhileMappedRaisesSigbusUnlessReadIntoMemory) {
  const std::string path = File("shrunk.lmm");
  WriteFile(path, ReadFile(File("m.lmm")));
  const auto text = HeldOut();
  LoadOptions copy;
  copy.read_into_memory = true;
  auto in_memory = MustLoad(path, copy);
  const std::vector<float> want = ScoreAll(*in_memory, text);
  GTEST_FLAG_SET(death_test_style, "fast");
  EXPECT_EXIT(
      {
        auto lm = LanguageModel::Load(path);
        if (!lm.ok()) _exit(3);
        if (truncate(path.c_str(), 4096) != 0) _exit(4);
        ScoreAll(**lm, text);
        _exit(0);
      },
      kSigbusDeath, kSigbusMessage);
  // The copy in memory does not care.
  ASSERT_EQ(truncate(path.c_str(), 4096), 0);
  ExpectSameFloats(want, ScoreAll(*in_memory, text), "read into memory, file shrunk");
  // And a new load sees the damage before any query.
  ExpectRefused(path, StatusCode::kCorruption, "truncated");
}

// ------------------------------------------------------------ pipes and FIFOs

// Feeds `path`'s bytes into the write end of a pipe or FIFO on a thread.
std::thread Feed(const std::string& path, const std::string& fifo_or_empty, int fd = -1) {
  return std::thread([path, fifo_or_empty, fd] {
    const std::string bytes = ReadFile(path);
    int out = fd >= 0 ? fd : ::open(fifo_or_empty.c_str(), O_WRONLY);
    size_t done = 0;
    signal(SIGPIPE, SIG_IGN);
    while (out >= 0 && done < bytes.size()) {
      const ssize_t w = ::write(out, bytes.data() + done, bytes.size() - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    if (out >= 0) ::close(out);
  });
}

TEST_F(MappedModelTest, ModelFilesAndArpaLoadFromPipesAndFifos) {
  const auto text = HeldOut();
  const std::vector<float> want = ScoreAll(*MustLoad(File("m.lm")), text);
  ASSERT_TRUE(test::RunShell("gzip -c " + File("m.arpa") + " > " + File("m.arpa.gz")));
  for (const char* name : {"m.lm", "m.arpa", "m.arpa.gz"}) {
    SCOPED_TRACE(name);
    // A FIFO: opened once (a second open would wait for a writer forever).
    const std::string fifo = File(std::string("fifo-") + name);
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer = Feed(File(name), fifo);
    auto lm = LanguageModel::Load(fifo);
    writer.join();
    ASSERT_TRUE(lm.ok()) << lm.status().ToString();
    ExpectSameFloats(want, ScoreAll(**lm, text), name);
    // A pipe, as <(...) gives it: /dev/fd/N.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::thread feeder = Feed(File(name), "", fds[1]);
    auto piped = LanguageModel::Load("/dev/fd/" + std::to_string(fds[0]));
    feeder.join();
    ::close(fds[0]);
    ASSERT_TRUE(piped.ok()) << piped.status().ToString();
    ExpectSameFloats(want, ScoreAll(**piped, text), name);
  }
  // LoadModel too.
  const std::string fifo = File("fifo-model");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer = Feed(File("m.lm"), fifo);
  auto model = LoadModel(fifo);
  writer.join();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->vocab.size(), model_->vocab.size());
}

TEST_F(MappedModelTest, AMappedModelNeedsARegularFile) {
  const std::string fifo = File("fifo-mapped");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer = Feed(File("m.lmm"), fifo);
  auto lm = LanguageModel::Load(fifo);
  writer.join();
  ASSERT_FALSE(lm.ok());
  EXPECT_NE(lm.status().message().find("must be a regular"), std::string::npos)
      << lm.status().ToString();
  EXPECT_NE(lm.status().message().find(fifo), std::string::npos);
  ASSERT_TRUE(test::RunShell("zstd -q -c " + File("m.lmm") + " > " + File("m.lmm.zst")));
  ExpectRefused(File("m.lmm.zst"), StatusCode::kInvalidArgument, "must be a regular");
}

}  // namespace
}  // namespace grams
