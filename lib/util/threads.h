// RunOnThreads: the fork-join used by counting, sorting and encoding.
#ifndef GRAMS_UTIL_THREADS_H_
#define GRAMS_UTIL_THREADS_H_

#include <thread>
#include <vector>

namespace grams {

// Runs fn(0) .. fn(n-1) and returns when all are done: fn(0) on the calling
// thread, the others on threads of their own.
template <typename F>
void RunOnThreads(int n, F&& fn) {
  if (n <= 1) {
    fn(0);
    return;
  }
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) workers.emplace_back([&fn, t] { fn(t); });
  fn(0);
  for (auto& w : workers) w.join();
}

}  // namespace grams

#endif  // GRAMS_UTIL_THREADS_H_
