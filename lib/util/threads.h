// RunOnThreads: the one fork-join of the library (counting, sorting,
// encoding, loading). No exception escapes a worker thread: the first one
// thrown (by any fn(t)) is carried to the caller and rethrown there once
// every thread has joined, so a std::bad_alloc on a worker reaches the
// caller's GuardAlloc (util/alloc_guard.h) instead of std::terminate.
#ifndef GRAMS_UTIL_THREADS_H_
#define GRAMS_UTIL_THREADS_H_

#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace grams {

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

}  // namespace grams

#endif  // GRAMS_UTIL_THREADS_H_
