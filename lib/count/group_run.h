// Group runs: how the external merge (count/external_merge.h) carries one
// order of one group of buckets from phase 2 (sorted) to phase 3 (merged
// into the counts).
//
// A run is one zstd frame of a temporary file (io/zstd_frame.h) holding the
// group's n-grams of order n, added up and in canonical order, as blocks by
// first word (the n-gram's first word; blocks ascend by it). All varints:
//
//   run    := block*
//   block  := word_delta size entry{size}
//     word_delta   the block's first word minus the previous block's (the
//                  first block: the word itself)
//     size         the block's number of n-grams (>= 1)
//   entry  := offset_delta word_code count
//     offset_delta the offset of the parent within the first word's block
//                  at order n-1, minus the previous entry's offset in this
//                  block (the block's first entry: the offset itself); at
//                  order 2 the parent is the first word, and this is 0
//     word_code    the last word if the entry is its parent's first in the
//                  block, else word - previous word - 1
//     count        its count (>= 1)
//
// A first word's n-grams all lie in one group, and their offsets within its
// block do not depend on the other groups: phase 3 turns an offset into the
// parent's index in the merged order n-1 by adding where the first word's
// block starts there.
#ifndef GRAMS_COUNT_GROUP_RUN_H_
#define GRAMS_COUNT_GROUP_RUN_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grams/status.h"
#include "grams/trie.h"
#include "grams/types.h"
#include "io/temp_file.h"
#include "io/zstd_frame.h"

namespace grams::count {

// Encodes the sorted orders of one group, n = 2, 3, ... in turn.
class GroupRunWriter {
 public:
  // The run of sorted order n (parents: indices into the sorted order n-1
  // of the same group, given to the previous call; at n = 2 canonical word
  // ids).
  std::string Encode(int n, const TrieLevel& level, const std::vector<Count>& counts);

 private:
  // The blocks of the order before (lower_) and of this one: (first word,
  // index of the block's first entry), ascending.
  std::vector<std::pair<uint32_t, uint32_t>> lower_, blocks_;
};

// Reads one run, block by block.
class GroupRunReader {
 public:
  // `vocab_size`: words at and above it are corruption.
  GroupRunReader(const io::TempFile* file, const io::FrameRef& frame, uint64_t vocab_size);

  // Moves to the next block. False at the end of the run (status() is OK)
  // or on an error (status()). REQUIRES: the previous block's entries read.
  bool NextBlock();
  WordId first_word() const { return static_cast<WordId>(first_word_); }
  uint64_t size() const { return size_; }
  // The block's next entry: the parent's offset within the first word's
  // block at order n-1, the last word and the count. False on an error.
  bool NextEntry(uint64_t* offset, WordId* word, Count* count);
  // Whether the run is used up.
  bool done() const { return reader_.done(); }
  const Status& status() const { return status_; }

 private:
  bool Corrupt();

  io::FrameReader reader_;
  std::string dir_;
  uint64_t vocab_size_;
  bool first_block_ = true, first_entry_ = false;
  uint64_t first_word_ = 0, size_ = 0, offset_ = 0, word_ = 0;
  Status status_;
};

}  // namespace grams::count

#endif  // GRAMS_COUNT_GROUP_RUN_H_
