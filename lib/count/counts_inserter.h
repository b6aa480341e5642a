// Adding counted n-grams (of a counts file or of counts in memory) to the
// counting tables on the counting threads.
//
// The merge adds a file's n-grams order by order: an entry of order n is
// keyed by (its parent's index in the bucket's table of order n-1, its last
// word), so an order can only be added once the one below it is in. Within
// an order the entries are independent. The caller decodes the order's
// entries one at a time (on its thread: the file's varints can only be
// read in order) and hands each over with its bucket and key; they are
// buffered, and every kChunkEntries of them are added on the threads, each
// thread adding the entries of the buckets it owns, so that no table is
// touched by two threads. As in count/batch_counter.h, a thread hashes its
// entries first, then probes with a two-stage prefetch (the probes' cache
// misses overlap: one table increment per entry is most of a merge). Each
// entry's index in its table goes to (*index)[k], the entry's position in
// its order, for the next order's parents.
//
// Thread-safety: one caller; the tables are touched only inside Flush().
#ifndef GRAMS_COUNT_COUNTS_INSERTER_H_
#define GRAMS_COUNT_COUNTS_INSERTER_H_

#include <cstdint>
#include <vector>

#include "count/order_table.h"

namespace grams::count {

class CountsInserter {
 public:
  // Entries buffered before they are added: large enough that starting the
  // threads costs little beside the adding (about 1 ms a chunk), small
  // enough that the buffers (kBytesPerEntry each) are a fixed megabyte or so.
  static constexpr size_t kChunkEntries = 1 << 16;
  // The buffer (17 bytes an entry) and the threads' scratch (8).
  static constexpr uint64_t kBytesPerEntry = 17 + 8;

  CountsInserter(int threads, std::vector<BucketTables>* buckets);

  // The entries that follow are of order n; their indices go to *index
  // (sized by the caller to the order's entries).
  void StartOrder(int n, std::vector<uint32_t>* index);
  // Adds `count` occurrences of the order's entry k, (parent, word) in
  // bucket b. Its index is in (*index)[k] after the next Flush().
  void Add(uint32_t k, int b, uint32_t parent, uint32_t word, uint64_t count) {
    if (count > UINT32_MAX) {  // more than an entry holds: the merge fails
      overflow_ = true;
      count = UINT32_MAX;
    }
    const size_t j = size_++;
    k_[j] = k;
    parent_[j] = parent;
    word_[j] = word;
    count_[j] = static_cast<uint32_t>(count);
    bucket_[j] = static_cast<uint8_t>(b);
    ++load_[b];
    if (size_ == kChunkEntries) Flush();
  }
  // Adds the buffered entries to the tables.
  void Flush();
  // True once a count or the entries of a table exceeded what it holds
  // (2^32-1): the tables are then unusable.
  bool overflow() const { return overflow_; }
  // The memory of the buffers and scratch, at most.
  uint64_t bytes() const { return kChunkEntries * kBytesPerEntry; }

 private:
  void Balance(int threads);
  void AddPartition(int t);

  const int threads_;
  std::vector<BucketTables>* buckets_;
  int n_ = 2;
  std::vector<uint32_t>* index_ = nullptr;
  // The buffered entries.
  size_t size_ = 0;
  std::vector<uint32_t> k_, parent_, word_, count_;
  std::vector<uint8_t> bucket_;
  std::vector<uint32_t> load_ = std::vector<uint32_t>(kBuckets, 0);  // buffered per bucket
  std::vector<uint64_t> seen_ = std::vector<uint64_t>(kBuckets, 0);  // added so far per bucket
  std::vector<uint8_t> owner_ = std::vector<uint8_t>(kBuckets, 0);   // bucket -> thread
  // Thread t's entries: their positions in the buffer and their hashes,
  // at [start_[t], start_[t + 1]).
  std::vector<uint32_t> pos_, hash_;
  std::vector<size_t> start_;
  std::vector<char> overflows_;  // per thread
  bool overflow_ = false;
};

}  // namespace grams::count

#endif  // GRAMS_COUNT_COUNTS_INSERTER_H_
