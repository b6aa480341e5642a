// Phase 1 of counting under a memory budget (CountOptions::memory): when
// the tables outgrow it, every bucket's entries are written as they are to
// a temporary file, and the tables start again empty. Finish() loads them
// back a group of buckets at a time (count/external_merge.h).
//
// The temporary file (io::TempFile, unlinked) holds one zstd frame per
// bucket and spill (io/zstd_frame.h), except for buckets without entries.
// A frame is, for each order n = 2 .. N of the bucket, all varints:
//
//   m                      the entries of the bucket's table of order n
//   m x (parent word count)  those entries in table order: parent is a
//                          counting word id (n = 2) or an entry index of
//                          the spill's order n-1 in this bucket, word a
//                          counting id
//
// A spill may also be made of pieces added one at a time (AddPiece): the
// streaming merge of counts files (count/shard_spill.h) writes each input
// file as a spill of its own, order by order, a bounded piece at a time.
// A piece is a frame of the same layout whose first part is of order
// `first_order`; a part of the same order as the one before it (in the
// previous piece) continues it: its entries are numbered on from there.
//
// Thread-safety: Spill() and Clear() by one caller; Load() of different
// buckets may run on several threads at once.
#ifndef GRAMS_COUNT_SPILL_H_
#define GRAMS_COUNT_SPILL_H_

#include <memory>
#include <string>
#include <vector>

#include "count/order_table.h"
#include "grams/status.h"
#include "io/temp_file.h"
#include "io/zstd_frame.h"

namespace grams::count {

class SpillStore {
 public:
  // A frame of a bucket's spill, its first part of order first_order.
  struct Piece {
    io::FrameRef frame;
    int first_order = 2;
  };

  // Spills go to a file in `temp_dir` ("" = $TMPDIR or /tmp), created at
  // the first spill.
  explicit SpillStore(std::string temp_dir) : temp_dir_(std::move(temp_dir)) {}

  bool empty() const { return spills_.empty(); }
  // Writes every bucket's tables to a frame each, on `threads` threads, and
  // empties them (each table reserving `reserve` entries again).
  Status Spill(std::vector<BucketTables>* buckets, int threads, uint64_t reserve);
  // Starts a spill made of pieces (AddPiece), which the file's later
  // pieces go to.
  Status BeginSpill();
  // Appends a piece of bucket b of the spill begun last: `raw` holds
  // `entries` entries, its first part of order `first_order`. Orders must
  // come in turn (the same as the last piece's, or the next one).
  Status AddPiece(int b, int first_order, const std::string& raw, uint64_t entries);
  // Bucket b's entries over all the spills: an upper bound on its distinct
  // n-grams.
  uint64_t Entries(int b) const;
  // Adds bucket b's entries of every spill into `tables` (its tables of
  // orders 2 .. N).
  // Errors: Corruption or IOError from the file; ResourceExhausted if a
  // count or the size of an order exceeds 2^32-1.
  Status Load(int b, BucketTables* tables) const;
  // Deletes the spills and their file.
  void Clear();

 private:
  // One bucket's share of a spill.
  struct Spilled {
    std::vector<Piece> pieces;
    uint64_t entries = 0;  // of all orders
  };

  std::string temp_dir_;
  std::unique_ptr<io::TempFile> file_;
  std::vector<std::vector<Spilled>> spills_;  // [s][b]: bucket b's pieces of spill s
};

}  // namespace grams::count

#endif  // GRAMS_COUNT_SPILL_H_
