// StreamingBuild, the streaming estimator behind BuildModelFile. It reads a
// counts file and writes the model file that
// WriteModelFile(BuildModel(ReadCountsFile(...))) would, byte for byte,
// without ever holding the counts, the trie or the model.
//
// The one obstacle to a single pass is the model file's header: it comes
// first and records the discounts of every order, which are known only once
// every order's adjusted counts are. So there are two passes, each streaming
// through its file once:
//
//  1. Scan (the counts file, order by order). For each order n >= 2 the
//     suffix links of order n are computed from its structure (visited
//     straight from the CHILD_COUNTS and WORDS sections) and the structure
//     and links of order n-1: the suffix of (parent p, word w) is the child
//     w of links[p]. They give the adjusted counts of order n-1 (how many
//     n-grams have each (n-1)-gram as their suffix; raw counts at the top
//     order and for the <s>-initial n-grams), from which the Smoother takes
//     the parameters of order n-1 (PrepareOrder). The links and the method's
//     counts of each order, and its structure sections, are parked: kept in
//     memory, or appended to a temporary file when options.memory is too
//     small for that.
//  2. Write (the model file, order by order). Order n takes the
//     probabilities of order n-1 (double), walks its contexts through the
//     parked CHILD_COUNTS and reads its links and counts sequentially, with
//     the same per-context arithmetic as BuildModel (ContextEstimator), then
//     writes LOG_BACKOFF(n-1), which it has just completed, and its own
//     CHILD_COUNTS, WORDS (the counts file's bytes, passed through) and
//     LOG_PROB. The probabilities of order n wait for order n+1, in memory
//     or, under a tight budget, in a temporary file.
//
// Count pruning (options.prune with no unigram threshold) fits in between:
// the scan marks the n-grams of each order that reach its threshold (a byte
// per n-gram of the orders that are cut, kept in memory), then closes the
// marks from the top order down, as BuildModel's PlanCountPruning does
// (the context and the suffix of a kept n-gram are kept), through the
// parked links and CHILD_COUNTS. The header then has the kept sizes. The
// estimate still uses every n-gram (adjusted counts, discounts, the
// probabilities the next order backs off to); the write pass gives the mass
// of the pruned ones to their context (ContextEstimator's `kept`) and writes
// only the kept entries, re-encoding the structure of the orders cut (or
// whose parents were renumbered), as CompactModel does to the in-memory
// model.
//
// Per order the working set is a few arrays of 4 or 8 bytes per n-gram of
// orders n-1 and n; PlanMemory says how much, from the header's sizes.
//
// The scan and the memory plan are in streaming_scan.cc, the write pass in
// streaming_write.cc, what waits between them in parked.h. Not thread-safe:
// one object builds one model.
#ifndef GRAMS_ESTIMATE_STREAMING_BUILD_H_
#define GRAMS_ESTIMATE_STREAMING_BUILD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "estimate/estimate_internal.h"
#include "estimate/parked.h"
#include "format/binary_file.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "grams/build.h"
#include "io/temp_file.h"

namespace grams::estimate {

// N-grams estimated per block; n-grams ahead whose lower probability is
// prefetched; parents ahead whose suffix's children are prefetched.
inline constexpr uint64_t kBlock = 4096;
inline constexpr uint64_t kPrefetchAhead = 16;
inline constexpr uint64_t kGroupsAhead = 8;
// N-grams handed to the threads at a time, in whole contexts (the suffix
// links and the write pass): large enough that starting the threads costs
// little beside them, small enough that what a batch holds (about 20 bytes
// an n-gram) stays within the base of the memory plan.
inline constexpr uint64_t kBatch = uint64_t{1} << 15;

// What the estimator needs at its peak (bytes), from the sizes of the orders
// (m[n] for n = 1..N, m[0] = 0): `spilled` with what waits between the passes
// in temporary files, `resident` with it in memory. Estimates: the
// sections' sizes are guessed at 1 byte per child count and 2 per word.
// `flags`: the bytes of count pruning's keep marks, held throughout.
struct MemoryPlan {
  uint64_t spilled = 0, resident = 0;
};

MemoryPlan PlanMemory(const std::vector<uint64_t>& m, bool adjusted, uint64_t flags = 0);

class StreamingBuild {
 public:
  StreamingBuild(const BuildOptions& options, std::unique_ptr<BinaryFileReader> reader)
      : o_(options), reader_(std::move(reader)), h_(reader_->header()), name_(reader_->name()) {}

  // options.threads, or one per core (0), at most 64.
  static int Threads(const BuildOptions& options);

  StatusOr<ModelSummary> Run(const std::string& model_path) {
    GRAMS_RETURN_IF_ERROR(Setup());
    GRAMS_RETURN_IF_ERROR(Scan());
    return Write(model_path);
  }

 private:
  Status Setup();
  Status Scan();
  Status ScanOrder(int n);
  Status LinkOrder(int n, std::string* cc, std::string* words, std::vector<EntryIndex>* links);
  Status ScanCounts(int n, const std::string& cc);
  Status KeepStructure(int n, const std::string& cc, const std::string& words);
  Status ClosePruning();
  StatusOr<ModelSummary> Write(const std::string& model_path);
  Status WriteOrder(int n, const std::vector<double>& lower, std::vector<double>* prob,
                    DoubleSpill* spill, ModelFileWriter* writer);
  // WriteOrder's estimates when no entry is cut or renumbered, batch by
  // batch on the threads.
  Status EstimateOrder(int n, const std::string& cc, const std::vector<double>& lower,
                       std::vector<double>* prob, DoubleSpill* spill, FloatPlanes* lp,
                       FloatPlanes* lbo);

  void Report(const std::string& stage, int n) const {
    if (o_.progress) {
      o_.progress(
          Progress{stage, static_cast<uint64_t>(n - 1), static_cast<uint64_t>(N_), "orders"});
    }
  }
  // Where order n's parked data goes: nullptr (memory) or its temporary file.
  StatusOr<io::TempFile*> FileFor(int n) {
    if (!spill_) return nullptr;
    if (!files_[n]) {
      GRAMS_ASSIGN_OR_RETURN(files_[n], io::TempFile::Create(o_.temp_dir));
    }
    return files_[n].get();
  }
  template <typename C>
  Status Park(Parked<C>* slot, C&& data, int n) {
    GRAMS_ASSIGN_OR_RETURN(io::TempFile * file, FileFor(n));
    return slot->Park(std::move(data), file);
  }
  // Frees what the scan parked for order n, once written.
  void DropOrder(int n) {
    links_[n].Drop();
    counts_[n].Drop();
    wide_counts_[n].Drop();
    files_[n].reset();
  }
  Status PrepareUnigrams(const std::vector<uint64_t>& a);
  Status PrepareAndPark(int n, std::vector<uint64_t>&& a);

  const BuildOptions& o_;
  const int threads_ = Threads(o_);
  std::unique_ptr<BinaryFileReader> reader_;
  const FileHeader h_;  // a copy: the reader goes after the scan
  const std::string name_;
  int N_ = 0;
  size_t V_ = 0;
  std::vector<uint64_t> m_;  // m_[n]: the n-grams of order n; m_[0] = 0
  TokenizerSettings settings_;
  std::unique_ptr<Smoother> smoother_;
  bool interpolated_ = false, adjusted_ = false;
  std::optional<double> fixed_;
  bool spill_ = false;
  std::vector<std::unique_ptr<io::TempFile>> files_;  // per order, when spilling

  // Count pruning: min_count_[n] > 1 cuts order n; keep_[n] marks its
  // n-grams that stay (empty: all of them); kept_[n], how many stay.
  std::vector<uint64_t> min_count_;
  std::vector<std::vector<uint8_t>> keep_;
  std::vector<uint64_t> kept_;

  // What waits for the write pass.
  Parked<std::string> vocab_;
  Parked<std::vector<uint64_t>> unigram_counts_;  // every word but <s>
  std::vector<Parked<std::string>> child_counts_, words_;
  std::vector<Parked<std::vector<EntryIndex>>> links_;
  std::vector<Parked<std::vector<uint32_t>>> counts_;       // the method's counts
  std::vector<Parked<std::vector<uint64_t>>> wide_counts_;  // when one exceeds 2^32 - 1
  std::vector<uint8_t> wide_;

  // The scan's state between orders: order n-1's structure (the children of
  // entry p of order n-2 are prev_words_[prev_offsets_[p] .. prev_offsets_[p+1]))
  // and suffix links, its <s> range and the raw counts in it.
  std::vector<EntryIndex> prev_offsets_, prev_links_;
  std::vector<WordId> prev_words_;
  uint64_t bos_begin_ = kBosId, bos_end_ = kBosId + 1;
  std::vector<uint64_t> bos_counts_;
};

}  // namespace grams::estimate

#endif  // GRAMS_ESTIMATE_STREAMING_BUILD_H_
