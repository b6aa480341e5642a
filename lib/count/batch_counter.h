// Counting batches of text on the counting threads.
//
// Text is counted in batches of word ids (64K to 512K tokens), one order at
// a time. Every window belongs to the bucket of its first word
// (count/order_table.h). The buckets are dealt into groups (4 a thread),
// about equal by the windows each bucket has had so far, and the threads
// take the groups one at a time, the heaviest first, until none is left:
// the caller too, once it has prepared the next batch (Wait), so that no
// core idles while one thread finishes a batch. A group's windows are
// listed while the batch before is still counted (Prepare). Which thread
// counts a group changes nothing in the tables: each bucket's windows are
// counted in text order by one thread.
//
// For order n, the keys of every window of a group are hashed first, then
// probed in order with a two-stage prefetch: the slot kPrefetchDistance
// probes ahead, and the entry that slot points to half as far ahead. Each
// window remembers the entry index of its (n-1)-gram, the parent of its
// n-gram. The probes of one order are independent, so memory latencies
// overlap.
//
// Thread-safety: one caller. With more than one thread a batch is counted
// in the background while the caller prepares the next; the tables must not
// be touched until Wait() returns.
#ifndef GRAMS_COUNT_BATCH_COUNTER_H_
#define GRAMS_COUNT_BATCH_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <future>
#include <vector>

#include "count/order_table.h"
#include "grams/status.h"
#include "grams/types.h"

namespace grams::count {

// Words of text waiting to be counted: whole sentences, each <s> ... </s>,
// or a piece of a stream (boundaries = none).
struct Batch {
  // The limit of a stream position: its windows may run to the batch's end.
  static constexpr uint32_t kOpen = UINT32_MAX;

  std::vector<WordId> words;
  std::vector<uint32_t> limits;  // per position: the end of its sentence, or kOpen
  // Per position: how many orders of the windows starting there were
  // already counted (a stream's tail carried over from the previous batch;
  // those are only looked up, to recover their parent index). Positions
  // past its end have 0.
  std::vector<uint32_t> done;

  size_t size() const { return words.size(); }
};

class BatchCounter {
 public:
  // Counts orders 2 .. `order` into `buckets` (kBuckets of them, each with
  // its tables of those orders) on `threads` threads.
  BatchCounter(int order, int threads, std::vector<BucketTables>* buckets);
  ~BatchCounter();
  BatchCounter(const BatchCounter&) = delete;
  BatchCounter& operator=(const BatchCounter&) = delete;

  // Starts counting every window of orders >= 2 of *batch that fits in it
  // (the unigrams are the caller's). Takes the batch and leaves in it its
  // last `keep` positions, with their `done` set and limits open: a
  // stream's tail, carried into the next batch. With `background` and more
  // than one thread the counting goes on until Wait(); otherwise it is done
  // on return. REQUIRES: the previous batch waited for.
  void Start(Batch* batch, size_t keep, bool background);
  // Does the part of Start that only reads the batch (each position's
  // bucket, the buckets' loads, the groups and their windows), so that the
  // caller can do it while the previous batch is still counted: Start then
  // swaps the batch in. Optional; the batch must not change between the
  // two calls.
  void Prepare(const Batch& batch);
  // Counts the groups of the batch that no thread has taken yet, then waits
  // for the batch, if one is being counted. ResourceExhausted if an n-gram
  // count or the number of distinct n-grams of one order of a bucket
  // exceeded 2^32-1.
  Status Wait();

 private:
  // The groups of a batch and their windows, made by Prepare.
  struct Groups {
    std::vector<uint32_t> windows;  // window starts, group by group, in text order
    std::vector<uint32_t> begin;    // group g's: windows[begin[g] .. begin[g + 1]); empty: one
                                    // group of every window, unlisted
    std::vector<uint32_t> order;    // the groups, heaviest first
  };
  void MakeGroups(const Batch& batch, Groups* out);
  // Takes groups until none is left, counting them with scratch s.
  void CountGroups(int s);
  void CountGroup(uint32_t g, int s, bool* overflow);

  const int order_;
  const int threads_;
  std::vector<BucketTables>* buckets_;
  // Per thread (and one for the caller): the windows it counts in the
  // order being counted.
  struct Scratch {
    std::vector<uint32_t> active;  // a window's start
    std::vector<uint32_t> prev;    // its (n-1)-gram's entry (n = 2: the word)
    std::vector<uint8_t> bucket;   // its bucket
    std::vector<uint32_t> hashes;
  };
  std::vector<Scratch> scratch_;
  Batch counting_;                        // the batch being counted
  std::vector<uint8_t> counting_bucket_;  // per position: its bucket
  std::vector<uint8_t> next_bucket_;      // the same for the batch Prepare saw
  const Batch* prepared_ = nullptr;       // that batch, until Start takes it
  size_t prepared_size_ = 0;              // and its size then
  Groups counting_groups_, next_groups_;  // the batch's; the prepared batch's
  std::atomic<uint32_t> next_group_{0};   // of counting_groups_.order, the next to take
  std::vector<char> overflow_;            // per scratch
  std::vector<uint64_t> load_ = std::vector<uint64_t>(kBuckets, 0);  // windows seen per bucket
  std::future<void> background_;  // last: destroyed (waited for) first
};

}  // namespace grams::count

#endif  // GRAMS_COUNT_BATCH_COUNTER_H_
