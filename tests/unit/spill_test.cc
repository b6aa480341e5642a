// Counting under a memory budget: spilled runs merged back must give the
// same counts file, byte for byte, as counting in memory, whatever the
// budget, the thread count, the boundaries mode; and merging counts files
// under a budget must equal counting the whole.
#include <gtest/gtest.h>

#include <set>

#include "grams/counts.h"
#include "io/temp_file.h"
#include "test_util.h"

namespace grams {
namespace {

using test::ReadFile;
using test::TempDir;

const std::string kCorpus = test::SourcePath("data/kjv-train.txt.zst");

struct CountRun {
  std::string bytes;            // the counts file
  std::set<std::string> stages; // progress stages seen
};

CountRun CountWith(const std::vector<std::string>& inputs, CountOptions options, const std::string& out) {
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

}  // namespace
}  // namespace grams
