// The streaming merge of counts files (count/shard_spill.h) and the
// partitioned merge: merging under a budget, each slice of a partition and
// their join must all give the bytes of counting the whole text; bad
// inputs are clear errors naming the file, with no output left.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "count/trie_merge.h"
#include "format/binary_file.h"
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "io/temp_file.h"
#include "test_util.h"

namespace grams {
namespace {

using test::ReadFile;
using test::TempDir;

// kjv-test (or `text`) in `k` shards at line boundaries, each counted at
// order `order`; the whole text counted too (whole.counts). With
// `shared_vocab` the shards are counted with the vocabulary of the whole
// (CountOptions::shared_vocab, from its order-1 counts), so that they merge
// by the trie merge (count/trie_merge.h).
struct Shards {
  TempDir dir;
  std::vector<std::string> counts;
  std::string whole;

  Shards(int k, int order, bool shared_vocab = false, std::string text = "") {
    if (text.empty()) text = ReadFile(test::SourcePath("data/kjv-test.txt"));
    size_t from = 0;
    std::vector<std::string> texts;
    CountOptions options;
    options.order = order;
    if (shared_vocab) {  // (vocab.counts)
      const std::string all = dir.path() + "/all.txt", vocab = dir.path() + "/vocab.counts";
      test::WriteFile(all, text);
      CountOptions unigrams;
      unigrams.order = 1;
      EXPECT_TRUE(CountFilesToFile({all}, unigrams, vocab).ok());
      options.shared_vocab = vocab;
    }
    for (int i = 1; i <= k; ++i) {
      const size_t to = i == k ? text.size() : text.find('\n', text.size() * i / k) + 1;
      texts.push_back(dir.path() + "/shard" + std::to_string(i) + ".txt");
      test::WriteFile(texts.back(), text.substr(from, to - from));
      from = to;
      counts.push_back(texts.back() + ".counts");
      EXPECT_TRUE(CountFilesToFile({texts.back()}, options, counts.back()).ok());
    }
    options.shared_vocab.clear();
    EXPECT_TRUE(CountFilesToFile(texts, options, dir.path() + "/whole.counts").ok());
    whole = ReadFile(dir.path() + "/whole.counts");
  }
  std::string path(const std::string& name) const { return dir.path() + "/" + name; }
};

CountOptions Budget(uint64_t memory, const std::string& temp_dir, int threads = 2) {
  CountOptions options;
  options.memory = memory;
  options.temp_dir = temp_dir;
  options.threads = threads;
  return options;
}

// A copy of the counts file (or slice) `in` at `out`, each section's raw
// bytes first given to edit(type, n, &raw); a valid container (a good zstd
// frame and checksum per section), so that the edit reaches the readers.
void Rewrite(const std::string& in, const std::string& out,
             const std::function<void(SectionType, int, std::string*)>& edit) {
  auto reader = BinaryFileReader::Open(in, FileKind::kCounts);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto writer = BinaryFileWriter::Open(out, (*reader)->header(), 3);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::string raw;
  auto copy = [&](SectionType type, int n) {
    ASSERT_TRUE((*reader)->Next(SectionId(type, n), &raw).ok());
    edit(type, n, &raw);
    (*writer)->AddSection(SectionId(type, n), raw);
  };
  copy(SectionType::kVocab, 0);
  copy(SectionType::kCounts, 1);
  for (int n = 2; n <= static_cast<int>((*reader)->header().order); ++n) {
    copy(SectionType::kChildCounts, n);
    copy(SectionType::kWords, n);
    copy(SectionType::kCounts, n);
  }
  ASSERT_TRUE((*reader)->Finish().ok());
  ASSERT_TRUE((*writer)->Finish().ok());
}

TEST(StreamMergeTest, EqualsCountingTheWholeWhateverTheBudget) {
  Shards shards(5, 4);
  // 1 byte: the smallest pieces and groups; 64M: one group.
  for (uint64_t memory : {uint64_t{1}, uint64_t{64} << 20}) {
    const std::string out = shards.path("merged.counts");
    Status s = MergeCountFilesToFile(shards.counts, out, Budget(memory, shards.dir.path()));
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(ReadFile(out) == shards.whole) << "budget " << memory;
  }
  EXPECT_EQ(io::TempBytesInUse(), 0u);
  EXPECT_FALSE(test::HasTempFiles(shards.dir.path()));
}

TEST(StreamMergeTest, MergedInMemoryEqualsTheWhole) {
  Shards shards(4, 3);
  for (uint64_t memory : {uint64_t{0}, uint64_t{1}}) {
    auto merged = MergeCountFiles(shards.counts, Budget(memory, ""));
    ASSERT_TRUE(merged.ok()) << merged.status().ToString();
    const std::string out = shards.path("memory.counts");
    ASSERT_TRUE(WriteCountsFile(*merged, out).ok());
    EXPECT_TRUE(ReadFile(out) == shards.whole) << "budget " << memory;
  }
}

TEST(StreamMergeTest, OneShardAndMergedMergesAreTheSame) {
  Shards shards(3, 3);
  const std::string once = shards.path("once.counts");
  ASSERT_TRUE(MergeCountFilesToFile({shards.counts[0]}, once, Budget(1, "")).ok());
  EXPECT_TRUE(ReadFile(once) == ReadFile(shards.counts[0]));
  // (1 + 2) + 3: merged counts merge again.
  const std::string twelve = shards.path("12.counts"), all = shards.path("all.counts");
  ASSERT_TRUE(
      MergeCountFilesToFile({shards.counts[0], shards.counts[1]}, twelve, Budget(1, "")).ok());
  ASSERT_TRUE(MergeCountFilesToFile({twelve, shards.counts[2]}, all, Budget(1, "")).ok());
  EXPECT_TRUE(ReadFile(all) == shards.whole);
}

TEST(StreamMergeTest, SlicesJoinToTheWhole) {
  Shards shards(4, 4);
  // 1 MB: each file's word ids kept from the first reading to the second;
  // 1 byte: looked up again.
  for (uint64_t memory : {uint64_t{1} << 20, uint64_t{1}}) {
    for (int K : {1, 2, 3, 7}) {
      std::vector<std::string> slices;
      for (int i = K; i >= 1; --i) {  // any order
        slices.push_back(shards.path("slice" + std::to_string(i)));
        Status s = MergeCountFilesToFile(shards.counts, slices.back(), Budget(memory, ""),
                                         MergeSlice{i, K});
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
      const std::string out = shards.path("joined.counts");
      Status s = JoinCountSlices(slices, out);
      ASSERT_TRUE(s.ok()) << "K " << K << ": " << s.ToString();
      EXPECT_TRUE(ReadFile(out) == shards.whole) << "K " << K << ", budget " << memory;
    }
  }
  // Without a budget too.
  std::vector<std::string> slices;
  for (int i = 1; i <= 2; ++i) {
    slices.push_back(shards.path("s" + std::to_string(i)));
    ASSERT_TRUE(
        MergeCountFilesToFile(shards.counts, slices.back(), CountOptions{}, MergeSlice{i, 2}).ok());
  }
  ASSERT_TRUE(JoinCountSlices(slices, shards.path("j.counts")).ok());
  EXPECT_TRUE(ReadFile(shards.path("j.counts")) == shards.whole);
}

TEST(StreamMergeTest, SliceIsNotCountsToMerge) {
  Shards shards(2, 3);
  const std::string slice = shards.path("slice1");
  ASSERT_TRUE(MergeCountFilesToFile(shards.counts, slice, Budget(1, ""), MergeSlice{1, 2}).ok());
  Status s = MergeCountFilesToFile({slice, shards.counts[0]}, shards.path("x"), Budget(1, ""));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(slice + ": is slice 1/2"), std::string::npos) << s.message();
  EXPECT_FALSE(test::FileExists(shards.path("x")));
}

TEST(StreamMergeTest, JoinRefusesIncompleteOrMixedSlices) {
  Shards shards(3, 3);
  auto make = [&](const std::vector<std::string>& inputs, int i, int K, const std::string& name) {
    Status s = MergeCountFilesToFile(inputs, shards.path(name), Budget(1, ""), MergeSlice{i, K});
    EXPECT_TRUE(s.ok()) << s.ToString();
    return shards.path(name);
  };
  const std::string a1 = make(shards.counts, 1, 3, "a1"), a2 = make(shards.counts, 2, 3, "a2"),
                    a3 = make(shards.counts, 3, 3, "a3");
  const std::string b2 = make({shards.counts[0], shards.counts[1]}, 2, 3, "b2");
  const std::string c2 = make(shards.counts, 2, 2, "c2");
  const std::string out = shards.path("out.counts");
  struct Case {
    std::vector<std::string> slices;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{a1, a3}, "slice 2/3 is missing"},
      {{a1, a2, a2, a3}, a2 + ": is slice 2/3 again"},
      {{a1, b2, a3}, b2 + ": is not a slice of the same merge"},
      {{a1, c2, a3}, ": is slice "},
      {{a1, a2, shards.counts[0]}, shards.counts[0] + ": is not a slice"},
      {{a1, a2, shards.path("missing")}, shards.path("missing")},
  };
  for (const Case& c : cases) {
    Status s = JoinCountSlices(c.slices, out);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(c.error), std::string::npos) << s.message();
    EXPECT_FALSE(test::FileExists(out));
  }
}

// A word twice in one file's vocabulary (past the checksums) is a corrupt
// file, in the merge of the whole and in each reading of a slice.
TEST(StreamMergeTest, AWordTwiceInAFileIsRefused) {
  Shards shards(2, 3);
  const std::string twice = shards.path("twice.counts");
  std::string word;
  Rewrite(shards.counts[1], twice, [&](SectionType type, int, std::string* raw) {
    if (type != SectionType::kVocab) return;
    std::vector<std::string_view> words;
    const char* p = raw->data();
    std::string_view w;
    while (GetLengthPrefixed(&p, raw->data() + raw->size(), &w)) words.push_back(w);
    ASSERT_GT(words.size(), 10u);
    word = std::string(words[9]);
    words[8] = words[9];
    *raw = EncodeVocab(words);
  });
  const std::string out = shards.path("out.counts");
  for (uint64_t memory : {uint64_t{0}, uint64_t{1}}) {
    for (int K : {0, 2}) {
      const MergeSlice slice = K == 0 ? MergeSlice{} : MergeSlice{2, K};
      Status s = MergeCountFilesToFile({shards.counts[0], twice}, out, Budget(memory, ""), slice);
      EXPECT_EQ(s.message(), twice + ": the word '" + word +
                                 "' is twice in its vocabulary (the file is corrupted)");
      EXPECT_FALSE(test::FileExists(out));
    }
  }
}

// The join counts the varints of each slice's WORDS and COUNTS without
// decoding them: a varint padded to ten bytes (valid, if not what grams
// writes) passes, one of eleven bytes or one cut off is a corrupt slice.
TEST(StreamMergeTest, JoinChecksTheVarintsItCopies) {
  Shards shards(2, 3);
  std::vector<std::string> slices;
  for (int i = 1; i <= 2; ++i) {
    slices.push_back(shards.path("slice" + std::to_string(i)));
    ASSERT_TRUE(
        MergeCountFilesToFile(shards.counts, slices.back(), Budget(0, ""), MergeSlice{i, 2}).ok());
  }
  const std::string out = shards.path("out.counts");
  const std::string bad = shards.path("bad");
  for (SectionType target : {SectionType::kWords, SectionType::kCounts}) {
    for (int bytes : {10, 11, 0}) {  // 0: the last varint cut off
      Rewrite(slices[1], bad, [&](SectionType type, int n, std::string* raw) {
        if (type != target || n != 3 || raw->empty()) return;
        if (bytes == 0) {
          raw->back() = static_cast<char>(raw->back() | 0x80);
          raw->push_back('\x80');  // as many ends as before, less one
          return;
        }
        // The first varint as `bytes` bytes: its own, then groups of zeros.
        const char* p = raw->data();
        uint64_t v;
        ASSERT_TRUE(GetVarint64(&p, raw->data() + raw->size(), &v));
        const size_t len = static_cast<size_t>(p - raw->data());
        ASSERT_LT(len, 10u);
        std::string padded = raw->substr(0, len);
        padded.back() = static_cast<char>(padded.back() | 0x80);
        padded.append(bytes - len - 1, '\x80');
        padded.push_back('\0');
        raw->replace(0, len, padded);
      });
      Status s = JoinCountSlices({slices[0], bad}, out);
      const std::string what = std::string(target == SectionType::kWords ? "WORDS" : "COUNTS") +
                               ", " + std::to_string(bytes) + " bytes";
      if (bytes == 10) {
        ASSERT_TRUE(s.ok()) << what << ": " << s.ToString();
        auto joined = ReadCountsFile(out);
        auto whole = ReadCountsFile(shards.path("whole.counts"));
        ASSERT_TRUE(joined.ok()) << what << ": " << joined.status().ToString();
        EXPECT_EQ(joined->counts, whole->counts) << what;
        EXPECT_EQ(joined->trie.levels[2].words, whole->trie.levels[2].words) << what;
        ASSERT_EQ(std::remove(out.c_str()), 0);
      } else {
        EXPECT_EQ(s.message(), bad + ": order 3 of the slice is malformed (the file is corrupted)")
            << what;
        EXPECT_FALSE(test::FileExists(out));
      }
    }
  }
}

TEST(StreamMergeTest, BadInputsNameTheFileAndLeaveNoOutput) {
  Shards shards(2, 3);
  const std::string out = shards.path("out.counts");
  // Another order.
  CountOptions o2;
  o2.order = 2;
  const std::string order2 = shards.path("order2.counts");
  ASSERT_TRUE(CountFilesToFile({shards.path("shard1.txt")}, o2, order2).ok());
  // Other settings.
  CountOptions folded;
  folded.order = 3;
  folded.tokenizer.case_fold = true;
  const std::string fold = shards.path("fold.counts");
  ASSERT_TRUE(CountFilesToFile({shards.path("shard1.txt")}, folded, fold).ok());
  // Corrupt: a byte flipped in the last section, cut short, not a counts file.
  std::string bytes = ReadFile(shards.counts[1]);
  std::string flipped = bytes;
  flipped[flipped.size() - 40] ^= 0x5a;
  test::WriteFile(shards.path("flipped.counts"), flipped);
  test::WriteFile(shards.path("cut.counts"), bytes.substr(0, bytes.size() * 2 / 3));
  test::WriteFile(shards.path("text.counts"), "just some text\n");
  struct Case {
    std::string file, error;
  };
  const std::vector<Case> cases = {
      {order2, ": order 2, but the counts merged so far have order 3"},
      {fold, ": counted with case_fold=1"},
      {shards.path("flipped.counts"), ""},
      {shards.path("cut.counts"), ""},
      {shards.path("text.counts"), ""},
      {shards.path("missing.counts"), ""},
  };
  for (const Case& c : cases) {
    for (int K : {1, 2}) {
      Status s = MergeCountFilesToFile({shards.counts[0], c.file}, out,
                                       Budget(1, shards.dir.path()), MergeSlice{1, K});
      EXPECT_FALSE(s.ok()) << c.file;
      EXPECT_NE(s.message().find(c.file + c.error), std::string::npos) << s.message();
      EXPECT_FALSE(test::FileExists(out));
      EXPECT_FALSE(test::HasTempFiles(shards.dir.path()));
    }
  }
  // A slice reads its inputs twice: standard input cannot be one.
  Status s = MergeCountFilesToFile({shards.counts[0], "-"}, out, Budget(1, ""), MergeSlice{1, 2});
  EXPECT_NE(s.message().find("standard input cannot be one"), std::string::npos) << s.message();
  s = MergeCountFilesToFile(shards.counts, out, Budget(1, ""), MergeSlice{3, 2});
  EXPECT_FALSE(s.ok());
}

// ---------------------------------------------------------------- the trie merge

// Whether a merge of `paths` into `out` took the trie merge (its progress
// stage), and its status.
Status MergeWatched(const std::vector<std::string>& paths, const std::string& out,
                    CountOptions options, bool* trie) {
  *trie = false;
  options.progress = [trie](const Progress& p) {
    *trie = *trie || p.stage == "merging counts files (trie merge)";
  };
  return MergeCountFilesToFile(paths, out, options);
}

// A text of `tokens` words drawn from a skewed vocabulary of 3000, 12 to a
// line: large enough that its orders merge on two threads.
std::string SkewedText(size_t tokens) {
  std::string text;
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < tokens; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const uint64_t r = x % 3000;
    text.push_back('w');
    text.append(std::to_string(r * r % 3000 / (1 + r % 7)));
    text.push_back(i % 12 == 11 ? '\n' : ' ');
  }
  return text;
}

TEST(TrieMergeTest, ShardsOfASharedVocabularyMergeToTheWhole) {
  for (int order : {1, 2, 4}) {
    Shards shards(5, order, /*shared_vocab=*/true);
    const std::string out = shards.path("merged.counts");
    // No budget, a budget it fits in, one it does not (the general merge).
    for (uint64_t memory : {uint64_t{0}, uint64_t{64} << 20, uint64_t{1}}) {
      bool trie = false;
      Status s = MergeWatched(shards.counts, out, Budget(memory, shards.dir.path()), &trie);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(trie, memory != 1) << "order " << order << ", budget " << memory;
      EXPECT_TRUE(ReadFile(out) == shards.whole) << "order " << order << ", budget " << memory;
    }
    // Some of the shards: their counts do not rank the words in the shared
    // order (the whole's), so they take the general merge, which numbers
    // the words by their counts; merged again with the rest, the general
    // merge again, to the same bytes.
    const std::string twelve = shards.path("12.counts");
    bool trie = true;
    ASSERT_TRUE(
        MergeWatched({shards.counts[0], shards.counts[1]}, twelve, CountOptions{}, &trie).ok());
    EXPECT_FALSE(trie);
    std::vector<std::string> rest = {twelve};
    rest.insert(rest.end(), shards.counts.begin() + 2, shards.counts.end());
    ASSERT_TRUE(MergeWatched(rest, out, CountOptions{}, &trie).ok());
    EXPECT_TRUE(ReadFile(out) == shards.whole) << "order " << order;
    // With the shared vocabulary, the merge of some numbers them in its
    // order, by the trie merge (and the general one, under a small budget,
    // the same bytes), and merges again with the rest by the trie merge.
    CountOptions shared = Budget(0, "");
    shared.shared_vocab = shards.path("vocab.counts");
    ASSERT_TRUE(MergeWatched({shards.counts[0], shards.counts[1]}, twelve, shared, &trie).ok());
    EXPECT_TRUE(trie);
    const std::string general = shards.path("12-general.counts");
    shared.memory = 1;
    ASSERT_TRUE(MergeWatched({shards.counts[0], shards.counts[1]}, general, shared, &trie).ok());
    EXPECT_FALSE(trie);
    EXPECT_TRUE(ReadFile(general) == ReadFile(twelve)) << "order " << order;
    ASSERT_TRUE(MergeWatched(rest, out, CountOptions{}, &trie).ok());
    EXPECT_TRUE(trie);
    EXPECT_TRUE(ReadFile(out) == shards.whole) << "order " << order;
  }
}

TEST(TrieMergeTest, OnOneOrTwoThreadsTheSameBytes) {
  Shards shards(7, 4, /*shared_vocab=*/true, SkewedText(60000));
  const std::string out = shards.path("merged.counts");
  for (size_t split : {size_t{1}, size_t{1000}, size_t{0}}) {
    count::SetTrieMergeSplitForTesting(split);
    for (int threads : {1, 2, 3}) {
      bool trie = false;
      Status s = MergeWatched(shards.counts, out, Budget(0, "", threads), &trie);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_TRUE(trie);
      EXPECT_TRUE(ReadFile(out) == shards.whole) << "split " << split << ", threads " << threads;
    }
  }
  count::SetTrieMergeSplitForTesting(0);
}

// Up to 128 files, an entry's sources take a byte each; more, two bytes.
TEST(TrieMergeTest, ManyFilesOnEitherSideOfOneByteSources) {
  Shards shards(129, 3, /*shared_vocab=*/true, SkewedText(20000));
  const std::string out = shards.path("merged.counts");
  // 128 of the shards, numbered in the shared order (their own counts rank
  // the words otherwise): the general merge, then the trie merge.
  const std::vector<std::string> first(shards.counts.begin(), shards.counts.begin() + 128);
  const std::string general = shards.path("general.counts");
  CountOptions shared = Budget(1, "");
  shared.shared_vocab = shards.path("vocab.counts");
  bool trie = true;
  ASSERT_TRUE(MergeWatched(first, general, shared, &trie).ok());
  EXPECT_FALSE(trie);
  count::SetTrieMergeSplitForTesting(1);
  for (int threads : {1, 2}) {
    shared = Budget(0, "", threads);
    shared.shared_vocab = shards.path("vocab.counts");
    ASSERT_TRUE(MergeWatched(first, out, shared, &trie).ok());
    EXPECT_TRUE(trie);
    EXPECT_TRUE(ReadFile(out) == ReadFile(general)) << "128 files, threads " << threads;
    ASSERT_TRUE(MergeWatched(shards.counts, out, Budget(0, "", threads), &trie).ok());
    EXPECT_TRUE(trie);
    EXPECT_TRUE(ReadFile(out) == shards.whole) << "129 files, threads " << threads;
  }
  count::SetTrieMergeSplitForTesting(0);
}

// The trie merge keeps the output's sections in a temporary file until
// the header is known: a temporary directory that cannot be written is an
// error naming it (as it is for the general merge), and no output is left.
TEST(TrieMergeTest, TheTemporaryDirectoryMustBeWritable) {
  Shards shards(3, 3, /*shared_vocab=*/true);
  const std::string out = shards.path("merged.counts");
  bool trie = false;
  Status s = MergeWatched(shards.counts, out, Budget(0, shards.path("none")), &trie);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(shards.path("none")), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(TrieMergeTest, ShardsNumberedApartTakeTheGeneralMerge) {
  Shards apart(3, 3);
  const std::string out = apart.path("merged.counts");
  bool trie = true;
  ASSERT_TRUE(MergeWatched(apart.counts, out, CountOptions{}, &trie).ok());
  EXPECT_FALSE(trie);
  EXPECT_TRUE(ReadFile(out) == apart.whole);
  // One shard numbered apart among shared ones: the general merge too.
  Shards shared(3, 3, /*shared_vocab=*/true);
  ASSERT_TRUE(
      MergeWatched({shared.counts[0], shared.counts[1], apart.counts[2]}, out, {}, &trie).ok());
  EXPECT_FALSE(trie);
  EXPECT_TRUE(ReadFile(out) == apart.whole);
}

// Damage past the checksums in a shard that qualifies (its vocabulary
// intact) is an error naming it, with no output, never a crash.
TEST(TrieMergeTest, DamagedShardsNameTheFileAndLeaveNoOutput) {
  Shards shards(3, 3, /*shared_vocab=*/true);
  const std::string out = shards.path("out.counts");
  struct Case {
    const char* what;
    SectionType type;
    int n;
    std::function<void(std::string*)> edit;
  };
  const std::vector<Case> cases = {
      {"a child count more", SectionType::kChildCounts, 2, [](std::string* r) { *r += '\1'; }},
      {"child counts short", SectionType::kChildCounts, 3, [](std::string* r) { r->pop_back(); }},
      {"a word too large", SectionType::kWords, 2,
       [](std::string* r) { *r = std::string("\xff\xff\xff\x0f") + r->substr(1); }},
      {"a word more", SectionType::kWords, 3, [](std::string* r) { *r += '\0'; }},
      {"a count of 0", SectionType::kCounts, 3, [](std::string* r) { (*r)[0] = 0; }},
      {"a count short", SectionType::kCounts, 2, [](std::string* r) { r->pop_back(); }},
      {"a malformed count", SectionType::kCounts, 2, [](std::string* r) { r->back() = '\x80'; }},
  };
  for (const Case& c : cases) {
    const std::string bad = shards.path("bad.counts");
    Rewrite(shards.counts[1], bad, [&](SectionType type, int n, std::string* raw) {
      if (type == c.type && n == c.n) c.edit(raw);
    });
    for (int threads : {1, 2}) {
      count::SetTrieMergeSplitForTesting(1);
      bool trie = false;
      Status s = MergeWatched({shards.counts[0], bad, shards.counts[2]}, out,
                              Budget(0, "", threads), &trie);
      count::SetTrieMergeSplitForTesting(0);
      EXPECT_TRUE(trie) << c.what;
      EXPECT_FALSE(s.ok()) << c.what;
      EXPECT_NE(s.message().find(bad + ": "), std::string::npos) << c.what << ": " << s.message();
      EXPECT_FALSE(test::FileExists(out)) << c.what;
    }
  }
  // Cut short: the sections of an order, or the end marker, missing.
  const std::string bytes = ReadFile(shards.counts[1]);
  for (size_t keep : {bytes.size() / 2, bytes.size() - 10}) {
    const std::string cut = shards.path("cut.counts");
    test::WriteFile(cut, bytes.substr(0, keep));
    bool trie = false;
    Status s = MergeWatched({shards.counts[0], cut}, out, CountOptions{}, &trie);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(cut), std::string::npos) << s.message();
    EXPECT_FALSE(test::FileExists(out));
  }
}

// A count written in more bytes than it needs reads the same; the merge
// writes it in the fewest, as the general merge does.
TEST(TrieMergeTest, CountsWrittenLongAreWrittenShort) {
  Shards shards(3, 3, /*shared_vocab=*/true);
  const std::string longer = shards.path("long.counts");
  // Order 3's counts and child counts (which the merge copies as bytes).
  Rewrite(shards.counts[1], longer, [](SectionType type, int n, std::string* raw) {
    if ((type != SectionType::kCounts && type != SectionType::kChildCounts) || n != 3) return;
    std::string out;
    for (char b : *raw) {  // every one-byte count in two
      if (static_cast<unsigned char>(b) < 0x80) {
        out.push_back(static_cast<char>(b | 0x80));
        out.push_back('\0');
      } else {
        out.push_back(b);
      }
    }
    *raw = out;
  });
  const std::string out = shards.path("merged.counts");
  bool trie = false;
  Status s = MergeWatched({shards.counts[0], longer, shards.counts[2]}, out, {}, &trie);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(trie);
  EXPECT_TRUE(ReadFile(out) == shards.whole);
  // The same, the order merged on two threads.
  count::SetTrieMergeSplitForTesting(1);
  s = MergeWatched({shards.counts[0], longer, shards.counts[2]}, out, Budget(0, "", 2), &trie);
  count::SetTrieMergeSplitForTesting(0);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(trie);
  EXPECT_TRUE(ReadFile(out) == shards.whole);
}

TEST(CountVocabularyTest, WordsTakeTheSharedOrder) {
  TempDir dir;
  const std::string whole = dir.path() + "/whole.txt", vocab = dir.path() + "/vocab.counts";
  const std::string text = dir.path() + "/t.txt", out = dir.path() + "/t.counts";
  test::WriteFile(whole, "a a a a a b b b b c c c d d e\n");  // canonically a b c d e
  CountOptions unigrams;
  unigrams.order = 1;
  ASSERT_TRUE(CountFilesToFile({whole}, unigrams, vocab).ok());
  test::WriteFile(text, "e e e c a\n");  // by its own counts: e a c
  CountOptions options;
  options.order = 2;
  options.shared_vocab = vocab;
  ASSERT_TRUE(CountFilesToFile({text}, options, out).ok());
  auto counts = ReadCountsFile(out);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->vocab.size(), 6u);  // the words of the text only, in a b c d e's order
  EXPECT_EQ(counts->vocab.Word(3), "a");
  EXPECT_EQ(counts->vocab.Word(4), "c");
  EXPECT_EQ(counts->vocab.Word(5), "e");
  EXPECT_EQ(counts->counts[0][5], 3u);
  // A word it lacks; other settings; no counts file.
  test::WriteFile(text, "a zebra\n");
  std::remove(out.c_str());
  Status s = CountFilesToFile({text}, options, out);
  EXPECT_NE(s.message().find("'zebra' is not in the vocabulary of " + vocab), std::string::npos)
      << s.message();
  EXPECT_FALSE(test::FileExists(out));
  CountOptions chars = options;
  chars.tokenizer.unit = Unit::kChar;
  s = CountFilesToFile({text}, chars, out);
  EXPECT_NE(s.message().find(vocab + ": counted with unit=word, but this count has unit=char"),
            std::string::npos)
      << s.message();
  for (const std::string& bad : {whole, dir.path() + "/missing.counts"}) {
    options.shared_vocab = bad;
    s = CountFilesToFile({text}, options, out);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace grams
