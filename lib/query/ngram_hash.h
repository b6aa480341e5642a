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
  return static_cast<uint64_t>((static_cast<unsigned __int128>(h) * size) >> 64);
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

// Builds the canonical table of a shard. The entries are first bucketed by
// their top bits (homes are monotone in the key), so the ordered insertions
// of one bucket stay within a few cache-resident pages of the table instead
// of jumping across all of it.
class ShardBuilder {
 public:
  // Fills *table with the shard of the entries that for_each(fn) passes to
  // fn(const Entry&), in any order (for_each is called twice and must give
  // the same entries both times); about `expected` of them. `stride` is the
  // slot size (kSlotBytes or kTopSlotBytes). Sets *homes, *slot_count (the
  // slots used, the empty sentinel included; the array may be longer, zero
  // beyond) and *entries. Returns false if two entries have the same key (a
  // 64-bit collision between distinct n-grams). Reuses its scratch between
  // calls. Throws AllocationFailure when out of memory.
  template <typename ForEach>
  bool Build(ForEach&& for_each, size_t expected, size_t stride, HugeArray<unsigned char>* table,
             uint64_t* homes, uint64_t* slot_count, uint64_t* entries) {
    // Bucket by the top bits: about kBucketEntries entries a bucket.
    bits_ = 0;
    while (bits_ < 20 && (uint64_t{1} << (bits_ + 1)) * kBucketEntries <= expected) ++bits_;
    const size_t buckets = size_t{1} << bits_;
    const int shift = 64 - bits_;
    auto bucket_of = [&](uint64_t mixed) -> size_t { return bits_ ? mixed >> shift : 0; };
    starts_.assign(buckets + 1, 0);
    for_each([&](const Entry& e) { ++starts_[bucket_of(e.mixed) + 1]; });
    for (size_t b = 0; b < buckets; ++b) starts_[b + 1] += starts_[b];
    const size_t m = starts_[buckets];
    if (scratch_.size() < m) scratch_.Reset(m + m / 8);
    pos_.assign(starts_.begin(), starts_.end() - 1);
    for_each([&](const Entry& e) { scratch_[pos_[bucket_of(e.mixed)]++] = e; });
    m_ = m;
    *entries = m;

    const uint64_t h = HomesFor(m);
    *homes = h;
    for (uint64_t tail = 64 + m / 256;; tail *= 4) {
      const uint64_t capacity = h + tail + 1;
      table->Reset(capacity * stride);  // fresh zero pages, each touched once
      uint64_t used = 0;
      const Result r = stride == kSlotBytes ? Insert<kSlotBytes>(table->data(), capacity, h, &used)
                                            : Insert<kTopSlotBytes>(table->data(), capacity, h, &used);
      if (r == Result::kDuplicate) return false;
      if (r == Result::kOk) {
        *slot_count = (used > h ? used : h) + 1;
        return true;
      }
      // kFull: the last cluster ran past the spare tail (never seen); retry.
    }
  }

 private:
  enum class Result { kOk, kDuplicate, kFull };
  static constexpr uint64_t kBucketEntries = 512;

  template <size_t kStride>
  Result Insert(unsigned char* table, uint64_t capacity, uint64_t homes, uint64_t* used) {
    const uint64_t last = capacity - 1;  // stays empty: the sentinel
    uint64_t high = 0;
    for (size_t i = 0; i < m_; ++i) {
      Entry item = scratch_[i];
      uint64_t pos = Reduce(item.mixed, homes);
      for (;; ++pos) {
        if (pos >= last) return Result::kFull;
        unsigned char* s = table + pos * kStride;
        const uint64_t k = LoadKey(s);
        if (k == 0) {
          Store<kStride>(s, item);
          break;
        }
        if (k == item.mixed) return Result::kDuplicate;
        if (k > item.mixed) {  // keep ascending order: item goes here, the resident moves on
          Entry resident = Read<kStride>(s);
          Store<kStride>(s, item);
          item = resident;
        }
      }
      if (pos + 1 > high) high = pos + 1;
    }
    *used = high;
    return Result::kOk;
  }

  template <size_t kStride>
  static void Store(unsigned char* s, const Entry& e) {
    std::memcpy(s, &e.mixed, 8);
    std::memcpy(s + 8, &e.prob, 4);
    if constexpr (kStride == kSlotBytes) std::memcpy(s + 12, &e.backoff, 4);
  }
  template <size_t kStride>
  static Entry Read(const unsigned char* s) {
    Entry e{LoadKey(s), LoadFloat(s + 8), 0.0f};
    if constexpr (kStride == kSlotBytes) e.backoff = LoadFloat(s + 12);
    return e;
  }

  int bits_ = 0;
  size_t m_ = 0;
  std::vector<size_t> starts_, pos_;
  HugeArray<Entry> scratch_;
};

}  // namespace grams::query

#endif  // GRAMS_QUERY_NGRAM_HASH_H_
