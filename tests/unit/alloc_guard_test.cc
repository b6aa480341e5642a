// No exception crosses the API: GuardAlloc's Statuses, SizedAllocation's
// sizes, and exceptions carried out of threads by RunOnThreads and
// StartAsync.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "grams/model.h"
#include "test_util.h"
#include "util/alloc_guard.h"
#include "util/threads.h"

namespace grams {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(GuardAllocTest, PassesResultsThrough) {
  StatusOr<int> v = GuardAlloc("counting", [] { return StatusOr<int>(7); });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  Status s = GuardAlloc("counting", [] { return NotFoundError("x: no such file"); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "x: no such file");
}

TEST(GuardAllocTest, AllocationFailureSaysHowMuchAndAdvises) {
  Status s = GuardAlloc("counting", []() -> Status { throw AllocationFailure(3'000'000); });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(),
            "out of memory (asking for 3.0 MB) while counting; give a smaller memory budget (-S) "
            "so more goes to temporary files, or free memory");
  StatusOr<int> v = GuardAlloc("loading x.lm", MemoryHint::kNone,
                               []() -> StatusOr<int> { throw AllocationFailure(2'500'000'000); });
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(),
            "out of memory (asking for 2.5 GB) while loading x.lm; free memory or use a machine "
            "with more");
}

TEST(GuardAllocTest, PlainBadAllocAndLengthErrorAreOutOfMemory) {
  Status s = GuardAlloc("sorting", []() -> Status { throw std::bad_alloc(); });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(s.message().starts_with("out of memory while sorting;")) << s.message();
  s = GuardAlloc("sorting", []() -> Status {
    std::vector<uint64_t> v;
    v.resize(v.max_size() + 1);  // std::length_error
    return Status::OK();
  });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.message();
}

TEST(GuardAllocTest, OtherExceptionsAreInternalErrors) {
  Status s = GuardAlloc("writing x", []() -> Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "internal error while writing x: boom");
  s = GuardAlloc("writing x", []() -> Status { throw 42; });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
}

TEST(GuardAllocTest, SizedAllocationNamesTheSize) {
  try {
    SizedAllocation(1234, [] { throw std::bad_alloc(); });
    FAIL() << "nothing thrown";
  } catch (const AllocationFailure& e) {
    EXPECT_EQ(e.bytes(), 1234u);
  }
  try {  // an inner, more precise size is kept
    SizedAllocation(1234, [] { throw AllocationFailure(99); });
    FAIL() << "nothing thrown";
  } catch (const AllocationFailure& e) {
    EXPECT_EQ(e.bytes(), 99u);
  }
  int calls = 0;
  SizedAllocation(10, [&] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(RunOnThreadsTest, AWorkersExceptionReachesTheCallerAfterEveryShare) {
  std::atomic<int> ran{0};
  Status s = GuardAlloc("counting", [&] {
    RunOnThreads(4, [&](int t) {
      ++ran;
      if (t == 2) throw AllocationFailure(5'000'000);
    });
    return Status::OK();
  });
  EXPECT_EQ(ran.load(), 4);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(s.message(), "(asking for 5.0 MB) while counting")) << s.message();
}

// Every share of every batch is worked once, after its batch is made and
// before the next one is, whatever the threads; an exception from work or
// from produce ends the batches and reaches the caller.
TEST(RunBatchesTest, EachShareOfEachBatchOnceAndInTurn) {
  for (int threads : {1, 2, 3, 8}) {
    const int kBatches = 200;
    int made = 0;
    std::vector<std::atomic<int>> worked(kBatches);
    RunBatches(
        threads,
        [&] {
          // The batch before is done with, every share of it.
          if (made > 0) {
            EXPECT_EQ(worked[made - 1].load(), threads);
          }
          return made < kBatches ? (++made, true) : false;
        },
        [&](int, int n) {
          EXPECT_EQ(n, threads);
          worked[made - 1].fetch_add(1);
        });
    EXPECT_EQ(made, kBatches);
    for (int b = 0; b < kBatches; ++b) EXPECT_EQ(worked[b].load(), threads) << "batch " << b;
  }
  int made = 0;
  EXPECT_THROW(RunBatches(
                   2, [&] { return ++made < 100; },
                   [&](int s, int) {
                     if (made == 5 && s == 1) throw std::runtime_error("work");
                   }),
               std::runtime_error);
  EXPECT_EQ(made, 5);  // no batch after the failed one
  made = 0;
  EXPECT_THROW(RunBatches(
                   3,
                   [&] {
                     if (++made == 3) throw std::length_error("produce");
                     return true;
                   },
                   [](int, int) {}),
               std::length_error);
}

TEST(StartAsyncTest, ResultsAndExceptionsComeBackThroughGet) {
  auto value = StartAsync([] { return std::string(100, 'x'); });
  EXPECT_EQ(value.get(), std::string(100, 'x'));
  auto thrown = StartAsync([]() -> int { throw AllocationFailure(42); });
  Status s = GuardAlloc("reading", [&] {
    (void)thrown.get();
    return Status::OK();
  });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  // A move-only callable works, and a future dropped unstarted never runs.
  auto owned = std::make_unique<int>(5);
  auto moved = StartAsync([p = std::move(owned)] { return *p + 1; });
  EXPECT_EQ(moved.get(), 6);
  std::future<int> none;
  WaitIfStarted(none);  // no state: nothing to wait for
}

TEST(BackgroundThreadTest, JoinRethrowsAndDetachedWorkEndsOnItsOwn) {
  BackgroundThread ok;
  std::atomic<int> ran{0};
  ASSERT_TRUE(ok.Start([&] { ++ran; }));
  ok.Join();
  EXPECT_EQ(ran.load(), 1);
  ok.Join();  // joined already: nothing to wait for

  // An exception is kept behind the thread's wall and rethrown by Join.
  BackgroundThread thrown;
  ASSERT_TRUE(thrown.Start([] { throw AllocationFailure(7'000'000); }));
  Status s = GuardAlloc("reading", [&] {
    thrown.Join();
    return Status::OK();
  });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);

  // Detached, the work ends by itself holding what it uses; its exception
  // is dropped, not std::terminate.
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  {
    BackgroundThread detached;
    ASSERT_TRUE(detached.Start([done] {
      done->set_value();
      throw std::runtime_error("dropped");
    }));
    detached.Detach();
  }
  EXPECT_EQ(finished.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(EntryPointsTest, ReadersReportFailuresAsStatuses) {
  test::TempDir dir;
  // A damaged ARPA header declaring 4 billion 2-grams: refused as corrupt
  // (the reservations are bounded by the file's size), never a throw.
  test::WriteFile(dir.File("big.arpa"),
                  "\\data\\\nngram 1=3\nngram 2=4000000000\n\n\\1-grams:\n-1 <s>\n-1 </s>\n-1 a\n"
                  "\n\\2-grams:\n-1 <s> a\n\n\\end\\\n");
  auto model = ReadArpa(dir.File("big.arpa"));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCorruption) << model.status().message();
  auto loaded = LoadModel(dir.File("missing.lm"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace grams
