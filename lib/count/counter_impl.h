// CounterImpl: the counter behind Counter and the merges (grams/counts.h).
// Its text side, memory accounting and finishing are in counter.cc; adding
// counts (in memory, or streamed from counts files, whole or a slice) in
// merge_counts.cc. Internal to lib/count.
#ifndef GRAMS_COUNT_COUNTER_IMPL_H_
#define GRAMS_COUNT_COUNTER_IMPL_H_

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "count/batch_counter.h"
#include "count/counts_inserter.h"
#include "count/counts_sink.h"
#include "count/order_table.h"
#include "count/spill.h"
#include "format/binary_file.h"
#include "grams/counts.h"
#include "grams/vocabulary.h"
#include "io/file.h"
#include "tokenize/tokenizer.h"

namespace grams {
namespace count {

// Tokens per batch: large batches keep the threads busy longer between
// hand-overs, small ones keep the buffers (about 40 bytes per token) small;
// a file gets a 48th of its size in bytes (an eighth of its words or
// so), within these bounds.
inline constexpr size_t kMinBatchTokens = 1 << 16;
inline constexpr size_t kMaxBatchTokens = 1 << 19;
// What an n-gram added to the tables may take: its entry, its hash slots
// (below 70% full, doubling) and the streaming merge's 6 bytes per n-gram
// of the file being added.
inline constexpr uint64_t kTableBytesPerEntry = 12 + 12 + 6;
// Under a budget, one batch may add at most an eighth of it to the tables
// (each of its tokens adds up to N-1 n-grams, kTableBytesPerEntry each),
// and the tables are spilled before a batch that could take them over the
// budget: the tables stay within it between checks as well. The smallest
// batch then (-S 16M, order 6) is 14K tokens.
inline constexpr uint64_t kBatchShareOfBudget = 8;
inline constexpr size_t kLeastBudgetBatchTokens = 1 << 12;
// What a unit of one line costs while the line is tokenized and batched:
// its token (16 bytes, in a vector that may double), its id, limit and
// flag in the batch (measured: 43 bytes a byte of a line with --unit char).
inline constexpr uint64_t kLineBytesPerUnit = 48;
// A line is refused only when it needs more than this as well: the least
// budget the tools take (-S 16M).
inline constexpr uint64_t kLeastLineBudget = uint64_t{16} << 20;
// The most units `line` can have with `unit` (before normalization), plus
// one for a newline unit.
uint64_t UnitsAtMost(std::string_view line, Unit unit);
// Tokens per batch for an input of `size_hint` bytes (0: unknown) at
// `order` under `memory` (0: no budget).
size_t BatchTokens(int64_t size_hint, int order, uint64_t memory);

// The memory of a vocabulary, with its hash table and the ids and counts
// kept per word (an estimate for the budget).
inline uint64_t VocabularyBytes(const Vocabulary& v) { return v.arena_bytes() * 2 + v.size() * 48; }

// "FILE:LINE: byte offset N: ", where an error in a line of text is.
inline std::string Where(const std::string& file, uint64_t line_no, uint64_t offset) {
  return file + ":" + std::to_string(line_no) + ": byte offset " + std::to_string(offset) + ": ";
}

// Where `found` differs from `expected`, for messages: "counted with K=V,
// but " + whose + " K=W" for the first setting that differs (whose: "this
// count has", "the counts merged so far have").
std::string SettingsDiffer(const TokenizerSettings& found, const TokenizerSettings& expected,
                           const std::string& whose);

// CountOptions::shared_vocab: the counts file `path`, which must have been
// counted with `expected`: its VOCAB section into *raw, and its words (views
// into it) into *words.
Status ReadSharedVocab(const std::string& path, const TokenizerSettings& expected, std::string* raw,
                       std::vector<std::string_view>* words);
// The words of `vocab` (ids 0 .. size-1) in the order of `given`, the words
// of the counts file `file`: by_rank[r] is the id at rank r. A shard's
// vocabulary is then a subsequence of the whole's, which the trie merge
// relies on (count/trie_merge.h). InvalidArgument, naming the word and
// `file`, for a word not in `given`.
StatusOr<std::vector<WordId>> OrderByGiven(const Vocabulary& vocab,
                                           const std::vector<std::string_view>& given,
                                           const std::string& file);

// The one check of CountOptions.
Status CheckCountOptions(const CountOptions& options);
// The options a Counter runs with: unusable ones are replaced (its calls
// then return the error of CheckCountOptions).
CountOptions Usable(CountOptions options);
// Counting threads: 0 means one per core; at most 64.
int CountingThreads(const CountOptions& options);

}  // namespace count

class CounterImpl {
 public:
  explicit CounterImpl(const CountOptions& options)
      : invalid_(count::CheckCountOptions(options)),
        options_(count::Usable(options)),
        threads_(count::CountingThreads(options)),
        buckets_(count::kBuckets, count::BucketTables(options_.order - 1)),
        batches_(options_.order, threads_, &buckets_),
        inserter_(threads_, &buckets_),
        spills_(options_.temp_dir) {
    if (invalid_.ok() && !options_.shared_vocab.empty()) {
      invalid_ = count::ReadSharedVocab(options_.shared_vocab, options_.tokenizer, &given_raw_,
                                        &given_words_);
    }
    unigram_counts_.assign(kNumReservedWords, 0);
    std::fill(std::begin(byte_ids_), std::end(byte_ids_), Vocabulary::kNotFound);
  }

  Status AddLine(std::string_view line, bool newline, const std::string& where_file,
                 uint64_t line_no, uint64_t line_offset);
  Status AddFile(const std::string& path);
  Status AddCounts(const NgramCounts& c, const std::string& name);
  // The streaming merge: reads the counts file at `path` as a stream.
  // kWhole adds all of it; a slice reads each file twice, kUnigrams for
  // the vocabulary and order 1, then (after PlanSlice) kNgrams for the
  // n-grams of the slice's first words.
  enum class Pass { kWhole, kUnigrams, kNgrams };
  // What a slice's first reading of a file found: its header's vocabulary
  // size, sentences and tokens and a hash of its vocabulary section,
  // checked in the second, and its words' counting ids, kept for the
  // second while all files' take at most a sixteenth of the budget (else
  // the second looks the words up again).
  struct FirstReading {
    std::array<uint64_t, 3> totals;
    size_t vocab_hash = 0;
    bool kept = false;
    std::vector<WordId> word_map;
  };
  Status MergeCountsFile(std::unique_ptr<BinaryFileReader> reader, Pass pass);
  // After every file's kUnigrams pass: which first words slice `slice`
  // keeps, and the header info that says so.
  Status PlanSlice(const MergeSlice& slice);
  Status AddOrdersToTables(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                           const std::vector<uint8_t>* keep);
  // MergeCountsFile's steps.
  // The file's words to counting ids: added to the vocabulary (kWhole,
  // kUnigrams, which record the file in `reading`), or as the first
  // reading found them (kNgrams, which checks them against `reading`).
  Status MapFileWords(BinaryFileReader* reader, Pass pass, FirstReading* reading,
                      std::vector<WordId>* word_map);
  Status AddBigramTypes(BinaryFileReader* reader, const std::vector<WordId>& word_map);
  Status AddFileNgrams(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                       const std::vector<uint8_t>* keep);
  const std::vector<std::pair<std::string, std::string>>& info() const { return info_; }
  Status Finish(count::CountsSink* sink);
  int threads() const { return threads_; }

 private:
  Status CheckLineFits(std::string_view line, const std::string& where_file, uint64_t line_no,
                       uint64_t line_offset) const;
  Status AppendUnits(std::string_view line, const std::string& where_file, uint64_t line_no,
                     uint64_t line_offset);
  void ReserveFor(const io::InputStream& in);
  Status CheckMergeable(int order, const TokenizerSettings& settings,
                        const std::string& name) const;
  Status ProcessBatch(bool final);

  // Memory accounting and spilling.
  uint64_t TableBytes() const;
  // The vocabulary's bytes, with the streaming merge's word maps kept
  // between the readings of a slice and its duplicate check's stamps.
  uint64_t VocabBytes() const {
    return count::VocabularyBytes(vocab_) + kept_map_bytes_ + word_stamp_.capacity() * 4 +
           slice_by_rank_.capacity() * sizeof(WordId);
  }
  uint64_t InMemoryFinishBytes() const;
  Status MaybeSpill();
  // The emptied tables are not reserved again: a reservation from the heap
  // (malloc maps large blocks fresh only until it has freed some) lands on
  // pages other tables touched before the spill, and the resident memory
  // grew by megabytes a spill (-S 64M, order 5: 106 MB, not 73).
  Status Spill() { return spills_.Spill(&buckets_, threads_, /*reserve=*/0); }
  std::vector<uint64_t> OrderSizes() const;

  // Finishing.
  std::vector<WordId> CanonicalOrder() const;
  NgramCounts CanonicalUnigrams(const std::vector<WordId>& by_rank);
  Status StartSink(count::CountsSink* sink, NgramCounts* out, const std::vector<WordId>& by_rank,
                   const std::vector<uint64_t>& sizes);

  Status invalid_;  // from CheckCountOptions (or ReadSharedVocab); every call returns it
  const CountOptions options_;
  const int threads_;
  Vocabulary vocab_;
  std::vector<Count> unigram_counts_;
  // buckets_[b][n-2]: bucket b's table of order n.
  std::vector<count::BucketTables> buckets_;
  count::BatchCounter batches_;     // after buckets_: destroyed (waited for) first
  count::Batch batch_;              // the batch being filled
  count::CountsInserter inserter_;  // adds counts (AddCounts, the streaming merge)
  // A batch is counted once this long (AddFile sets it for the file).
  size_t batch_tokens_ =
      std::min(count::kMinBatchTokens, count::BatchTokens(0, options_.order, options_.memory));
  uint64_t sentences_ = 0, tokens_counted_ = 0;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::string_view> tokens_;
  bool stream_open_ = false;  // boundaries=none: the stream's <s> is out
  bool warned_nul_ = false;   // the one warning about NUL bytes is out
  WordId byte_ids_[256];      // ids of one-byte units
  count::SpillStore spills_;  // phase 1's spills
  uint64_t reserve_ = 0;      // entries reserved per table (address space only)
  // The streaming merge of a slice: the first words kept (by counting id),
  // the header info, and each file's first reading (FirstReading).
  std::vector<uint8_t> keep_;
  std::vector<std::pair<std::string, std::string>> info_;
  std::vector<FirstReading> first_pass_;
  std::vector<WordId> slice_by_rank_;  // PlanSlice's canonical order, for Finish
  uint64_t kept_map_bytes_ = 0;
  // The streaming merge's check that a file's words are distinct: the
  // last file (numbered from 1) that had each counting id.
  std::vector<uint32_t> word_stamp_;
  uint32_t files_mapped_ = 0;
  std::vector<uint64_t> bigram_types_;     // summed over the files, by counting id
  std::vector<EntryIndex> merge_parents_;  // AddOrdersToTables: an order's parents
  size_t second_pass_files_ = 0;
  std::string given_raw_;                      // the VOCAB section of shared_vocab
  std::vector<std::string_view> given_words_;  // its words, in it
};

}  // namespace grams

#endif  // GRAMS_COUNT_COUNTER_IMPL_H_
