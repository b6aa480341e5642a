// The counting tables: one hash table per bucket and order, from an n-gram's
// key to its entry.
//
// An n-gram of order n >= 2 is identified by (index of its first n-1 words
// among the order n-1 entries of its bucket, last word), so every order is a
// hash table of fixed 8-byte keys whatever N is. The n-grams are split into
// kBuckets buckets by their first word (BucketOf); a window's prefix has the
// same first word, so parent indices stay inside a bucket.
//
// Thread-safety: a table is used by one thread at a time (the counting
// thread that owns its bucket, or the caller between batches).
#ifndef GRAMS_COUNT_ORDER_TABLE_H_
#define GRAMS_COUNT_ORDER_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/prefetch.h"

namespace grams::count {

// Buckets of n-grams by first word. Fixed, so nothing depends on the thread
// count; many, so one bucket is a small part of the whole.
constexpr int kBuckets = 256;
// Smallest table reservation worth making (above glibc's mmap threshold as
// the tools set it, cli::ReturnFreedMemoryEagerly).
constexpr uint64_t kMinReserveBytes = 256u << 10;
// Inserts of many independent keys prefetch the slot of the key this many
// ahead, and the entry that slot points to half as far ahead, so that
// their memory latencies overlap (BatchCounter, CountsInserter, the
// spills' reload).
constexpr size_t kPrefetchDistance = 16;

inline int BucketOf(uint32_t w) {
  return static_cast<int>((static_cast<uint64_t>(w) * 0x9E3779B97F4A7C15ULL) >> 56);
}

// 32 bits: a table of one bucket and order never has 2^32 slots, and the
// batch keeps one hash per window.
inline uint32_t KeyHash(uint32_t parent, uint32_t word) {
  uint64_t k = (static_cast<uint64_t>(parent) << 32) | word;
  k *= 0x9E3779B97F4A7C15ULL;
  return static_cast<uint32_t>(k >> 32);
}

// One n-gram being counted: its parent (for order 2 the first word's
// counting id, else an entry index of the bucket's table of order n-1), its
// last word (counting id) and its count so far.
struct CountEntry {
  uint32_t parent;
  uint32_t word;
  uint32_t count;
};

// Hash table from (parent, word) to a stable entry index, for one order: an
// append-only vector of entries and a linear-probing table of uint32 slots,
// kept below 70% full. A slot of a table of 2^k slots holds entry + 1 (0 =
// empty) in its low k bits, which is all they can need, and the key hash's
// high 32 - k bits above them (the bits that do not choose the slot): a
// probe passes a slot of another key without reading its entry, but for 1
// in 2^(32-k) of them. (Without them each probe past the first cost a
// cache miss on an entry: the reload of the spills spent a fifth of its
// time there.)
// Aligned to a cache line: neighbouring tables may belong to buckets counted
// on different threads, and each insert writes the table's own fields.
class alignas(64) OrderTable {
 public:
  OrderTable() { Resize(1 << 8); }

  size_t size() const { return entries_.size(); }
  // Memory in use. Untouched reserved capacity costs none when it was
  // mapped fresh (large reservations, see kMinReserveBytes); small vectors
  // come from the heap, where all of their capacity may be resident.
  uint64_t bytes() const {
    const uint64_t cap = entries_.capacity() * sizeof(CountEntry);
    const uint64_t entries = cap < kMinReserveBytes ? cap : entries_.size() * sizeof(CountEntry);
    return entries + slots_.size() * sizeof(uint32_t);
  }
  std::vector<CountEntry>& entries() { return entries_; }
  const std::vector<CountEntry>& entries() const { return entries_; }

  void Prefetch(uint32_t hash) const { ::grams::Prefetch(&slots_[hash & mask_]); }
  // Second stage: the slot is in cache by now; fetch the entry it points to.
  void PrefetchEntry(uint32_t hash) const {
    uint32_t s = slots_[hash & mask_];
    if (s != 0 && ((s ^ hash) & high_) == 0) ::grams::Prefetch(&entries_[(s & mask_) - 1]);
  }

  // Distinct n-grams one order can hold (indices are 32-bit, 0 = empty slot).
  static constexpr size_t kMaxEntries = UINT32_MAX - 1;

  // Adds `by` occurrences (hash = KeyHash(parent, word)); returns the entry
  // index. Sets *overflow on a count that would exceed 2^32-1 or more
  // distinct n-grams than kMaxEntries.
  uint32_t Increment(uint32_t parent, uint32_t word, uint32_t hash, bool* overflow,
                     uint64_t by = 1) {
    for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
      uint32_t s = slots_[i];
      if (s == 0) {
        if (entries_.size() >= kMaxEntries || by > UINT32_MAX) {
          *overflow = true;
          return entries_.empty() ? 0 : static_cast<uint32_t>(entries_.size() - 1);
        }
        uint32_t index = static_cast<uint32_t>(entries_.size());
        entries_.push_back({parent, word, static_cast<uint32_t>(by)});
        slots_[i] = (hash & high_) | (index + 1);
        if (entries_.size() * 10 > (mask_ + 1) * 7) Resize((mask_ + 1) * 2);
        return index;
      }
      if (((s ^ hash) & high_) != 0) continue;  // another key's
      const uint32_t index = static_cast<uint32_t>((s & mask_) - 1);
      CountEntry& e = entries_[index];
      if (e.parent == parent && e.word == word) {
        const uint64_t sum = e.count + by;
        if (sum > UINT32_MAX) {
          e.count = UINT32_MAX;
          *overflow = true;
        } else {
          e.count = static_cast<uint32_t>(sum);
        }
        return index;
      }
    }
  }

  // Reserves room for n entries. Untouched capacity costs address space, not
  // memory, and saves the copy (and its memory peak) of growing.
  void Reserve(size_t n) {
    if (entries_.empty() && n > entries_.capacity()) entries_.reserve(n);
  }

  void Release() {
    std::vector<uint32_t>().swap(slots_);
    std::vector<CountEntry>().swap(entries_);
  }
  // Frees the hash slots: only the entries are read from now on (sorting,
  // spilling), and no more increments come.
  void ReleaseSlots() { std::vector<uint32_t>().swap(slots_); }

 private:
  void Resize(uint64_t new_size) {
    std::vector<uint32_t> slots(new_size, 0);
    const uint64_t mask = new_size - 1;
    const uint32_t high = static_cast<uint32_t>(~mask);  // none from 2^32 slots on
    for (uint32_t idx = 0; idx < entries_.size(); ++idx) {
      const CountEntry& e = entries_[idx];
      const uint32_t hash = KeyHash(e.parent, e.word);
      uint64_t i = hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = (hash & high) | (idx + 1);
    }
    slots_.swap(slots);
    mask_ = mask;
    high_ = high;
  }

  std::vector<uint32_t> slots_;
  std::vector<CountEntry> entries_;
  uint64_t mask_ = 0;
  uint32_t high_ = 0;  // the hash bits a slot keeps
};

// One bucket's tables: [n-2] is its table of order n.
using BucketTables = std::vector<OrderTable>;

}  // namespace grams::count

#endif  // GRAMS_COUNT_ORDER_TABLE_H_
