// Counting under a memory budget: spilled runs merged back must give the
// same counts file, byte for byte, as counting in memory, whatever the
// budget, the thread count, the boundaries mode; and merging counts files
// under a budget must equal counting the whole.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "count/group_run.h"
#include "grams/counts.h"
#include "io/temp_file.h"
#include "io/zstd_frame.h"
#include "test_util.h"
#include "util/coding.h"

namespace grams {
namespace {

using test::ReadFile;
using test::TempDir;

const std::string kCorpus = test::SourcePath("data/kjv-train.txt.zst");

struct CountRun {
  std::string bytes;             // the counts file
  std::set<std::string> stages;  // progress stages seen
};

CountRun CountWith(const std::vector<std::string>& inputs, CountOptions options,
                   const std::string& out) {
  CountRun run;
  options.progress = [&run](const Progress& p) { run.stages.insert(p.stage); };
  Status s = CountFilesToFile(inputs, options, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  run.bytes = ReadFile(out);
  return run;
}

TEST(SpillTest, SpilledCountsAreByteIdenticalToInMemory) {
  TempDir dir;
  CountOptions options;
  options.order = 4;
  options.threads = 2;
  const CountRun memory = CountWith({kCorpus}, options, dir.path() + "/memory.counts");
  EXPECT_EQ(memory.stages.count("merging spilled counts"), 0u);
  ASSERT_GT(memory.bytes.size(), 1000u);
  // A budget of 1 byte spills after every batch of text and merges in many
  // groups; 24M spills now and then.
  for (uint64_t budget : {uint64_t{1}, uint64_t{24} << 20}) {
    for (int threads : {1, 3}) {
      options.memory = budget;
      options.threads = threads;
      options.temp_dir = dir.path();
      const CountRun spilled = CountWith({kCorpus}, options, dir.path() + "/spilled.counts");
      EXPECT_EQ(spilled.stages.count("merging spilled counts"), 1u) << "budget " << budget;
      EXPECT_TRUE(spilled.bytes == memory.bytes) << "budget " << budget << ", threads " << threads;
    }
  }
  // Nothing is left in the temporary directory but the outputs.
  EXPECT_EQ(TempDir::ListDir(dir.path()).size(), 2u);
  EXPECT_EQ(io::TempBytesInUse(), 0u);
}

TEST(SpillTest, FinishInMemoryAfterSpilling) {
  CountOptions options;
  options.order = 3;
  auto whole = CountFiles({kCorpus}, options);
  options.memory = 1;
  auto spilled = CountFiles({kCorpus}, options);
  ASSERT_TRUE(whole.ok() && spilled.ok()) << spilled.status().ToString();
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(spilled->trie.levels[n - 1].words, whole->trie.levels[n - 1].words);
    EXPECT_EQ(spilled->trie.levels[n - 1].parents, whole->trie.levels[n - 1].parents);
    EXPECT_EQ(spilled->counts[n - 1], whole->counts[n - 1]);
  }
}

TEST(SpillTest, StreamModeCarriesWindowsAcrossSpills) {
  // --boundaries none: windows cross batch ends, and so spill points.
  TempDir dir;
  CountOptions options;
  options.order = 5;
  options.tokenizer.boundaries = Boundaries::kNone;
  const CountRun memory = CountWith({kCorpus}, options, dir.path() + "/a.counts");
  options.memory = 1;
  const CountRun spilled = CountWith({kCorpus}, options, dir.path() + "/b.counts");
  EXPECT_EQ(spilled.stages.count("merging spilled counts"), 1u);
  EXPECT_TRUE(spilled.bytes == memory.bytes);
}

TEST(SpillTest, MergeUnderABudgetEqualsCountingTheWhole) {
  TempDir dir;
  const std::string text = ReadFile(test::SourcePath("data/kjv-test.txt"));
  // Three shards at line boundaries.
  std::vector<std::string> shards;
  size_t from = 0;
  for (int i = 1; i <= 3; ++i) {
    size_t to = i == 3 ? text.size() : text.find('\n', text.size() * i / 3) + 1;
    shards.push_back(dir.path() + "/shard" + std::to_string(i) + ".txt");
    test::WriteFile(shards.back(), text.substr(from, to - from));
    from = to;
  }
  CountOptions options;
  options.order = 4;
  const CountRun whole = CountWith(shards, options, dir.path() + "/whole.counts");
  std::vector<std::string> parts;
  for (const auto& shard : shards) {
    parts.push_back(shard + ".counts");
    ASSERT_TRUE(CountFilesToFile({shard}, options, parts.back()).ok());
  }
  CountOptions merge;
  merge.memory = 1;
  merge.temp_dir = dir.path();
  const std::string out = dir.path() + "/merged.counts";
  ASSERT_TRUE(MergeCountFilesToFile(parts, out, merge).ok());
  EXPECT_TRUE(ReadFile(out) == whole.bytes);
}

TEST(SpillTest, UnusableTempDirIsAClearErrorAndNoOutput) {
  TempDir dir;
  CountOptions options;
  options.order = 3;
  options.memory = 1;
  options.temp_dir = dir.path() + "/missing";
  const std::string out = dir.path() + "/out.counts";
  Status s = CountFilesToFile({kCorpus}, options, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(dir.path() + "/missing"), std::string::npos) << s.message();
  EXPECT_FALSE(test::FileExists(out));
  EXPECT_FALSE(test::HasTempFiles(dir.path()));
}

// The group runs of the external merge (count/group_run.h): what the writer
// encodes the reader gives back, block by block; a run cut short is
// Corruption (or, cut at a block's end, a shorter run), never a crash.
struct RunEntry {
  WordId first;
  uint64_t offset;
  WordId word;
  Count count;
  bool operator==(const RunEntry& o) const {
    return first == o.first && offset == o.offset && word == o.word && count == o.count;
  }
};

Status ReadRun(const io::TempFile& file, const io::FrameRef& frame, std::vector<RunEntry>* out) {
  count::GroupRunReader reader(&file, frame, 5);
  while (reader.NextBlock()) {
    for (uint64_t i = 0; i < reader.size(); ++i) {
      RunEntry e{reader.first_word(), 0, 0, 0};
      if (!reader.NextEntry(&e.offset, &e.word, &e.count)) return reader.status();
      out->push_back(e);
    }
  }
  if (reader.status().ok() && !reader.done()) return InternalError("run not used up");
  return reader.status();
}

TEST(GroupRunTest, RoundTripAndTruncation) {
  TempDir dir;
  auto file = io::TempFile::Create(dir.path());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  // FORMAT.md's worked example (<unk> <s> </s> b a) and a third order.
  TrieLevel bigrams, trigrams;
  bigrams.parents = {1, 1, 3, 3, 4};
  bigrams.words = {3, 4, 2, 4, 3};
  trigrams.parents = {0, 1, 3, 4};  // <s> b a, <s> a b, b a b, a b </s>
  trigrams.words = {4, 3, 3, 2};
  count::GroupRunWriter writer;
  const std::string run2 = writer.Encode(2, bigrams, {1, 1, 2, 1, 2});
  const std::string run3 = writer.Encode(3, trigrams, {1, 1, 1, 2});
  // Order 2: blocks 1 (2 entries), 3 (+2, 2 entries), 4 (+1, 1 entry).
  EXPECT_EQ(run2, std::string("\x01\x02\x00\x03\x01\x00\x00\x01"
                              "\x02\x02\x00\x02\x02\x00\x01\x01"
                              "\x01\x01\x00\x03\x02",
                              21));
  std::vector<RunEntry> got;
  auto frame = io::AppendFrame(file->get(), run3, 1);
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(ReadRun(**file, *frame, &got).ok());
  // Offsets within the first word's block of order 2: <s> b is 0 and <s> a
  // 1 in <s>'s block, b a is 1 in b's block, a b is 0 in a's.
  const std::vector<RunEntry> expected = {{1, 0, 4, 1}, {1, 1, 3, 1}, {3, 1, 3, 1}, {4, 0, 2, 2}};
  EXPECT_TRUE(got == expected);
  for (size_t cut = 0; cut < run2.size(); ++cut) {
    auto part = io::AppendFrame(file->get(), run2.substr(0, cut), 1);
    ASSERT_TRUE(part.ok());
    got.clear();
    Status s = ReadRun(**file, *part, &got);
    if (s.ok()) {
      EXPECT_TRUE(cut == 0 || cut == 8 || cut == 16) << "cut at " << cut;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
      EXPECT_NE(s.message().find(dir.path()), std::string::npos) << s.ToString();
    }
  }
  // A word outside the vocabulary.
  auto bad = io::AppendFrame(file->get(), std::string("\x01\x01\x00\x05\x01", 5), 1);
  ASSERT_TRUE(bad.ok());
  got.clear();
  EXPECT_EQ(ReadRun(**file, *bad, &got).code(), StatusCode::kCorruption);
}

// FrameReader's varints, three at a time (Varints) and one at a time, the
// same across the refills of a frame of 1.7 MB; and a malformed one (an
// eleventh byte) where 30 bytes or more are at hand and where fewer are.
TEST(FrameReaderTest, VarintsAcrossRefillsAndMalformed) {
  TempDir dir;
  auto file = io::TempFile::Create(dir.path());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::mt19937_64 rng(5);
  std::vector<uint64_t> values(300000);
  std::string raw;
  for (auto& v : values) {
    v = rng() >> (rng() % 64);  // every length, 1 to 10 bytes
    PutVarint64(&raw, v);
  }
  auto frame = io::AppendFrame(file->get(), raw, 1);
  ASSERT_TRUE(frame.ok());
  io::FrameReader reader(file->get(), *frame);
  size_t i = 0;
  while (i + 3 <= values.size()) {
    uint64_t a, b, c;
    if (i % 7 == 0) {
      ASSERT_TRUE(reader.Varint(&a)) << i;
      EXPECT_EQ(a, values[i]) << i;
      ++i;
      continue;
    }
    ASSERT_TRUE(reader.Varints(&a, &b, &c)) << i;
    EXPECT_EQ(a, values[i]) << i;
    EXPECT_EQ(b, values[i + 1]) << i;
    EXPECT_EQ(c, values[i + 2]) << i;
    i += 3;
  }
  for (; i < values.size(); ++i) {
    uint64_t a;
    ASSERT_TRUE(reader.Varint(&a));
    EXPECT_EQ(a, values[i]);
  }
  uint64_t a, b, c;
  EXPECT_FALSE(reader.Varint(&a));
  EXPECT_TRUE(reader.status().ok()) << "the end of the frame is not an error";
  EXPECT_TRUE(reader.done());

  const std::string eleven = std::string(10, '\x80') + '\x01';
  // 40 bytes after it: Varints reads the three at once; none: one by one.
  // (The first read fills the reader's buffer, by the slow way.)
  for (size_t before : {size_t{1}, size_t{100}}) {
    std::string bad(before, '\x05');  // one-byte varints
    bad += "\x07\x07" + eleven + std::string(before == 1 ? 40 : 0, '\x05');
    auto f = io::AppendFrame(file->get(), bad, 1);
    ASSERT_TRUE(f.ok());
    io::FrameReader r(file->get(), *f);
    for (size_t k = 0; k < before; ++k) ASSERT_TRUE(r.Varint(&a));
    EXPECT_FALSE(r.Varints(&a, &b, &c)) << before;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << before;
    EXPECT_NE(r.status().message().find(dir.path()), std::string::npos) << r.status().ToString();
  }
}

}  // namespace
}  // namespace grams
