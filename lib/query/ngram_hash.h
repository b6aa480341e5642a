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

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
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

// Builds the canonical tables of one order's two shards by sorting the
// entries by key (a most-significant-digit radix sort), in two steps of two
// independent halves each, for two threads. Scatter(0) and Scatter(1) each
// take half of the entries (by index) and put them in scratch in the order
// of their group: the shard, then the top 5 bits of the key, so at most 64
// groups. A scatter to more places at once runs 2.5 to 3.5 times slower,
// each store missing the cache. Then Place(0) and Place(1) each take a
// shard and, group by group, scatter its entries again by the next bits (up
// to 64 ways, into a buffer that stays in cache) until the pieces hold a
// few hundred entries, which they sort in cache (a radix pass on the next
// 10 bits, an insertion sort of what is left nearly in order) and write at
// max(their home, the previous entry's slot + 1), one sequential pass over
// the table. No branch depends on the random shard bit, every entry is read
// from the caller's arrays once, and the table's pages are each touched
// once, fresh: nothing is zeroed twice.
class OrderBuilder {
 public:
  // Sizes the scratch for orders of up to m entries, once, instead of
  // growing it order by order (fresh pages cost more than anything here).
  // Throws AllocationFailure when out of memory.
  void Reserve(size_t m) {
    const size_t need =
        2 * (size_t{2} << ScatterBits(BitsFor(m))) * Capacity(m / 2 + 1, ScatterBits(BitsFor(m)));
    if (scratch_.size() < need) scratch_.Reset(need);
  }

  // Makes ScatterBlocks and Place stop soon (within a fraction of a
  // millisecond) once *cancel is set, their work left incomplete for the
  // caller to drop; null: never.
  void SetCancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // Place's tables on huge pages even where free pages are reported, the
  // probe deciding (HugeArray::ResetProbed): for tables built where no one
  // waits for them.
  void SetProbedPages(bool probed) { probed_pages_ = probed; }
  bool Cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }

  // Starts an order of m entries. REQUIRES: the previous order's Place
  // calls have returned.
  void Start(size_t m) {
    Reserve(m);
    m_ = m;
    bits_ = BitsFor(m);
    scatter_bits_ = ScatterBits(bits_);
    capacity_ = Capacity(m / 2 + 1, scatter_bits_);
  }

  // Half h (0 or 1) of the entries: i in [m h / 2, m (h + 1) / 2).
  // key_at(i) is entry i's mixed key, entry_at(i) the entry. The two halves
  // may run at once, on two threads. Each group of each half has room for
  // far more entries than it gets (random keys spread evenly: 8 standard
  // deviations more), so one pass puts the entries there; if a group should
  // fill all the same, the half is counted first and packed.
  template <typename KeyAt, typename EntryAt>
  void Scatter(int h, KeyAt&& key_at, EntryAt&& entry_at) {
    ScatterBlocks(h, key_at, [&](size_t first, size_t count, Entry* out) {
      for (size_t j = 0; j < count; ++j) out[j] = entry_at(first + j);
    });
  }

  // The same with the entries made a block at a time: fill(first, count,
  // out) writes entries first .. first + count - 1 to out[0, count), count
  // <= kBlock (for a caller whose entries are cheaper made in bulk).
  static constexpr size_t kBlock = 256;
  template <typename KeyAt, typename Fill>
  void ScatterBlocks(int h, KeyAt&& key_at, Fill&& fill) {
    const size_t lo = m_ * h / 2, hi = m_ * (h + 1) / 2;
    const size_t groups = size_t{2} << scatter_bits_;
    const size_t base = static_cast<size_t>(h) * groups * capacity_;
    size_t* begin = begin_[h];
    size_t* end = end_[h];
    size_t limit[kMaxGroups];
    for (size_t g = 0; g < groups; ++g) {
      begin[g] = end[g] = base + g * capacity_;
      limit[g] = begin[g] + capacity_;
    }
    Entry* scratch = scratch_.data();
    Entry block[kBlock];
    for (size_t i = lo; i < hi; i += kBlock) {
      if ((i - lo) % (64 * kBlock) == 0 && Cancelled()) return;
      const size_t count = hi - i < kBlock ? hi - i : kBlock;
      fill(i, count, block);
      for (size_t j = 0; j < count; ++j) {
        const size_t g = Group(block[j].mixed);
        if (end[g] == limit[g]) {  // never seen: count, then pack
          Pack(lo, hi, base, h, key_at, fill);
          return;
        }
        // Four lines on in the group's stream: 64 streams (and the ones
        // read) are more than the hardware prefetches.
        PrefetchAhead(scratch + end[g], 256);
        scratch[end[g]++] = block[j];
      }
    }
  }

  // Fills *table with shard s (0 or 1): the entries whose mixed key's low
  // bit is s. `stride` is the slot size (kSlotBytes or kTopSlotBytes).
  // Sets *homes, *slot_count (the empty sentinel included) and *entries;
  // *table holds slot_count slots. Returns false if two entries have the
  // same key (a 64-bit collision between distinct n-grams). REQUIRES: both
  // Scatter calls have returned. The two shards may run at once. Throws
  // AllocationFailure when out of memory.
  bool Place(int s, size_t stride, HugeArray<unsigned char>* table, uint64_t* homes,
             uint64_t* slot_count, uint64_t* entries) {
    const size_t groups = size_t{1} << scatter_bits_;
    const size_t g0 = static_cast<size_t>(s) << scatter_bits_;
    size_t n = 0;
    for (size_t g = g0; g < g0 + groups; ++g)
      n += end_[0][g] - begin_[0][g] + end_[1][g] - begin_[1][g];
    Shard& sh = shards_[s];
    sh.homes = HomesFor(n);
    sh.stride = stride;
    sh.next = 0;
    sh.previous = 0;  // no mixed key is 0
    *homes = sh.homes;
    *entries = n;
    // Room for the worst case (every entry after the last home), trimmed
    // below: the slots past the last one written are never touched.
    if (probed_pages_) {
      table->ResetProbed((sh.homes + n + 1) * stride);
    } else {
      table->Reset((sh.homes + n + 1) * stride);
    }
    sh.table = table->data();
    bool ok = true;
    for (size_t g = g0; g < g0 + groups && ok; ++g) {
      const Entry* piece[2] = {scratch_.data() + begin_[0][g], scratch_.data() + begin_[1][g]};
      const size_t size[2] = {end_[0][g] - begin_[0][g], end_[1][g] - begin_[1][g]};
      ok = !Cancelled() && Sort(&sh, piece, size, scatter_bits_, 0);
    }
    if (!ok) return false;
    *slot_count = (sh.next > sh.homes ? sh.next : sh.homes) + 1;  // the last slot stays empty
    table->Shrink(*slot_count * stride);
    return true;
  }

 private:
  static constexpr uint64_t kPieceEntries = 512;
  static constexpr int kScatterBits = 5;
  static constexpr size_t kMaxGroups = size_t{2} << kScatterBits;
  static constexpr int kSplitBits = 6;    // Sort's scatters: 64 ways at most
  static constexpr size_t kSmall = 2048;  // entries sorted without splitting further
  static constexpr int kDigitBits = 11;   // the radix pass of the final sort

  // A shard being placed, and Sort's buffers (reused from call to call).
  struct Shard {
    uint64_t homes = 1, next = 0, previous = 0;
    size_t stride = kSlotBytes;
    unsigned char* table = nullptr;
    std::vector<std::vector<Entry>> split;  // per depth of Sort
    std::vector<Entry> sorted;
  };

  // Key bits that split a shard of an order of m entries into pieces of
  // about kPieceEntries, and the first of them, by Scatter.
  static int BitsFor(size_t m) {
    int bits = 0;
    while (bits < 20 && (uint64_t{1} << (bits + 1)) * kPieceEntries <= m / 2) ++bits;
    return bits;
  }
  static int ScatterBits(int bits) { return bits < kScatterBits ? bits : kScatterBits; }
  // Room for each group of a half of n entries: the mean, 8 standard
  // deviations (binomial) and a margin.
  static size_t Capacity(size_t n, int scatter_bits) {
    const double mean = static_cast<double>(n) / static_cast<double>(size_t{2} << scatter_bits);
    return static_cast<size_t>(mean + 8.0 * std::sqrt(mean) + 64.0);
  }

  size_t Group(uint64_t mixed) const {
    return ((mixed & 1) << scatter_bits_) | (scatter_bits_ ? mixed >> (64 - scatter_bits_) : 0);
  }

  // ScatterBlocks when a group overflows: half h's entries [lo, hi)
  // counted by group, then packed from `base` on.
  template <typename KeyAt, typename Fill>
  void Pack(size_t lo, size_t hi, size_t base, int h, KeyAt& key_at, Fill& fill) {
    const size_t groups = size_t{2} << scatter_bits_;
    size_t* begin = begin_[h];
    size_t* end = end_[h];
    std::fill_n(end, groups, size_t{0});
    for (size_t i = lo; i < hi; ++i) ++end[Group(key_at(i))];
    size_t at = base;
    for (size_t g = 0; g < groups; ++g) {
      begin[g] = at;
      at += end[g];
      end[g] = begin[g];
    }
    Entry* scratch = scratch_.data();
    Entry block[kBlock];
    for (size_t i = lo; i < hi; i += kBlock) {
      const size_t count = hi - i < kBlock ? hi - i : kBlock;
      fill(i, count, block);
      for (size_t j = 0; j < count; ++j) scratch[end[Group(block[j].mixed)]++] = block[j];
    }
  }

  // Sorts the entries of the two pieces (whose keys share their top
  // `fixed` bits) and places them; false on a duplicate key.
  bool Sort(Shard* sh, const Entry* const piece[2], const size_t size[2], int fixed, size_t depth) {
    const size_t n = size[0] + size[1];
    const int bits = bits_ - fixed < kSplitBits ? bits_ - fixed : kSplitBits;
    if (bits <= 0 || n <= kSmall) return SortSmall(sh, piece, size, fixed);
    // Split by the next `bits` bits into a buffer of this depth, then each
    // part in key order.
    if (sh->split.size() <= depth) sh->split.resize(depth + 1);
    std::vector<Entry>& buffer = sh->split[depth];
    if (buffer.size() < n) buffer.resize(n);
    // (Deeper calls may grow sh->split, moving `buffer`, not its data.)
    Entry* const out = buffer.data();
    const int shift = 64 - fixed - bits;
    const uint64_t mask = (uint64_t{1} << bits) - 1;
    const size_t parts = size_t{1} << bits;
    size_t count[(size_t{1} << kSplitBits) + 1] = {0};
    for (int p = 0; p < 2; ++p) {
      for (size_t i = 0; i < size[p]; ++i) {
        if (i % 4 == 0) PrefetchAhead(piece[p] + i, 1024);  // the first read of a piece
        ++count[((piece[p][i].mixed >> shift) & mask) + 1];
      }
    }
    for (size_t d = 0; d < parts; ++d) count[d + 1] += count[d];
    size_t pos[size_t{1} << kSplitBits];
    std::copy_n(count, parts, pos);
    for (int p = 0; p < 2; ++p) {
      for (size_t i = 0; i < size[p]; ++i) {
        out[pos[(piece[p][i].mixed >> shift) & mask]++] = piece[p][i];
      }
    }
    for (size_t d = 0; d < parts; ++d) {
      const Entry* part[2] = {out + count[d], nullptr};
      const size_t part_size[2] = {count[d + 1] - count[d], 0};
      if (!Sort(sh, part, part_size, fixed + bits, depth + 1)) return false;
    }
    return true;
  }

  // Sorts a few thousand entries at most in cache (a radix pass on the 10
  // bits after the `fixed` ones, about one entry per digit, then an
  // insertion sort that moves almost nothing) and places them.
  bool SortSmall(Shard* sh, const Entry* const piece[2], const size_t size[2], int fixed) {
    const size_t n = size[0] + size[1];
    if (sh->sorted.size() < n) sh->sorted.resize(n);
    Entry* out = sh->sorted.data();
    if (n > 32) {
      constexpr uint64_t kDigits = uint64_t{1} << kDigitBits;
      const int shift = 64 - fixed - kDigitBits;
      uint32_t count[kDigits + 1] = {0};
      for (int p = 0; p < 2; ++p) {
        for (size_t i = 0; i < size[p]; ++i) {
          ++count[((piece[p][i].mixed >> shift) & (kDigits - 1)) + 1];
        }
      }
      for (uint64_t d = 0; d < kDigits; ++d) count[d + 1] += count[d];
      for (int p = 0; p < 2; ++p) {
        for (size_t i = 0; i < size[p]; ++i) {
          out[count[(piece[p][i].mixed >> shift) & (kDigits - 1)]++] = piece[p][i];
        }
      }
    } else {
      if (size[0]) std::memcpy(out, piece[0], size[0] * sizeof(Entry));
      if (size[1]) std::memcpy(out + size[0], piece[1], size[1] * sizeof(Entry));
    }
    for (size_t i = 1; i < n; ++i) {
      const Entry e = out[i];
      size_t j = i;
      for (; j > 0 && out[j - 1].mixed > e.mixed; --j) out[j] = out[j - 1];
      out[j] = e;
    }
    return sh->stride == kSlotBytes ? Put<kSlotBytes>(sh, out, n) : Put<kTopSlotBytes>(sh, out, n);
  }

  // Writes the sorted a[0, n) into the table after the entries placed so
  // far; false on a key equal to the one before it.
  template <size_t kStride>
  static bool Put(Shard* sh, const Entry* a, size_t n) {
    const uint64_t homes = sh->homes;
    unsigned char* const table = sh->table;
    uint64_t at = sh->next, prev = sh->previous;
    for (size_t i = 0; i < n; ++i) {
      if (i % 4 == 0) PrefetchAhead(table + at * kStride, 48 * kStride);  // fresh lines
      if (a[i].mixed == prev) return false;
      prev = a[i].mixed;
      const uint64_t home = Reduce(a[i].mixed, homes);
      const uint64_t pos = home > at ? home : at;
      Store<kStride>(table + pos * kStride, a[i]);
      at = pos + 1;
    }
    sh->next = at;
    sh->previous = prev;
    return true;
  }

  // An entry is laid out as a slot (key, prob, backoff): one copy of its
  // first kStride bytes.
  template <size_t kStride>
  static void Store(unsigned char* s, const Entry& e) {
    static_assert(sizeof(Entry) == kSlotBytes && offsetof(Entry, prob) == 8 &&
                  offsetof(Entry, backoff) == 12);
    std::memcpy(s, &e, kStride);
  }

  size_t m_ = 0, capacity_ = 0;
  int bits_ = 0, scatter_bits_ = 0;
  size_t begin_[2][kMaxGroups] = {}, end_[2][kMaxGroups] = {};  // per half: each group's entries
  Shard shards_[2];
  HugeArray<Entry> scratch_;
  const std::atomic<bool>* cancel_ = nullptr;
  bool probed_pages_ = false;
};

}  // namespace grams::query

#endif  // GRAMS_QUERY_NGRAM_HASH_H_
