// Counter: text -> tokens -> vocabulary ids -> n-gram counts of orders
// 1..N, in memory or, under a memory budget, spilling to disk; and the
// entry points around it (CountFiles, CountFilesToFile).
//
// The parts, each in a file of its own:
//   count/order_table.h      the hash tables of (parent, word) keys, per
//                            bucket and order; KeyHash, BucketOf
//   count/batch_counter.h    batches of word ids counted on the threads
//   count/sort_tables.h      the canonical sort of the tables into trie order
//   vocab/canonical_order.h  the canonical order of the vocabulary
//   count/spill.h            phase 1 under a budget: the tables to disk
//   count/external_merge.h   phases 2 and 3: the spills merged back
//   count/group_run.h        the runs phase 2 writes and phase 3 merges
//   count/counts_sink.h      where the sorted orders go: file or memory
//   count/counter_impl.h     CounterImpl, the counter behind Counter
//   count/merge_counts.cc    adding counts: in memory, or counts files
//                            streamed whole or by slices (MergeCountFiles)
// This file holds the Counter itself: tokenizing lines into batches, the
// unigram counts, the memory accounting that decides when to spill, and
// Finish(), which numbers the vocabulary canonically and hands the sorted
// orders to a sink.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <future>
#include <numeric>

#include "count/batch_counter.h"
#include "count/counter_impl.h"
#include "count/counts_sink.h"
#include "count/external_merge.h"
#include "count/order_table.h"
#include "count/shard_spill.h"
#include "count/sort_tables.h"
#include "count/spill.h"
#include "format/binary_file.h"
#include "format/kenlm_binary.h"
#include "format/mapped_model.h"
#include "format/order_sections.h"
#include "format/text_input.h"
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "io/temp_file.h"
#include "io/utf16_input.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"
#include "util/threads.h"
#include "vocab/canonical_order.h"

namespace grams {
namespace count {

// The one check of CountOptions.
Status CheckCountOptions(const CountOptions& options) {
  if (options.order < 1 || options.order > kMaxOrder) {
    return InvalidArgument("order must be between 1 and " + std::to_string(kMaxOrder) + ", not " +
                           std::to_string(options.order));
  }
  if (!options.temp_dir.empty()) {
    // A directory given must work, whether or not this count spills: a bad
    // -T is an error at once, not at the first spill (or never).
    GRAMS_RETURN_IF_ERROR(io::TempFile::Create(options.temp_dir).status());
  }
  return Status::OK();
}

// The options a Counter runs with: unusable ones are replaced (its calls
// then return the error of CheckCountOptions).
CountOptions Usable(CountOptions options) {
  if (!CheckCountOptions(options).ok()) options.order = 1;
  return options;
}

uint64_t UnitsAtMost(std::string_view line, Unit unit) {
  if (unit == Unit::kByte) return line.size() + 1;  // and a newline unit
  uint64_t units = 1;
  if (unit == Unit::kWord) {  // runs of anything but ASCII whitespace
    bool in_word = false;
    for (char c : line) {
      const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
      units += !space && !in_word;
      in_word = !space;
    }
    return units;
  }
  // Code points (or fewer units: graphemes, segments, pieces): the bytes
  // that do not continue a UTF-8 sequence.
  for (char c : line) units += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return units;
}

size_t BatchTokens(int64_t size_hint, int order, uint64_t memory) {
  size_t tokens = size_hint > 0 ? std::clamp<size_t>(static_cast<size_t>(size_hint) / 48,
                                                     kMinBatchTokens, kMaxBatchTokens)
                                : kMaxBatchTokens;
  if (memory > 0 && order >= 2) {
    const uint64_t most = memory / kBatchShareOfBudget / ((order - 1) * kTableBytesPerEntry);
    tokens = std::min<uint64_t>(tokens, std::max<uint64_t>(most, kLeastBudgetBatchTokens));
  }
  return tokens;
}

// Counting threads: 0 means one per core; at most 64.
int CountingThreads(const CountOptions& options) { return ThreadsOrCores(options.threads, 64); }

}  // namespace count

namespace {

// Whether fewer than two batches' worth of tokens are left of a file of
// `size` bytes, `at` bytes and `tokens` tokens in (at its tokens per byte
// so far).
bool FewBatchesLeft(uint64_t size, uint64_t at, uint64_t tokens, size_t batch_tokens) {
  if (at == 0) return false;
  if (at >= size) return true;
  const double left =
      static_cast<double>(size - at) * static_cast<double>(tokens) / static_cast<double>(at);
  return left < 2.0 * static_cast<double>(batch_tokens);
}

using count::Batch;
using count::BucketTables;
using count::CountEntry;
using count::CountsSink;
using count::kBuckets;
using count::kMaxBatchTokens;
using count::kMinBatchTokens;
using count::kMinReserveBytes;
using count::Where;

}  // namespace

Status CounterImpl::AddLine(std::string_view line, bool newline, const std::string& where_file,
                            uint64_t line_no, uint64_t line_offset) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  if (!tokenizer_) {
    GRAMS_ASSIGN_OR_RETURN(tokenizer_, Tokenizer::Create(options_.tokenizer));
  }
  GRAMS_RETURN_IF_ERROR(CheckLineFits(line, where_file, line_no, line_offset));
  Status s = tokenizer_->Tokenize(line, newline, &tokens_);
  if (!s.ok()) {
    if (s.code() != StatusCode::kInvalidArgument) return s;
    return InvalidArgument(Where(where_file, line_no, line_offset + tokenizer_->bad_offset()) +
                           "invalid UTF-8 (use --invalid replace or --invalid skip to accept it)");
  }
  GRAMS_RETURN_IF_ERROR(AppendUnits(line, where_file, line_no, line_offset));
  if (batch_.size() >= batch_tokens_) return ProcessBatch(/*final=*/false);
  return Status::OK();
}

// A line's units are held at once while it is tokenized and batched (about
// count::kLineBytesPerUnit each): a line that would take more than the
// budget is refused before it is tokenized, with the figure (a 200 MB line
// with --unit char takes about 9 GB).
Status CounterImpl::CheckLineFits(std::string_view line, const std::string& where_file,
                                  uint64_t line_no, uint64_t line_offset) const {
  // (Tiny budgets, which only the library takes, spill at every batch:
  // they refuse no line that fits the least the tools take, 16M.)
  const uint64_t most = std::max<uint64_t>(options_.memory, count::kLeastLineBudget);
  if (options_.memory == 0 || (line.size() + 1) * count::kLineBytesPerUnit <= most) {
    return Status::OK();  // too short to matter, whatever its units
  }
  const uint64_t units = count::UnitsAtMost(line, options_.tokenizer.unit);
  const uint64_t need = units * count::kLineBytesPerUnit;
  if (need <= most) return Status::OK();
  auto mb = [](uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + "M"; };
  return ResourceExhausted(Where(where_file, line_no, line_offset) + "a line of " +
                           std::to_string(line.size()) + " bytes (" + std::to_string(units) +
                           " units or fewer) needs about " + mb(need) +
                           " of memory to count, more than the budget of " + mb(options_.memory) +
                           " (-S); split the line, or give -S " + mb(need) + " or more");
}

// Appends the line's units (tokens_) to the batch: a sentence, or more of
// the stream.
Status CounterImpl::AppendUnits(std::string_view line, const std::string& where_file,
                                uint64_t line_no, uint64_t line_offset) {
  const bool stream = options_.tokenizer.boundaries == Boundaries::kNone;
  std::vector<WordId>& words = batch_.words;
  const size_t start = words.size();
  if (!stream || !stream_open_) {
    words.push_back(kBosId);
    stream_open_ = stream;
  }
  size_t skipped = 0;  // <s> and </s> skipped (options_.skip_markers)
  for (std::string_view tok : tokens_) {
    WordId id;
    if (tok.size() == 1) {  // bytes and ASCII characters: skip the hash
      WordId& cached = byte_ids_[static_cast<unsigned char>(tok[0])];
      if (cached == Vocabulary::kNotFound) cached = vocab_.FindOrInsert(tok);
      id = cached;
    } else {
      id = vocab_.FindOrInsert(tok);
    }
    // Where `tok` is: in the line, or (a token the tokenizer made) at its start.
    auto where = [&] {
      const bool in_line = tok.data() >= line.data() && tok.data() < line.data() + line.size();
      const uint64_t offset = in_line ? static_cast<uint64_t>(tok.data() - line.data()) : 0;
      return Where(where_file, line_no, line_offset + offset);
    };
    if (id == Vocabulary::kNotFound) [[unlikely]] {  // the vocabulary is full
      words.resize(start);
      return ResourceExhausted(where() + Vocabulary::TooManyWords());
    }
    if (id == kBosId || id == kEosId) {
      if (options_.skip_markers) {
        ++skipped;
        continue;
      }
      words.resize(start);
      return InvalidArgument(where() + "the reserved token " + std::string(tok) +
                             " appears in the text (--skip-markers skips <s> and </s> in the "
                             "text, as lmplz's --skip_symbols)");
    }
    words.push_back(id);
  }
  if (stream) {
    batch_.limits.resize(words.size(), Batch::kOpen);
    tokens_counted_ += tokens_.size() - skipped;
    sentences_ = 1;
  } else {
    words.push_back(kEosId);
    const size_t end = words.size();
    batch_.limits.resize(end, static_cast<uint32_t>(end));
    ++sentences_;
    tokens_counted_ += end - start - 1;
  }
  return Status::OK();
}

Status CounterImpl::AddFile(const std::string& path) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  GRAMS_ASSIGN_OR_RETURN(auto in, OpenTextInput(path, options_.tokenizer, "count"));
  ReserveFor(*in);
  batch_tokens_ = count::BatchTokens(in->size_hint(), options_.order, options_.memory);
  io::LineReader reader(in.get());
  std::string_view line;
  // Progress in bytes of the text, or for compressed input (whose text has
  // no size until it is read) in bytes of the file read.
  const bool by_raw = in->size_hint() <= 0 && in->raw_size_hint() > 0;
  const uint64_t total = in->size_hint() > 0 ? static_cast<uint64_t>(in->size_hint())
                         : by_raw            ? static_cast<uint64_t>(in->raw_size_hint())
                                             : 0;
  Progress progress{"counting " + in->name(), 0, total, "bytes"};
  const uint64_t tokens_before = tokens_counted_;
  while (reader.Next(&line)) {
    if (!warned_nul_ && line.find('\0') != std::string_view::npos) {
      warned_nul_ = true;
      if (options_.warn) {
        options_.warn(reader.name() + ":" + std::to_string(reader.line_number()) +
                      ": a NUL byte: the input looks binary, not text (counted as text anyway)");
      }
    }
    GRAMS_RETURN_IF_ERROR(
        AddLine(line, reader.newline(), reader.name(), reader.line_number(), reader.line_offset()));
    // The file's last two batches' worth of tokens go in the smallest
    // batches: the last batch is counted with nothing to overlap it, 75 ms
    // at -j2 for a full one of scale.txt, 5 ms for a small one. (Looked at
    // every 256 lines, not on every line's path.)
    if ((reader.line_number() & 0xff) == 0 && batch_tokens_ > kMinBatchTokens &&
        in->size_hint() > 0 &&
        FewBatchesLeft(static_cast<uint64_t>(in->size_hint()), reader.line_offset() + line.size(),
                       tokens_counted_ - tokens_before, batch_tokens_)) {
      batch_tokens_ = kMinBatchTokens;
    }
    if (options_.progress && (reader.line_number() & 0x3fff) == 0) {
      progress.done = by_raw ? in->raw_bytes_read() : reader.line_offset();
      options_.progress(progress);
    }
  }
  if (options_.progress) {
    progress.done = progress.total ? progress.total : reader.line_offset();
    options_.progress(progress);
  }
  if (!reader.status().ok()) return reader.status();
  return Status::OK();
}

// Reserves table room for the input, when its size is known. No order has
// more distinct n-grams than the text has units, and a unit takes at least
// one byte; under a budget, no table holds more than the budget's worth.
void CounterImpl::ReserveFor(const io::InputStream& in) {
  if (in.size_hint() <= 0) return;
  uint64_t most = static_cast<uint64_t>(in.size_hint()) / kBuckets * 2 + 1024;
  if (options_.memory > 0) {
    most = std::min<uint64_t>(most, options_.memory / sizeof(CountEntry) / kBuckets * 2);
  }
  // Only reservations big enough to be mapped fresh by malloc are free
  // until touched; smaller ones could reuse resident heap memory.
  if (most * sizeof(CountEntry) < kMinReserveBytes) most = 0;
  reserve_ = std::max<uint64_t>(reserve_, most);
  for (auto& tables : buckets_)
    for (auto& table : tables) table.Reserve(reserve_);
}

// Counts the batch's unigrams here and its other orders on the threads
// (count/batch_counter.h): in the background, unless `final`, while the
// caller tokenizes the next batch. A stream's last N-1 positions are
// carried into the next batch (unless `final`). The tables are only touched
// by the background work or, between batches, by the caller (spilling,
// merging), never by both at once.
Status CounterImpl::ProcessBatch(bool final) {
  // The batch's buckets are found while the previous batch is still
  // counted: after Wait() the counting threads would idle through it.
  // (Prepare changes nothing that matters if Wait() fails.)
  const size_t n_tokens = batch_.size();
  if (n_tokens > 0) batches_.Prepare(batch_);
  GRAMS_RETURN_IF_ERROR(batches_.Wait());
  GRAMS_RETURN_IF_ERROR(MaybeSpill());
  if (n_tokens == 0) return Status::OK();
  batch_.done.resize(n_tokens, 0);
  if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
  for (size_t i = 0; i < n_tokens; ++i)
    if (batch_.done[i] == 0) ++unigram_counts_[batch_.words[i]];
  const size_t keep = !final && stream_open_ ? std::min<size_t>(options_.order - 1, n_tokens) : 0;
  batches_.Start(&batch_, keep, /*background=*/!final);
  return final ? batches_.Wait() : Status::OK();
}

uint64_t CounterImpl::TableBytes() const {
  uint64_t bytes = 0;
  for (const auto& tables : buckets_)
    for (const auto& table : tables) bytes += table.bytes();
  return bytes;
}

// Peak of sorting everything in memory now (the slots go first).
uint64_t CounterImpl::InMemoryFinishBytes() const {
  const std::vector<uint64_t> sizes = OrderSizes();
  uint64_t entries = 0, peak = 0, largest = 0;
  for (uint64_t m : sizes) entries += m;
  entries -= sizes[0];
  for (int n = 2; n <= options_.order; ++n) {
    // The sort's arrays hold the largest order so far; order n-1 is still
    // being emitted while order n sorts (from n = 3).
    largest = std::max(largest, sizes[n - 1]);
    const uint64_t arrays = largest * (count::kSortBytesPerEntry - count::kSortLevelBytesPerEntry);
    const uint64_t emitting = n > 2 ? sizes[n - 2] * count::kSortLevelBytesPerEntry : 0;
    peak = std::max(peak, entries * sizeof(CountEntry) + arrays +
                              sizes[n - 1] * count::kSortLevelBytesPerEntry + sizes[n - 2] * 4 +
                              emitting);
    entries -= sizes[n - 1];
  }
  return peak + VocabBytes() + vocab_.size() * 12;
}

Status CounterImpl::MaybeSpill() {
  if (options_.memory == 0 || options_.order < 2) return Status::OK();
  // Room for the next batch's n-grams too (count::kBatchShareOfBudget).
  const uint64_t next_batch =
      static_cast<uint64_t>(batch_tokens_) * (options_.order - 1) * count::kTableBytesPerEntry;
  if (TableBytes() + VocabBytes() + next_batch <= options_.memory) return Status::OK();
  return Spill();
}

// The number of n-grams of each order (valid until Finish() sorts them).
std::vector<uint64_t> CounterImpl::OrderSizes() const {
  std::vector<uint64_t> sizes(options_.order, 0);
  sizes[0] = vocab_.size();
  for (const auto& tables : buckets_)
    for (size_t k = 0; k < tables.size(); ++k) sizes[k + 1] += tables[k].size();
  return sizes;
}

Status CounterImpl::Finish(CountsSink* sink) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  if (stream_open_) {  // close the stream: </s>, and every window may end there
    batch_.words.push_back(kEosId);
    ++tokens_counted_;
    batch_.limits.assign(batch_.size(), static_cast<uint32_t>(batch_.size()));
    stream_open_ = false;
  }
  GRAMS_RETURN_IF_ERROR(ProcessBatch(/*final=*/true));
  std::vector<EntryIndex>().swap(merge_parents_);
  std::vector<uint32_t>().swap(word_stamp_);
  unigram_counts_.resize(vocab_.size(), 0);
  // Spill what is left when there are spills already, or when sorting it
  // in memory would not fit.
  // (A merge of counts files may have spilled without a budget: a slice's.)
  const bool external =
      options_.order >= 2 &&
      (!spills_.empty() || (options_.memory > 0 && InMemoryFinishBytes() > options_.memory));
  const std::vector<uint64_t> sizes = OrderSizes();
  // The hash slots are done with (spilling and sorting read the entries
  // only): free them before the canonical vocabulary is built beside the
  // counting one.
  for (auto& tables : buckets_)
    for (auto& table : tables) table.ReleaseSlots();

  std::vector<WordId> by_rank;
  if (!options_.shared_vocab.empty()) {
    GRAMS_ASSIGN_OR_RETURN(by_rank,
                           count::OrderByGiven(vocab_, given_words_, options_.shared_vocab));
  } else {
    by_rank = slice_by_rank_.empty() ? CanonicalOrder() : std::move(slice_by_rank_);
  }
  std::vector<WordId> word_map(by_rank.size());
  for (WordId r = 0; r < by_rank.size(); ++r) word_map[by_rank[r]] = r;
  NgramCounts out = CanonicalUnigrams(by_rank);

  if (external) {
    GRAMS_RETURN_IF_ERROR(Spill());
    buckets_.clear();
    return count::MergeSpills(
        options_, threads_, VocabBytes(), by_rank, word_map, &spills_,
        [&](const std::vector<uint64_t>& merged_sizes) {
          return StartSink(sink, &out, by_rank, merged_sizes);
        },
        sink);
  }
  // The vocabulary and order 1 go to the sink on a thread of their own
  // while order 2 is sorted, which needs neither (the sort's in-place
  // passes leave a core free at times); the sink has them before order 2.
  std::future<Status> started =
      std::async(std::launch::async, [&] { return StartSink(sink, &out, by_rank, sizes); });
  std::vector<BucketTables*> parts;
  for (auto& tables : buckets_) parts.push_back(&tables);
  const Status sorted = count::SortTables(
      parts, options_.order, word_map, threads_, options_.progress, count::EmitMode::kOverlapped,
      sink->TakesEncoded(), [&](int n, count::SortedOrder* order) {
        if (started.valid()) {
          if (Status s = started.get(); !s.ok()) return s;
        }
        if (order->sections) return sink->OrderEncoded(n, std::move(*order->sections));
        return sink->Order(n, &order->level, &order->counts);
      });
  if (started.valid()) {
    if (Status s = started.get(); !s.ok()) return s;
  }
  return sorted;
}

namespace count {

std::string SettingsDiffer(const TokenizerSettings& found, const TokenizerSettings& expected,
                           const std::string& whose) {
  const auto a = expected.DisplayKeyValues(), b = found.DisplayKeyValues();
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
    if (a[k] != b[k]) {
      return "counted with " + b[k].first + "=" + b[k].second + ", but " + whose + " " +
             a[k].first + "=" + a[k].second;
    }
  }
  return "counted with other settings";
}

StatusOr<std::vector<WordId>> OrderByGiven(const Vocabulary& vocab,
                                           const std::vector<std::string_view>& given,
                                           const std::string& file) {
  // The given words looked up in `vocab` (a shard's, small beside them):
  // no table of the given words is built.
  const size_t V = vocab.size();
  constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> position(V, kNone);
  for (size_t g = 0; g < given.size(); ++g) {
    const WordId w = vocab.Find(given[g]);
    if (w != Vocabulary::kNotFound) position[w] = static_cast<uint32_t>(g);
  }
  std::vector<uint64_t> keyed(V);  // (given position << 32) | id
  for (WordId w = 0; w < V; ++w) {
    if (position[w] == kNone) {
      return InvalidArgument("the word '" + std::string(vocab.Word(w)) +
                             "' is not in the vocabulary of " + file + " (--shared-vocab)");
    }
    keyed[w] = (uint64_t{position[w]} << 32) | w;
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<WordId> by_rank(V);
  for (size_t r = 0; r < V; ++r) by_rank[r] = static_cast<WordId>(keyed[r]);
  return by_rank;
}

Status ReadSharedVocab(const std::string& path, const TokenizerSettings& expected, std::string* raw,
                       std::vector<std::string_view>* words) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(path, FileKind::kCounts));
  const FileHeader& header = reader->header();
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(path);
  if (!(*settings == expected)) {
    return InvalidArgument(path + ": " + SettingsDiffer(*settings, expected, "this count has") +
                           " (--shared-vocab)");
  }
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kVocab, 0), raw));
  return DecodeVocabWords(reader->name(), header, *raw, words);
}

}  // namespace count

// The canonical order of the vocabulary (vocab/canonical_order.h): by_rank[r]
// is the counting id of canonical id r.
std::vector<WordId> CounterImpl::CanonicalOrder() const {
  const size_t V = vocab_.size();
  const std::vector<uint32_t> order = SortCanonically(
      V - kNumReservedWords, [this](size_t i) { return unigram_counts_[i + kNumReservedWords]; },
      [this](size_t i) { return vocab_.Word(static_cast<WordId>(i + kNumReservedWords)); },
      threads_);
  std::vector<WordId> by_rank(V);
  std::iota(by_rank.begin(), by_rank.begin() + kNumReservedWords, 0);
  for (size_t i = 0; i < order.size(); ++i)
    by_rank[i + kNumReservedWords] = order[i] + kNumReservedWords;
  return by_rank;
}

// The counts' settings, totals and order 1 in canonical order; frees the
// counting ids' unigram counts.
NgramCounts CounterImpl::CanonicalUnigrams(const std::vector<WordId>& by_rank) {
  const size_t V = by_rank.size();
  NgramCounts out;
  out.settings = options_.tokenizer;
  out.sentences = sentences_;
  out.tokens = tokens_counted_;
  out.trie.levels.resize(options_.order);
  out.counts.resize(options_.order);
  TrieLevel& uni = out.trie.levels[0];
  uni.words.resize(V);
  std::iota(uni.words.begin(), uni.words.end(), 0);
  out.counts[0].resize(V);
  for (WordId r = 0; r < V; ++r) out.counts[0][r] = unigram_counts_[by_rank[r]];
  std::vector<Count>().swap(unigram_counts_);
  return out;
}

// Starts the sink with the vocabulary in canonical order, then frees the
// counting vocabulary.
Status CounterImpl::StartSink(CountsSink* sink, NgramCounts* out,
                              const std::vector<WordId>& by_rank,
                              const std::vector<uint64_t>& sizes) {
  std::vector<std::string_view> words(by_rank.size());
  for (size_t r = 0; r < by_rank.size(); ++r) words[r] = vocab_.Word(by_rank[r]);
  GRAMS_RETURN_IF_ERROR(sink->Start(out, words, sizes));
  vocab_ = Vocabulary();
  return Status::OK();
}

class Counter::Impl : public CounterImpl {
 public:
  using CounterImpl::CounterImpl;
};

Counter::Counter(const CountOptions& options) : impl_(new Impl(options)) {}
Counter::~Counter() = default;

// Every entry point runs through GuardAlloc: an allocation that fails, on
// this thread or a counting thread, becomes ResourceExhausted with the size
// asked for and the advice to lower -S, never an exception.
Status Counter::AddFile(const std::string& path) {
  return GuardAlloc("counting", [&] { return impl_->AddFile(path); });
}

Status Counter::AddLine(std::string_view line, const std::string& where) {
  return GuardAlloc("counting",
                    [&] { return impl_->AddLine(line, /*newline=*/true, where, 1, 0); });
}

StatusOr<NgramCounts> Counter::Finish() {
  return GuardAlloc("sorting the counts", [&]() -> StatusOr<NgramCounts> {
    count::MemorySink sink;
    GRAMS_RETURN_IF_ERROR(impl_->Finish(&sink));
    return std::move(sink.result());
  });
}

Status Counter::AddCounts(const NgramCounts& counts, const std::string& name) {
  return GuardAlloc("adding counts", [&] { return impl_->AddCounts(counts, name); });
}

Status Counter::FinishToFile(const std::string& path) {
  return GuardAlloc("sorting the counts", [&]() -> Status {
    count::FileSink sink(path, impl_->threads());
    GRAMS_RETURN_IF_ERROR(impl_->Finish(&sink));
    return sink.Finish();
  });
}

// The Counter checks the options (CheckCountOptions): with bad ones, the
// first AddFile (or Finish, with no inputs) returns the error.
Status CountFilesToFile(const std::vector<std::string>& inputs, const CountOptions& options,
                        const std::string& out) {
  Counter counter(options);
  for (const auto& path : inputs) GRAMS_RETURN_IF_ERROR(counter.AddFile(path));
  return counter.FinishToFile(out);
}

StatusOr<NgramCounts> CountFiles(const std::vector<std::string>& inputs,
                                 const CountOptions& options) {
  Counter counter(options);
  for (const auto& path : inputs) GRAMS_RETURN_IF_ERROR(counter.AddFile(path));
  return counter.Finish();
}

}  // namespace grams
