// BuildModelFile (estimate/build_model_file.cc), the streaming estimator:
// its model file must be byte-identical to what the in-memory path writes,
// WriteModelFile(BuildModel(ReadCountsFile(...))), for every method and form
// it supports and every order, with its arrays in memory and spilled to
// temporary files; and it must fail as the in-memory path does on bad input,
// leaving nothing behind.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "grams/build.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams {
namespace {

using grams::test::CountLines;
using grams::test::FileExists;
using grams::test::HasTempFiles;
using grams::test::ReadFile;
using grams::test::SharedPath;
using grams::test::SourcePath;
using grams::test::TempDir;

using Method = grams::test::SmoothingMethod;

// Every method and form the streaming path supports (all but katz).
std::vector<Method> StreamingMethods() {
  std::vector<Method> out;
  for (Smoothing s : {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey, Smoothing::kWittenBell,
                      Smoothing::kAbsolute}) {
    out.push_back({s, SmoothingForm::kInterpolated});
    out.push_back({s, SmoothingForm::kBackoff});
  }
  for (Smoothing s : {Smoothing::kAdditive, Smoothing::kMaximumLikelihood}) {
    out.push_back({s, SmoothingForm::kBackoff});
  }
  out.push_back({Smoothing::kStupidBackoff, SmoothingForm::kDefault});
  return out;
}

BuildOptions Options(const Method& method) {
  BuildOptions o;
  o.smoothing = method.smoothing;
  o.form = method.form;
  return o;
}

std::vector<std::string> Lines(const std::string& path, size_t limit) {
  std::vector<std::string> lines;
  auto in = io::InputStream::Open(path);
  if (!in.ok()) return lines;
  io::LineReader reader(in->get());
  std::string_view line;
  while (lines.size() < limit && reader.Next(&line)) lines.emplace_back(line);
  return lines;
}

std::string WriteCounts(const TempDir& dir, const NgramCounts& counts, const std::string& name) {
  const std::string path = dir.File(name);
  EXPECT_TRUE(WriteCountsFile(counts, path).ok());
  return path;
}

// The bytes of the in-memory path's model, and its warnings; "" on an error
// (*error gets it).
std::string InMemory(const std::string& counts_path, BuildOptions o, const TempDir& dir,
                     std::vector<std::string>* warnings, Status* error = nullptr) {
  o.warn = [warnings](const std::string& w) { warnings->push_back(w); };
  auto counts = ReadCountsFile(counts_path);
  if (!counts.ok()) {
    if (error) *error = counts.status();
    return "";
  }
  auto model = BuildModel(std::move(*counts), o);
  if (!model.ok()) {
    if (error) *error = model.status();
    return "";
  }
  const std::string path = dir.File("in-memory.lm");
  EXPECT_TRUE(WriteModelFile(*model, path).ok());
  return ReadFile(path);
}

// Checks that BuildModelFile writes the in-memory path's bytes, with no
// memory limit (arrays in memory) and with a budget of 1 byte (everything
// that can be spilled is), and the same warnings (plus the budget's).
void ExpectSameModel(const std::string& counts_path, const BuildOptions& options,
                     const std::string& what) {
  TempDir dir;
  std::vector<std::string> expected_warnings;
  const std::string expected = InMemory(counts_path, options, dir, &expected_warnings);
  ASSERT_FALSE(expected.empty()) << what;
  for (uint64_t memory : {uint64_t{0}, uint64_t{1}}) {
    const std::string how = what + (memory ? " (spilled)" : " (in memory)");
    BuildOptions o = options;
    o.memory = memory;
    o.refuse_over_budget = false;
    o.temp_dir = memory ? dir.path() : "";
    std::vector<std::string> warnings;
    o.warn = [&warnings](const std::string& w) { warnings.push_back(w); };
    const std::string path = dir.File("streamed.lm");
    auto summary = BuildModelFile(counts_path, o, path);
    ASSERT_TRUE(summary.ok()) << how << ": " << summary.status().ToString();
    const std::string got = ReadFile(path);
    ASSERT_EQ(got.size(), expected.size()) << how;
    ASSERT_TRUE(got == expected) << how << ": the model files differ";
    if (memory) {
      // The first warning is the budget's; then the method's own.
      ASSERT_FALSE(warnings.empty()) << how;
      EXPECT_NE(warnings[0].find("more than the budget"), std::string::npos) << warnings[0];
      warnings.erase(warnings.begin());
    }
    EXPECT_EQ(warnings, expected_warnings) << how;
    auto model = ReadModelFile(path);
    ASSERT_TRUE(model.ok()) << how;
    const ModelSummary want = Summarize(*model);
    EXPECT_EQ(summary->ngram_counts, want.ngram_counts) << how;
    EXPECT_EQ(summary->info, want.info) << how;
    EXPECT_FALSE(HasTempFiles(dir.path())) << how;
  }
}

void ExpectEveryMethodAndOrder(const std::vector<std::string>& lines, const std::string& corpus) {
  TempDir dir;
  for (int order = 1; order <= 5; ++order) {
    auto counts = CountLines(lines, order);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    const std::string path = WriteCounts(dir, *counts, "c" + std::to_string(order) + ".counts");
    for (const Method& method : StreamingMethods()) {
      ExpectSameModel(path, Options(method),
                      corpus + " order " + std::to_string(order) + " " + method.Name());
    }
  }
}

TEST(BuildModelFileTest, EveryMethodFormAndOrderOnKjv) {
  const std::vector<std::string> lines = Lines(SourcePath("data/kjv-test.txt"), 100000);
  ASSERT_GT(lines.size(), 500u);
  ExpectEveryMethodAndOrder(lines, "kjv-test");
}

TEST(BuildModelFileTest, EveryMethodFormAndOrderOnBrown) {
  const std::vector<std::string> lines = Lines(SharedPath("corpora/brown/train.txt"), 4000);
  if (lines.size() < 4000) GTEST_SKIP() << "brown/train.txt not found";
  ExpectEveryMethodAndOrder(lines, "brown");
}

// Corpora so small that orders are empty or the discounts fall back (with
// warnings), and an empty line.
TEST(BuildModelFileTest, TinyCounts) {
  const std::vector<std::vector<std::string>> corpora = {
      {"a"}, {"a b"}, {"", "a"}, {"a a a a a a a"}, {"the cat sat on the mat", "the cat ate"}};
  TempDir dir;
  for (const auto& lines : corpora) {
    for (int order : {1, 2, 3, 5, 7}) {
      auto counts = CountLines(lines, order);
      ASSERT_TRUE(counts.ok());
      const std::string path = WriteCounts(dir, *counts, "tiny.counts");
      for (const Method& method : StreamingMethods()) {
        ExpectSameModel(path, Options(method),
                        "'" + lines[0] + "' order " + std::to_string(order) + " " + method.Name());
      }
    }
  }
}

TEST(BuildModelFileTest, GivenDiscountsAndParameters) {
  const std::vector<std::string> lines = Lines(SourcePath("data/kjv-test.txt"), 300);
  TempDir dir;
  auto counts = CountLines(lines, 4);
  ASSERT_TRUE(counts.ok());
  const std::string path = WriteCounts(dir, *counts, "c.counts");
  BuildOptions mkn;
  mkn.discounts = {{0.5, 1.0, 1.5}, {}, {0.7, 1.1, 1.9}};
  ExpectSameModel(path, mkn, "mkn with given discounts");
  for (Smoothing s : {Smoothing::kKneserNey, Smoothing::kAbsolute}) {
    BuildOptions o;
    o.smoothing = s;
    o.discounts = {{}, {0.25}, {0.75}, {0.5}};
    ExpectSameModel(path, o, std::string(SmoothingName(s)) + " with given discounts");
  }
  BuildOptions add;
  add.smoothing = Smoothing::kAdditive;
  add.add_k = 0.01;
  ExpectSameModel(path, add, "add 0.01");
  BuildOptions stupid;
  stupid.smoothing = Smoothing::kStupidBackoff;
  stupid.stupid_alpha = 0.7;
  ExpectSameModel(path, stupid, "stupid 0.7");
}

TEST(BuildModelFileTest, OtherUnitsAndSettingsAreCarriedOver) {
  TempDir dir;
  const std::string corpus =
      dir.Write("corpus.txt", "Caf\xc3\xa9 au lait\nla CAF\xc3\x89 est l\xc3\xa0\n");
  CountOptions co;
  co.order = 4;
  co.tokenizer.unit = Unit::kChar;
  co.tokenizer.case_fold = true;
  co.tokenizer.normalize = Normalization::kNfkc;
  co.tokenizer.boundaries = Boundaries::kNone;
  auto counts = CountFiles({corpus}, co);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  const std::string path = WriteCounts(dir, *counts, "char.counts");
  ExpectSameModel(path, BuildOptions(), "char units");
}

// A counts file written with longer varints than grams writes (legal: readers
// accept them), and with only the "unit" setting, as the first writers did:
// the model must still be the in-memory path's, whose sections are encoded
// anew.
TEST(BuildModelFileTest, OverlongVarintsAndOldSettingsAreReencoded) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 200), 3);
  ASSERT_TRUE(counts.ok());
  const std::string plain = WriteCounts(dir, *counts, "plain.counts");
  // Every other varint takes one byte more: 0x05 becomes 0x85 0x00.
  auto overlong = [](const std::string& in, bool strings) {
    std::string out;
    const char* p = in.data();
    const char* end = p + in.size();
    bool odd = false;
    while (p < end) {
      uint64_t v = 0;
      EXPECT_TRUE(GetVarint64(&p, end, &v));
      std::string enc;
      PutVarint64(&enc, v);
      if ((odd = !odd)) {
        enc.back() = static_cast<char>(enc.back() | 0x80);
        enc.push_back('\0');
      }
      out += enc;
      if (strings) {
        out.append(p, v);
        p += v;
      }
    }
    return out;
  };
  auto reader = BinaryFileReader::Open(plain, FileKind::kCounts);
  ASSERT_TRUE(reader.ok());
  FileHeader header = (*reader)->header();
  header.settings = {{"unit", "word"}};
  const std::string odd = dir.File("overlong.counts");
  auto writer = BinaryFileWriter::Open(odd, header, 3);
  ASSERT_TRUE(writer.ok());
  std::string raw;
  auto copy = [&](SectionType type, int n, int how) {
    ASSERT_TRUE((*reader)->Next(SectionId(type, n), &raw).ok());
    (*writer)->AddSection(SectionId(type, n), how == 0 ? raw : overlong(raw, how == 2));
  };
  copy(SectionType::kVocab, 0, 2);
  copy(SectionType::kCounts, 1, 1);
  for (int n = 2; n <= 3; ++n) {
    copy(SectionType::kChildCounts, n, 1);
    copy(SectionType::kWords, n, 1);
    copy(SectionType::kCounts, n, 1);
  }
  ASSERT_TRUE((*reader)->Finish().ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  ASSERT_NE(ReadFile(odd), ReadFile(plain));
  ExpectSameModel(odd, BuildOptions(), "overlong varints");
  BuildOptions wb;
  wb.smoothing = Smoothing::kWittenBell;
  ExpectSameModel(odd, wb, "overlong varints, wb");
}

// Counts above 2^32 - 1 (grams-count never writes them, but the format
// allows them) at the top order and in an order's <s> range.
TEST(BuildModelFileTest, CountsAbove32Bits) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 200), 3);
  ASSERT_TRUE(counts.ok());
  counts->counts[2][7] = 5'000'000'000ull;
  const auto& parents = counts->trie.levels[1].parents;
  const size_t bos = std::find(parents.begin(), parents.end(), kBosId) - parents.begin();
  ASSERT_LT(bos, parents.size());
  counts->counts[1][bos] = 6'000'000'000ull;
  const std::string path = WriteCounts(dir, *counts, "big.counts");
  for (const Method& method : StreamingMethods()) {
    ExpectSameModel(path, Options(method), "big counts " + method.Name());
  }
}

// Statuses: the same error as the in-memory path, no output, no temporary
// files.
void ExpectSameError(const std::string& counts_path, const BuildOptions& options,
                     const std::string& what) {
  TempDir dir;
  std::vector<std::string> warnings;
  Status expected;
  EXPECT_TRUE(InMemory(counts_path, options, dir, &warnings, &expected).empty()) << what;
  ASSERT_FALSE(expected.ok()) << what;
  for (uint64_t memory : {uint64_t{0}, uint64_t{1}}) {
    BuildOptions o = options;
    o.memory = memory;
    o.refuse_over_budget = false;
    o.temp_dir = dir.path();
    const std::string path = dir.File("streamed.lm");
    auto got = BuildModelFile(counts_path, o, path);
    ASSERT_FALSE(got.ok()) << what;
    EXPECT_EQ(got.status().code(), expected.code()) << what << ": " << got.status().ToString();
    // The in-memory path's messages get the file's name from grams-build.
    std::string message = expected.message();
    if (message.rfind(counts_path, 0) != 0) message = counts_path + ": " + message;
    EXPECT_EQ(got.status().message(), message) << what;
    EXPECT_FALSE(FileExists(path)) << what;
    EXPECT_FALSE(HasTempFiles(dir.path())) << what;
  }
}

TEST(BuildModelFileTest, DamagedCountsFailAsInMemory) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 200), 3);
  ASSERT_TRUE(counts.ok());
  const std::string good = WriteCounts(dir, *counts, "good.counts");
  const std::string bytes = ReadFile(good);
  // Truncated at several points, and with a flipped byte late in the file.
  for (size_t keep : {bytes.size() / 4, bytes.size() / 2, bytes.size() - 30, bytes.size() - 1}) {
    const std::string path = dir.Write("cut.counts", bytes.substr(0, keep));
    ExpectSameError(path, BuildOptions(), "cut at " + std::to_string(keep));
  }
  std::string flipped = bytes;
  flipped[flipped.size() - 40] ^= 0x10;
  ExpectSameError(dir.Write("flipped.counts", flipped), BuildOptions(), "flipped byte");
  // A zero count, in an order read whole (the top) and one read for its <s>
  // range only.
  for (int n : {2, 3}) {
    NgramCounts zero = *counts;
    zero.counts[n - 1][3] = 0;
    ExpectSameError(WriteCounts(dir, zero, "zero.counts"), BuildOptions(),
                    "zero count at order " + std::to_string(n));
  }
  // No words at all (the unigram counts a method takes raw).
  NgramCounts empty = *counts;
  std::fill(empty.counts[0].begin(), empty.counts[0].end(), 0);
  BuildOptions wb;
  wb.smoothing = Smoothing::kWittenBell;
  ExpectSameError(WriteCounts(dir, empty, "empty.counts"), wb, "no words");
  // Not suffix-closed: an order-3 n-gram whose last two words are not an
  // order-2 n-gram.
  NgramCounts open = *counts;
  TrieLevel& top = open.trie.levels[2];
  const WordId unk = kUnkId;
  top.words[0] = unk;  // (w1 w2 <unk>): w2 <unk> was never seen
  ASSERT_TRUE(top.size() < 2 || top.parents[1] != top.parents[0] || top.words[1] > unk);
  ExpectSameError(WriteCounts(dir, open, "open.counts"), BuildOptions(), "not suffix-closed");
  // Given discounts out of range.
  BuildOptions bad;
  bad.discounts = {{0.5, 1.0, 1.5}, {0.5, 2.5, 1.5}};
  ExpectSameError(good, bad, "bad discounts");
}

// A COUNTS section cut short or with a byte left over, at order 1, at an
// order read for its <s> range only (2) and at the top (3): the streaming
// path decodes COUNTS with ReadCountsFile's decoder (format/order_sections.h)
// and fails with its message.
TEST(BuildModelFileTest, MalformedCountsSectionsFailAsInMemory) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 200), 3);
  ASSERT_TRUE(counts.ok());
  const std::string good = WriteCounts(dir, *counts, "good.counts");
  for (int bad_order = 1; bad_order <= 3; ++bad_order) {
    for (bool cut : {true, false}) {
      auto reader = BinaryFileReader::Open(good, FileKind::kCounts);
      ASSERT_TRUE(reader.ok());
      const std::string path = dir.File("bad.counts");
      auto writer = BinaryFileWriter::Open(path, (*reader)->header(), 3);
      ASSERT_TRUE(writer.ok());
      std::string raw;
      auto copy = [&](SectionType type, int n) {
        ASSERT_TRUE((*reader)->Next(SectionId(type, n), &raw).ok());
        if (type == SectionType::kCounts && n == bad_order) {
          if (cut) {
            raw.pop_back();
          } else {
            raw.push_back('\x01');
          }
        }
        (*writer)->AddSection(SectionId(type, n), raw);
      };
      copy(SectionType::kVocab, 0);
      copy(SectionType::kCounts, 1);
      for (int n = 2; n <= 3; ++n) {
        copy(SectionType::kChildCounts, n);
        copy(SectionType::kWords, n);
        copy(SectionType::kCounts, n);
      }
      ASSERT_TRUE((*reader)->Finish().ok());
      ASSERT_TRUE((*writer)->Finish().ok());
      const std::string what =
          (cut ? "cut COUNTS(" : "padded COUNTS(") + std::to_string(bad_order) + ")";
      Status s = ReadCountsFile(path).status();
      EXPECT_EQ(s.message(), path + ": malformed counts of order " + std::to_string(bad_order) +
                                 " (the file is corrupted)")
          << what;
      ExpectSameError(path, BuildOptions(), what);
    }
  }
}

TEST(BuildModelFileTest, OptionsAndDirectories) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 100), 3);
  ASSERT_TRUE(counts.ok());
  const std::string path = WriteCounts(dir, *counts, "c.counts");
  const std::string out = dir.File("m.lm");
  // What the streaming path leaves to BuildModel.
  std::vector<BuildOptions> unsupported(5);
  unsupported[0].prune = {1, 1};  // a unigram threshold limits the vocabulary
  unsupported[1].smoothing = Smoothing::kKatz;
  unsupported[2].prune_entropy = 1e-8;
  unsupported[3].limit_vocab = true;
  unsupported[4].max_vocab = 10;
  for (const BuildOptions& o : unsupported) {
    EXPECT_FALSE(CanBuildModelFile(o));
    auto r = BuildModelFile(path, o, out);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(FileExists(out));
  }
  EXPECT_TRUE(CanBuildModelFile(BuildOptions()));
  BuildOptions pruned;
  pruned.prune = {0, 1, 2};
  EXPECT_TRUE(CanBuildModelFile(pruned));
  // More thresholds than orders: the in-memory path's error, nothing written.
  pruned.prune = {0, 1, 1, 1};
  auto too_many = BuildModelFile(path, pruned, out);
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("orders 1 to 4"), std::string::npos)
      << too_many.status().ToString();
  EXPECT_FALSE(FileExists(out));
  // A temporary directory that does not exist, or is a file: an error naming
  // it, even when nothing would be spilled; nothing written.
  for (const std::string& bad : {dir.File("no-such-dir"), path}) {
    BuildOptions o;
    o.temp_dir = bad;
    auto r = BuildModelFile(path, o, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kIOError);
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().ToString();
    EXPECT_FALSE(FileExists(out));
  }
  // An output directory that does not exist.
  auto r = BuildModelFile(path, BuildOptions(), dir.File("no-such-dir/m.lm"));
  EXPECT_FALSE(r.ok());
  // A missing input names it.
  r = BuildModelFile(dir.File("missing.counts"), BuildOptions(), out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing.counts"), std::string::npos);
  EXPECT_FALSE(FileExists(out));
}

// A temporary file that cannot grow (a full disk, here a file size limit):
// an IOError naming the directory, and no output.
TEST(BuildModelFileTest, TemporaryFileErrorsFailCleanly) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 100000), 3);
  ASSERT_TRUE(counts.ok());
  const std::string path = WriteCounts(dir, *counts, "c.counts");
  const std::string out = dir.File("m.lm");
  BuildOptions o;
  o.memory = 1;
  o.refuse_over_budget = false;
  o.temp_dir = dir.path();
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
  struct rlimit small = old;
  small.rlim_cur = 16 << 10;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  auto r = BuildModelFile(path, o, out);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("temporary file in " + dir.path()), std::string::npos)
      << r.status().ToString();
  EXPECT_FALSE(FileExists(out));
  EXPECT_FALSE(HasTempFiles(dir.path()));
}

// A budget below what the estimator needs even when spilling: refused
// before anything is read, with the figure; that figure is enough.
TEST(BuildModelFileTest, BudgetBelowTheNeedIsRefusedWithTheFigure) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 100000), 3);
  ASSERT_TRUE(counts.ok());
  const std::string path = WriteCounts(dir, *counts, "c.counts");
  const std::string out = dir.File("m.lm");
  BuildOptions o;
  o.memory = 1 << 20;
  o.temp_dir = dir.path();
  auto r = BuildModelFile(path, o, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find(path + ": its header claims "), std::string::npos) << m;
  EXPECT_NE(m.find("more than the budget of 1M (-S); give -S "), std::string::npos) << m;
  EXPECT_FALSE(FileExists(out));
  EXPECT_FALSE(HasTempFiles(dir.path()));
  const size_t at = m.find("give -S ") + 8;
  o.memory = std::stoull(m.substr(at)) << 20;
  EXPECT_TRUE(BuildModelFile(path, o, out).ok());
}

// Count pruning with no unigram threshold streams: the model of the
// in-memory path (the pruned n-grams' mass to their context, the contexts
// and suffixes of kept n-grams kept, the kept sizes in the header, the
// "prune" and "counted.n" info), for every method and form, thresholds that
// cut some orders or none, in memory and spilled.
void ExpectSamePrunedModels(const std::vector<std::string>& lines, const std::string& corpus,
                            const std::vector<std::vector<uint64_t>>& thresholds) {
  TempDir dir;
  for (int order = 2; order <= 5; ++order) {
    auto counts = CountLines(lines, order);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    const std::string path = WriteCounts(dir, *counts, "c" + std::to_string(order) + ".counts");
    for (const std::vector<uint64_t>& prune : thresholds) {
      if (static_cast<int>(prune.size()) > order) continue;
      std::string what = corpus + " order " + std::to_string(order) + " --prune";
      for (uint64_t t : prune) {
        what += ' ';
        what += std::to_string(t);
      }
      for (const Method& method : StreamingMethods()) {
        BuildOptions o = Options(method);
        o.prune = prune;
        ExpectSameModel(path, o, what + " " + method.Name());
      }
    }
  }
}

TEST(BuildModelFileTest, CountPruningOnKjv) {
  const std::vector<std::string> lines = Lines(SourcePath("data/kjv-test.txt"), 1000);
  ASSERT_GT(lines.size(), 500u);
  ExpectSamePrunedModels(
      lines, "kjv-test",
      {{0}, {0, 0}, {0, 1}, {0, 0, 1}, {0, 1, 2}, {0, 2, 2, 3}, {0, 1, 1, 1, 4}, {0, 0, 0, 0, 1}});
}

TEST(BuildModelFileTest, CountPruningOnBrown) {
  const std::vector<std::string> lines = Lines(SharedPath("corpora/brown/train.txt"), 2000);
  if (lines.size() < 2000) GTEST_SKIP() << "brown/train.txt not found";
  ExpectSamePrunedModels(lines, "brown", {{0, 1}, {0, 0, 1}, {0, 1, 2, 2, 3}});
}

// Pruning that cuts everything above order 1 but what closure keeps, and
// tiny counts where orders are empty.
TEST(BuildModelFileTest, CountPruningOfTinyCounts) {
  const std::vector<std::vector<std::string>> corpora = {
      {"a"}, {"a b"}, {"", "a"}, {"a a a a a a a"}, {"the cat sat on the mat", "the cat ate"}};
  TempDir dir;
  for (const auto& lines : corpora) {
    for (int order : {2, 4}) {
      auto counts = CountLines(lines, order);
      ASSERT_TRUE(counts.ok());
      const std::string path = WriteCounts(dir, *counts, "tiny.counts");
      for (const std::vector<uint64_t>& prune :
           std::vector<std::vector<uint64_t>>{{0, 1}, {0, 1000}, {0, 0, 2}}) {
        if (static_cast<int>(prune.size()) > order) continue;
        for (const Method& method : StreamingMethods()) {
          BuildOptions o = Options(method);
          o.prune = prune;
          ExpectSameModel(path, o,
                          "'" + lines[0] + "' order " + std::to_string(order) + " pruned " +
                              std::to_string(prune.back()) + " " + method.Name());
        }
      }
    }
  }
}

// A slice of a partitioned merge is refused by both estimators as a slice
// to join, naming it; nothing is written.
TEST(BuildModelFileTest, RefusesASliceOfAPartitionedMerge) {
  TempDir dir;
  const std::vector<std::string> lines = Lines(SourcePath("data/kjv-test.txt"), 400);
  std::vector<std::string> shards;
  for (size_t half = 0; half < 2; ++half) {
    std::vector<std::string> part(lines.begin() + half * 200, lines.begin() + (half + 1) * 200);
    auto counts = CountLines(part, 3);
    ASSERT_TRUE(counts.ok());
    shards.push_back(WriteCounts(dir, *counts, "shard" + std::to_string(half) + ".counts"));
  }
  const std::string slice = dir.File("slice.counts");
  MergeSlice which;
  which.index = 2;
  which.count = 3;
  ASSERT_TRUE(MergeCountFilesToFile(shards, slice, CountOptions(), which).ok());
  const std::string out = dir.File("m.lm");
  auto streamed = BuildModelFile(slice, BuildOptions(), out);
  ASSERT_FALSE(streamed.ok());
  auto whole = BuildModelFromCounts(slice, BuildOptions(), ModelOutputs{out, dir.File("m.arpa")});
  ASSERT_FALSE(whole.ok());
  for (const Status& s : {streamed.status(), whole.status()}) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(slice + ": is slice 2 of 3 of a partitioned merge"),
              std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find("grams-count --join"), std::string::npos) << s.ToString();
  }
  EXPECT_FALSE(FileExists(out));
  EXPECT_FALSE(FileExists(dir.File("m.arpa")));
}

TEST(BuildModelFileTest, ReportsReadingThenEstimatingByOrder) {
  TempDir dir;
  auto counts = CountLines(Lines(SourcePath("data/kjv-test.txt"), 100), 4);
  ASSERT_TRUE(counts.ok());
  const std::string path = WriteCounts(dir, *counts, "c.counts");
  std::vector<Progress> reports;
  BuildOptions o;
  o.progress = [&reports](const Progress& p) { reports.push_back(p); };
  ASSERT_TRUE(BuildModelFile(path, o, dir.File("m.lm")).ok());
  std::vector<std::string> seen;
  for (const Progress& p : reports) {
    EXPECT_EQ(std::string(p.unit), "orders");
    EXPECT_EQ(p.total, 4u);
    EXPECT_LT(p.done, 4u);
    seen.push_back(p.stage + " " + std::to_string(p.done));
  }
  const std::vector<std::string> want = {"reading " + path + " 0", "reading " + path + " 1",
                                         "reading " + path + " 2", "reading " + path + " 3",
                                         "estimating 0",           "estimating 1",
                                         "estimating 2",           "estimating 3"};
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace grams
