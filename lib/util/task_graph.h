// TaskGraph: a few dozen tasks that wait on one another, run on a few
// threads (RunOnThreads, util/threads.h): each task starts as soon as the
// tasks it waits on are done and a thread is free, the ready task with the
// lowest priority value first. The model file loader runs reading,
// decompression, decoding and table building this way, so that every core
// has work while any is ready, whatever the sizes of the parts.
//
// Errors are those of a sequential run. Tasks are numbered in the order
// they are added, which must be an order one thread could run them in (a
// task waits only on tasks added before it). Run returns the error of the
// lowest-numbered task that failed: once a task fails, tasks numbered
// above it are skipped, those below it still run, and a task that waits on
// a failed or skipped task is skipped. So the error is the one a
// sequential run meets first, whichever thread got where first. An
// exception thrown by a task counts as its failure; Run rethrows it (the
// lowest-numbered failure's) once every thread has stopped.
//
// With GRAMS_TASK_TRACE set in the environment, Run prints one line a task
// to stderr once every thread has stopped: "task ID PRIORITY START END CPU
// LABEL" (milliseconds since Run began, the thread CPU time the task took,
// and its Label), for profiling the model loader (bench/README.md, "Loading
// the model file").
//
// Thread-safety: Add before Run, from one thread; Run once.
#ifndef GRAMS_UTIL_TASK_GRAPH_H_
#define GRAMS_UTIL_TASK_GRAPH_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "grams/status.h"
#include "util/threads.h"

namespace grams {

class TaskGraph {
 public:
  using Fn = std::function<Status()>;

  // Adds a task run after every task in `waits_on` (ids returned by earlier
  // calls; negative ids are ignored). Returns its id.
  int Add(int64_t priority, std::initializer_list<int> waits_on, Fn fn) {
    const int id = static_cast<int>(tasks_.size());
    tasks_.emplace_back();
    tasks_.back().priority = priority;
    tasks_.back().fn = std::move(fn);
    for (int w : waits_on) {
      if (w < 0) continue;
      tasks_[w].dependents.push_back(id);
      ++tasks_[id].waiting;
    }
    return id;
  }

  // Names task `id` in the trace (GRAMS_TASK_TRACE).
  void Label(int id, std::string label) {
    if (id >= 0) tasks_[id].label = std::move(label);
  }

  // Runs every task on `threads` threads (the caller's among them).
  Status Run(int threads) {
    failed_ = static_cast<int>(tasks_.size());
    for (int id = 0; id < static_cast<int>(tasks_.size()); ++id) {
      if (tasks_[id].waiting == 0) ready_.insert({tasks_[id].priority, id});
    }
    trace_ = std::getenv("GRAMS_TASK_TRACE") != nullptr;
    start_ = std::chrono::steady_clock::now();
    RunOnThreads(threads, [this](int) { Work(); });
    if (trace_) {
      for (size_t id = 0; id < tasks_.size(); ++id) {
        const Task& t = tasks_[id];
        std::fprintf(stderr, "task %zu %lld %.3f %.3f %.3f %s\n", id,
                     static_cast<long long>(t.priority), t.start_ms, t.end_ms, t.cpu_ms,
                     t.label.c_str());
      }
    }
    if (failed_ == static_cast<int>(tasks_.size())) return Status::OK();
    if (error_) std::rethrow_exception(error_);
    return status_;
  }

 private:
  struct Task {
    int64_t priority = 0;
    Fn fn;
    std::vector<int> dependents;
    int waiting = 0;
    bool cancelled = false;  // something it waits on failed or was skipped
    // Traced (GRAMS_TASK_TRACE): when it ran, its thread's CPU time, its name.
    double start_ms = 0, end_ms = 0, cpu_ms = 0;
    std::string label;
  };

  double Millis() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }
  static double ThreadCpuMillis() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (finished_ == tasks_.size()) return;
      if (ready_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const int id = ready_.begin()->second;
      ready_.erase(ready_.begin());
      Task& task = tasks_[id];
      bool ok = false;
      if (!task.cancelled && id < failed_) {
        lock.unlock();
        Status status;
        std::exception_ptr error;
        const double cpu0 = trace_ ? ThreadCpuMillis() : 0;
        if (trace_) task.start_ms = Millis();
        try {
          status = task.fn();
        } catch (...) {
          error = std::current_exception();
        }
        if (trace_) {
          task.end_ms = Millis();
          task.cpu_ms = ThreadCpuMillis() - cpu0;
        }
        task.fn = nullptr;  // what it captured goes now
        lock.lock();
        ok = status.ok() && !error;
        if (!ok && id < failed_) {
          failed_ = id;
          status_ = std::move(status);
          error_ = error;
        }
      }
      ++finished_;
      for (int d : task.dependents) {
        if (!ok) tasks_[d].cancelled = true;
        if (--tasks_[d].waiting == 0) ready_.insert({tasks_[d].priority, d});
      }
      cv_.notify_all();
    }
  }

  std::vector<Task> tasks_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::pair<int64_t, int>> ready_;  // (priority, id)
  size_t finished_ = 0;
  int failed_ = 0;  // the lowest-numbered failed task, or tasks_.size()
  Status status_;
  std::exception_ptr error_;
  bool trace_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace grams

#endif  // GRAMS_UTIL_TASK_GRAPH_H_
