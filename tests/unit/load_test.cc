// Loading a model file into the query tables (query/model_loader.h): the
// task graph it runs on (util/task_graph.h), the fast structure decoders
// (DecodeTrieLevelFast), the table builder
// (OrderBuilder) and the loader's errors, which must be those of a
// sequential reader whatever the threads did first.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>

#include "format/binary_file.h"
#include "format/model_file.h"
#include "format/order_sections.h"
#include "grams/grams.h"
#include "query/ngram_hash.h"
#include "test_util.h"
#include "util/huge_array.h"
#include "util/task_graph.h"

namespace grams {
namespace {

using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// ------------------------------------------------------------- TaskGraph

TEST(TaskGraphTest, RunsEveryTaskAfterWhatItWaitsOn) {
  for (int threads : {1, 2, 4}) {
    TaskGraph graph;
    std::mutex mu;
    std::vector<int> done;
    auto task = [&](int id) {
      return [&, id] {
        std::this_thread::sleep_for(std::chrono::microseconds(100 * (id % 3)));
        std::lock_guard<std::mutex> lock(mu);
        done.push_back(id);
        return Status::OK();
      };
    };
    // A diamond and a chain: 0 -> {1, 2} -> 3; 4 -> 5 -> 6; 7 on its own.
    graph.Add(0, {}, task(0));
    graph.Add(0, {0}, task(1));
    graph.Add(0, {0}, task(2));
    graph.Add(0, {1, 2}, task(3));
    graph.Add(5, {}, task(4));
    graph.Add(5, {4, -1}, task(5));
    graph.Add(5, {5}, task(6));
    graph.Add(9, {}, task(7));
    ASSERT_TRUE(graph.Run(threads).ok());
    ASSERT_EQ(done.size(), 8u);
    auto at = [&](int id) { return std::find(done.begin(), done.end(), id) - done.begin(); };
    EXPECT_LT(at(0), at(1));
    EXPECT_LT(at(0), at(2));
    EXPECT_LT(at(1), at(3));
    EXPECT_LT(at(2), at(3));
    EXPECT_LT(at(4), at(5));
    EXPECT_LT(at(5), at(6));
  }
}

TEST(TaskGraphTest, OneThreadRunsTheReadyTaskOfLowestPriorityFirst) {
  TaskGraph graph;
  std::vector<int> done;
  auto task = [&](int id) {
    return [&, id] {
      done.push_back(id);
      return Status::OK();
    };
  };
  graph.Add(30, {}, task(0));
  graph.Add(10, {}, task(1));
  graph.Add(20, {}, task(2));
  graph.Add(0, {0}, task(3));  // ready only after 0, then first
  ASSERT_TRUE(graph.Run(1).ok());
  EXPECT_EQ(done, (std::vector<int>{1, 2, 0, 3}));
}

// GRAMS_TASK_TRACE: a line a task, in id order, with its priority, when it
// ran, its CPU time and its label; nothing without it. And the model
// loader labels its tasks (tests/formats/v1/tiny.lm: order 3).
TEST(TaskGraphTest, TracesEachTaskWhenAsked) {
  auto run = [](bool traced) {
    if (traced) {
      setenv("GRAMS_TASK_TRACE", "1", 1);
    } else {
      unsetenv("GRAMS_TASK_TRACE");
    }
    TaskGraph graph;
    const int busy = graph.Add(5, {}, [] {
      // 2 ms of this thread's CPU, the work the trace times.
      auto cpu_ms = [] {
        timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
      };
      const double until = cpu_ms() + 2.0;
      volatile uint64_t x = 0;
      while (cpu_ms() < until) x = x + 1;
      return Status::OK();
    });
    graph.Label(busy, "busy 1");
    graph.Add(7, {busy}, [] { return Status::OK(); });
    testing::internal::CaptureStderr();
    const Status s = graph.Run(2);
    const std::string err = testing::internal::GetCapturedStderr();
    unsetenv("GRAMS_TASK_TRACE");
    EXPECT_TRUE(s.ok());
    return err;
  };
  EXPECT_EQ(run(false), "");
  const std::string trace = run(true);
  unsigned id0 = 9, id1 = 9;
  long long p0 = 0, p1 = 0;
  double start0 = -1, end0 = -1, cpu0 = -1, start1 = -1, end1 = -1, cpu1 = -1;
  char label[32] = {0}, number[32] = {0};
  ASSERT_EQ(std::sscanf(trace.c_str(),
                        "task %u %lld %lf %lf %lf %31s %31s\ntask %u %lld %lf %lf %lf", &id0, &p0,
                        &start0, &end0, &cpu0, label, number, &id1, &p1, &start1, &end1, &cpu1),
            12)
      << trace;
  EXPECT_EQ(id0, 0u);
  EXPECT_EQ(p0, 5);
  EXPECT_EQ(std::string(label) + " " + number, "busy 1");
  EXPECT_GE(start0, 0.0);
  EXPECT_GE(cpu0, 1.99);
  EXPECT_GE(end0 - start0, cpu0 - 0.01);  // wall time holds the CPU time
  EXPECT_EQ(id1, 1u);
  EXPECT_EQ(p1, 7);
  EXPECT_GE(start1, end0);  // it waited on task 0

  setenv("GRAMS_TASK_TRACE", "1", 1);
  testing::internal::CaptureStderr();
  auto lm = LanguageModel::Load(test::SourcePath("tests/formats/v1/tiny.lm"));
  const std::string loaded = testing::internal::GetCapturedStderr();
  unsetenv("GRAMS_TASK_TRACE");
  ASSERT_TRUE(lm.ok()) << lm.status().ToString();
  for (const char* name : {" read 1.0\n", " decompress 3.3\n", " vocabulary\n", " decode 3\n",
                           " values 2\n", " unigrams\n", " finish\n"}) {
    EXPECT_NE(loaded.find(name), std::string::npos) << name << " not in\n" << loaded;
  }
}

// The error is the lowest-numbered task's, even when a later one fails
// first in time; tasks numbered below the failure still run, tasks waiting
// on a failed one do not.
TEST(TaskGraphTest, TheErrorIsTheOneASequentialRunMeetsFirst) {
  for (int threads : {1, 2, 3}) {
    TaskGraph graph;
    std::atomic<bool> ran_after_failure{false};
    graph.Add(1, {}, [] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      return CorruptionError("first");
    });
    graph.Add(0, {}, [] { return CorruptionError("second"); });
    graph.Add(0, {1}, [&] {
      ran_after_failure = true;
      return Status::OK();
    });
    graph.Add(0, {}, [] { return InvalidArgument("third"); });
    const Status status = graph.Run(threads);
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
    EXPECT_EQ(status.message(), "first");
    EXPECT_FALSE(ran_after_failure);
  }
  // A task numbered below a failure still runs, and its own error wins.
  TaskGraph graph;
  std::atomic<bool> ran{false};
  graph.Add(1, {}, [&] {
    ran = true;
    return Status::OK();
  });
  graph.Add(0, {}, [] { return CorruptionError("late"); });
  EXPECT_EQ(graph.Run(1).message(), "late");
  EXPECT_TRUE(ran);
}

TEST(TaskGraphTest, AnExceptionIsRethrownAfterEveryThreadStopped) {
  TaskGraph graph;
  std::atomic<int> finished{0};
  graph.Add(0, {}, []() -> Status { throw std::runtime_error("boom"); });
  for (int i = 0; i < 4; ++i) {
    graph.Add(0, {}, [&] {
      ++finished;
      return Status::OK();
    });
  }
  EXPECT_THROW((void)graph.Run(2), std::runtime_error);
  // Tasks numbered after the failure may or may not have run; none is left
  // running.
  EXPECT_LE(finished.load(), 4);
}

// ------------------------------------------------------- HugeArray::Shrink

TEST(HugeArrayTest, ShrinkKeepsThePrefix) {
  for (size_t n : {size_t{100}, size_t{3} << 20}) {
    HugeArray<uint32_t> a(n);
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<uint32_t>(i * 7);
    a.Shrink(n / 3);
    ASSERT_EQ(a.size(), n / 3);
    for (size_t i = 0; i < n / 3; ++i) ASSERT_EQ(a[i], i * 7);
    a.Shrink(n);  // growing is not shrinking: nothing happens
    EXPECT_EQ(a.size(), n / 3);
    a.Shrink(0);
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(a.data(), nullptr);
  }
}

// ------------------------------------------------- huge pages, or not

// The VmFlags of the mapping that holds `p` (/proc/self/smaps): "hg" for
// MADV_HUGEPAGE, "nh" for MADV_NOHUGEPAGE.
std::string VmFlagsAt(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      inside = lo <= addr && addr < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

bool HasFlag(const std::string& flags, const std::string& flag) {
  return (flags + " ").find(" " + flag + " ") != std::string::npos;
}

TEST(HugePagesTest, FreePageReportingIsReadFromTheBalloonsFeatures) {
  TempDir dir;
  const std::string drivers = dir.path() + "/virtio_balloon";
  EXPECT_FALSE(huge_page_probe::FreePagesReported(drivers));  // no such directory
  ASSERT_TRUE(std::filesystem::create_directories(drivers + "/virtio4"));
  ASSERT_TRUE(std::filesystem::create_directories(drivers + "/module"));
  WriteFile(drivers + "/module/features", "11111111\n");  // not a device
  WriteFile(drivers + "/virtio4/features", "0110000100000000000000000000000010000000\n");
  EXPECT_FALSE(huge_page_probe::FreePagesReported(drivers));  // bit 5 clear
  WriteFile(drivers + "/virtio4/features", "0110010100000000000000000000000010000000\n");
  EXPECT_TRUE(huge_page_probe::FreePagesReported(drivers));
  WriteFile(drivers + "/virtio4/features", "01100\n");  // too short to say
  EXPECT_FALSE(huge_page_probe::FreePagesReported(drivers));
}

TEST(HugePagesTest, ASlowProbeTurnsHugePagesOff) {
  if (std::getenv("GRAMS_HUGE_PAGES") != nullptr) GTEST_SKIP() << "GRAMS_HUGE_PAGES decides";
  constexpr size_t kHuge = size_t{2} << 20;
  // A probe slower than its limit (here any): the rest of that mapping, and
  // every later large array, asks for small pages.
  const size_t bytes = 3 * kHuge;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  char* start = static_cast<char*>(p);
  madvise(start, bytes, MADV_HUGEPAGE);
  huge_page_probe::Probe(start, bytes, /*slow_nanos=*/-1);
  EXPECT_FALSE(huge_page_probe::Wanted());
  EXPECT_TRUE(HasFlag(VmFlagsAt(start), "hg")) << VmFlagsAt(start);
  EXPECT_TRUE(HasFlag(VmFlagsAt(start + kHuge), "nh")) << VmFlagsAt(start + kHuge);
  munmap(p, bytes);
  {
    HugeArray<char> a(2 * kHuge);
    EXPECT_TRUE(HasFlag(VmFlagsAt(a.data()), "nh")) << VmFlagsAt(a.data());
    HugeArray<char> small;
    small.Reset(2 * kHuge, /*huge_pages=*/false);  // not asked either way
    const std::string flags = VmFlagsAt(small.data());
    EXPECT_FALSE(HasFlag(flags, "nh") || HasFlag(flags, "hg")) << flags;
    HugeArray<char> probed;  // off the critical path, after a slow probe: small too
    probed.ResetProbed(2 * kHuge);
    EXPECT_TRUE(HasFlag(VmFlagsAt(probed.data()), "nh")) << VmFlagsAt(probed.data());
  }
  // A fast one changes nothing; where huge pages are wanted, arrays ask.
  huge_page_probe::SetSlowForTesting(false);
  HugeArray<char> b(2 * kHuge);
  EXPECT_TRUE(HasFlag(VmFlagsAt(b.data()), huge_page_probe::Wanted() ? "hg" : "nh"))
      << VmFlagsAt(b.data());
  EXPECT_EQ(b[0], 0);  // the probe's touch left the zero
  // Off the critical path, huge pages are asked for until a probe is slow,
  // even where free pages are reported (where Wanted() says no).
  HugeArray<char> c;
  c.ResetProbed(3 * kHuge);
  EXPECT_TRUE(HasFlag(VmFlagsAt(c.data()), "hg")) << VmFlagsAt(c.data());
  EXPECT_EQ(c[0], 0);
  huge_page_probe::SetSlowForTesting(false);
}

// ---------------------------------------------------- DecodeTrieLevelFast

struct Visited {
  std::vector<EntryIndex> parents;
  std::vector<WordId> words;
  bool operator==(const Visited& o) const { return parents == o.parents && words == o.words; }
};

// Both decoders on the same bytes: the same status, and on success the
// same entries.
void ExpectSameDecoding(const FileHeader& h, int n, const std::string& cc,
                        const std::string& words) {
  const uint64_t m = h.ngram_counts[n - 1];
  Visited slow, fast;
  auto record = [](Visited* v) {
    return [v](EntryIndex k, EntryIndex parent, WordId word) {
      if (v->parents.size() <= k) {
        v->parents.resize(k + 1);
        v->words.resize(k + 1);
      }
      v->parents[k] = parent;
      v->words[k] = word;
    };
  };
  const Status s1 = VisitTrieLevel("x.lm", h, n, cc, words, record(&slow));
  std::vector<EntryIndex> scratch(std::min<uint64_t>(m, 1u << 24) + 1);
  const Status s2 = DecodeTrieLevelFast<true>(
      "x.lm", h, n, cc, words, scratch.data(), [](WordId) {}, record(&fast));
  ASSERT_EQ(s1.code(), s2.code()) << s1.ToString() << " / " << s2.ToString();
  ASSERT_EQ(s1.message(), s2.message());
  if (s1.ok()) {
    ASSERT_TRUE(slow == fast);
    for (size_t k = 0; k < m; ++k) ASSERT_EQ(scratch[k], slow.parents[k]);
  }
  // Visiting each entry at once (the model loader's way), without the lag
  // behind a prefetch.
  Visited now;
  const Status s3 = DecodeTrieLevelFast<false, 0>(
      "x.lm", h, n, cc, words, scratch.data(), [](WordId) {}, record(&now));
  ASSERT_EQ(s1.code(), s3.code()) << s1.ToString() << " / " << s3.ToString();
  ASSERT_EQ(s1.message(), s3.message());
  if (s1.ok()) {
    ASSERT_TRUE(slow == now);
  }
  // Decoded for search (the model trie): the same status, the same words,
  // and each parent's children where the cursor put them.
  const uint64_t lower = h.ngram_counts[n - 2];
  if (m > (1u << 24) || lower > (1u << 24)) return;
  std::vector<WordId> searchable(m + 1);
  std::vector<EntryIndex> first(lower + 1);
  const Status s4 =
      DecodeTrieLevelForSearch("x.lm", h, n, cc, words, first.data(), searchable.data());
  ASSERT_EQ(s1.code(), s4.code()) << s1.ToString() << " / " << s4.ToString();
  ASSERT_EQ(s1.message(), s4.message());
  if (s1.ok()) {
    searchable.resize(m);
    ASSERT_TRUE(searchable == slow.words);
    ASSERT_EQ(first[lower], m);
    for (size_t k = 0; k < m; ++k) {
      const EntryIndex p = slow.parents[k];
      ASSERT_LE(first[p], k);
      ASSERT_GT(first[p + 1], k);
    }
  }
  // On 16 bits, for a vocabulary of at most 2^16 words (ModelTrie).
  if (h.vocab_size > 65536) return;
  std::vector<uint16_t> narrow(m);
  std::vector<EntryIndex> first16(lower + 1);
  const Status s5 =
      DecodeTrieLevelForSearch("x.lm", h, n, cc, words, first16.data(), narrow.data());
  ASSERT_EQ(s1.code(), s5.code()) << s1.ToString() << " / " << s5.ToString();
  ASSERT_EQ(s1.message(), s5.message());
  if (s1.ok()) {
    ASSERT_TRUE(std::equal(narrow.begin(), narrow.end(), slow.words.begin()));
    ASSERT_TRUE(first16 == first);
  }
}

TEST(DecodeTrieLevelFastTest, AgreesWithTheCursorOnRandomLevels) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 40; ++round) {
    // Words up to 2^21 (varints of 1 to 3 bytes) or tiny vocabularies.
    const uint64_t V = round % 4 == 0 ? 7 : 1 + rng() % (uint64_t{1} << (8 + round % 14));
    const uint64_t lower = 1 + rng() % 3000;
    TrieLevel level;
    for (uint64_t p = 0; p < lower; ++p) {
      const uint64_t children = rng() % 3 == 0 ? 0 : rng() % (round % 2 ? 3 : 300);
      WordId w = static_cast<WordId>(rng() % V);
      for (uint64_t c = 0; c < children && w < V; ++c) {
        level.parents.push_back(static_cast<EntryIndex>(p));
        level.words.push_back(w);
        w += static_cast<WordId>(1 + rng() % (rng() % 2 ? 2 : 1 + V / 4));
      }
    }
    std::string cc, words;
    EncodeTrieLevel(lower, level, &cc, &words);
    FileHeader h;
    h.order = 3;
    h.vocab_size = V;
    h.ngram_counts = {V, lower, level.size()};
    ExpectSameDecoding(h, 3, cc, words);
    // Damage: truncations, flipped bytes, a byte too many, wrong sizes.
    for (int d = 0; d < 30; ++d) {
      std::string c2 = cc, w2 = words;
      std::string& target = rng() % 2 ? c2 : w2;
      if (target.empty()) continue;
      switch (d % 4) {
        case 0:
          target.resize(rng() % target.size());
          break;
        case 1:
          target[rng() % target.size()] ^= static_cast<char>(1 << (rng() % 8));
          break;
        case 2:
          target.insert(target.begin() + rng() % target.size(), static_cast<char>(rng()));
          break;
        case 3:
          target[rng() % target.size()] = static_cast<char>(0x80 | rng());
          break;
      }
      ExpectSameDecoding(h, 3, c2, w2);
    }
    FileHeader more = h;
    more.ngram_counts[2] += 1;
    ExpectSameDecoding(more, 3, cc, words);
    FileHeader fewer = h;
    if (fewer.ngram_counts[2] > 0) fewer.ngram_counts[2] -= 1;
    ExpectSameDecoding(fewer, 3, cc, words);
    FileHeader smaller_vocab = h;
    smaller_vocab.vocab_size = std::max<uint64_t>(1, V / 2);
    ExpectSameDecoding(smaller_vocab, 3, cc, words);
  }
}

TEST(DecodeTrieLevelFastTest, LongAndNonMinimalVarints) {
  FileHeader h;
  h.order = 2;
  h.ngram_counts = {1, 3};
  // One parent, three children: a 5-byte word id, a non-minimal 2-byte
  // zero delta, a 1-byte delta; padded so the word-at-a-time path runs.
  std::string cc("\x03", 1);
  std::string words("\xff\xff\xff\xff\x0e\x80\x00\x00", 8);
  h.vocab_size = uint64_t{0xffffffff} + 3;
  ExpectSameDecoding(h, 2, cc, words);
  // A varint longer than 5 bytes (a word id beyond 2^35): refused alike.
  ExpectSameDecoding(h, 2, cc, std::string("\xff\xff\xff\xff\xff\x01\x00\x00", 8));
  // Ten continuation bytes: malformed.
  ExpectSameDecoding(h, 2, cc, std::string(10, '\xff') + std::string("\x00\x00", 2));
}

// ------------------------------------------------------------ OrderBuilder

// The canonical table of a shard, placed one entry at a time.
std::string ReferenceShard(std::vector<query::Entry> entries, size_t stride, uint64_t* homes) {
  std::sort(entries.begin(), entries.end(),
            [](const query::Entry& a, const query::Entry& b) { return a.mixed < b.mixed; });
  const uint64_t h = query::HomesFor(entries.size());
  *homes = h;
  std::string table((h + entries.size() + 1) * stride, '\0');
  uint64_t next = 0;
  for (const query::Entry& e : entries) {
    const uint64_t pos = std::max(query::Reduce(e.mixed, h), next);
    std::memcpy(&table[pos * stride], &e.mixed, 8);
    std::memcpy(&table[pos * stride + 8], &e.prob, 4);
    if (stride == query::kSlotBytes) std::memcpy(&table[pos * stride + 12], &e.backoff, 4);
    next = pos + 1;
  }
  table.resize((std::max(next, h) + 1) * stride);
  return table;
}

TEST(OrderBuilderTest, BuildsTheCanonicalTables) {
  std::mt19937_64 rng(11);
  query::OrderBuilder builder;
  for (size_t m : {size_t{0}, size_t{1}, size_t{5}, size_t{700}, size_t{5000}, size_t{300000}}) {
    for (size_t stride : {query::kSlotBytes, query::kTopSlotBytes}) {
      std::vector<query::Entry> entries(m);
      for (size_t i = 0; i < m; ++i) {
        // Clustered keys now and then: many entries share a home.
        const uint64_t key = i % 5 == 0 && i > 0 ? entries[i - 1].mixed + 2 : rng() | 1;
        entries[i] = {(key & ~uint64_t{1}) | (rng() & 1),
                      -static_cast<float>(rng() % 1000) / 100.0f,
                      -static_cast<float>(rng() % 1000) / 1000.0f};
      }
      std::sort(entries.begin(), entries.end(),
                [](const query::Entry& a, const query::Entry& b) { return a.mixed < b.mixed; });
      entries.erase(std::unique(entries.begin(), entries.end(),
                                [](const query::Entry& a, const query::Entry& b) {
                                  return a.mixed == b.mixed;
                                }),
                    entries.end());
      std::shuffle(entries.begin(), entries.end(), rng);
      builder.Start(entries.size());
      for (int h = 0; h < 2; ++h) {
        builder.Scatter(
            h, [&](size_t i) { return entries[i].mixed; }, [&](size_t i) { return entries[i]; });
      }
      for (int s = 0; s < 2; ++s) {
        std::vector<query::Entry> mine;
        for (const query::Entry& e : entries) {
          if (static_cast<int>(e.mixed & 1) == s) mine.push_back(e);
        }
        HugeArray<unsigned char> table;
        uint64_t homes = 0, slot_count = 0, count = 0;
        ASSERT_TRUE(builder.Place(s, stride, &table, &homes, &slot_count, &count));
        uint64_t ref_homes = 0;
        const std::string ref = ReferenceShard(mine, stride, &ref_homes);
        EXPECT_EQ(count, mine.size());
        EXPECT_EQ(homes, ref_homes);
        ASSERT_EQ(slot_count * stride, ref.size()) << "m " << m << " stride " << stride;
        ASSERT_TRUE(std::memcmp(table.data(), ref.data(), ref.size()) == 0)
            << "m " << m << " stride " << stride;
      }
    }
  }
}

// Keys that are not spread evenly (all in one group of the first scatter)
// overflow the room Scatter leaves each group: the half is then counted and
// packed, and the tables are the same.
TEST(OrderBuilderTest, KeysCrowdedIntoOneGroup) {
  std::mt19937_64 rng(3);
  const size_t m = 200000;
  std::vector<query::Entry> entries(m);
  for (size_t i = 0; i < m; ++i) {
    entries[i] = {(uint64_t{0xA5} << 56) | (rng() >> 8) | 1, -1.0f * static_cast<float>(i % 97),
                  -0.5f};
  }
  query::OrderBuilder builder;
  builder.Start(m);
  for (int h = 0; h < 2; ++h) {
    builder.Scatter(
        h, [&](size_t i) { return entries[i].mixed; }, [&](size_t i) { return entries[i]; });
  }
  HugeArray<unsigned char> table;
  uint64_t homes = 0, slot_count = 0, count = 0;
  ASSERT_TRUE(builder.Place(1, query::kSlotBytes, &table, &homes, &slot_count, &count));
  uint64_t ref_homes = 0;
  const std::string ref = ReferenceShard(entries, query::kSlotBytes, &ref_homes);
  EXPECT_EQ(count, m);
  ASSERT_EQ(slot_count * query::kSlotBytes, ref.size());
  EXPECT_TRUE(std::memcmp(table.data(), ref.data(), ref.size()) == 0);
  HugeArray<unsigned char> empty;
  ASSERT_TRUE(builder.Place(0, query::kSlotBytes, &empty, &homes, &slot_count, &count));
  EXPECT_EQ(count, 0u);
}

// Both halves of `keys` scattered, each entry's key its own, log10 prob -1.
void ScatterBoth(query::OrderBuilder* builder, const std::vector<uint64_t>& keys) {
  for (int h = 0; h < 2; ++h) {
    builder->Scatter(
        h, [&](size_t i) { return keys[i]; },
        [&](size_t i) {
          return query::Entry{keys[i], -1.0f, 0.0f};
        });
  }
}

// A build told to stop (the model destroyed while its tables are built)
// stops within a block of the scatter or a group of the placing: a
// cancelled Place reports failure, and the scatter leaves the rest undone.
TEST(OrderBuilderTest, StopsWhenCancelled) {
  std::mt19937_64 rng(6);
  const size_t m = 200000;
  std::vector<uint64_t> keys(m);
  for (uint64_t& k : keys) k = rng() | 2;
  std::atomic<bool> cancel{false};
  query::OrderBuilder builder;
  builder.SetCancel(&cancel);
  builder.Start(m);
  size_t filled = 0;
  builder.ScatterBlocks(
      0, [&](size_t i) { return keys[i]; },
      [&](size_t first, size_t count, query::Entry* out) {
        for (size_t j = 0; j < count; ++j) out[j] = query::Entry{keys[first + j], -1.0f, 0.0f};
        filled += count;
        if (filled >= 1000) cancel = true;
      });
  EXPECT_LT(filled, m / 2);  // stopped early
  EXPECT_GE(filled, 1000u);
  EXPECT_TRUE(builder.Cancelled());
  HugeArray<unsigned char> table;
  uint64_t homes, slots, entries;
  EXPECT_FALSE(builder.Place(0, query::kSlotBytes, &table, &homes, &slots, &entries));
  // Not cancelled, the same builder builds the whole table.
  cancel = false;
  builder.Start(m);
  ScatterBoth(&builder, keys);
  uint64_t total = 0;
  for (int s = 0; s < 2; ++s) {
    ASSERT_TRUE(builder.Place(s, query::kSlotBytes, &table, &homes, &slots, &entries));
    total += entries;
  }
  EXPECT_EQ(total, m);
}

TEST(OrderBuilderTest, SameKeyTwiceIsACollision) {
  std::mt19937_64 rng(5);
  for (size_t m : {size_t{2}, size_t{40}, size_t{100000}}) {
    std::vector<uint64_t> keys(m);
    for (uint64_t& k : keys) k = rng() | 2;
    keys[m / 3] = keys[m - 1];  // one duplicate
    query::OrderBuilder builder;
    builder.Start(m);
    ScatterBoth(&builder, keys);
    const int shard = static_cast<int>(keys[m - 1] & 1);
    HugeArray<unsigned char> table;
    uint64_t homes, slots, entries;
    EXPECT_FALSE(builder.Place(shard, query::kSlotBytes, &table, &homes, &slots, &entries));
  }
}

// ------------------------------------------------------- the whole load

void ExpectTheSequentialReadersErrors();

// `damaged` written to `bad` and read both ways: LanguageModel::Load fails
// as ReadModelFile does, with the same error, or both load (*loaded_ok).
void ExpectSameOutcome(const std::string& bad, const std::string& damaged, const std::string& where,
                       bool* loaded_ok) {
  WriteFile(bad, damaged);
  const auto sequential = ReadModelFile(bad);
  const auto loaded = LanguageModel::Load(bad);
  *loaded_ok = loaded.ok();
  ASSERT_EQ(sequential.ok(), loaded.ok())
      << where << ": " << (sequential.ok() ? loaded.status() : sequential.status()).ToString();
  if (loaded.ok()) return;
  EXPECT_EQ(loaded.status().code(), sequential.status().code()) << where;
  EXPECT_EQ(loaded.status().message(), sequential.status().message()) << where;
}

// Every damaged byte of a model file: LanguageModel::Load reports what the
// sequential ReadModelFile reports, or both load. Orders 1 and 3; with the
// frames read whole, and left in the file (as a large model's are).
TEST(ModelLoaderTest, ErrorsAreThoseOfTheSequentialReader) {
  for (uint64_t minimum : {uint64_t{0}, uint64_t{256} << 10}) {
    SCOPED_TRACE("frames of " + std::to_string(minimum) + " bytes or more left in the file");
    SetPositionalFrameMinimumForTesting(minimum);
    ExpectTheSequentialReadersErrors();
  }
}

void ExpectTheSequentialReadersErrors() {
  TempDir dir;
  const std::string text = dir.path() + "/t.txt";
  WriteFile(text, "a b c d\nb c d e f\na a b\nc d e a b\nf e d c b a\n");
  for (int order : {1, 3}) {
    auto counts = CountFiles({text}, [&] {
      CountOptions o;
      o.order = order;
      return o;
    }());
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    BuildOptions options;
    options.smoothing = Smoothing::kWittenBell;
    auto model = BuildModel(counts.value(), options);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const std::string lm = dir.path() + "/t.lm";
    ASSERT_TRUE(WriteModelFile(model.value(), lm).ok());
    const std::string bytes = ReadFile(lm);
    const std::string bad = dir.path() + "/bad.lm";
    // From the first byte past the magic (a damaged magic makes an ARPA
    // file, whose errors are the ARPA reader's).
    for (size_t i = sizeof(kFileMagic); i < bytes.size(); ++i) {
      for (int variant = 0; variant < 2; ++variant) {
        std::string damaged = bytes;
        if (variant == 0) {
          damaged[i] = static_cast<char>(damaged[i] ^ 0x21);
        } else {
          damaged.resize(i);
        }
        bool loaded = false;
        ExpectSameOutcome(bad, damaged,
                          "order " + std::to_string(order) + " byte " + std::to_string(i) +
                              " variant " + std::to_string(variant),
                          &loaded);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// A model whose largest sections' frames are 256 KiB or more: the loader
// leaves them in the file and decompresses them a piece at a time
// (StoredSection::may_stay_in_file).
class LargeFramesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto lines = test::ChainText(40000, 90000, 5);
    auto counts = test::CountLines(lines, 2);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    auto model = BuildModel(*counts, BuildOptions());
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    path_ = dir_.path() + "/large.lm";
    ASSERT_TRUE(WriteModelFile(*model, path_).ok());
    bytes_ = ReadFile(path_);
    // Where the frames that stay in the file are, and their contents.
    auto reader = ModelFileReader::Open(path_);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    for (size_t i = 0; i < (*reader)->SectionCount(); ++i) {
      StoredSection s;
      s.may_stay_in_file = true;
      ASSERT_TRUE((*reader)->ReadStored(i, &s).ok());
      std::string raw(s.raw_size, '\0');
      ASSERT_TRUE(s.Decompress(path_, raw.data()).ok());
      if (s.frame_fd >= 0) {
        large_.push_back({s.frame_offset, s.frame_size});
        EXPECT_GE(s.frame_size, size_t{256} << 10);
      }
    }
    ASSERT_GE(large_.size(), 2u) << "no frame large enough: the test tests nothing";
  }

  test::TempDir dir_;
  std::string path_, bytes_;
  std::vector<std::pair<uint64_t, size_t>> large_;  // offset, size
};

// The same bytes as a frame read whole, and the same scores.
TEST_F(LargeFramesTest, DecompressAsAFrameReadWhole) {
  auto a = ModelFileReader::Open(path_);
  auto b = ModelFileReader::Open(path_);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < (*a)->SectionCount(); ++i) {
    StoredSection in_file, read;
    in_file.may_stay_in_file = true;
    ASSERT_TRUE((*a)->ReadStored(i, &in_file).ok());
    ASSERT_TRUE((*b)->ReadStored(i, &read).ok());
    EXPECT_LT(read.frame_fd, 0);
    std::string x(in_file.raw_size, '\0'), y(read.raw_size, '\0');
    ASSERT_TRUE(in_file.Decompress(path_, x.data()).ok());
    ASSERT_TRUE(read.Decompress(path_, y.data()).ok());
    ASSERT_TRUE(x == y) << "section " << i;
  }
  EXPECT_TRUE((*a)->Finish().ok());
  auto model = ReadModelFile(path_);
  ASSERT_TRUE(model.ok());
  auto tables = LanguageModel::Create(*model);
  auto loaded = LanguageModel::Load(path_);
  ASSERT_TRUE(tables.ok() && loaded.ok()) << loaded.status().ToString();
  std::vector<WordId> ids;
  for (WordId w = 0; w < (*tables)->vocab().size(); w += 7) ids.push_back(w);
  std::vector<float> p((ids.size())), q(ids.size());
  (*tables)->ScoreSentence(ids.data(), ids.size(), p.data());
  (*loaded)->ScoreSentence(ids.data(), ids.size(), q.data());
  EXPECT_TRUE(p == q);
}

// A damaged byte of a frame left in the file, or the file cut inside one:
// the error a sequential reader (ReadModelFile) reports.
TEST_F(LargeFramesTest, DamageIsReportedAsBySequentialReading) {
  const std::string bad = dir_.path() + "/bad.lm";
  std::mt19937_64 rng(3);
  size_t errors = 0;
  for (const auto& [offset, size] : large_) {
    std::vector<uint64_t> at = {offset, offset + 5, offset + size / 2, offset + size - 5,
                                offset + size - 1};
    for (int k = 0; k < 6; ++k) at.push_back(offset + rng() % size);
    for (uint64_t i : at) {
      for (int variant = 0; variant < 2; ++variant) {
        std::string damaged = bytes_;
        if (variant == 0) {
          damaged[i] = static_cast<char>(damaged[i] ^ (1 << (rng() % 8)));
        } else {
          damaged.resize(i);
        }
        // (A few bits a decoder ignores, docs/FORMAT.md: both read them.)
        bool loaded = false;
        ExpectSameOutcome(bad, damaged,
                          "byte " + std::to_string(i) + " variant " + std::to_string(variant),
                          &loaded);
        if (::testing::Test::HasFatalFailure()) return;
        errors += !loaded;
      }
    }
  }
  EXPECT_GE(errors, 20 * large_.size());
}

// A frame whose header declares a window above the streaming decoder's
// default limit (2^28 bytes here; grams writes 2 MiB at most, another
// writer may not): ZSTD_decompress takes it, and so must the pieces read
// from the file.
TEST_F(LargeFramesTest, AFrameDeclaringALargeWindowLoads) {
  const auto [offset, size] = large_[0];
  std::string bytes = bytes_;
  // Magic, then the frame header descriptor: not single-segment, so a
  // window descriptor follows (RFC 8878, 3.1.1.1).
  ASSERT_EQ(bytes[offset + 4] & 0x20, 0);
  bytes[offset + 5] = static_cast<char>(18 << 3);  // a window of 2^(10 + 18)
  ZSTD_frameHeader fh;
  ASSERT_EQ(ZSTD_getFrameHeader(&fh, bytes.data() + offset, size), 0u);
  ASSERT_EQ(fh.windowSize, uint64_t{1} << 28);
  WriteFile(path_, bytes);
  auto sequential = ReadModelFile(path_);
  ASSERT_TRUE(sequential.ok()) << sequential.status().ToString();
  auto loaded = LanguageModel::Load(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto tables = LanguageModel::Create(sequential.value());
  ASSERT_TRUE(tables.ok());
  std::vector<WordId> ids;
  for (WordId w = 0; w < (*tables)->vocab().size(); w += 5) ids.push_back(w);
  std::vector<float> p(ids.size()), q(ids.size());
  (*tables)->ScoreSentence(ids.data(), ids.size(), p.data());
  (*loaded)->ScoreSentence(ids.data(), ids.size(), q.data());
  EXPECT_TRUE(p == q);
}

// The file cut short after its frame was left in it, before the frame is
// decompressed (another process truncating it while it loads): an error,
// never a short result.
TEST_F(LargeFramesTest, AFileCutShortMeanwhileIsAnError) {
  auto reader = ModelFileReader::Open(path_);
  ASSERT_TRUE(reader.ok());
  for (size_t i = 0; i < (*reader)->SectionCount(); ++i) {
    StoredSection s;
    s.may_stay_in_file = true;
    ASSERT_TRUE((*reader)->ReadStored(i, &s).ok());
    if (s.frame_fd < 0) continue;
    ASSERT_EQ(::truncate(path_.c_str(), static_cast<off_t>(s.frame_offset + s.frame_size / 2)), 0);
    std::string raw(s.raw_size, '\0');
    const Status status = s.Decompress(path_, raw.data());
    EXPECT_EQ(status.code(), StatusCode::kIOError) << status.ToString();
    EXPECT_NE(status.message().find("shrank while being read"), std::string::npos)
        << status.ToString();
    return;
  }
  FAIL() << "no frame was left in the file";
}

// A model file written by an older writer (tests/formats/v1/tiny.lm: every
// section at zstd level 3) loads through the task graph and scores as the
// tables built from the same model in memory, and as the same model
// written again by today's writer (other zstd levels, the same sections).
TEST(ModelLoaderTest, FilesOfTheOldWriterLoadAndScoreTheSame) {
  const std::string old_file = test::SourcePath("tests/formats/v1/tiny.lm");
  auto model = ReadModelFile(old_file);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  TempDir dir;
  const std::string new_file = dir.path() + "/tiny.lm";
  ASSERT_TRUE(WriteModelFile(model.value(), new_file).ok());
  EXPECT_NE(ReadFile(old_file), ReadFile(new_file));  // other levels, other bytes
  auto from_old = LanguageModel::Load(old_file);
  auto from_new = LanguageModel::Load(new_file);
  auto in_memory = LanguageModel::Create(model.value());
  ASSERT_TRUE(from_old.ok()) << from_old.status().ToString();
  ASSERT_TRUE(from_new.ok()) << from_new.status().ToString();
  ASSERT_TRUE(in_memory.ok()) << in_memory.status().ToString();
  // Every word after every history of up to two words, and </s>.
  const Vocabulary& vocab = in_memory.value()->vocab();
  for (WordId h1 = 0; h1 < vocab.size(); ++h1) {
    for (WordId h2 = 0; h2 < vocab.size(); ++h2) {
      for (WordId w = 0; w < vocab.size(); ++w) {
        const WordId ids[4] = {h1, h2, w, kEosId};
        float expected[4], old_scores[4], new_scores[4];
        in_memory.value()->ScoreSentence(ids, 4, expected);
        from_old.value()->ScoreSentence(ids, 4, old_scores);
        from_new.value()->ScoreSentence(ids, 4, new_scores);
        for (int i = 0; i < 4; ++i) {
          ASSERT_EQ(old_scores[i], expected[i]) << h1 << " " << h2 << " " << w;
          ASSERT_EQ(new_scores[i], expected[i]) << h1 << " " << h2 << " " << w;
        }
      }
    }
  }
  // And the tables are byte for byte the same: their mapped forms are.
  const std::string m1 = dir.path() + "/old.lmm", m2 = dir.path() + "/mem.lmm";
  ASSERT_TRUE(WriteMappedModel(*from_old.value(), m1).ok());
  ASSERT_TRUE(WriteMappedModel(*in_memory.value(), m2).ok());
  EXPECT_TRUE(ReadFile(m1) == ReadFile(m2));
}

}  // namespace
}  // namespace grams
