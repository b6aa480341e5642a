#include "count/batch_counter.h"

#include <algorithm>
#include <numeric>

#include "util/threads.h"

namespace grams::count {
namespace {

// Whether position i of `batch` starts a window of order 2 or more: one
// that fits in its sentence and in the batch (an open limit is the batch's
// end: see Start).
inline bool HasWindow(const Batch& batch, size_t i) {
  return i + 2 <= std::min<uint64_t>(batch.limits[i], batch.size());
}

}  // namespace

BatchCounter::BatchCounter(int order, int threads, std::vector<BucketTables>* buckets)
    : order_(order), threads_(threads), buckets_(buckets), scratch_(threads + 1) {}

BatchCounter::~BatchCounter() {
  if (background_.valid()) background_.wait();
}

void BatchCounter::Prepare(const Batch& batch) {
  const size_t n_tokens = batch.size();
  next_bucket_.resize(n_tokens);
  for (size_t i = 0; i < n_tokens; ++i) {
    const int b = BucketOf(batch.words[i]);
    next_bucket_[i] = static_cast<uint8_t>(b);
    load_[b] += HasWindow(batch, i);
  }
  MakeGroups(batch, &next_groups_);
  prepared_ = &batch;
  prepared_size_ = n_tokens;
}

// Deals the buckets into groups about equal by the windows seen so far
// (longest first, each to the lightest group: word frequencies are skewed,
// and the bucket of <s> alone has one window per sentence and order), then
// lists each group's windows of the batch, in text order.
void BatchCounter::MakeGroups(const Batch& batch, Groups* out) {
  const size_t G =
      threads_ == 1 ? 1 : std::min<size_t>(4 * static_cast<size_t>(threads_), kBuckets);
  std::vector<uint32_t> group_of(kBuckets, 0);
  std::vector<uint64_t> total(G, 0);
  if (G > 1) {
    std::vector<int> by_load(kBuckets);
    std::iota(by_load.begin(), by_load.end(), 0);
    std::stable_sort(by_load.begin(), by_load.end(),
                     [this](int a, int b) { return load_[a] > load_[b]; });
    for (int b : by_load) {
      const size_t g =
          static_cast<size_t>(std::min_element(total.begin(), total.end()) - total.begin());
      group_of[b] = static_cast<uint32_t>(g);
      total[g] += load_[b];
    }
  }
  out->order.resize(G);
  std::iota(out->order.begin(), out->order.end(), 0u);
  if (G == 1) {  // one thread: it lists the windows itself, in one pass (CountGroup)
    out->begin.clear();
    return;
  }
  std::stable_sort(out->order.begin(), out->order.end(),
                   [&total](uint32_t a, uint32_t b) { return total[a] > total[b]; });
  const size_t n_tokens = batch.size();
  out->begin.assign(G + 1, 0);
  for (size_t i = 0; i < n_tokens; ++i) {
    if (HasWindow(batch, i)) ++out->begin[group_of[next_bucket_[i]] + 1];
  }
  for (size_t g = 0; g < G; ++g) out->begin[g + 1] += out->begin[g];
  out->windows.resize(out->begin[G]);
  std::vector<uint32_t> at(out->begin.begin(), out->begin.end() - 1);
  for (size_t i = 0; i < n_tokens; ++i) {
    if (HasWindow(batch, i))
      out->windows[at[group_of[next_bucket_[i]]]++] = static_cast<uint32_t>(i);
  }
}

void BatchCounter::Start(Batch* batch, size_t keep, bool background) {
  if (prepared_ != batch || prepared_size_ != batch->size()) Prepare(*batch);
  prepared_ = nullptr;
  const size_t n_tokens = batch->size();
  batch->done.resize(n_tokens, 0);
  for (auto& l : batch->limits)
    if (l == Batch::kOpen) l = static_cast<uint32_t>(n_tokens);  // windows must fit in the batch
  std::swap(counting_, *batch);
  std::swap(counting_bucket_, next_bucket_);
  std::swap(counting_groups_, next_groups_);
  // Carry the tail into the next batch.
  batch->words.resize(keep);
  batch->done.resize(keep);
  for (size_t k = 0; k < keep; ++k) {
    const size_t i = n_tokens - keep + k;
    batch->words[k] = counting_.words[i];
    batch->done[k] = static_cast<uint32_t>(n_tokens - i);
  }
  batch->limits.assign(keep, Batch::kOpen);
  next_group_.store(0, std::memory_order_relaxed);
  overflow_.assign(scratch_.size(), 0);
  auto count = [this] { RunOnThreads(threads_, [this](int t) { CountGroups(t); }); };
  if (threads_ == 1 || !background) {
    count();
  } else {
    background_ = std::async(std::launch::async, count);
  }
}

Status BatchCounter::Wait() {
  if (background_.valid()) {
    // The caller's share, while the threads finish theirs; a failed
    // allocation of its own waits for them too before it is thrown on.
    try {
      CountGroups(threads_);
    } catch (...) {
      background_.wait();
      throw;
    }
    background_.get();
  }
  for (char o : overflow_) {
    if (o) {
      return ResourceExhausted(
          "too much text for one in-memory count: an n-gram count or the "
          "number of distinct n-grams of one order exceeds 2^32-1");
    }
  }
  return Status::OK();
}

void BatchCounter::CountGroups(int s) {
  const std::vector<uint32_t>& order = counting_groups_.order;
  bool overflow = false;
  for (;;) {
    const uint32_t k = next_group_.fetch_add(1, std::memory_order_relaxed);
    if (k >= order.size()) break;
    CountGroup(order[k], s, &overflow);
  }
  if (overflow) overflow_[s] = 1;
}

// Counts the batch's windows of orders >= 2 in group g, with scratch s.
void BatchCounter::CountGroup(uint32_t g, int s, bool* overflow_out) {
  Scratch& sc = scratch_[s];
  const std::vector<WordId>& words = counting_.words;
  const std::vector<uint32_t>& limits = counting_.limits;
  if (counting_groups_.begin.empty()) {  // one group: every window of the batch
    sc.active.clear();
    sc.prev.clear();
    sc.bucket.clear();
    for (uint32_t i = 0; i < words.size(); ++i) {
      if (!HasWindow(counting_, i)) continue;
      sc.active.push_back(i);
      sc.prev.push_back(words[i]);
      sc.bucket.push_back(counting_bucket_[i]);
    }
  } else {
    const uint32_t* first = counting_groups_.windows.data() + counting_groups_.begin[g];
    const size_t count = counting_groups_.begin[g + 1] - counting_groups_.begin[g];
    sc.active.assign(first, first + count);
    sc.prev.resize(count);
    sc.bucket.resize(count);
    for (size_t j = 0; j < count; ++j) {
      sc.prev[j] = words[first[j]];
      sc.bucket[j] = counting_bucket_[first[j]];
    }
  }
  bool overflow = false;
  for (int n = 2; n <= order_ && !sc.active.empty(); ++n) {
    auto table = [&](size_t j) -> OrderTable& { return (*buckets_)[sc.bucket[j]][n - 2]; };
    const size_t m = sc.active.size();
    sc.hashes.resize(m);
    for (size_t j = 0; j < m; ++j) sc.hashes[j] = KeyHash(sc.prev[j], words[sc.active[j] + n - 1]);
    for (size_t j = 0; j < m; ++j) {
      if (j + kPrefetchDistance < m)
        table(j + kPrefetchDistance).Prefetch(sc.hashes[j + kPrefetchDistance]);
      if (j + kPrefetchDistance / 2 < m)
        table(j + kPrefetchDistance / 2).PrefetchEntry(sc.hashes[j + kPrefetchDistance / 2]);
      const uint32_t i = sc.active[j];
      // A window counted in the previous batch is only looked up (added
      // with count 0: after a spill it is no longer in the table).
      sc.prev[j] = table(j).Increment(sc.prev[j], words[i + n - 1], sc.hashes[j], &overflow,
                                      static_cast<uint32_t>(n) <= counting_.done[i] ? 0 : 1);
    }
    // Keep the positions that still have room for an (n+1)-gram.
    size_t k = 0;
    for (size_t j = 0; j < m; ++j) {
      const uint32_t i = sc.active[j];
      if (i + n + 1 <= limits[i]) {
        sc.active[k] = i;
        sc.prev[k] = sc.prev[j];
        sc.bucket[k] = sc.bucket[j];
        ++k;
      }
    }
    sc.active.resize(k);
    sc.prev.resize(k);
    sc.bucket.resize(k);
  }
  if (overflow) *overflow_out = true;
}

}  // namespace grams::count
