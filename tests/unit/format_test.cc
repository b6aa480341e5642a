// format/: counts and model files (docs/FORMAT.md). Round trips, pipes,
// damaged files (truncated, flipped bytes, trailing bytes, wrong kind or
// version), failed writes, and the committed v1 files in tests/formats/.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <thread>

#include "format/order_sections.h"
#include "grams/build.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "grams/version.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams {
namespace {

using grams::test::FileExists;
using grams::test::HasTempFiles;
using grams::test::ReadFile;
using grams::test::SourcePath;
using grams::test::TempDir;
using grams::test::WriteFile;

const char kTinyCorpus[] =
    "the cat sat on the mat\n"
    "the dog sat\n"
    "\n"
    "a cat and a dog\n"
    "caf\xc3\xa9 au lait on the mat\n";

NgramCounts CountString(const std::string& text, int order) {
  TempDir dir;
  WriteFile(dir.File("corpus.txt"), text);
  CountOptions options;
  options.order = order;
  auto c = CountFiles({dir.File("corpus.txt")}, options);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : NgramCounts();
}

Model BuildFrom(const NgramCounts& counts) {
  auto m = BuildModel(counts, BuildOptions());
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : Model();
}

void ExpectSameVocabAndTrie(const Vocabulary& va, const NgramTrie& ta, const Vocabulary& vb,
                            const NgramTrie& tb) {
  ASSERT_EQ(va.size(), vb.size());
  for (WordId w = 0; w < va.size(); ++w) ASSERT_EQ(va.Word(w), vb.Word(w)) << "word " << w;
  for (WordId w = 0; w < vb.size(); ++w) ASSERT_EQ(vb.Find(va.Word(w)), w);
  ASSERT_EQ(ta.order(), tb.order());
  for (int n = 1; n <= ta.order(); ++n) {
    EXPECT_EQ(ta.levels[n - 1].words, tb.levels[n - 1].words) << "order " << n;
    EXPECT_EQ(ta.levels[n - 1].parents, tb.levels[n - 1].parents) << "order " << n;
  }
}

void ExpectCountsEqual(const NgramCounts& a, const NgramCounts& b) {
  ExpectSameVocabAndTrie(a.vocab, a.trie, b.vocab, b.trie);
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_EQ(a.sentences, b.sentences);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_TRUE(a.settings == b.settings);
}

std::vector<uint32_t> Bits(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = FloatBits(v[i]);
  return out;
}

void ExpectModelsBitEqual(const Model& a, const Model& b) {
  ExpectSameVocabAndTrie(a.vocab, a.trie, b.vocab, b.trie);
  ASSERT_EQ(a.log_prob.size(), b.log_prob.size());
  for (size_t n = 0; n < a.log_prob.size(); ++n) {
    EXPECT_EQ(Bits(a.log_prob[n]), Bits(b.log_prob[n])) << "log_prob of order " << n + 1;
  }
  ASSERT_EQ(a.log_backoff.size(), b.log_backoff.size());
  for (int n = 1; n < a.order(); ++n) {
    EXPECT_EQ(Bits(a.log_backoff[n - 1]), Bits(b.log_backoff[n - 1])) << "backoff of order " << n;
  }
  EXPECT_EQ(a.info, b.info);
  EXPECT_TRUE(a.settings == b.settings);
}

// --------------------------------------------------------------- round trips

TEST(CountsFileTest, RoundTripKeepsEverything) {
  TempDir dir;
  for (int order : {1, 2, 3, 5}) {
    NgramCounts c = CountString(kTinyCorpus, order);
    const std::string path = dir.File(std::to_string(order) + ".counts");
    ASSERT_TRUE(WriteCountsFile(c, path).ok());
    auto back = ReadCountsFile(path);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectCountsEqual(c, *back);
    EXPECT_EQ(back->sentences, 5u);
    EXPECT_EQ(back->tokens, 25u);  // 20 words + 5 </s>
    EXPECT_EQ(back->order(), order);
  }
  EXPECT_FALSE(HasTempFiles(dir.path()));
}

TEST(CountsFileTest, RoundTripOfEmptyAndHighOrderCounts) {
  TempDir dir;
  // No text at all: only the reserved words. Order 12 on one short line:
  // orders 8..12 are empty.
  for (auto [text, order] : {std::pair<std::string, int>{"", 3}, {"a b c d e\n", 12}}) {
    NgramCounts c = CountString(text, order);
    ASSERT_TRUE(WriteCountsFile(c, dir.File("x.counts")).ok());
    auto back = ReadCountsFile(dir.File("x.counts"));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectCountsEqual(c, *back);
    EXPECT_EQ(back->order(), order);
  }
}

TEST(CountsFileTest, RoundTripLargeCountsAndManyWords) {
  // Counts beyond one varint byte and several hundred words.
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += 'w';
    text += std::to_string(i % 700);
    text += " x w";
    text += std::to_string((i * 31) % 500);
    text += '\n';
  }
  NgramCounts c = CountString(text, 3);
  TempDir dir;
  ASSERT_TRUE(WriteCountsFile(c, dir.File("big.counts")).ok());
  auto back = ReadCountsFile(dir.File("big.counts"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectCountsEqual(c, *back);
  EXPECT_EQ(back->counts[0][back->vocab.Find("x")], 3000u);
}

TEST(CountsFileTest, RewritingGivesIdenticalBytes) {
  TempDir dir;
  NgramCounts c = CountString(kTinyCorpus, 4);
  ASSERT_TRUE(WriteCountsFile(c, dir.File("a.counts")).ok());
  auto back = ReadCountsFile(dir.File("a.counts"));
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(WriteCountsFile(*back, dir.File("b.counts")).ok());
  EXPECT_EQ(ReadFile(dir.File("a.counts")), ReadFile(dir.File("b.counts")));
}

TEST(ModelFileTest, RoundTripKeepsEveryFloatBitExactly) {
  TempDir dir;
  for (int order : {1, 2, 3, 4}) {
    Model m = BuildFrom(CountString(kTinyCorpus, order));
    const std::string path = dir.File("m.lm");
    ASSERT_TRUE(WriteModelFile(m, path).ok());
    auto back = ReadModelFile(path);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectModelsBitEqual(m, *back);
    EXPECT_EQ(back->Info("smoothing"), "mkn");
    EXPECT_FALSE(back->Info("discounts.1").empty());
    // LoadModel tells the model file from ARPA by its content.
    auto loaded = LoadModel(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ExpectModelsBitEqual(m, *loaded);
  }
}

TEST(ModelFileTest, SpecialFloatValuesSurvive) {
  Model m = BuildFrom(CountString(kTinyCorpus, 3));
  // Values no estimator writes but the format must carry unchanged.
  const float specials[] = {-0.0f,
                            0.0f,
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::max(),
                            BitsFloat(0x7fc12345u),  // NaN with a payload
                            BitsFloat(0xffa00001u),  // signalling-looking NaN
                            -99.0f};
  size_t k = 0;
  for (auto& level : m.log_prob)
    for (float& v : level) v = specials[k++ % std::size(specials)];
  for (auto& level : m.log_backoff)
    for (float& v : level) v = specials[k++ % std::size(specials)];
  m.info.emplace_back("note", std::string("bytes \0\xff and spaces", 17));
  TempDir dir;
  ASSERT_TRUE(WriteModelFile(m, dir.File("s.lm")).ok());
  auto back = ReadModelFile(dir.File("s.lm"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectModelsBitEqual(m, *back);
}

// --------------------------------------------------------------- pipes

// Sends `bytes` into the FIFO at `path` from a thread; join() before checking.
class FifoWriter {
 public:
  FifoWriter(const std::string& path, std::string bytes)
      : thread_([path, bytes = std::move(bytes)] {
          int fd = ::open(path.c_str(), O_WRONLY);
          if (fd < 0) return;
          size_t done = 0;
          while (done < bytes.size()) {
            // Small writes so the reader sees many partial reads.
            ssize_t w =
                ::write(fd, bytes.data() + done, std::min<size_t>(777, bytes.size() - done));
            if (w <= 0) break;  // the reader gave up (EPIPE)
            done += static_cast<size_t>(w);
          }
          ::close(fd);
        }) {}
  void join() { thread_.join(); }

 private:
  std::thread thread_;
};

class PipeTest : public ::testing::Test {
 protected:
  void SetUp() override { old_sigpipe_ = signal(SIGPIPE, SIG_IGN); }
  void TearDown() override { signal(SIGPIPE, old_sigpipe_); }
  void (*old_sigpipe_)(int) = nullptr;
};

TEST_F(PipeTest, CountsFileThroughAFifo) {
  TempDir dir;
  NgramCounts c = CountString(kTinyCorpus, 3);
  ASSERT_TRUE(WriteCountsFile(c, dir.File("c.counts")).ok());
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FifoWriter writer(fifo, ReadFile(dir.File("c.counts")));
  auto back = ReadCountsFile(fifo);
  writer.join();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectCountsEqual(c, *back);
}

TEST_F(PipeTest, ModelFileThroughAFifo) {
  TempDir dir;
  Model m = BuildFrom(CountString(kTinyCorpus, 3));
  ASSERT_TRUE(WriteModelFile(m, dir.File("m.lm")).ok());
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FifoWriter writer(fifo, ReadFile(dir.File("m.lm")));
  auto back = ReadModelFile(fifo);
  writer.join();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectModelsBitEqual(m, *back);
}

TEST_F(PipeTest, TruncatedStreamThroughAFifo) {
  // A writer that dies mid-file: the reader sees end of input, not an error.
  TempDir dir;
  ASSERT_TRUE(WriteCountsFile(CountString(kTinyCorpus, 3), dir.File("c.counts")).ok());
  const std::string bytes = ReadFile(dir.File("c.counts"));
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FifoWriter writer(fifo, bytes.substr(0, bytes.size() - 20));  // no end marker
  auto back = ReadCountsFile(fifo);
  writer.join();
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kCorruption) << back.status().ToString();
}

// Runs fn() with file descriptor `fd` (0 or 1) replaced by `replacement`.
template <typename F>
void WithFd(int fd, int replacement, F fn) {
  fflush(stdout);
  int saved = dup(fd);
  ASSERT_GE(saved, 0);
  ASSERT_GE(dup2(replacement, fd), 0);
  fn();
  fflush(stdout);
  dup2(saved, fd);
  close(saved);
}

TEST_F(PipeTest, ReadCountsFromStdinPipe) {
  TempDir dir;
  NgramCounts c = CountString(kTinyCorpus, 3);
  ASSERT_TRUE(WriteCountsFile(c, dir.File("c.counts")).ok());
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FifoWriter writer(fifo, ReadFile(dir.File("c.counts")));
  int rfd = ::open(fifo.c_str(), O_RDONLY);
  ASSERT_GE(rfd, 0);
  StatusOr<NgramCounts> back = InternalError("not run");
  WithFd(0, rfd, [&] { back = ReadCountsFile("-"); });
  close(rfd);
  writer.join();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectCountsEqual(c, *back);
}

TEST_F(PipeTest, ReadModelFromStdinPipe) {
  TempDir dir;
  Model m = BuildFrom(CountString(kTinyCorpus, 2));
  ASSERT_TRUE(WriteModelFile(m, dir.File("m.lm")).ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string bytes = ReadFile(dir.File("m.lm"));
  std::thread writer([&] {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t w = ::write(fds[1], bytes.data() + done, bytes.size() - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    close(fds[1]);
  });
  StatusOr<Model> back = InternalError("not run");
  WithFd(0, fds[0], [&] { back = ReadModelFile("-"); });
  close(fds[0]);
  writer.join();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectModelsBitEqual(m, *back);
}

TEST_F(PipeTest, WriteCountsToStdout) {
  TempDir dir;
  NgramCounts c = CountString(kTinyCorpus, 3);
  ASSERT_TRUE(WriteCountsFile(c, dir.File("ref.counts")).ok());
  int fd = ::open(dir.File("stdout.counts").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  Status s;
  WithFd(1, fd, [&] { s = WriteCountsFile(c, "-"); });
  close(fd);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadFile(dir.File("stdout.counts")), ReadFile(dir.File("ref.counts")));
}

// --------------------------------------------------------------- damage

// Small counts and model files to damage.
struct Samples {
  std::string counts;
  std::string model;
};

const Samples& SmallFiles() {
  static const Samples* samples = [] {
    TempDir dir;
    NgramCounts c = CountString("a b a\nb a c\n\nc c a b\n", 3);
    Model m = BuildFrom(c);
    EXPECT_TRUE(WriteCountsFile(c, dir.File("c")).ok());
    EXPECT_TRUE(WriteModelFile(m, dir.File("m")).ok());
    return new Samples{ReadFile(dir.File("c")), ReadFile(dir.File("m"))};
  }();
  return *samples;
}

// Reads `bytes` (written to a file) as a counts or model file.
Status ReadBytes(const std::string& bytes, bool model) {
  TempDir dir;
  WriteFile(dir.File("f"), bytes);
  if (model) return ReadModelFile(dir.File("f")).status();
  return ReadCountsFile(dir.File("f")).status();
}

TEST(DamagedFileTest, EveryTruncationIsCorruption) {
  for (bool model : {false, true}) {
    const std::string& bytes = model ? SmallFiles().model : SmallFiles().counts;
    ASSERT_GT(bytes.size(), 100u);
    for (size_t len = 0; len < bytes.size(); ++len) {
      Status s = ReadBytes(bytes.substr(0, len), model);
      ASSERT_FALSE(s.ok()) << (model ? "model" : "counts") << " file cut to " << len << " of "
                           << bytes.size() << " bytes read without error";
      EXPECT_EQ(s.code(), StatusCode::kCorruption) << "cut to " << len << ": " << s.ToString();
    }
    EXPECT_TRUE(ReadBytes(bytes, model).ok());
  }
}

TEST(DamagedFileTest, TruncationMessages) {
  const std::string& bytes = SmallFiles().counts;
  Status empty = ReadBytes("", false);
  EXPECT_NE(empty.message().find("empty"), std::string::npos) << empty.ToString();
  Status cut = ReadBytes(bytes.substr(0, bytes.size() - 20), false);  // no end marker
  EXPECT_NE(cut.message().find("truncated"), std::string::npos) << cut.ToString();
}

TEST(DamagedFileTest, EveryFlippedByteIsAnError) {
  // Invert every byte of the file: the header CRC, the zstd frame checksums
  // and the structural checks must catch each one.
  for (bool model : {false, true}) {
    const std::string& bytes = model ? SmallFiles().model : SmallFiles().counts;
    for (size_t pos = 0; pos < bytes.size(); ++pos) {
      std::string bad = bytes;
      bad[pos] = static_cast<char>(~bad[pos]);
      Status s = ReadBytes(bad, model);
      EXPECT_FALSE(s.ok()) << (model ? "model" : "counts") << " file with byte " << pos
                           << " inverted read without error";
      EXPECT_NE(s.code(), StatusCode::kInternal) << s.ToString();
    }
  }
}

TEST(DamagedFileTest, SingleBitFlipsNeverGiveWrongData) {
  // Flip bits of each byte. A few bits of a zstd frame do not affect what
  // it decodes to (e.g. bits of an entropy table the data never uses); such a
  // file may load, but only with exactly the original content. Everything
  // else must be an error.
  TempDir dir;
  for (bool model : {false, true}) {
    const std::string& bytes = model ? SmallFiles().model : SmallFiles().counts;
    WriteFile(dir.File("orig"), bytes);
    auto orig_counts = ReadCountsFile(dir.File("orig"));
    auto orig_model = ReadModelFile(dir.File("orig"));
    ASSERT_TRUE(model ? orig_model.ok() : orig_counts.ok());
    size_t loaded = 0, total = 0;
    for (size_t pos = 0; pos < bytes.size(); ++pos) {
      // Two bits per byte, to keep it quick: one that cycles through all
      // eight positions, and bit 4 (the "unused" bit of a zstd frame header).
      for (int bit : {static_cast<int>(pos * 3 % 8), 4}) {
        ++total;
        std::string bad = bytes;
        bad[pos] = static_cast<char>(bad[pos] ^ (1 << bit));
        WriteFile(dir.File("bad"), bad);
        SCOPED_TRACE((model ? "model" : "counts") + std::string(" file, byte ") +
                     std::to_string(pos) + " bit " + std::to_string(bit));
        if (model) {
          auto m = ReadModelFile(dir.File("bad"));
          if (!m.ok()) {
            EXPECT_NE(m.status().code(), StatusCode::kInternal) << m.status().ToString();
            continue;
          }
          ++loaded;
          ExpectModelsBitEqual(*orig_model, *m);
        } else {
          auto c = ReadCountsFile(dir.File("bad"));
          if (!c.ok()) {
            EXPECT_NE(c.status().code(), StatusCode::kInternal) << c.status().ToString();
            continue;
          }
          ++loaded;
          ExpectCountsEqual(*orig_counts, *c);
        }
      }
    }
    // Bit 4 of each frame's header descriptor is such a bit (one per section);
    // anything beyond a few percent means the checks are not working.
    EXPECT_LE(loaded * 20, total) << loaded << " of " << total << " bit flips went unnoticed";
  }
}

TEST(DamagedFileTest, SectionSizeFlipsFailWithoutHugeAllocations) {
  // The first section header starts right after the header CRC. Flipping a
  // high byte of its compressed size asks for up to 2^40 bytes: the reader
  // must report truncation instead of allocating (or dying on) that much.
  const std::string& bytes = SmallFiles().counts;
  const uint32_t header_len = DecodeFixed32(bytes.data() + 16);
  const size_t section = 20 + header_len + 4;
  for (int byte = 0; byte < 8; ++byte) {
    for (unsigned char mask : {0x01u, 0x7fu, 0xffu}) {
      std::string bad = bytes;
      bad[section + 12 + byte] = static_cast<char>(bad[section + 12 + byte] ^ mask);
      Status s = ReadBytes(bad, false);
      EXPECT_FALSE(s.ok()) << "compressed size byte " << byte;
      std::string bad2 = bytes;
      bad2[section + 4 + byte] = static_cast<char>(bad2[section + 4 + byte] ^ mask);
      s = ReadBytes(bad2, false);
      EXPECT_FALSE(s.ok()) << "raw size byte " << byte;
    }
  }
}

TEST(DamagedFileTest, HeaderFlipIsReportedAsChecksumMismatch) {
  std::string bad = SmallFiles().counts;
  bad[22] = static_cast<char>(bad[22] ^ 0x04);  // inside the header
  Status s = ReadBytes(bad, false);
  ASSERT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.ToString();
}

TEST(DamagedFileTest, PayloadFlipIsReportedAsCorruptedSection) {
  // Flip a byte near the end of the last frame (its content checksum).
  std::string bad = SmallFiles().counts;
  const size_t pos = bad.size() - 20 - 2;
  bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
  Status s = ReadBytes(bad, false);
  ASSERT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("corrupt"), std::string::npos) << s.ToString();
}

TEST(DamagedFileTest, TrailingBytesAreRejected) {
  for (bool model : {false, true}) {
    const std::string& bytes = model ? SmallFiles().model : SmallFiles().counts;
    for (const std::string& extra : {std::string(1, '\0'), std::string("\n"), bytes}) {
      Status s = ReadBytes(bytes + extra, model);
      ASSERT_FALSE(s.ok()) << extra.size() << " trailing bytes accepted";
      EXPECT_EQ(s.code(), StatusCode::kCorruption);
      EXPECT_NE(s.message().find("trailing"), std::string::npos) << s.ToString();
    }
  }
}

TEST(DamagedFileTest, WrongKindIsAClearError) {
  TempDir dir;
  WriteFile(dir.File("model.lm"), SmallFiles().model);
  WriteFile(dir.File("data.counts"), SmallFiles().counts);
  auto c = ReadCountsFile(dir.File("model.lm"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("model file"), std::string::npos) << c.status().ToString();
  EXPECT_NE(c.status().message().find("counts file"), std::string::npos) << c.status().ToString();
  EXPECT_NE(c.status().message().find("model.lm"), std::string::npos) << c.status().ToString();
  auto m = ReadModelFile(dir.File("data.counts"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("counts file"), std::string::npos) << m.status().ToString();
  auto l = LoadModel(dir.File("data.counts"));
  EXPECT_FALSE(l.ok());
}

TEST(DamagedFileTest, NotAGramsFile) {
  TempDir dir;
  WriteFile(dir.File("text.txt"), "just some text\nwith lines\n");
  auto c = ReadCountsFile(dir.File("text.txt"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
  EXPECT_NE(c.status().message().find("magic"), std::string::npos) << c.status().ToString();
  auto missing = ReadCountsFile(dir.File("missing.counts"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto missing_model = ReadModelFile(dir.File("missing.lm"));
  EXPECT_EQ(missing_model.status().code(), StatusCode::kNotFound);
}

// Rewrites the version field and recomputes the header CRC, as a writer of
// that version would.
std::string WithVersion(std::string bytes, uint32_t version) {
  const uint32_t header_len = DecodeFixed32(bytes.data() + 16);
  std::string v;
  PutFixed32(&v, version);
  memcpy(bytes.data() + 8, v.data(), 4);
  std::string crc;
  PutFixed32(&crc, Crc32(bytes.data(), 20 + header_len));
  memcpy(bytes.data() + 20 + header_len, crc.data(), 4);
  return bytes;
}

TEST(DamagedFileTest, VersionMismatchMessage) {
  static_assert(GRAMS_FORMAT_VERSION == 1, "update the golden files in tests/formats/");
  for (bool model : {false, true}) {
    const std::string& bytes = model ? SmallFiles().model : SmallFiles().counts;
    EXPECT_TRUE(ReadBytes(WithVersion(bytes, 1), model).ok());
    for (uint32_t version : {0u, 2u, 0x01000000u}) {
      Status s = ReadBytes(WithVersion(bytes, version), model);
      ASSERT_EQ(s.code(), StatusCode::kUnsupportedVersion) << s.ToString();
      EXPECT_NE(s.message().find("version " + std::to_string(version)), std::string::npos)
          << s.ToString();
      EXPECT_NE(s.message().find("version 1"), std::string::npos) << s.ToString();
    }
  }
}

TEST(DamagedFileTest, UnknownTokenizerSettingIsUnsupported) {
  // A newer writer's setting changes what the data means: refuse the file.
  TempDir dir;
  NgramCounts c = CountString("a b\n", 2);
  ASSERT_TRUE(WriteCountsFile(c, dir.File("c")).ok());
  std::string bytes = ReadFile(dir.File("c"));
  // The settings are the header's "unit" -> "word": rename the key in place
  // to an unknown one of the same length and fix the CRC.
  const uint32_t header_len = DecodeFixed32(bytes.data() + 16);
  size_t key = bytes.find("unit", 20);
  ASSERT_NE(key, std::string::npos);
  ASSERT_LT(key, 20 + header_len);
  bytes.replace(key, 4, "case");
  bytes = WithVersion(bytes, 1);
  WriteFile(dir.File("c"), bytes);
  auto back = ReadCountsFile(dir.File("c"));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kUnsupportedVersion) << back.status().ToString();
  EXPECT_NE(back.status().message().find("case"), std::string::npos) << back.status().ToString();
}

// --------------------------------------------------------------- failed writes

TEST(FailedWriteTest, MissingDirectoryFailsCleanly) {
  TempDir dir;
  NgramCounts c = CountString(kTinyCorpus, 2);
  Status s = WriteCountsFile(c, dir.File("no/such/dir/x.counts"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("x.counts"), std::string::npos) << s.ToString();
  s = WriteModelFile(BuildFrom(c), dir.File("no/such/dir/x.lm"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_TRUE(dir.List().empty());
}

TEST(FailedWriteTest, ReadOnlyDirectoryFailsCleanly) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  const std::string ro = dir.File("ro");
  ASSERT_EQ(mkdir(ro.c_str(), 0500), 0);
  NgramCounts c = CountString(kTinyCorpus, 2);
  Status s = WriteCountsFile(c, ro + "/x.counts");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(grams::test::TempDir::ListDir(ro).empty());
  chmod(ro.c_str(), 0700);
}

TEST(FailedWriteTest, DirectoryOfAReadOnlyFileSystemFailsCleanly) {
  // Unwritable even for root: /proc refuses new files.
  struct stat st;
  if (stat("/proc/self", &st) != 0) GTEST_SKIP() << "no /proc";
  const std::vector<std::string> before = grams::test::TempDir::ListDir("/proc");
  NgramCounts c = CountString(kTinyCorpus, 2);
  Status s = WriteCountsFile(c, "/proc/grams_test.counts");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("/proc/grams_test.counts"), std::string::npos) << s.ToString();
  s = WriteModelFile(BuildFrom(c), "/proc/grams_test.lm");
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(FileExists("/proc/grams_test.counts"));
  EXPECT_FALSE(HasTempFiles("/proc"));
}

TEST(FailedWriteTest, DirectoryTargetLeavesNoTemporaryFile) {
  // The target is a non-empty directory: refused before anything is written;
  // no temporary file, the directory untouched.
  TempDir dir;
  const std::string target = dir.File("target");
  ASSERT_EQ(mkdir(target.c_str(), 0700), 0);
  WriteFile(target + "/keep", "x");
  NgramCounts c = CountString(kTinyCorpus, 2);
  Status s = WriteCountsFile(c, target);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("is a directory"), std::string::npos) << s.ToString();
  EXPECT_FALSE(HasTempFiles(dir.path())) << "left behind: " << ::testing::PrintToString(dir.List());
  EXPECT_EQ(dir.List(), std::vector<std::string>{"target"});
  EXPECT_EQ(ReadFile(target + "/keep"), "x");

  s = WriteModelFile(BuildFrom(c), target);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(HasTempFiles(dir.path()));
}

TEST(FailedWriteTest, FullDiskFailsCleanly) {
  // /dev/full fails every write with ENOSPC; through "-" (stdout) there is
  // no temporary file, and the error must still come back.
  int fd = ::open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  NgramCounts c = CountString(kTinyCorpus, 2);
  Status s;
  WithFd(1, fd, [&] { s = WriteCountsFile(c, "-"); });
  close(fd);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
}

TEST(FailedWriteTest, OverwritingKeepsOldFileUntilCommit) {
  TempDir dir;
  const std::string path = dir.File("c.counts");
  NgramCounts a = CountString("a b\n", 2);
  NgramCounts b = CountString("c d e\n", 2);
  ASSERT_TRUE(WriteCountsFile(a, path).ok());
  ASSERT_TRUE(WriteCountsFile(b, path).ok());
  auto back = ReadCountsFile(path);
  ASSERT_TRUE(back.ok());
  ExpectCountsEqual(b, *back);
  EXPECT_EQ(dir.List(), std::vector<std::string>{"c.counts"});
}

// --------------------------------------------------------------- golden v1 files

std::string Golden(const std::string& name) { return SourcePath("tests/formats/" + name); }

// tests/formats/tiny.txt counted at order 3 (see tests/formats/README.md).
TEST(GoldenFileTest, V1CountsFileLoads) {
  auto c = ReadCountsFile(Golden("v1/tiny.counts"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Fixed content, written out so that a reader change cannot go unnoticed.
  const std::vector<std::string> vocab = {"<unk>", "<s>", "</s>", "a",
                                          "b",     "c",   "d",    "caf\xc3\xa9"};
  ASSERT_EQ(c->vocab.size(), vocab.size());
  for (WordId w = 0; w < vocab.size(); ++w) EXPECT_EQ(c->vocab.Word(w), vocab[w]);
  EXPECT_EQ(c->order(), 3);
  EXPECT_EQ(c->sentences, 8u);
  EXPECT_EQ(c->tokens, 29u);  // 21 words + 8 </s>
  const std::vector<Count> unigrams = {0, 8, 8, 10, 4, 3, 3, 1};
  EXPECT_EQ(c->counts[0], unigrams);
  EXPECT_EQ(c->trie.levels[1].size(), 14u);
  EXPECT_EQ(c->trie.levels[2].size(), 14u);
  // And it is exactly what counting the corpus gives today.
  const std::string text = ReadFile(Golden("tiny.txt"));
  ExpectCountsEqual(CountString(text, 3), *c);
}

TEST(GoldenFileTest, V1ModelFileLoads) {
  auto m = ReadModelFile(Golden("v1/tiny.lm"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->order(), 3);
  EXPECT_EQ(m->Info("smoothing"), "mkn");
  // Same n-grams and (within float rounding) the same numbers as building
  // the model from the corpus today.
  Model fresh = BuildFrom(CountString(ReadFile(Golden("tiny.txt")), 3));
  ExpectSameVocabAndTrie(fresh.vocab, fresh.trie, m->vocab, m->trie);
  for (int n = 1; n <= 3; ++n) {
    ASSERT_EQ(m->log_prob[n - 1].size(), fresh.log_prob[n - 1].size());
    for (size_t i = 0; i < fresh.log_prob[n - 1].size(); ++i) {
      EXPECT_NEAR(m->log_prob[n - 1][i], fresh.log_prob[n - 1][i], 1e-6) << n << "-gram " << i;
    }
    if (n < 3) {
      for (size_t i = 0; i < fresh.log_backoff[n - 1].size(); ++i) {
        EXPECT_NEAR(m->log_backoff[n - 1][i], fresh.log_backoff[n - 1][i], 1e-6)
            << n << "-gram " << i;
      }
    }
  }
  auto loaded = LoadModel(Golden("v1/tiny.lm"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
}

struct BadGolden {
  const char* file;
  bool model;
  StatusCode code;
  const char* message_part;
};

TEST(GoldenFileTest, DamagedV1FilesFailCleanly) {
  const BadGolden cases[] = {
      {"bad/tiny.counts.truncated-half", false, StatusCode::kCorruption, "truncated"},
      {"bad/tiny.counts.no-end-marker", false, StatusCode::kCorruption, "truncated"},
      {"bad/tiny.counts.header-flip", false, StatusCode::kCorruption, "checksum"},
      {"bad/tiny.counts.frame-flip", false, StatusCode::kCorruption, "corrupt"},
      {"bad/tiny.counts.trailing", false, StatusCode::kCorruption, "trailing"},
      {"bad/tiny.counts.version2", false, StatusCode::kUnsupportedVersion, "version 2"},
      {"bad/tiny.counts.empty", false, StatusCode::kCorruption, "empty"},
      {"bad/tiny.counts.prelude-only", false, StatusCode::kCorruption, "truncated"},
      {"bad/tiny.lm.truncated-half", true, StatusCode::kCorruption, "truncated"},
      {"bad/tiny.lm.no-end-marker", true, StatusCode::kCorruption, "truncated"},
      {"bad/tiny.lm.frame-flip", true, StatusCode::kCorruption, "corrupt"},
      {"bad/tiny.lm.header-flip", true, StatusCode::kCorruption, "checksum"},
      {"v1/tiny.lm", false, StatusCode::kInvalidArgument, "model file"},
      {"v1/tiny.counts", true, StatusCode::kInvalidArgument, "counts file"},
  };
  for (const BadGolden& b : cases) {
    const std::string path = Golden(b.file);
    ASSERT_TRUE(FileExists(path)) << path;
    Status s = b.model ? ReadModelFile(path).status() : ReadCountsFile(path).status();
    ASSERT_FALSE(s.ok()) << b.file << " loaded";
    EXPECT_EQ(s.code(), b.code) << b.file << ": " << s.ToString();
    EXPECT_NE(s.message().find(b.message_part), std::string::npos)
        << b.file << ": " << s.ToString();
    EXPECT_NE(s.message().find(path), std::string::npos) << b.file << ": " << s.ToString();
  }
}

// ------------------------------------------------- varints and order sections

TEST(VarintTest, OneByteFastPathAndLongerValues) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x7f}, uint64_t{0x80}, uint64_t{300},
                     uint64_t{1} << 35, UINT64_MAX}) {
    std::string enc;
    PutVarint64(&enc, v);
    EXPECT_EQ(enc.size(), VarintLength(v)) << v;
    const char* p = enc.data();
    uint64_t got = 12345;
    ASSERT_TRUE(GetVarint64(&p, enc.data() + enc.size(), &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, enc.data() + enc.size());
    // Every cut is refused, and so is nothing at all.
    for (size_t cut = 0; cut < enc.size(); ++cut) {
      p = enc.data();
      EXPECT_FALSE(GetVarint64(&p, enc.data() + cut, &got)) << v << " cut at " << cut;
    }
  }
  // 11 bytes, or a 10th byte above 1, do not fit 64 bits.
  const std::string too_long(10, '\x80');
  const char* p = too_long.data();
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&p, too_long.data() + too_long.size(), &v));
  const std::string overflow = std::string(9, '\xff') + '\x02';
  p = overflow.data();
  EXPECT_FALSE(GetVarint64(&p, overflow.data() + overflow.size(), &v));
}

// The header FORMAT.md's worked example needs for order 2: 5 words, 5 bigrams.
FileHeader TinyHeader() {
  FileHeader h;
  h.order = 2;
  h.vocab_size = 5;
  h.ngram_counts = {5, 5};
  return h;
}

// FORMAT.md, "Worked example": <unk> <s> </s> b a; the bigrams <s> b, <s> a,
// b </s>, b a, a b with counts 1 1 2 1 2.
TEST(OrderSectionsTest, WorkedExampleBytes) {
  TrieLevel level;
  level.parents = {1, 1, 3, 3, 4};
  level.words = {3, 4, 2, 4, 3};
  const std::vector<Count> counts = {1, 1, 2, 1, 2};
  const std::string cc_bytes("\x00\x02\x00\x02\x01", 5), words_bytes("\x03\x00\x02\x01\x03", 5),
      counts_bytes("\x01\x01\x02\x01\x02", 5);
  std::string cc, words;
  EncodeTrieLevel(5, level, &cc, &words);
  EXPECT_EQ(cc, cc_bytes);
  EXPECT_EQ(words, words_bytes);
  EXPECT_EQ(EncodeCounts(counts.data(), counts.size()), counts_bytes);
  OrderSectionsEncoder encoder(5);
  for (size_t k = 0; k < level.size(); ++k)
    encoder.Add(level.parents[k], level.words[k], counts[k]);
  const OrderSections sections = encoder.Finish();
  EXPECT_EQ(sections.child_counts, cc_bytes);
  EXPECT_EQ(sections.words, words_bytes);
  EXPECT_EQ(sections.counts, counts_bytes);

  TrieLevel decoded;
  ASSERT_TRUE(DecodeTrieLevel("tiny", TinyHeader(), 2, cc, words, &decoded).ok());
  EXPECT_EQ(decoded.parents, level.parents);
  EXPECT_EQ(decoded.words, level.words);
  std::vector<Count> decoded_counts;
  ASSERT_TRUE(DecodeCounts("tiny", 2, counts_bytes, 5, &decoded_counts).ok());
  EXPECT_EQ(decoded_counts, counts);
}

// A large random level: the threaded bulk encoder, the streaming encoder and
// the cursor agree.
TEST(OrderSectionsTest, RoundTripOfALargeLevel) {
  const uint64_t V = 70000, lower = 200000;
  TrieLevel level;
  std::vector<Count> counts;
  uint64_t x = 88172645463325252ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (uint64_t p = 0; p < lower; ++p) {
    if (next() % 3 == 0) continue;  // no children
    WordId w = static_cast<WordId>(next() % 200);
    for (uint64_t c = next() % 5; c > 0 && w < V; --c) {
      level.parents.push_back(static_cast<EntryIndex>(p));
      level.words.push_back(w);
      counts.push_back(1 + next() % 100000);
      w += static_cast<WordId>(1 + next() % (next() % 2 ? 3 : 40000));
    }
  }
  ASSERT_GT(level.size(), 1u << 17);  // big enough for the threaded path
  std::string cc1, words1, cc4, words4;
  EncodeTrieLevel(lower, level, &cc1, &words1, 1);
  EncodeTrieLevel(lower, level, &cc4, &words4, 4);
  EXPECT_TRUE(cc1 == cc4);
  EXPECT_TRUE(words1 == words4);
  OrderSectionsEncoder encoder(lower);
  for (size_t k = 0; k < level.size(); ++k)
    encoder.Add(level.parents[k], level.words[k], counts[k]);
  const OrderSections sections = encoder.Finish();
  EXPECT_TRUE(sections.child_counts == cc1);
  EXPECT_TRUE(sections.words == words1);
  EXPECT_TRUE(sections.counts == EncodeCounts(counts.data(), counts.size()));
  for (int threads : {1, 2, 3, 4, 7}) {
    const OrderSections whole = EncodeOrder(lower, level, counts.data(), threads);
    EXPECT_TRUE(whole.child_counts == cc1) << threads << " threads";
    EXPECT_TRUE(whole.words == words1) << threads << " threads";
    EXPECT_TRUE(whole.counts == sections.counts) << threads << " threads";
  }

  FileHeader h;
  h.order = 3;
  h.vocab_size = V;
  h.ngram_counts = {V, lower, level.size()};
  TrieLevelCursor cursor("big", h, 3, cc1, words1);
  size_t k = 0;
  EntryIndex parent = 0;
  uint64_t children = 0;
  while (cursor.NextParent(&parent, &children)) {
    for (uint64_t j = 0; j < children; ++j, ++k) {
      WordId w;
      ASSERT_TRUE(cursor.NextWord(&w)) << cursor.status().ToString();
      ASSERT_LT(k, level.size());
      ASSERT_EQ(parent, level.parents[k]);
      ASSERT_EQ(w, level.words[k]);
    }
  }
  EXPECT_TRUE(cursor.status().ok()) << cursor.status().ToString();
  EXPECT_EQ(k, level.size());
  std::vector<Count> decoded;
  ASSERT_TRUE(DecodeCounts("big", 3, sections.counts, counts.size(), &decoded).ok());
  EXPECT_EQ(decoded, counts);
}

// Slices cut at a parent's first child: one parent holding most of the
// entries leaves some slices empty, and the bytes are still those of one
// slice (the counts too).
TEST(OrderSectionsTest, SlicesOfALevelWithOneHugeParent) {
  const uint64_t lower = 5000;
  TrieLevel level;
  std::vector<Count> counts;
  for (WordId w = 0; w < 150000; ++w) {
    level.parents.push_back(7);
    level.words.push_back(w);
    counts.push_back(1 + w % 300);
  }
  for (EntryIndex p = 4000; p < lower; p += 3) {
    level.parents.push_back(p);
    level.words.push_back(p);
    counts.push_back(p);
  }
  const OrderSections one = EncodeOrder(lower, level, counts.data(), 1);
  OrderSectionsEncoder encoder(lower);
  for (size_t k = 0; k < level.size(); ++k)
    encoder.Add(level.parents[k], level.words[k], counts[k]);
  const OrderSections streamed = encoder.Finish();
  EXPECT_TRUE(one.child_counts == streamed.child_counts);
  EXPECT_TRUE(one.words == streamed.words);
  EXPECT_TRUE(one.counts == streamed.counts);
  for (int threads : {2, 4, 16}) {
    const OrderSections sliced = EncodeOrder(lower, level, counts.data(), threads);
    EXPECT_TRUE(sliced.child_counts == one.child_counts) << threads << " threads";
    EXPECT_TRUE(sliced.words == one.words) << threads << " threads";
    EXPECT_TRUE(sliced.counts == one.counts) << threads << " threads";
    std::string cc, words;
    EncodeTrieLevel(lower, level, &cc, &words, threads);
    EXPECT_TRUE(cc == one.child_counts) << threads << " threads";
    EXPECT_TRUE(words == one.words) << threads << " threads";
  }
}

// Cut short, or with a byte too many, the sections are Corruption with the
// file's name and the order, never a crash or a wrong level.
TEST(OrderSectionsTest, TruncatedOrPaddedSectionsAreCorruption) {
  const std::string cc("\x00\x02\x00\x02\x01", 5), words("\x03\x00\x02\x01\x03", 5),
      counts("\x01\x01\x02\x01\x02", 5);
  auto decode = [](const std::string& c, const std::string& w) {
    TrieLevel level;
    return DecodeTrieLevel("x.counts", TinyHeader(), 2, c, w, &level);
  };
  auto expect_corrupt = [](const Status& s, const std::string& part) {
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
    EXPECT_NE(s.message().find("x.counts: "), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find(part), std::string::npos) << s.ToString();
  };
  for (size_t cut = 0; cut < 5; ++cut) {
    expect_corrupt(decode(cc.substr(0, cut), words), "order 2");
    expect_corrupt(decode(cc, words.substr(0, cut)), "order 2 has malformed words");
    std::vector<Count> out;
    expect_corrupt(DecodeCounts("x.counts", 2, counts.substr(0, cut), 5, &out),
                   "malformed counts of order 2");
  }
  expect_corrupt(decode(cc + '\0', words), "trailing bytes");
  expect_corrupt(decode(cc, words + '\0'), "trailing bytes");
  expect_corrupt(decode(std::string("\x00\x02\x00\x02\x02", 5), words + '\x00'),
                 "child counts exceeding");
  expect_corrupt(decode(std::string("\x00\x02\x00\x01\x01", 5), words.substr(0, 4)),
                 "do not add up");
  expect_corrupt(decode(cc, std::string("\x03\x00\x02\x05\x03", 5)), "outside the vocabulary");
  expect_corrupt(decode(cc, std::string("\x03\x01\x02\x01\x03", 5)), "outside the vocabulary");
  // A varint that never ends, in either section.
  expect_corrupt(decode(std::string("\x00\x82\x80", 3), words), "malformed structure");
  std::vector<Count> out;
  expect_corrupt(DecodeCounts("x.counts", 2, counts + '\x01', 5, &out), "malformed counts");
  expect_corrupt(DecodeCounts("x.counts", 2, std::string("\x01\x00\x02\x01\x02", 5), 5, &out),
                 "has count 0");
  // Order 1 may count 0 (<unk>).
  EXPECT_TRUE(DecodeCounts("x.counts", 1, std::string("\x00\x02\x02\x03\x02", 5), 5, &out).ok());
  // Sizes beyond 32 bits are refused before anything is read.
  FileHeader huge = TinyHeader();
  huge.ngram_counts[1] = uint64_t{1} << 33;
  TrieLevelCursor cursor("x.counts", huge, 2, cc, words);
  EntryIndex parent = 0;
  uint64_t children = 0;
  EXPECT_FALSE(cursor.NextParent(&parent, &children));
  expect_corrupt(cursor.status(), "too large");
}

}  // namespace
}  // namespace grams
