// Sorting counted n-grams into trie order, the last step of every count:
// of all the tables in memory, or of one group of buckets at a time in the
// external merge (count/external_merge.h).
//
// An order's canonical order is by (parent's sorted index, word's canonical
// id). For each order n >= 2 the keys (parent, word) are put into 2048
// buckets by their top bits, each key with its index packed into 64 bits
// (the key's bits below the bucket's, the index), and each bucket is then
// sorted in cache and split into the level; when even that does not fit in
// 64 bits, (key, index) pairs are radix sorted (RadixSortByKey). The
// permutation of each order (old index to new) becomes the parent map of
// the next.
#ifndef GRAMS_COUNT_SORT_TABLES_H_
#define GRAMS_COUNT_SORT_TABLES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "count/order_table.h"
#include "format/order_sections.h"
#include "grams/progress.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/types.h"

namespace grams::count {

// Bytes per n-gram of sorting one order in memory (keys, counts, the
// permutations, the sorted level and its counts), on top of the tables.
constexpr uint64_t kSortBytesPerEntry = 36;
// Of which the sorted level and its counts, handed on with each order (and
// held while an overlapped emit has them); the rest are arrays that later
// orders reuse, so that they hold the pages of the largest order sorted so
// far.
constexpr uint64_t kSortLevelBytesPerEntry = sizeof(WordId) + sizeof(EntryIndex) + sizeof(Count);

// Sorted order n >= 2 as SortTables hands it on: its level, whose parents
// are indices into sorted order n-1 (for n = 2: canonical word ids), and
// its counts; or, where the caller asked for them and the order's buckets
// allowed it, its counts-file sections instead (EncodeOrder's bytes; the
// level and counts then empty).
struct SortedOrder {
  TrieLevel level;
  std::vector<Count> counts;
  std::optional<OrderSections> sections;
};

// Receives sorted order n >= 2. It may take what `order` holds.
using EmitOrder = std::function<Status(int n, SortedOrder* order)>;

// Whether emit(n) may run on a thread of its own while order n+1 is sorted.
enum class EmitMode { kInLine, kOverlapped };

// Sorts the n-grams of `parts` (each a bucket's tables, in bucket order)
// canonically, one order at a time, calling emit for n = 2 .. order, in
// that order and one at a time; `word_map` takes counting ids to canonical
// ids. Frees each order's tables once read (all the hash slots at the
// start). `threads` threads share the work; `progress` (may be empty)
// hears of each order. With `encode` the orders are handed on as their
// counts-file sections wherever the sort can encode them itself (bucket by
// bucket, in cache: an order whose buckets hold whole parents, which is
// every order whose order below has more than 1024 n-grams). With
// EmitMode::kOverlapped emit(n) runs on a thread of its own while order
// n+1 is sorted (it must not touch what the sort does), which holds order n
// for that long (kSortLevelBytesPerEntry at most; its encoded sections
// come on top, smaller).
// Errors: ResourceExhausted if an order has more than
// OrderTable::kMaxEntries n-grams; whatever emit returns. `force_wide`
// (for tests) sorts every order as (key, index) pairs.
Status SortTables(const std::vector<BucketTables*>& parts, int order,
                  const std::vector<WordId>& word_map, int threads,
                  const ProgressCallback& progress, EmitMode mode, bool encode,
                  const EmitOrder& emit, bool force_wide = false);

}  // namespace grams::count

#endif  // GRAMS_COUNT_SORT_TABLES_H_
