#include "count/sort_tables.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <future>
#include <numeric>
#include <string>

#include "util/huge_array.h"
#include "util/prefetch.h"
#include "util/radix_sort.h"
#include "util/threads.h"

namespace grams::count {
namespace {

// Sorts the orders of a set of bucket tables one after the other, keeping
// between them the permutation of the order below (old index to sorted).
class TableSorter {
 public:
  TableSorter(const std::vector<BucketTables*>& parts, const std::vector<WordId>& word_map,
              int threads, bool force_wide)
      : force_wide_(force_wide),
        parts_(parts),
        word_map_(word_map),
        P_(static_cast<int>(parts.size())),
        threads_(std::max(1, std::min(threads, P_))),
        lower_offset_(P_, 0),
        lower_size_(word_map.size()) {
    // The arrays of one order serve the next ones too, sized for the
    // largest: its pages are faulted in once, not once an order (20K faults
    // an order of 5M n-grams). Pages past an order's size stay untouched.
    const size_t orders = P_ > 0 ? parts[0]->size() : 0;
    for (size_t i = 0; i < orders; ++i) {
      size_t m = 0;
      for (int p = 0; p < P_; ++p) m += (*parts_[p])[i].size();
      if (m <= OrderTable::kMaxEntries) capacity_ = std::max(capacity_, m);
    }
  }

  // Frees the arrays kept for the next order.
  void ReleaseArrays() {
    keys_.Release();
    wide_keys_.Release();
    std::vector<size_t>().swap(begin_);
    counts32_.Release();
    perm_.Release();
    next_perm_.Release();
  }

  // Runs a and b, on two threads if the sort has them.
  template <typename A, typename B>
  void OnTwoThreads(A&& a, B&& b) {
    if (threads_ < 2) {
      a();
      b();
      return;
    }
    RunOnThreads(2, [&](int t) { t == 0 ? a() : b(); });
  }

  // Sorts order n into out: its sections when `encode` and the buckets hold
  // whole parents, else its level and counts. REQUIRES: orders 2 .. n-1
  // were sorted before, in turn.
  Status SortOrder(int n, SortedOrder* out, bool encode) {
    // An entry's global index is its bucket's offset plus its index there.
    std::vector<size_t> offset(P_ + 1, 0);
    for (int p = 0; p < P_; ++p) offset[p + 1] = offset[p] + (*parts_[p])[n - 2].size();
    const size_t m = offset[P_];
    if (m > OrderTable::kMaxEntries) {
      return ResourceExhausted("too many distinct n-grams of order " + std::to_string(n) +
                               " for one in-memory count");
    }
    wbits_ = BitsFor(word_map_.size());
    ibits_ = BitsFor(m);
    const int key_bits = BitsFor(lower_size_) + wbits_;
    top_shift_ = std::max(0, key_bits - kDigit);
    bucketed_ = top_shift_ + ibits_ <= 64 && !force_wide_;
    bucketed_ ? GatherBuckets(n, offset) : GatherWide(n, offset);
    if (next_perm_.size() < m) next_perm_.Reset(capacity_, /*huge_pages=*/false);
    // A bucket holds whole parents when its bits are all the parent's.
    if (encode && bucketed_ && top_shift_ >= wbits_) {
      out->sections = EncodeBuckets(next_perm_.data());
    } else {
      TrieLevel* level = &out->level;
      std::vector<Count>* counts = &out->counts;
      // Fresh pages are zeroed by the kernel on first touch, and resize()
      // writes them all: the vectors are split between two threads.
      OnTwoThreads(
          [&] {
            level->words.resize(m);
            level->parents.resize(m);
          },
          [&] { counts->resize(m); });
      if (bucketed_) {
        SortBuckets(level, counts, next_perm_.data());
      } else {
        RadixSortByKey(wide_keys_.data(), m, threads_);
        UnpackWide(m, level, counts, next_perm_.data());
      }
    }
    std::swap(perm_, next_perm_);
    std::copy(offset.begin(), offset.begin() + P_, lower_offset_.begin());
    lower_size_ = m;
    return Status::OK();
  }

 private:
  // The keys of order n in buckets by their top kDigit bits, each (the
  // key's bits below those, global index) in 64 bits; and the counts by
  // global index. A first pass takes each entry's parent and word to their
  // sorted and canonical ids in place and counts the buckets' sizes, a
  // second one writes each key into its bucket (the radix sort's one
  // pass over memory; each bucket is then sorted in cache, SortBuckets).
  // Frees the order's tables.
  void GatherBuckets(int n, const std::vector<size_t>& offset) {
    const size_t m = offset[P_];
    wide_keys_.Release();
    if (keys_.size() < m) keys_.Reset(capacity_, false);
    if (counts32_.size() < m) counts32_.Reset(capacity_, false);
    uint64_t* keys = keys_.data();
    uint32_t* counts32 = counts32_.data();
    const WordId* word_map = word_map_.data();
    const uint32_t* perm = perm_.data();
    const int wbits = wbits_, ibits = ibits_, shift = top_shift_;
    const uint64_t low_mask = (uint64_t{1} << shift) - 1;
    const size_t T = static_cast<size_t>(threads_);
    // (Small pages: huge ones cost direct compaction on a fragmented
    // machine, 0.2 s more system time a count in some runs, and save little
    // here, where every page is written once.)
    // sizes[t * kBuckets + b]: the keys of bucket b that thread t writes.
    std::vector<size_t> sizes(T * kBuckets, 0);
    // The parts, largest first, each to the next thread free (their sizes
    // vary: <s>'s is several times the others; parts dealt in turn kept
    // one thread 25-50% longer); owner[p], which wrote part p's keys.
    std::vector<int> by_size(P_), owner(P_);
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) {
      return offset[a + 1] - offset[a] > offset[b + 1] - offset[b];
    });
    std::atomic<int> next_part{0};
    RunOnThreads(threads_, [&](int t) {
      size_t* size = sizes.data() + t * kBuckets;
      for (int k; (k = next_part++) < P_;) {
        const int p = by_size[k];
        owner[p] = t;
        for (CountEntry& e : (*parts_[p])[n - 2].entries()) {
          e.parent = n == 2 ? word_map[e.parent] : perm[lower_offset_[p] + e.parent];
          e.word = word_map[e.word];
          ++size[(uint64_t{e.parent} << wbits | e.word) >> shift];
        }
      }
    });
    // Bucket-major, then thread: each thread's part of a bucket follows
    // those of the threads before it.
    begin_.assign(kBuckets + 1, 0);
    size_t sum = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      begin_[b] = sum;
      for (size_t t = 0; t < T; ++t) {
        const size_t c = sizes[t * kBuckets + b];
        sizes[t * kBuckets + b] = sum;
        sum += c;
      }
    }
    begin_[kBuckets] = sum;
    RunOnThreads(threads_, [&](int t) {
      size_t* at = sizes.data() + t * kBuckets;
      for (int p = 0; p < P_; ++p) {
        if (owner[p] != t) continue;
        const std::vector<CountEntry>& entries = (*parts_[p])[n - 2].entries();
        for (size_t idx = 0; idx < entries.size(); ++idx) {
          const CountEntry& e = entries[idx];
          const uint64_t g = offset[p] + idx;
          const uint64_t key = uint64_t{e.parent} << wbits | e.word;
          size_t& a = at[key >> shift];
          PrefetchAhead(keys + a, 128);
          keys[a++] = (key & low_mask) << ibits | g;
          counts32[g] = e.count;
        }
        (*parts_[p])[n - 2].Release();
      }
    });
  }

  // Sorts each bucket of the keys in cache, on the threads, and calls
  // visit(t, b, sorted, c) with bucket b's c values sorted (thread t's). The
  // threads claim runs of buckets as they go (the n-grams of rare first
  // words cost more: their global indices are scattered).
  template <typename Visit>
  void SortEachBucket(Visit&& visit) {
    std::vector<std::vector<uint64_t>> scratch(threads_);
    uint64_t* keys = keys_.data();
    const int bits = top_shift_ + ibits_;
    ForEachBucket(begin_, threads_, [&](int t, size_t b) {
      const size_t from = begin_[b], c = begin_[b + 1] - from;
      visit(t, b, SortSmall(keys + from, c, bits, &scratch[t]), c);
    });
  }

  // Sorts the buckets and splits them into the level and the counts,
  // recording where each entry went.
  void SortBuckets(TrieLevel* level, std::vector<Count>* counts, uint32_t* next_perm) {
    WordId* words = level->words.data();
    EntryIndex* parents = level->parents.data();
    Count* out_counts = counts->data();
    const uint32_t* counts32 = counts32_.data();
    const int wbits = wbits_, ibits = ibits_, shift = top_shift_;
    const uint64_t wmask = (uint64_t{1} << wbits) - 1, imask = (uint64_t{1} << ibits) - 1;
    SortEachBucket([&](int, size_t b, const uint64_t* sorted, size_t c) {
      const uint64_t high = static_cast<uint64_t>(b) << shift;
      for (size_t i = 0, k = begin_[b]; i < c; ++i, ++k) {
        const uint64_t v = sorted[i], key = high | v >> ibits;
        const uint32_t g = static_cast<uint32_t>(v & imask);
        words[k] = static_cast<WordId>(key & wmask);
        parents[k] = static_cast<EntryIndex>(key >> wbits);
        out_counts[k] = counts32[g];
        next_perm[g] = static_cast<uint32_t>(k);
      }
    });
  }

  // Sorts the buckets and encodes them straight into the order's sections
  // (REQUIRES: top_shift_ >= wbits_, so that bucket b holds the children of
  // the parents [b << s, (b + 1) << s), s = top_shift_ - wbits_, whole),
  // recording where each entry went. The level and its counts are never
  // made: their 16 bytes an n-gram of fresh pages, and the encoder's two
  // passes over them, out of cache. Each thread encodes its buckets into
  // arenas of its own; the buckets' bytes are then joined in bucket order,
  // the bytes of EncodeOrder.
  OrderSections EncodeBuckets(uint32_t* next_perm) {
    const uint32_t* counts32 = counts32_.data();
    const int wbits = wbits_, ibits = ibits_, shift = top_shift_;
    const int parent_shift = shift - wbits;
    const uint64_t lower = lower_size_;
    const uint64_t wmask = (uint64_t{1} << wbits) - 1, imask = (uint64_t{1} << ibits) - 1;
    enum { kChildCounts, kWords, kCounts, kSections };
    // A thread's arena of each section, and where each bucket's bytes are.
    std::vector<std::array<std::string, kSections>> arenas(threads_);
    struct Piece {
      int thread = 0;
      std::array<uint64_t, kSections> at{}, size{};
    };
    std::vector<Piece> pieces(kBuckets);
    SortEachBucket([&](int t, size_t b, const uint64_t* sorted, size_t c) {
      const uint64_t p0 = std::min<uint64_t>(lower, uint64_t{b} << parent_shift);
      const uint64_t p1 = std::min<uint64_t>(lower, uint64_t{b + 1} << parent_shift);
      // Room for the most bytes: a child count, a word and a count each
      // take at most 5 (32 bits).
      const std::array<uint64_t, kSections> most = {5 * (p1 - p0), 5 * c, 5 * c};
      std::array<VarintWriter, kSections> out;
      Piece& piece = pieces[b];
      piece.thread = t;
      for (int s = 0; s < kSections; ++s) {
        std::string& arena = arenas[t][s];
        piece.at[s] = arena.size();
        arena.resize(arena.size() + most[s]);
        out[s] = VarintWriter{arena.data() + piece.at[s], arena.data() + arena.size()};
      }
      TrieLevelEncoder<VarintWriter> encoder(&out[kChildCounts], &out[kWords], p0);
      const uint64_t high = static_cast<uint64_t>(b) << shift;
      for (size_t i = 0, k = begin_[b]; i < c; ++i, ++k) {
        const uint64_t v = sorted[i], key = high | v >> ibits;
        const uint32_t g = static_cast<uint32_t>(v & imask);
        encoder.Add(key >> wbits, static_cast<WordId>(key & wmask));
        out[kCounts].Put(counts32[g]);
        next_perm[g] = static_cast<uint32_t>(k);
      }
      encoder.Finish(p1);
      for (int s = 0; s < kSections; ++s) {
        std::string& arena = arenas[t][s];
        piece.size[s] = static_cast<uint64_t>(out[s].p - (arena.data() + piece.at[s]));
        arena.resize(piece.at[s] + piece.size[s]);
      }
    });
    // Each bucket's place in the sections, then its bytes copied there, the
    // threads taking about equal shares of the buckets' bytes.
    std::array<std::vector<uint64_t>, kSections> place;
    std::vector<uint64_t> bytes_before(kBuckets + 1, 0);
    for (int s = 0; s < kSections; ++s) {
      place[s].resize(kBuckets + 1, 0);
      for (size_t b = 0; b < kBuckets; ++b) place[s][b + 1] = place[s][b] + pieces[b].size[s];
    }
    for (size_t b = 0; b < kBuckets; ++b) {
      bytes_before[b + 1] =
          place[kChildCounts][b + 1] + place[kWords][b + 1] + place[kCounts][b + 1];
    }
    OrderSections sections;
    std::array<std::string*, kSections> target = {&sections.child_counts, &sections.words,
                                                  &sections.counts};
    OnTwoThreads(
        [&] {
          target[kChildCounts]->resize(place[kChildCounts][kBuckets]);
          target[kWords]->resize(place[kWords][kBuckets]);
        },
        [&] { target[kCounts]->resize(place[kCounts][kBuckets]); });
    const uint64_t total = bytes_before[kBuckets];
    RunOnThreads(threads_, [&](int t) {
      const auto first = [&](int u) {
        return static_cast<size_t>(
            std::lower_bound(bytes_before.begin(), bytes_before.end(), total * u / threads_) -
            bytes_before.begin());
      };
      for (size_t b = first(t), end = t + 1 == threads_ ? kBuckets : first(t + 1); b < end; ++b) {
        const Piece& piece = pieces[b];
        for (int s = 0; s < kSections; ++s) {
          if (piece.size[s] == 0) continue;
          std::memcpy(target[s]->data() + place[s][b], arenas[piece.thread][s].data() + piece.at[s],
                      piece.size[s]);
        }
      }
    });
    return sections;
  }

  // The keys of order n as (new parent, new word) with the global index
  // beside them, for an order too large for the buckets' 64 bits; and the
  // counts by global index. Frees the order's tables.
  void GatherWide(int n, const std::vector<size_t>& offset) {
    const size_t m = offset[P_];
    keys_.Release();
    if (wide_keys_.size() < m) wide_keys_.Reset(capacity_, false);
    if (counts32_.size() < m) counts32_.Reset(capacity_, false);
    KeyValue* wide_keys = wide_keys_.data();
    uint32_t* counts32 = counts32_.data();
    const WordId* word_map = word_map_.data();
    const uint32_t* perm = perm_.data();
    const int wbits = wbits_;
    RunOnThreads(threads_, [&](int t) {
      for (int p = t; p < P_; p += threads_) {
        const std::vector<CountEntry>& entries = (*parts_[p])[n - 2].entries();
        for (size_t idx = 0; idx < entries.size(); ++idx) {
          const CountEntry& e = entries[idx];
          const uint64_t g = offset[p] + idx;
          const uint64_t parent = n == 2 ? word_map[e.parent] : perm[lower_offset_[p] + e.parent];
          wide_keys[g] = {parent << wbits | word_map[e.word], static_cast<uint32_t>(g)};
          counts32[g] = e.count;
        }
        (*parts_[p])[n - 2].Release();
      }
    });
  }

  // Splits the sorted wide keys into the level and the counts, and records
  // where each entry went. The threads take the slices in turn, not a half
  // each: the n-grams of the frequent first words come first, and their
  // global indices are close together (a few buckets'), those of the rare
  // ones scattered; a second half took twice as long as the first.
  void UnpackWide(size_t m, TrieLevel* level, std::vector<Count>* counts, uint32_t* next_perm) {
    WordId* words = level->words.data();
    EntryIndex* parents = level->parents.data();
    Count* out_counts = counts->data();
    const uint32_t* counts32 = counts32_.data();
    const KeyValue* wide_keys = wide_keys_.data();
    const int wbits = wbits_;
    const uint64_t wmask = (uint64_t{1} << wbits) - 1;
    constexpr size_t kSlice = size_t{1} << 14;
    RunOnThreads(threads_, [&](int t) {
      for (size_t from = kSlice * t; from < m; from += kSlice * threads_) {
        for (size_t k = from, to = std::min(m, from + kSlice); k < to; ++k) {
          const uint32_t g = wide_keys[k].value;
          words[k] = static_cast<WordId>(wide_keys[k].key & wmask);
          parents[k] = static_cast<EntryIndex>(wide_keys[k].key >> wbits);
          out_counts[k] = counts32[g];
          next_perm[g] = static_cast<uint32_t>(k);
        }
      }
    });
  }

  static constexpr int kDigit = 11;
  static constexpr size_t kBuckets = size_t{1} << kDigit;

  const bool force_wide_;
  const std::vector<BucketTables*>& parts_;
  const std::vector<WordId>& word_map_;
  const int P_;
  const int threads_;
  // Entries of the largest order (up to OrderTable::kMaxEntries): the size
  // of every array below once allocated.
  size_t capacity_ = 0;
  // perm_[global index] = sorted index, for the order below the one being
  // sorted, and the bucket offsets and size of that order. For order 2 the
  // parents are words. next_perm_ is the one being made.
  HugeArray<uint32_t> perm_, next_perm_;
  std::vector<size_t> lower_offset_;
  size_t lower_size_;
  // The order being sorted: the bits of a word and of a global index; the
  // bits of a key below its bucket's, and whether the bucketed sort takes
  // it (GatherBuckets), with where each bucket begins.
  int wbits_ = 0, ibits_ = 0, top_shift_ = 0;
  bool bucketed_ = true;
  std::vector<size_t> begin_;
  HugeArray<uint64_t> keys_;
  HugeArray<KeyValue> wide_keys_;
  HugeArray<uint32_t> counts32_;
};

}  // namespace

Status SortTables(const std::vector<BucketTables*>& parts, int order,
                  const std::vector<WordId>& word_map, int threads,
                  const ProgressCallback& progress, EmitMode mode, bool encode,
                  const EmitOrder& emit, bool force_wide) {
  for (auto* tables : parts)
    for (auto& table : *tables) table.ReleaseSlots();
  TableSorter sorter(parts, word_map, threads, force_wide);
  // The emit of the order before, when overlapped: encoding and handing on
  // an order while the next one sorts fills the gaps the sort leaves on
  // the cores (its gather waits on memory): scale.txt at order 5, 7
  // interleaved rounds, -j2 2.88 -> 2.67 s, -j1 4.66 -> 4.30 s.
  std::future<Status> emitting;
  auto emitted = [&emitting] { return emitting.valid() ? emitting.get() : Status::OK(); };
  for (int n = 2; n <= order; ++n) {
    if (progress) {
      // "order n of N" (order 1 needs no sorting).
      progress(Progress{"sorting", static_cast<uint64_t>(n - 1), static_cast<uint64_t>(order),
                        "orders"});
    }
    SortedOrder sorted;
    if (Status s = sorter.SortOrder(n, &sorted, encode); !s.ok()) {
      (void)emitted();  // an error of its own comes second
      return s;
    }
    GRAMS_RETURN_IF_ERROR(emitted());
    if (mode == EmitMode::kInLine) {
      GRAMS_RETURN_IF_ERROR(emit(n, &sorted));
      continue;
    }
    emitting = std::async(std::launch::async, [&emit, n, sorted = std::move(sorted)]() mutable {
      return emit(n, &sorted);
    });
  }
  sorter.ReleaseArrays();
  return emitted();
}

}  // namespace grams::count
