#include "count/batch_counter.h"

#include <algorithm>
#include <numeric>

#include "util/threads.h"

namespace grams::count {
BatchCounter::BatchCounter(int order, int threads, std::vector<BucketTables>* buckets)
    : order_(order), threads_(threads), buckets_(buckets), scratch_(threads) {}

BatchCounter::~BatchCounter() {
  if (background_.valid()) background_.wait();
}

void BatchCounter::Prepare(const Batch& batch) {
  const size_t n_tokens = batch.size();
  next_bucket_.resize(n_tokens);
  for (size_t i = 0; i < n_tokens; ++i) {
    const int b = BucketOf(batch.words[i]);
    next_bucket_[i] = static_cast<uint8_t>(b);
    // (An open limit is the batch's end: see Start.)
    load_[b] += i + 2 <= std::min<uint64_t>(batch.limits[i], n_tokens);
  }
  prepared_ = &batch;
  prepared_size_ = n_tokens;
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
  // Carry the tail into the next batch.
  batch->words.resize(keep);
  batch->done.resize(keep);
  for (size_t k = 0; k < keep; ++k) {
    const size_t i = n_tokens - keep + k;
    batch->words[k] = counting_.words[i];
    batch->done[k] = static_cast<uint32_t>(n_tokens - i);
  }
  batch->limits.assign(keep, Batch::kOpen);
  if (threads_ > 1) BalanceBuckets();
  overflow_.assign(threads_, 0);
  auto count = [this] {
    RunOnThreads(threads_, [this](int t) { CountPartition(t, &overflow_[t]); });
  };
  if (threads_ == 1 || !background) {
    count();
  } else {
    background_ = std::async(std::launch::async, count);
  }
}

Status BatchCounter::Wait() {
  if (background_.valid()) background_.get();
  for (char o : overflow_) {
    if (o) {
      return ResourceExhausted(
          "too much text for one in-memory count: an n-gram count or the "
          "number of distinct n-grams of one order exceeds 2^32-1");
    }
  }
  return Status::OK();
}

// Gives the buckets to the threads so that each has about as many windows
// to count, by the windows seen so far (longest first, each to the least
// loaded thread). Word frequencies are skewed: a fixed split leaves one
// thread with far more (the bucket of <s> alone has one window per
// sentence and order). Ownership only changes between batches, and which
// thread counts a bucket does not change its tables.
void BatchCounter::BalanceBuckets() {
  std::vector<int> order(kBuckets);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [this](int a, int b) { return load_[a] > load_[b]; });
  std::vector<uint64_t> total(threads_, 0);
  for (int b : order) {
    const int t = static_cast<int>(std::min_element(total.begin(), total.end()) - total.begin());
    owner_[b] = static_cast<uint8_t>(t);
    total[t] += load_[b];
  }
}

// Counts the batch's windows of orders >= 2 whose buckets thread t owns.
void BatchCounter::CountPartition(int t, char* overflow_out) {
  Scratch& sc = scratch_[t];
  const std::vector<WordId>& words = counting_.words;
  const std::vector<uint32_t>& limits = counting_.limits;
  const size_t n_tokens = words.size();
  sc.active.clear();
  sc.prev.clear();
  sc.bucket.clear();
  for (uint32_t i = 0; i < n_tokens; ++i) {
    if (i + 2 > limits[i]) continue;
    const int b = counting_bucket_[i];
    if (owner_[b] == t) {
      sc.active.push_back(i);
      sc.prev.push_back(words[i]);
      sc.bucket.push_back(static_cast<uint8_t>(b));
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
  *overflow_out = overflow;
}

}  // namespace grams::count
