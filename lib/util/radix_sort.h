// LSD radix sort of (64-bit key, 32-bit value) pairs: stable, linear time,
// and only as many passes as the largest key has significant bits.
#ifndef GRAMS_UTIL_RADIX_SORT_H_
#define GRAMS_UTIL_RADIX_SORT_H_

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <vector>

#include "util/alloc_guard.h"
#include "util/huge_array.h"
#include "util/prefetch.h"
#include "util/threads.h"

namespace grams {

struct KeyValue {
  uint64_t key;
  uint32_t value;
};

// The significant bits of the largest of key(0) .. key(n-1) (the bit width
// of their OR), scanned in T slices on T threads.
template <typename Key>
int BitsOfKeys(size_t n, size_t T, Key key) {
  std::vector<uint64_t> ors(T, 0);
  RunOnThreads(static_cast<int>(T), [&](int t) {
    const size_t s = static_cast<size_t>(t);
    uint64_t o = 0;
    for (size_t i = n * s / T, end = n * (s + 1) / T; i < end; ++i) o |= key(i);
    ors[s] = o;
  });
  uint64_t all = 0;
  for (uint64_t o : ors) all |= o;
  return static_cast<int>(std::bit_width(all));
}

// Sorts `items` by key ascending (stable). Uses a scratch buffer of equal
// size. With threads > 1 each pass is split among them: every thread counts
// the digits of its own slice, then moves its slice to the places those
// counts give it, so the result is the same as with one thread. Everything
// that touches all the items runs on the threads: the scan for the key
// bits, and the first writes to the scratch, which is not zeroed first
// (fresh pages cost the kernel's zeroing on first touch; a zeroing resize
// did that on one thread, a tenth of a 2-thread sort's time). A pass whose
// digit is the same for every item moves nothing and is skipped.
inline void RadixSortByKey(KeyValue* items, size_t n, int threads = 1) {
  if (n < 2) return;
  constexpr int kDigit = 11;
  constexpr size_t kBuckets = size_t{1} << kDigit;
  if (n < (size_t{1} << 16)) threads = 1;
  const size_t T = static_cast<size_t>(std::max(1, threads));
  auto on_threads = [T](auto&& fn) {
    RunOnThreads(static_cast<int>(T), [&fn](int t) { fn(static_cast<size_t>(t)); });
  };
  const int bits = BitsOfKeys(n, T, [items](size_t i) { return items[i].key; });
  if (bits == 0) return;
  HugeArray<KeyValue> scratch;  // mapped, untouched (small pages: see sort_tables.cc)
  scratch.Reset(n, /*huge_pages=*/false);

  std::vector<size_t> count(T * kBuckets);  // count[t * kBuckets + digit]
  KeyValue* src = items;
  KeyValue* dst = scratch.data();
  for (int shift = 0; shift < bits; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    on_threads([&](size_t t) {
      size_t* c = count.data() + t * kBuckets;
      for (size_t i = n * t / T, end = n * (t + 1) / T; i < end; ++i)
        ++c[(src[i].key >> shift) & (kBuckets - 1)];
    });
    // Digit-major, then slice: slice t's items of digit d follow those of
    // the slices before it.
    size_t sum = 0;
    bool one_digit = false;
    for (size_t d = 0; d < kBuckets; ++d) {
      const size_t before = sum;
      for (size_t t = 0; t < T; ++t) {
        const size_t c = count[t * kBuckets + d];
        count[t * kBuckets + d] = sum;
        sum += c;
      }
      one_digit |= sum - before == n;
    }
    if (one_digit) continue;
    on_threads([&](size_t t) {
      size_t* c = count.data() + t * kBuckets;
      for (size_t i = n * t / T, end = n * (t + 1) / T; i < end; ++i) {
        const KeyValue& kv = src[i];
        size_t& at = c[(kv.key >> shift) & (kBuckets - 1)];
        PrefetchAhead(dst + at, 128);
        dst[at++] = kv;
      }
    });
    std::swap(src, dst);
  }
  if (src != items) {
    on_threads([&](size_t t) {
      const size_t from = n * t / T, to = n * (t + 1) / T;
      std::copy(src + from, src + to, items + from);
    });
  }
}

inline void RadixSortByKey(std::vector<KeyValue>* items, int threads = 1) {
  RadixSortByKey(items->data(), items->size(), threads);
}

// An American flag pass over buckets [b_lo, b_hi) of a, whose values all
// lie in [begin[b_lo], begin[b_hi]): each value is carried to its bucket,
// (v >> shift) & mask, by cycle swaps. `next` is scratch (b_hi entries).
inline void FlagPass(uint64_t* a, const size_t* begin, size_t* next, size_t b_lo, size_t b_hi,
                     int shift, uint64_t mask = ~uint64_t{0}) {
  for (size_t b = b_lo; b < b_hi; ++b) next[b] = begin[b];
  for (size_t b = b_lo; b < b_hi; ++b) {
    while (next[b] < begin[b + 1]) {
      uint64_t v = a[next[b]];
      size_t d = (v >> shift) & mask;
      while (d != b) {  // carry v to its bucket, picking up what was there
        std::swap(v, a[next[d]++]);
        d = (v >> shift) & mask;
      }
      a[next[b]++] = v;
    }
  }
}

// Sorts a[0, n), values that agree on every bit from `shift` up (a bucket
// of SortInPlace64's first pass): buckets of more than 256 values by
// another flag pass, on the next 8 bits, the smaller ones by std::sort. In
// cache, a flag pass costs a few nanoseconds a value, where std::sort of a
// bucket of a few thousand took 30 or more (a tenth of the external
// merge's time on four-times scale.txt).
inline void SortBucket64(uint64_t* a, size_t n, int shift) {
  constexpr size_t kSmall = 256;
  if (n <= kSmall || shift == 0) {
    if (n > 1) std::sort(a, a + n);
    return;
  }
  const int digit = std::min(8, shift);
  const int low = shift - digit;
  const uint64_t mask = (uint64_t{1} << digit) - 1;
  size_t begin[257] = {0}, next[256];
  for (size_t i = 0; i < n; ++i) ++begin[((a[i] >> low) & mask) + 1];
  for (size_t b = 0; b < 256; ++b) begin[b + 1] += begin[b];
  FlagPass(a, begin, next, 0, mask + 1, low, mask);
  for (size_t b = 0; b <= mask; ++b) SortBucket64(a + begin[b], begin[b + 1] - begin[b], low);
}

// Sorts a[0, n), values below 2^bits few enough for the cache (a bucket
// of a radix pass): one counting pass on the top digit, of about log2(n)
// bits, into *scratch, then each run of values that share it by insertion
// (std::sort when long). Returns where the sorted values are: a when n is
// small, else scratch's data.
inline const uint64_t* SortSmall(uint64_t* a, size_t n, int bits, std::vector<uint64_t>* scratch) {
  auto insertion = [](uint64_t* v, size_t len) {
    for (size_t i = 1; i < len; ++i) {
      const uint64_t x = v[i];
      size_t j = i;
      for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
      v[j] = x;
    }
  };
  constexpr size_t kInsertion = 24;
  if (n <= kInsertion) {
    insertion(a, n);
    return a;
  }
  constexpr int kMaxDigit = 12;
  const int digit = std::min({kMaxDigit, bits, static_cast<int>(std::bit_width(n))});
  const int shift = bits - digit;
  const size_t buckets = size_t{1} << digit;
  uint32_t begin[(size_t{1} << kMaxDigit) + 1];
  std::fill(begin, begin + buckets + 1, 0);
  for (size_t i = 0; i < n; ++i) ++begin[(a[i] >> shift) + 1];
  for (size_t b = 0; b < buckets; ++b) begin[b + 1] += begin[b];
  if (scratch->size() < n) scratch->resize(n);
  uint64_t* out = scratch->data();
  // begin[b] moves to the end of run b as its values are placed; the run
  // then starts where run b-1 ends.
  for (size_t i = 0; i < n; ++i) out[begin[a[i] >> shift]++] = a[i];
  for (size_t b = 0, from = 0; b < buckets; from = begin[b++]) {
    const size_t len = begin[b] - from;
    if (len <= 1) continue;
    len <= kInsertion ? insertion(out + from, len) : std::sort(out + from, out + from + len);
  }
  return out;
}

// The buckets of a radix pass (bucket b is [begin[b], begin[b + 1])) worked
// on by `threads` threads: fn(t, b) for every bucket b, on one thread t in
// [0, threads), the threads claiming runs of buckets in turn as they finish
// the one before (the work of a bucket need not be proportional to its
// size).
template <typename Fn>
void ForEachBucket(const std::vector<size_t>& begin, int threads, Fn&& fn) {
  const size_t buckets = begin.size() - 1;
  constexpr size_t kRun = 16;
  std::atomic<size_t> next_run{0};
  RunOnThreads(threads, [&](int t) {
    for (size_t from; (from = next_run.fetch_add(kRun)) < buckets;) {
      for (size_t b = from, to = std::min(buckets, from + kRun); b < to; ++b) fn(t, b);
    }
  });
}

// Sorts plain 64-bit values ascending in place: one most-significant-digit
// pass that permutes values into 2048 buckets by cycle swaps (American flag
// sort), then each bucket, which is small and in cache, by SortBucket64. No
// scratch array, so sorting a big array costs no extra memory. With two
// threads or more (and 65,536 values or more), the scan and the count run
// on the threads, and the values are first split in place between the
// lower buckets and the upper ones (one pass from both ends, as quicksort
// partitions), so that the two halves' flag passes run at once.
inline void SortInPlace64(uint64_t* a, size_t n, int threads = 1) {
  if (n < 2) return;
  if (n < (size_t{1} << 16)) threads = 1;
  const size_t T = static_cast<size_t>(std::max(1, threads));
  auto on_threads = [T](auto&& fn) {
    RunOnThreads(static_cast<int>(T), [&fn](int t) { fn(static_cast<size_t>(t)); });
  };
  const int bits = BitsOfKeys(n, T, [a](size_t i) { return a[i]; });
  constexpr int kDigit = 11;
  constexpr size_t kBuckets = size_t{1} << kDigit;
  const int shift = bits > kDigit ? bits - kDigit : 0;
  std::vector<size_t> count(T * kBuckets, 0);  // count[t * kBuckets + digit]
  on_threads([&](size_t t) {
    size_t* c = count.data() + t * kBuckets;
    for (size_t i = n * t / T, end = n * (t + 1) / T; i < end; ++i) ++c[a[i] >> shift];
  });
  std::vector<size_t> begin(kBuckets + 1, 0), next(kBuckets);
  for (size_t b = 0; b < kBuckets; ++b) {
    size_t c = 0;
    for (size_t t = 0; t < T; ++t) c += count[t * kBuckets + b];
    begin[b + 1] = begin[b] + c;
  }
  if (T == 1) {
    FlagPass(a, begin.data(), next.data(), 0, kBuckets, shift);
  } else {
    // mid: the first bucket of the upper half, which starts at or after n / 2.
    const size_t mid = std::lower_bound(begin.begin(), begin.end(), n / 2) - begin.begin();
    if (mid > 0 && mid < kBuckets) {
      const uint64_t upper = static_cast<uint64_t>(mid) << shift;  // the least upper value
      size_t i = 0, j = n;
      for (;;) {
        while (i < j && a[i] < upper) ++i;
        while (i < j && a[j - 1] >= upper) --j;
        if (i >= j) break;
        std::swap(a[i++], a[--j]);
      }
      RunOnThreads(2, [&](int t) {
        if (t == 0) {
          FlagPass(a, begin.data(), next.data(), 0, mid, shift);
        } else {
          FlagPass(a, begin.data(), next.data(), mid, kBuckets, shift);
        }
      });
    } else {
      FlagPass(a, begin.data(), next.data(), 0, kBuckets, shift);
    }
  }
  // The buckets are independent: sort them on `threads` threads, each taking
  // a contiguous run of buckets holding about its share of the items.
  auto sort_buckets = [&](size_t from, size_t to) {
    for (size_t b = from; b < to; ++b) {
      SortBucket64(a + begin[b], begin[b + 1] - begin[b], shift);
    }
  };
  if (T == 1) {
    sort_buckets(0, kBuckets);
    return;
  }
  // cut[t] .. cut[t + 1]: the buckets of thread t.
  std::vector<size_t> cut(T + 1, kBuckets);
  cut[0] = 0;
  for (size_t t = 1; t < T; ++t) {
    size_t to = cut[t - 1];
    const size_t target = n * t / T;
    while (to < kBuckets && begin[to] < target) ++to;
    cut[t] = to;
  }
  on_threads([&](size_t t) { sort_buckets(cut[t], cut[t + 1]); });
}

inline void SortInPlace64(std::vector<uint64_t>* items, int threads = 1) {
  SortInPlace64(items->data(), items->size(), threads);
}

// Number of bits needed to hold every value in [0, n).
inline int BitsFor(uint64_t n) { return n <= 1 ? 0 : static_cast<int>(std::bit_width(n - 1)); }

}  // namespace grams

#endif  // GRAMS_UTIL_RADIX_SORT_H_
