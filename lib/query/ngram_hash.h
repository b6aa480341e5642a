// The query tables' keys and their layout, shared by the loaded form
// (query/language_model.cc) and the mapped form (format/mapped_model.cc,
// docs/FORMAT.md "Mapped model file"), which stores the same tables byte for
// byte.
//
// Keys: a polynomial hash over random per-word values,
// K(w1..wn) = sum_i R(wi) * P^(n-i) (mod 2^64), never 0 (NonZero). It extends
// to the right from a trie parent (K(h w) = K(h) P + R(w)) and to the left
// from a query history (K(v h) = R(v) P^|h| + K(h)), so both loading and
// scoring compute every order's key with one multiply-add each.
//
// Tables: one per order n >= 2, in two shards picked by the low bit of the
// mixed key M = MixKey(K). A shard is an ordered linear-probing table of
// `homes` home slots plus an overflow tail: each entry sits at or after its
// home Reduce(M, homes), the entries are in ascending order of M (so of
// home: Reduce is monotone), there is no wrap-around, and the last slot is
// always empty (key 0), a sentinel that ends every probe. A lookup scans from
// the home to the first slot whose key is >= M (a hit if equal) or empty:
// about 2.5 slots at load 0.75 for a hit or a miss alike. The layout is the
// canonical one (each entry as far left as the order allows), so it depends
// only on the set of keys, not on the order they were inserted in.
//
// Slots are little-endian, native on every machine grams builds on:
// {uint64 M, float32 log10 prob, float32 log10 backoff} (16 bytes) below the
// highest order, {uint64 M, float32 log10 prob} (12 bytes, no backoff) at it.
#ifndef GRAMS_QUERY_NGRAM_HASH_H_
#define GRAMS_QUERY_NGRAM_HASH_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "util/huge_array.h"
#include "util/prefetch.h"

static_assert(std::endian::native == std::endian::little,
              "the query tables (and the mapped model file) are little-endian");

namespace grams::query {

inline constexpr uint64_t kPolyBase = 0x9E3779B97F4A7C15ULL;  // odd

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// R(w) under `seed`.
inline uint64_t WordRandom(uint64_t word, uint64_t seed) {
  return SplitMix64(word ^ (seed * 0x632BE59BD9B4E019ULL));
}

inline uint64_t NonZero(uint64_t k) { return k ? k : 1; }

// Final mix of a key before it picks a shard and a home. A bijection with
// MixKey(0) = 0, so a NonZero key never mixes to 0 (the empty slot).
inline uint64_t MixKey(uint64_t k) {
  k ^= k >> 32;
  k *= 0xD6E8FEB86659FD93ULL;
  k ^= k >> 32;
  return k;
}

// Maps h uniformly onto [0, size) (Lemire's multiply-shift); monotone in h.
inline uint64_t Reduce(uint64_t h, uint64_t size) {
  __extension__ typedef unsigned __int128 Wide;  // GCC and clang; __extension__: -Wpedantic
  return static_cast<uint64_t>((static_cast<Wide>(h) * size) >> 64);
}

// Slot sizes in bytes.
inline constexpr size_t kSlotBytes = 16;     // key, prob, backoff
inline constexpr size_t kTopSlotBytes = 12;  // key, prob (the highest order)
inline constexpr double kLoadFactor = 0.75;

// Home slots for a shard of m entries.
inline uint64_t HomesFor(uint64_t m) {
  return m == 0 ? 1 : static_cast<uint64_t>(static_cast<double>(m) / kLoadFactor) + 1;
}

inline uint64_t LoadKey(const unsigned char* slot) {
  uint64_t k;
  std::memcpy(&k, slot, 8);
  return k;
}
inline float LoadFloat(const unsigned char* p) {
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

// A read-only view of one shard: `slots` holds at least homes + 1 slots of
// kStride bytes, the last one empty (checked by whoever made the view).
struct ShardView {
  const unsigned char* slots = nullptr;
  uint64_t homes = 1;
};

// The slot holding `mixed`, or nullptr.
template <size_t kStride>
inline const unsigned char* FindSlot(const ShardView& shard, uint64_t mixed) {
  const unsigned char* s = shard.slots + Reduce(mixed, shard.homes) * kStride;
  for (;; s += kStride) {
    const uint64_t k = LoadKey(s);
    // Stop at the first key >= mixed, or at an empty slot (0 - 1 wraps to
    // the largest value, so one compare covers both).
    if (k - 1 >= mixed - 1) return k == mixed ? s : nullptr;
  }
}

inline void PrefetchSlot(const ShardView& shard, uint64_t mixed, size_t stride) {
  ::grams::Prefetch(shard.slots + Reduce(mixed, shard.homes) * stride);
}

// One order's table: two shards, by the low bit of the mixed key.
struct TableView {
  ShardView shards[2];
  const ShardView& ShardOf(uint64_t mixed) const { return shards[mixed & 1]; }
};

// An entry to place: its mixed key and values.
struct Entry {
  uint64_t mixed;
  float prob;
  float backoff;
};

// Builds the canonical table of a shard by sorting its entries by key: a
// radix pass on the top bits into buckets of a few hundred entries (homes
// are monotone in the key), each bucket sorted in cache, then one
// sequential pass that writes every entry at its slot.
class ShardBuilder {
 public:
  // Fills *table with shard `shard` (0 or 1) of the entries entry_at(0) ..
  // entry_at(m - 1): those whose mixed key's low bit is `shard`, in any
  // order. `stride` is the slot size (kSlotBytes or
  // kTopSlotBytes). Sets *homes, *slot_count (the empty sentinel included)
  // and *entries; *table holds slot_count slots.
  // Returns false if two entries have the same key (a 64-bit collision
  // between distinct n-grams). Reuses its scratch between calls. Throws
  // AllocationFailure when out of memory.
  // Sizes the scratch for Build calls of up to m entries at once, instead
  // of growing it order by order (fresh pages cost more than anything else
  // here).
  void Reserve(size_t m) {
    if (scratch_.size() < m / 2 + m / 8 + 1) scratch_.Reset(m / 2 + m / 8 + 1);
  }

  template <typename EntryAt>
  bool Build(size_t m, int shard, EntryAt&& entry_at, size_t stride,
             HugeArray<unsigned char>* table, uint64_t* homes, uint64_t* slot_count,
             uint64_t* entries) {
    // Two passes over all the entries: one counts this shard's by bucket of
    // their top bits, about kBucketEntries a bucket (the other shard's are
    // counted in starts_[0], then dropped), the other puts them in bucket
    // order (the other shard's are written to a spare last slot): no branch
    // on a bit that is random.
    bits_ = 0;
    while (bits_ < 20 && (uint64_t{1} << (bits_ + 1)) * kBucketEntries <= m / 2) ++bits_;
    const size_t buckets = size_t{1} << bits_;
    const int shift = 64 - bits_;
    auto bucket_of = [&](uint64_t mixed) -> size_t { return bits_ ? mixed >> shift : 0; };
    const uint64_t want = static_cast<uint64_t>(shard);
    starts_.assign(buckets + 1, 0);
    for (size_t i = 0; i < m; ++i) {
      const uint64_t mixed = entry_at(i).mixed;
      const uint64_t mine = ((mixed & 1) == want);
      ++starts_[(bucket_of(mixed) + 1) & (0 - mine)];
    }
    starts_[0] = 0;
    for (size_t b = 0; b < buckets; ++b) starts_[b + 1] += starts_[b];
    const size_t n = starts_[buckets];
    if (scratch_.size() < n + 1) scratch_.Reset(n + n / 8 + 1);
    pos_.assign(starts_.begin(), starts_.end() - 1);
    for (size_t i = 0; i < m; ++i) {
      const Entry e = entry_at(i);
      const size_t mine = ((e.mixed & 1) == want);
      const size_t b = bucket_of(e.mixed);
      const size_t at = pos_[b];
      scratch_[mine ? at : n] = e;
      pos_[b] = at + mine;
    }
    *entries = n;
    // Each bucket sorted by key (a radix pass on the next 10 bits, then an
    // insertion sort of what is left nearly in order), the whole shard is
    // in key order: every entry goes at max(its home, the previous one's
    // slot + 1), a sequential pass, and the table is sized exactly before
    // it is allocated.
    for (size_t b = 0; b < buckets; ++b) SortBucket(&scratch_[starts_[b]], starts_[b + 1] - starts_[b]);
    const uint64_t h = HomesFor(n);
    *homes = h;
    uint64_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t home = Reduce(scratch_[i].mixed, h);
      next = (home > next ? home : next) + 1;
      if (i > 0 && scratch_[i].mixed == scratch_[i - 1].mixed) return false;
    }
    *slot_count = (next > h ? next : h) + 1;  // the last slot stays empty
    table->Reset(*slot_count * stride);          // fresh zero pages, each touched once
    if (stride == kSlotBytes) {
      Place<kSlotBytes>(table->data(), n, h);
    } else {
      Place<kTopSlotBytes>(table->data(), n, h);
    }
    return true;
  }

 private:
  static constexpr uint64_t kBucketEntries = 512;

  void SortBucket(Entry* a, size_t n) {
    if (n > 32) {
      // About one entry per digit: the insertion sort then moves almost nothing.
      constexpr int kDigitBits = 10;
      constexpr uint64_t kDigits = uint64_t{1} << kDigitBits;
      const int shift = 64 - bits_ - kDigitBits;
      uint32_t count[kDigits + 1] = {0};
      for (size_t i = 0; i < n; ++i) ++count[((a[i].mixed >> shift) & (kDigits - 1)) + 1];
      for (uint64_t d = 0; d < kDigits; ++d) count[d + 1] += count[d];
      if (tmp_.size() < n) tmp_.resize(n);
      for (size_t i = 0; i < n; ++i) tmp_[count[(a[i].mixed >> shift) & (kDigits - 1)]++] = a[i];
      std::memcpy(a, tmp_.data(), n * sizeof(Entry));
    }
    for (size_t i = 1; i < n; ++i) {
      const Entry e = a[i];
      size_t j = i;
      for (; j > 0 && a[j - 1].mixed > e.mixed; --j) a[j] = a[j - 1];
      a[j] = e;
    }
  }

  template <size_t kStride>
  void Place(unsigned char* table, size_t n, uint64_t homes) const {
    uint64_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t home = Reduce(scratch_[i].mixed, homes);
      const uint64_t pos = home > next ? home : next;
      Store<kStride>(table + pos * kStride, scratch_[i]);
      next = pos + 1;
    }
  }

  template <size_t kStride>
  static void Store(unsigned char* s, const Entry& e) {
    std::memcpy(s, &e.mixed, 8);
    std::memcpy(s + 8, &e.prob, 4);
    if constexpr (kStride == kSlotBytes) std::memcpy(s + 12, &e.backoff, 4);
  }

  int bits_ = 0;
  std::vector<size_t> starts_, pos_;
  std::vector<Entry> tmp_;
  HugeArray<Entry> scratch_;
};

}  // namespace grams::query

#endif  // GRAMS_QUERY_NGRAM_HASH_H_
