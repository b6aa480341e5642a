// The streaming merge of counts files (MergeCountFilesToFile under a memory
// budget): each input is read as a stream, section by section, and its
// n-grams of orders 2..N go to a spill of their own (count/spill.h), split
// into the counter's buckets by first word, a bounded piece at a time. The
// counter's external merge (count/external_merge.h) then adds the spills
// up a group of buckets at a time, sorts them and writes the counts in
// first-word blocks, exactly as it does after counting text under -S. So no
// input is ever held whole: besides the budget, a merge holds one order's
// three sections of the input being read (its raw varints), six bytes per
// n-gram of two of its orders, and the piece being filled.
#ifndef GRAMS_COUNT_SHARD_SPILL_H_
#define GRAMS_COUNT_SHARD_SPILL_H_

#include <cstdint>
#include <vector>

#include "count/order_table.h"
#include "count/spill.h"
#include "format/binary_file.h"
#include "grams/status.h"
#include "grams/types.h"

namespace grams::count {

// The bucket of an entry whose first word is outside the slice kept.
inline constexpr uint16_t kSkippedBucket = 0xFFFF;

// Where an entry of order n of a counts file being merged goes, from its
// parent `fp` in the file: the bucket of its first word, returned, and
// *parent, its parent as the tables and spills hold it (the first word's
// counting id at order 2, else the parent's index in its bucket); or
// kSkippedBucket when its first word is not in `keep` (a slice) or its
// parent was skipped. prev_bucket and prev_index: order n-1's entries'.
inline uint16_t RouteEntry(int n, uint32_t fp, const std::vector<WordId>& word_map,
                           const std::vector<uint8_t>* keep,
                           const std::vector<uint16_t>& prev_bucket,
                           const std::vector<uint32_t>& prev_index, uint32_t* parent) {
  if (n == 2) {
    const WordId first = word_map[fp];
    if (keep != nullptr && !(*keep)[first]) return kSkippedBucket;
    *parent = first;
    return static_cast<uint16_t>(BucketOf(first));
  }
  const uint16_t bucket = prev_bucket[fp];
  if (bucket != kSkippedBucket) *parent = prev_index[fp];
  return bucket;
}

// Reads orders 2..N of the counts file `reader` (its vocabulary and order
// 1 already read) into a new spill of `spills`. `word_map[i]` is the
// counting id of the file's word i. With `keep` non-null, only the
// n-grams whose first word w (a counting id) has keep[w] set are kept
// (a partitioned merge's slice). Pieces are written whenever the entries
// buffered reach `piece_bytes`.
// Errors: those of the file, named (Corruption for a malformed order, a
// count of 0, counts cut short...), and of the temporary file.
Status SpillCountsFile(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                       const std::vector<uint8_t>* keep, uint64_t piece_bytes, SpillStore* spills);

}  // namespace grams::count

#endif  // GRAMS_COUNT_SHARD_SPILL_H_
