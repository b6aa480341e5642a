// RunOnThreads: the one fork-join of the library (counting, sorting,
// encoding, loading). No exception escapes a worker thread: the first one
// thrown (by any fn(t)) is carried to the caller and rethrown there once
// every thread has joined, so a std::bad_alloc on a worker reaches the
// caller's GuardAlloc (util/alloc_guard.h) instead of std::terminate.
// RunBatches: batches made in turn on one thread and each worked on by all
// (the streaming estimator), on threads started once.
// StartAsync: the one way to start background work whose result is awaited
// later (the binary files' compression and read-ahead pipelines).
// BackgroundThread: work that may have to be left running (the scoring
// reader, blocked on input that may never come).
// Neither raw std::thread nor std::async appears elsewhere in lib/.
#ifndef GRAMS_UTIL_THREADS_H_
#define GRAMS_UTIL_THREADS_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

namespace grams {

// `requested` threads, or one per core when it is 0 or less; at most `most`.
inline int ThreadsOrCores(int requested, int most) {
  const int threads = requested > 0
                          ? requested
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::min(threads, most);
}

// Runs fn(0) .. fn(n-1) and returns when all are done: fn(0) on the calling
// thread, the others on threads of their own. If any fn(t) throws, the
// first exception is rethrown here after all have finished. If a thread
// cannot be started, its share runs on the calling thread.
template <typename F>
void RunOnThreads(int n, F&& fn) {
  if (n <= 1) {
    fn(0);
    return;
  }
  std::mutex mu;
  std::exception_ptr first;
  auto guarded = [&](int t) {
    try {
      fn(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!first) first = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  std::vector<int> inline_shares;
  workers.reserve(n - 1);
  for (int t = 1; t < n; ++t) {
    try {
      workers.emplace_back(guarded, t);
    } catch (...) {  // std::system_error: no thread to be had
      inline_shares.push_back(t);
    }
  }
  guarded(0);
  for (int t : inline_shares) guarded(t);
  for (auto& w : workers) w.join();
  if (first) std::rethrow_exception(first);
}

// Batches made in turn and worked on by `threads` threads started once (not
// once a batch, which costs more than a small batch's work): produce() on
// the calling thread makes the next batch (false: there is none left), then
// work(s, threads) runs once for each share s = 0 .. threads-1 of it, on
// whichever thread claims the share (the calling thread among them), and
// the next batch is made only once every share is done. So what work(s, n)
// computes may depend on s and n but not on the thread that runs it. A
// thread that cannot be started leaves its shares to the others. The first
// exception thrown by produce or work ends the batches and is rethrown
// here once every thread has stopped.
template <typename Produce, typename Work>
void RunBatches(int threads, Produce&& produce, Work&& work) {
  if (threads <= 1) {
    while (produce()) work(0, 1);
    return;
  }
  const size_t n = static_cast<size_t>(threads);
  std::mutex mu;
  std::condition_variable cv;
  uint64_t generation = 0;  // batches made, under mu
  bool finished = false;    // under mu
  std::atomic<size_t> next_share{n}, done{0};
  std::exception_ptr first;
  std::atomic<bool> failed{false};
  // Claims and works shares of the current batch until none is left.
  auto claim = [&] {
    for (size_t s; (s = next_share.fetch_add(1, std::memory_order_acq_rel)) < n;) {
      if (!failed.load(std::memory_order_relaxed)) {
        try {
          work(static_cast<int>(s), threads);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!first) first = std::current_exception();
          failed = true;
        }
      }
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
        std::lock_guard<std::mutex> lock(mu);
        cv.notify_all();
      }
    }
  };
  RunOnThreads(threads, [&](int t) {
    if (t > 0) {
      uint64_t seen = 0;
      for (;;) {
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return finished || generation > seen; });
          if (finished) return;
          seen = generation;
        }
        claim();
      }
    }
    for (;;) {
      bool more = false;
      if (!failed.load()) {
        try {
          more = produce();
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!first) first = std::current_exception();
          failed = true;
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!more) {
          finished = true;
          cv.notify_all();
          return;
        }
        done.store(0, std::memory_order_relaxed);
        next_share.store(0, std::memory_order_release);  // the batch is there
        ++generation;
        cv.notify_all();
      }
      claim();
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done.load(std::memory_order_acquire) == n; });
    }
  });
  if (first) std::rethrow_exception(first);
}

// Starts fn() on a thread of its own and returns the future of its result,
// as std::async(std::launch::async, fn) does; get() rethrows what fn threw.
// When no thread can be started (too many, or no address space left for its
// stack), fn runs on the caller's thread when get() or wait() is called,
// instead of std::async's std::system_error.
template <typename F>
auto StartAsync(F&& fn) -> std::future<std::invoke_result_t<std::decay_t<F>&>> {
  // Shared, so that a failed start leaves fn (and what it owns) intact.
  auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(fn));
  auto call = [shared] { return (*shared)(); };
  try {
    return std::async(std::launch::async, call);
  } catch (const std::system_error&) {
    return std::async(std::launch::deferred, call);
  }
}

// Waits for the work of a StartAsync future if it is running (as the owner
// of what it touches must, before going away); work that never started
// (deferred) is dropped, not run.
template <typename T>
void WaitIfStarted(std::future<T>& f) {
  if (f.valid() && f.wait_for(std::chrono::seconds(0)) != std::future_status::deferred) f.wait();
}

// A thread of its own for work that the starter may either wait for or
// leave running, which StartAsync's future cannot do (its destructor
// waits). fn runs behind an exception wall: what it throws is kept, and
// rethrown by Join(); nothing reaches std::terminate. Work that may be left
// running (Detach) must hold what it touches itself (shared pointers), and
// end on its own. Destroying a started, unjoined thread detaches it. Not
// thread-safe: one owner calls Start, Join and Detach.
class BackgroundThread {
 public:
  BackgroundThread() = default;
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;
  ~BackgroundThread() { Detach(); }

  // Starts fn(); false (fn not run) when no thread can be started.
  // REQUIRES: not started yet.
  template <typename F>
  bool Start(F&& fn) {
    auto error = std::make_shared<std::exception_ptr>();
    try {
      thread_ = std::thread([work = std::forward<F>(fn), error]() mutable {
        try {
          work();
        } catch (...) {
          *error = std::current_exception();
        }
      });
    } catch (const std::system_error&) {  // no thread to be had
      return false;
    }
    error_ = std::move(error);
    return true;
  }
  // Waits for fn to end (if started), and rethrows what it threw.
  void Join() {
    if (!thread_.joinable()) return;
    thread_.join();
    if (*error_) std::rethrow_exception(*error_);
  }
  // Lets fn end by itself (if started); what it throws is dropped.
  void Detach() {
    if (thread_.joinable()) thread_.detach();
  }

 private:
  std::thread thread_;
  std::shared_ptr<std::exception_ptr> error_;
};

}  // namespace grams

#endif  // GRAMS_UTIL_THREADS_H_
