#include "count/external_merge.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <numeric>
#include <string>

#include "count/group_run.h"
#include "count/sort_tables.h"
#include "io/temp_file.h"
#include "io/zstd_frame.h"
#include "util/threads.h"

namespace grams::count {
namespace {

constexpr int kRunZstdLevel = 1;
// Bytes per n-gram (upper bound over the spills) of loading and sorting a
// group of buckets in phase 2: tables at their fullest plus the sort.
constexpr uint64_t kGroupBytesPerEntry = 12 + 12 + kSortBytesPerEntry;

class ExternalMerge {
 public:
  ExternalMerge(const CountOptions& options, int threads, const std::vector<WordId>& by_rank,
                const std::vector<WordId>& word_map, SpillStore* spills)
      : options_(options),
        N_(options.order),
        V_(by_rank.size()),
        threads_(threads),
        by_rank_(by_rank),
        word_map_(word_map),
        spills_(spills) {}

  Status Run(uint64_t fixed_bytes, const StartSinkFn& start, CountsSink* sink) {
    PlanGroups(fixed_bytes);
    GRAMS_ASSIGN_OR_RETURN(runs_file_, io::TempFile::Create(options_.temp_dir));
    runs_.assign(G_, std::vector<io::FrameRef>(N_ + 1));
    sizes_.assign(N_, 0);
    sizes_[0] = V_;
    for (int g = 0; g < G_; ++g) GRAMS_RETURN_IF_ERROR(WriteGroupRuns(g));
    spills_->Clear();  // merged: give their disk space back
    GRAMS_RETURN_IF_ERROR(start(sizes_));
    group_of_word_.resize(V_);
    for (WordId w = 0; w < V_; ++w) group_of_word_[w] = group_of_bucket_[BucketOf(by_rank_[w])];
    start_lower_.resize(V_);
    std::iota(start_lower_.begin(), start_lower_.end(), 0);
    start_.resize(V_);
    for (int n = 2; n <= N_; ++n) GRAMS_RETURN_IF_ERROR(MergeOrder(n, sink));
    return Status::OK();
  }

 private:
  void PlanGroups(uint64_t fixed_bytes);
  Status WriteGroupRuns(int g);
  Status MergeOrder(int n, CountsSink* sink);
  Status Corrupt() const {
    return CorruptionError("a temporary file in " + runs_file_->dir() + " is corrupted");
  }

  const CountOptions& options_;
  const int N_;
  const size_t V_;
  const int threads_;
  const std::vector<WordId>& by_rank_;
  const std::vector<WordId>& word_map_;
  SpillStore* spills_;
  // Group g holds the buckets [group_start_[g], group_start_[g+1]).
  int G_ = 0;
  std::vector<int> group_start_;
  std::vector<uint16_t> group_of_bucket_, group_of_word_;
  std::unique_ptr<io::TempFile> runs_file_;
  std::vector<std::vector<io::FrameRef>> runs_;  // [g][n]
  std::vector<uint64_t> sizes_;                  // [n-1]: the n-grams of order n
  // Where each first word's block starts in the merged order n-1 (start_lower_)
  // and n (start_).
  std::vector<uint32_t> start_lower_, start_;
};

// Groups of consecutive buckets whose spilled entries (an upper bound on
// their distinct n-grams) fit the budget once loaded and sorted. Phase 3
// reads every group's run at once: the groups' readers must fit too, so a
// group is never smaller than its share of that.
void ExternalMerge::PlanGroups(uint64_t fixed_bytes) {
  std::vector<uint64_t> upper(kBuckets, 0);
  uint64_t total = 0;
  for (int b = 0; b < kBuckets; ++b) total += upper[b] = spills_->Entries(b);
  const uint64_t room =
      options_.memory > fixed_bytes + (16u << 20) ? options_.memory - fixed_bytes : (16u << 20);
  const uint64_t max_groups = std::max<uint64_t>(1, room / 2 / io::kReaderBytes);
  const uint64_t least = total / max_groups;
  group_start_.assign(1, 0);
  uint64_t in_group = 0;
  for (int b = 0; b < kBuckets; ++b) {
    if (b > group_start_.back() && in_group >= least &&
        (in_group + upper[b]) * kGroupBytesPerEntry > room) {
      group_start_.push_back(b);
      in_group = 0;
    }
    in_group += upper[b];
  }
  G_ = static_cast<int>(group_start_.size());
  group_start_.push_back(kBuckets);
  group_of_bucket_.resize(kBuckets);
  for (int g = 0; g < G_; ++g) {
    for (int b = group_start_[g]; b < group_start_[g + 1]; ++b) {
      group_of_bucket_[b] = static_cast<uint16_t>(g);
    }
  }
}

// Phase 2 for group g: its n-grams, added up and sorted canonically, to a
// run per order.
Status ExternalMerge::WriteGroupRuns(int g) {
  if (options_.progress) {
    options_.progress(Progress{"merging spilled counts", static_cast<uint64_t>(g),
                               static_cast<uint64_t>(G_), "parts"});
  }
  const int first = group_start_[g], count = group_start_[g + 1] - first;
  std::vector<BucketTables> tables(count, BucketTables(N_ - 1));
  const int threads = std::min(threads_, count);
  std::vector<Status> status(threads);
  // The buckets largest first, each to the next thread free: their sizes
  // vary (the bucket of <s> is several times the others), and by turns
  // one thread loaded 40% more than the other (64 shards, -S 200M: 1744
  // against 1259 CPU samples).
  std::vector<int> by_size(count);
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) {
    return spills_->Entries(first + a) > spills_->Entries(first + b);
  });
  std::atomic<int> next{0};
  RunOnThreads(threads, [&](int t) {
    for (int k = next++; k < count && status[t].ok(); k = next++) {
      const int i = by_size[k];
      status[t] = spills_->Load(first + i, &tables[i]);
    }
  });
  for (const Status& s : status) GRAMS_RETURN_IF_ERROR(s);
  std::vector<BucketTables*> parts;
  for (auto& t : tables) parts.push_back(&t);
  GroupRunWriter writer;
  // In line: a group's budget has no room for two orders at once.
  return SortTables(parts, N_, word_map_, threads_, nullptr, EmitMode::kInLine,
                    /*encode=*/false, [&](int n, SortedOrder* order) -> Status {
                      const std::string run = writer.Encode(n, order->level, order->counts);
                      sizes_[n - 1] += order->level.size();
                      order->level = TrieLevel();
                      std::vector<Count>().swap(order->counts);
                      GRAMS_ASSIGN_OR_RETURN(runs_[g][n],
                                             io::AppendFrame(runs_file_.get(), run, kRunZstdLevel));
                      return Status::OK();
                    });
}

// Phase 3 for order n: the blocks of every first word in canonical order,
// each from the one group run that has it, to the sink.
Status ExternalMerge::MergeOrder(int n, CountsSink* sink) {
  if (options_.progress) {
    options_.progress(
        Progress{"writing", static_cast<uint64_t>(n - 1), static_cast<uint64_t>(N_), "orders"});
  }
  std::vector<std::unique_ptr<GroupRunReader>> runs;
  std::vector<char> open(G_);  // the run has a block to take
  for (int g = 0; g < G_; ++g) {
    runs.push_back(std::make_unique<GroupRunReader>(runs_file_.get(), runs_[g][n], V_));
    open[g] = runs[g]->NextBlock();
    GRAMS_RETURN_IF_ERROR(runs[g]->status());
  }
  sink->BeginOrder(n);
  const uint64_t parents = sizes_[n - 2];
  uint64_t k = 0, last_parent = 0;
  WordId last_word = 0;
  for (WordId w = 0; w < V_; ++w) {
    const int g = group_of_word_[w];
    if (!open[g] || runs[g]->first_word() != w) continue;
    GroupRunReader& run = *runs[g];
    start_[w] = static_cast<uint32_t>(k);
    for (uint64_t i = 0; i < run.size(); ++i, ++k) {
      uint64_t offset;
      WordId word;
      Count count;
      if (!run.NextEntry(&offset, &word, &count)) return run.status();
      // The sink wants (parent, word) ascending.
      const uint64_t parent = start_lower_[w] + offset;
      if (parent >= parents ||
          (k > 0 && (parent < last_parent || (parent == last_parent && word <= last_word)))) {
        return Corrupt();
      }
      sink->Add(parent, word, count);
      last_parent = parent;
      last_word = word;
    }
    open[g] = run.NextBlock();
    GRAMS_RETURN_IF_ERROR(run.status());
  }
  if (k != sizes_[n - 1]) return Corrupt();
  for (int g = 0; g < G_; ++g)
    if (open[g] || !runs[g]->done()) return Corrupt();
  GRAMS_RETURN_IF_ERROR(sink->EndOrder());
  start_lower_.swap(start_);
  return Status::OK();
}

}  // namespace

Status MergeSpills(const CountOptions& options, int threads, uint64_t fixed_bytes,
                   const std::vector<WordId>& by_rank, const std::vector<WordId>& word_map,
                   SpillStore* spills, const StartSinkFn& start, CountsSink* sink) {
  ExternalMerge merge(options, threads, by_rank, word_map, spills);
  return merge.Run(fixed_bytes, start, sink);
}

}  // namespace grams::count
