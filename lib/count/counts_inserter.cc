#include "count/counts_inserter.h"

#include <algorithm>
#include <numeric>

#include "util/threads.h"

namespace grams::count {
namespace {
// A chunk smaller than this is added on the caller's thread: starting the
// threads would cost more than they save (the last chunk of an order, the
// orders of a small file).
constexpr size_t kLeastThreadedEntries = 1 << 13;
}  // namespace

CountsInserter::CountsInserter(int threads, std::vector<BucketTables>* buckets)
    : threads_(threads), buckets_(buckets) {}

void CountsInserter::StartOrder(int n, std::vector<uint32_t>* index) {
  n_ = n;
  index_ = index;
  size_ = 0;  // (what an order that failed half-way left is dropped)
  std::fill(load_.begin(), load_.end(), 0);
  if (k_.empty()) {  // the buffers, at the first use
    for (auto* v : {&k_, &parent_, &word_, &count_, &pos_, &hash_}) v->resize(kChunkEntries);
    bucket_.resize(kChunkEntries);
  }
}

void CountsInserter::Flush() {
  if (size_ == 0) return;
  const int threads = size_ < kLeastThreadedEntries ? 1 : threads_;
  for (int b = 0; b < kBuckets; ++b) seen_[b] += load_[b];
  Balance(threads);
  overflows_.assign(threads, 0);
  RunOnThreads(threads, [this](int t) { AddPartition(t); });
  for (char o : overflows_) overflow_ = overflow_ || o;
  std::fill(load_.begin(), load_.end(), 0);
  size_ = 0;
}

// Gives the buckets to `threads` threads so that each has about as many
// entries (largest first, each to the least loaded thread), by the entries
// each bucket has had so far: the bucket of <s> alone can have a tenth of
// them. By the entries so far rather than the chunk's own, a bucket mostly
// stays with one thread once the loads settle. (The tables then grow in
// two or more threads: with a malloc arena per thread, the blocks one
// arena frees are not reused by tables growing in another; grams-count
// keeps one arena. 4 shards of order 5 merged without a budget: 524 MB
// peak on one thread, 556 MB on two with an arena each, 524 MB on two with
// one.)
void CountsInserter::Balance(int threads) {
  start_.assign(threads + 1, 0);
  if (threads == 1) {
    std::fill(owner_.begin(), owner_.end(), 0);
    start_[1] = size_;
    return;
  }
  std::vector<int> order(kBuckets);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [this](int a, int b) { return seen_[a] > seen_[b]; });
  std::vector<uint64_t> total(threads, 0);
  for (int b : order) {
    const int t = static_cast<int>(std::min_element(total.begin(), total.end()) - total.begin());
    owner_[b] = static_cast<uint8_t>(t);
    total[t] += seen_[b];
  }
  std::vector<size_t> mine(threads, 0);
  for (int b = 0; b < kBuckets; ++b) mine[owner_[b]] += load_[b];
  for (int t = 0; t < threads; ++t) start_[t + 1] = start_[t] + mine[t];
}

// Adds the buffered entries of the buckets thread t owns, in the order they
// came (a table's entries are then numbered as by one thread).
void CountsInserter::AddPartition(int t) {
  const size_t lo = start_[t], hi = start_[t + 1];
  size_t i = lo;
  for (size_t j = 0; j < size_; ++j) {
    if (owner_[bucket_[j]] == t) {
      pos_[i] = static_cast<uint32_t>(j);
      hash_[i] = KeyHash(parent_[j], word_[j]);
      ++i;
    }
  }
  auto table = [&](size_t at) -> OrderTable& { return (*buckets_)[bucket_[pos_[at]]][n_ - 2]; };
  bool overflow = false;
  for (i = lo; i < hi; ++i) {
    if (i + kPrefetchDistance < hi)
      table(i + kPrefetchDistance).Prefetch(hash_[i + kPrefetchDistance]);
    if (i + kPrefetchDistance / 2 < hi)
      table(i + kPrefetchDistance / 2).PrefetchEntry(hash_[i + kPrefetchDistance / 2]);
    const uint32_t j = pos_[i];
    (*index_)[k_[j]] = table(i).Increment(parent_[j], word_[j], hash_[i], &overflow, count_[j]);
  }
  overflows_[t] = overflow;
}

}  // namespace grams::count
