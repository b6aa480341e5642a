// io/: LineReader, InputStream (plain and compressed) and OutputFile.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "io/file.h"
#include "io/line_reader.h"
#include "test_util.h"

namespace grams::io {
namespace {

using grams::test::FileExists;
using grams::test::HasTempFiles;
using grams::test::HaveTool;
using grams::test::ReadFile;
using grams::test::RunShell;
using grams::test::TempDir;
using grams::test::WriteFile;

struct Line {
  std::string text;
  uint64_t number;
  uint64_t offset;
  bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Line& l) {
  return os << "{\"" << l.text << "\", " << l.number << ", " << l.offset << "}";
}

// Reads every line of `path` with a LineReader of the given buffer size.
std::vector<Line> ReadLines(const std::string& path, size_t buffer_size, Status* status) {
  std::vector<Line> lines;
  auto in = InputStream::Open(path);
  if (!in.ok()) {
    *status = in.status();
    return lines;
  }
  LineReader reader(in->get(), buffer_size);
  std::string_view line;
  while (reader.Next(&line)) {
    lines.push_back({std::string(line), reader.line_number(), reader.line_offset()});
  }
  *status = reader.status();
  return lines;
}

// Reads a whole (possibly compressed) file through InputStream.
StatusOr<std::string> Slurp(const std::string& path, bool raw = false) {
  auto in = InputStream::Open(path, raw);
  if (!in.ok()) return in.status();
  return ReadAll(in->get());
}

TEST(LineReaderTest, SplitsLinesWithNumbersAndOffsets) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "one two\n\nthree\n");
  Status s;
  auto lines = ReadLines(dir.File("a.txt"), 1 << 20, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Line> want = {{"one two", 1, 0}, {"", 2, 8}, {"three", 3, 9}};
  EXPECT_EQ(lines, want);
}

TEST(LineReaderTest, NoFinalNewline) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "x y\nlast line");
  Status s;
  auto lines = ReadLines(dir.File("a.txt"), 1 << 20, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Line> want = {{"x y", 1, 0}, {"last line", 2, 4}};
  EXPECT_EQ(lines, want);
}

TEST(LineReaderTest, EmptyInput) {
  TempDir dir;
  WriteFile(dir.File("empty.txt"), "");
  Status s;
  auto lines = ReadLines(dir.File("empty.txt"), 1 << 20, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(lines.empty());
}

TEST(LineReaderTest, OnlyNewlines) {
  TempDir dir;
  WriteFile(dir.File("nl.txt"), "\n\n");
  Status s;
  auto lines = ReadLines(dir.File("nl.txt"), 4, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Line> want = {{"", 1, 0}, {"", 2, 1}};
  EXPECT_EQ(lines, want);
}

TEST(LineReaderTest, LinesLongerThanTheBuffer) {
  TempDir dir;
  // Lines of many lengths around and far beyond a 16-byte buffer, with and
  // without a final newline.
  for (bool final_newline : {true, false}) {
    std::string text;
    std::vector<Line> want;
    uint64_t offset = 0;
    int n = 0;
    for (size_t len : {0, 1, 15, 16, 17, 31, 32, 33, 100, 5000, 3, 70000, 2}) {
      std::string line;
      for (size_t i = 0; i < len; ++i) line.push_back(static_cast<char>('a' + (i * 7 + n) % 26));
      want.push_back({line, static_cast<uint64_t>(++n), offset});
      text += line;
      text += '\n';
      offset += line.size() + 1;
    }
    if (!final_newline) text.pop_back();
    WriteFile(dir.File("long.txt"), text);
    for (size_t buffer : {1, 2, 16, 64, 1 << 20}) {
      Status s;
      auto lines = ReadLines(dir.File("long.txt"), buffer, &s);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(lines, want) << "buffer " << buffer << ", final newline " << final_newline;
    }
  }
}

TEST(LineReaderTest, KeepsCarriageReturns) {
  // The reader splits at '\n' only; '\r' is the tokenizer's business.
  TempDir dir;
  WriteFile(dir.File("crlf.txt"), "a b\r\nc\r\n");
  Status s;
  auto lines = ReadLines(dir.File("crlf.txt"), 1 << 20, &s);
  ASSERT_TRUE(s.ok());
  std::vector<Line> want = {{"a b\r", 1, 0}, {"c\r", 2, 5}};
  EXPECT_EQ(lines, want);
}

TEST(InputStreamTest, MissingFileIsNotFound) {
  TempDir dir;
  auto in = InputStream::Open(dir.File("nope.txt"));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), StatusCode::kNotFound);
  EXPECT_NE(in.status().message().find("nope.txt"), std::string::npos);
}

TEST(InputStreamTest, DirectoryIsAnError) {
  TempDir dir;
  auto in = InputStream::Open(dir.path());
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), StatusCode::kInvalidArgument);
}

TEST(InputStreamTest, PlainTextAndSizeHint) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "hello\nworld\n");
  auto in = InputStream::Open(dir.File("a.txt"));
  ASSERT_TRUE(in.ok());
  EXPECT_EQ((*in)->size_hint(), 12);
  EXPECT_EQ((*in)->name(), dir.File("a.txt"));
  auto all = ReadAll(in->get());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, "hello\nworld\n");
}

TEST(InputStreamTest, ShortPlainFilesShorterThanAnyMagic) {
  TempDir dir;
  for (std::string text : {"", "a", "ab", "\x1f", "BZ", "\x28\xb5\x2f"}) {
    WriteFile(dir.File("s.txt"), text);
    auto all = Slurp(dir.File("s.txt"));
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(*all, text);
  }
}

// bzip2's "BZh" is plain text: a file that begins with it is text unless
// the block size and a block (or end-of-stream) magic follow. It was taken
// for a damaged bzip2 stream.
TEST(InputStreamTest, TextBeginningWithBZhIsText) {
  TempDir dir;
  for (std::string text : {"BZhang said hello\n", "BZh", "BZh9\n", "BZh91AY&S\n",
                           "BZh0\x31\x41\x59\x26\x53\x59 x\n"}) {
    WriteFile(dir.File("s.txt"), text);
    auto all = Slurp(dir.File("s.txt"));
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(*all, text);
  }
  // The first 10 bytes of a bzip2 stream are still bzip2 (damaged here), and
  // so is a file that ends within them after the block size (cut short).
  for (std::string text : {"BZh91AY&SY and no more\n", "BZh9", "BZh91AY&"}) {
    WriteFile(dir.File("b.txt"), text);
    auto all = Slurp(dir.File("b.txt"));
    ASSERT_FALSE(all.ok()) << text;
    EXPECT_NE(all.status().message().find("bzip2"), std::string::npos) << all.status().ToString();
  }
}

TEST(InputStreamTest, ReadExactlyReportsTruncation) {
  TempDir dir;
  WriteFile(dir.File("a.bin"), "12345");
  auto in = InputStream::Open(dir.File("a.bin"), /*raw=*/true);
  ASSERT_TRUE(in.ok());
  char buf[8];
  EXPECT_TRUE((*in)->ReadExactly(buf, 3).ok());
  Status s = (*in)->ReadExactly(buf, 3);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
}

// A text with many lines, long enough to span several compressed blocks.
std::string SampleText() {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "line " + std::to_string(i) + " the quick brown fox " + std::to_string(i * 7919 % 1000);
    text += '\n';
  }
  text += "no final newline";
  return text;
}

struct Compressor {
  const char* tool;
  const char* ext;
};

// Names the parameter in test listings (ctest) by its tool, not its bytes.
void PrintTo(const Compressor& c, std::ostream* os) { *os << c.tool; }

class CompressedInputTest : public ::testing::TestWithParam<Compressor> {};

TEST_P(CompressedInputTest, DecompressesIdenticallyToPlainText) {
  const Compressor c = GetParam();
  if (!HaveTool(c.tool)) GTEST_SKIP() << c.tool << " not installed";
  TempDir dir;
  const std::string text = SampleText();
  const std::string plain = dir.File("text");
  WriteFile(plain, text);
  const std::string packed = plain + "." + c.ext;
  ASSERT_TRUE(RunShell(std::string(c.tool) + " -c " + plain + " > " + packed));

  auto all = Slurp(packed);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, text);

  // Line by line, with a small buffer.
  Status s1, s2;
  auto want = ReadLines(plain, 1 << 20, &s1);
  auto got = ReadLines(packed, 100, &s2);
  ASSERT_TRUE(s1.ok() && s2.ok()) << s2.ToString();
  EXPECT_EQ(got, want);

  // raw = true hands back the compressed bytes untouched.
  auto raw = Slurp(packed, /*raw=*/true);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, ReadFile(packed));
}

TEST_P(CompressedInputTest, EmptyCompressedInput) {
  const Compressor c = GetParam();
  if (!HaveTool(c.tool)) GTEST_SKIP() << c.tool << " not installed";
  TempDir dir;
  WriteFile(dir.File("empty"), "");
  const std::string packed = dir.File("empty.") + c.ext;
  ASSERT_TRUE(RunShell(std::string(c.tool) + " -c " + dir.File("empty") + " > " + packed));
  auto all = Slurp(packed);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, "");
}

TEST_P(CompressedInputTest, TruncatedInputIsAnErrorNotACrash) {
  const Compressor c = GetParam();
  if (!HaveTool(c.tool)) GTEST_SKIP() << c.tool << " not installed";
  TempDir dir;
  const std::string text = SampleText();
  WriteFile(dir.File("text"), text);
  const std::string packed = dir.File("text.") + c.ext;
  ASSERT_TRUE(RunShell(std::string(c.tool) + " -c " + dir.File("text") + " > " + packed));
  const std::string bytes = ReadFile(packed);
  // Cut in the middle, or just before the end (the trailer or checksum): the
  // data is incomplete and must be reported, never read as a shorter text.
  for (size_t cut : {size_t{8}, bytes.size() / 2, bytes.size() - 2, bytes.size() - 1}) {
    WriteFile(dir.File("cut"), bytes.substr(0, cut));
    auto all = Slurp(dir.File("cut"));
    ASSERT_FALSE(all.ok()) << c.tool << " input cut at " << cut << " of " << bytes.size()
                           << " read as " << all->size() << " bytes without error";
    EXPECT_EQ(all.status().code(), StatusCode::kCorruption) << all.status().ToString();
    EXPECT_NE(all.status().message().find(dir.File("cut")), std::string::npos)
        << all.status().ToString();
    // The LineReader stops and reports the same error.
    Status s;
    ReadLines(dir.File("cut"), 64, &s);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  }
}

TEST_P(CompressedInputTest, ConcatenatedStreams) {
  // `cat a.gz b.gz` decompresses to a then b with every tool; so must we.
  const Compressor c = GetParam();
  if (!HaveTool(c.tool)) GTEST_SKIP() << c.tool << " not installed";
  TempDir dir;
  WriteFile(dir.File("a"), "first part\nspans lines");
  WriteFile(dir.File("b"), " and more\nend\n");
  const std::string packed = dir.File("ab.") + c.ext;
  ASSERT_TRUE(RunShell(std::string(c.tool) + " -c " + dir.File("a") + " > " + packed + " && " +
                       c.tool + " -c " + dir.File("b") + " >> " + packed));
  auto all = Slurp(packed);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, "first part\nspans lines and more\nend\n");
}

TEST_P(CompressedInputTest, RawProgressCountsTheFileRead) {
  // Progress on compressed input is measured in bytes of the file: its size
  // is known where the text's is not, and all of it is read by the end.
  const Compressor c = GetParam();
  if (!HaveTool(c.tool)) GTEST_SKIP() << c.tool << " not installed";
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i * 7919 % 10007) + "\n";
  WriteFile(dir.File("t"), text);
  const std::string packed = dir.File("t.") + c.ext;
  ASSERT_TRUE(RunShell(std::string(c.tool) + " -c " + dir.File("t") + " > " + packed));
  const uint64_t packed_size = ReadFile(packed).size();
  auto in = io::InputStream::Open(packed);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)->size_hint(), -1);
  EXPECT_EQ((*in)->raw_size_hint(), static_cast<int64_t>(packed_size));
  std::string buf(4096, '\0'), got;
  uint64_t last = 0;
  while (size_t n = (*in)->Read(buf.data(), buf.size())) {
    got.append(buf.data(), n);
    EXPECT_GE((*in)->raw_bytes_read(), last);
    last = (*in)->raw_bytes_read();
  }
  EXPECT_EQ(got, text);
  EXPECT_EQ((*in)->raw_bytes_read(), packed_size);
}

TEST_P(CompressedInputTest, TrailingGarbageIsAnError) {
  const Compressor c = GetParam();
  if (!HaveTool(c.tool)) GTEST_SKIP() << c.tool << " not installed";
  TempDir dir;
  WriteFile(dir.File("a"), "some text\n");
  const std::string packed = dir.File("a.") + c.ext;
  ASSERT_TRUE(RunShell(std::string(c.tool) + " -c " + dir.File("a") + " > " + packed));
  WriteFile(packed, ReadFile(packed) + "this is not compressed data\n");
  auto all = Slurp(packed);
  EXPECT_FALSE(all.ok() && *all == "some text\n") << "trailing garbage ignored";
}

INSTANTIATE_TEST_SUITE_P(Formats, CompressedInputTest,
                         ::testing::Values(Compressor{"gzip", "gz"}, Compressor{"zstd", "zst"},
                                           Compressor{"xz", "xz"}, Compressor{"bzip2", "bz2"}),
                         [](const auto& param_info) { return std::string(param_info.param.tool); });

TEST(InputStreamTest, CorruptGzipIsAnError) {
  if (!HaveTool("gzip")) GTEST_SKIP() << "gzip not installed";
  TempDir dir;
  const std::string text = SampleText();
  WriteFile(dir.File("text"), text);
  ASSERT_TRUE(RunShell("gzip -c " + dir.File("text") + " > " + dir.File("text.gz")));
  std::string bytes = ReadFile(dir.File("text.gz"));
  ASSERT_GT(bytes.size(), 100u);

  // Garbage after a valid gzip magic.
  WriteFile(dir.File("garbage.gz"), std::string("\x1f\x8b", 2) + std::string(200, '\x5a'));
  auto g = Slurp(dir.File("garbage.gz"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("garbage.gz"), std::string::npos) << g.status().ToString();

  // Damaged deflate data or CRC (the file name stored in the header, bytes
  // 10..14, is not protected, so start at 20).
  for (size_t pos : {size_t{20}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 6}) {
    std::string bad = bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x55);
    WriteFile(dir.File("bad.gz"), bad);
    auto all = Slurp(dir.File("bad.gz"));
    ASSERT_FALSE(all.ok()) << "flipped byte " << pos << " went unnoticed";
    EXPECT_EQ(all.status().code(), StatusCode::kCorruption) << all.status().ToString();
    // Also through the LineReader.
    Status s;
    ReadLines(dir.File("bad.gz"), 64, &s);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  }
}

TEST(InputStreamTest, CorruptZstdIsAnError) {
  if (!HaveTool("zstd")) GTEST_SKIP() << "zstd not installed";
  TempDir dir;
  WriteFile(dir.File("bad.zst"), std::string("\x28\xb5\x2f\xfd", 4) + std::string(100, '\x01'));
  auto all = Slurp(dir.File("bad.zst"));
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kCorruption);
}

TEST(OutputFileTest, TargetAppearsOnlyAfterCommit) {
  TempDir dir;
  const std::string target = dir.File("out.txt");
  auto out = OutputFile::Open(target);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  (*out)->Write("hello ");
  (*out)->Write(std::string(3 << 20, 'x'));  // beyond the write buffer
  (*out)->Write("\n");
  EXPECT_FALSE(FileExists(target));
  // Unnamed (O_TMPFILE) while written, or a .tmp- file without it.
  EXPECT_LE(dir.List().size(), 1u);
  ASSERT_TRUE((*out)->Commit().ok());
  EXPECT_TRUE(FileExists(target));
  EXPECT_FALSE(HasTempFiles(dir.path()));
  EXPECT_EQ(ReadFile(target), "hello " + std::string(3 << 20, 'x') + "\n");
  out->reset();  // destroying a committed file keeps it
  EXPECT_TRUE(FileExists(target));
  EXPECT_EQ(dir.List(), std::vector<std::string>{"out.txt"});
}

// Past every 8 MiB written, the writeback of a temporary file is started
// early (sync_file_range): the bytes are those written, through small
// buffered writes and large direct ones alike, over several such points.
TEST(OutputFileTest, LargeOutputThroughEarlyWriteback) {
  TempDir dir;
  const std::string target = dir.File("big");
  auto out = OutputFile::Open(target);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::string expected;
  for (int round = 0; expected.size() < (size_t{26} << 20); ++round) {
    const size_t n = round % 3 == 2 ? (size_t{3} << 20) + round : 1000 + 37 * round;
    std::string piece(n, static_cast<char>('a' + round % 26));
    (*out)->Write(piece);
    expected += piece;
  }
  ASSERT_TRUE((*out)->Commit().ok());
  EXPECT_TRUE(ReadFile(target) == expected);
}

TEST(OutputFileTest, DestroyedWithoutCommitLeavesNothing) {
  TempDir dir;
  const std::string target = dir.File("out.txt");
  {
    auto out = OutputFile::Open(target);
    ASSERT_TRUE(out.ok());
    (*out)->Write("partial");
  }
  EXPECT_TRUE(dir.List().empty());
}

TEST(OutputFileTest, UncommittedRewriteLeavesOldTargetUntouched) {
  TempDir dir;
  const std::string target = dir.File("out.txt");
  WriteFile(target, "old content\n");
  {
    auto out = OutputFile::Open(target);
    ASSERT_TRUE(out.ok());
    (*out)->Write("new content that is never committed\n");
  }
  EXPECT_EQ(ReadFile(target), "old content\n");
  EXPECT_EQ(dir.List(), std::vector<std::string>{"out.txt"});

  auto out = OutputFile::Open(target);
  ASSERT_TRUE(out.ok());
  (*out)->Write("replaced\n");
  ASSERT_TRUE((*out)->Commit().ok());
  EXPECT_EQ(ReadFile(target), "replaced\n");
  EXPECT_EQ(dir.List(), std::vector<std::string>{"out.txt"});
}

TEST(OutputFileTest, CommitTwiceIsHarmless) {
  TempDir dir;
  auto out = OutputFile::Open(dir.File("o"));
  ASSERT_TRUE(out.ok());
  (*out)->Write("x");
  EXPECT_TRUE((*out)->Commit().ok());
  EXPECT_TRUE((*out)->Commit().ok());
  EXPECT_EQ(ReadFile(dir.File("o")), "x");
}

TEST(OutputFileTest, UnwritableDirectoryFailsCleanly) {
  TempDir dir;
  auto out = OutputFile::Open(dir.File("no/such/dir/out.txt"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kIOError);
  EXPECT_NE(out.status().message().find("out.txt"), std::string::npos);
  EXPECT_TRUE(dir.List().empty());
}

TEST(OutputFileTest, CreatedFileIsReadable) {
  TempDir dir;
  auto out = OutputFile::Open(dir.File("o"));
  ASSERT_TRUE(out.ok());
  (*out)->Write("x");
  ASSERT_TRUE((*out)->Commit().ok());
  // mkstemp creates 0600; the output must get ordinary permissions.
  auto perms = std::filesystem::status(dir.File("o")).permissions();
  EXPECT_NE(perms & std::filesystem::perms::owner_read, std::filesystem::perms::none);
  mode_t mask = umask(0);
  umask(mask);
  if (!(mask & S_IROTH)) {
    EXPECT_NE(perms & std::filesystem::perms::others_read, std::filesystem::perms::none)
        << "the umask permits it, so the output should be world-readable like any created file";
  }
}

}  // namespace
}  // namespace grams::io

// Regression: renaming a temporary file over /dev/null replaced the device
// with a regular file. Devices and FIFOs are written in place.
TEST(OutputFileTest, DeviceIsWrittenInPlace) {
  struct stat before;
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  auto out = grams::io::OutputFile::Open("/dev/null");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  (*out)->Write("discarded\n");
  ASSERT_TRUE((*out)->Commit().ok());
  struct stat after;
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(before.st_rdev, after.st_rdev);
}

TEST(OutputFileTest, SymlinkTargetIsReplacedNotTheLink) {
  grams::test::TempDir dir;
  const std::string target = dir.path() + "/target.txt";
  const std::string link = dir.path() + "/link.txt";
  grams::test::WriteFile(target, "old\n");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto out = grams::io::OutputFile::Open(link);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  (*out)->Write("new\n");
  ASSERT_TRUE((*out)->Commit().ok());
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(grams::test::ReadFile(target), "new\n");
}
