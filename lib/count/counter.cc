// Counter: text -> tokens -> vocabulary ids -> n-gram counts of orders
// 1..N, in memory or, under a memory budget, spilling to disk; and the
// entry points around it (CountFiles, MergeCountFiles).
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
// This file holds the Counter itself: tokenizing lines into batches, the
// unigram counts, adding counts files, the memory accounting that decides
// when to spill, and Finish(), which numbers the vocabulary canonically and
// hands the sorted orders to a sink.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <numeric>
#include <thread>

#include "count/batch_counter.h"
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
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "io/temp_file.h"
#include "io/utf16_input.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"
#include "vocab/canonical_order.h"

namespace grams {
namespace {

using count::Batch;
using count::BucketTables;
using count::CountEntry;
using count::CountsSink;
using count::kBuckets;
using count::kMinReserveBytes;
using count::OrderTable;

// Tokens per batch: large batches keep the threads busy longer between
// hand-overs, small ones keep the buffers (about 40 bytes per token) small;
// a file gets a 48th of its size in bytes (an eighth of its words or
// so), within these bounds.
constexpr size_t kMinBatchTokens = 1 << 16;
constexpr size_t kMaxBatchTokens = 1 << 19;
// What an n-gram added to the tables may take: its entry, its hash slots
// (below 70% full, doubling) and the streaming merge's 6 bytes per n-gram
// of the file being added.
constexpr uint64_t kTableBytesPerEntry = 12 + 12 + 6;

// The memory of a vocabulary, with its hash table and the ids and counts
// kept per word (an estimate for the budget).
uint64_t VocabularyBytes(const Vocabulary& v) { return v.arena_bytes() * 2 + v.size() * 48; }

// "FILE:LINE: byte offset N: ", where an error in a line of text is.
std::string Where(const std::string& file, uint64_t line_no, uint64_t offset) {
  return file + ":" + std::to_string(line_no) + ": byte offset " + std::to_string(offset) + ": ";
}

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

// Counting threads: 0 means one per core; at most 64.
int CountingThreads(const CountOptions& options) {
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::min(threads, 64);
}

// Sums and products of counts that need more than 64 bits.
__extension__ typedef unsigned __int128 Wide;

// floor(sqrt(x)), exactly (the slices' cut must not depend on the
// machine's floating point).
uint64_t SqrtFloor(Wide x) {
  uint64_t lo = 0, hi = UINT64_MAX;
  while (lo < hi) {                                             // the largest r with r * r <= x
    const uint64_t mid = lo + (hi - lo) / 2 + ((hi - lo) & 1);  // rounded up, no overflow
    if (static_cast<Wide>(mid) * mid <= x) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace

class CounterImpl {
 public:
  explicit CounterImpl(const CountOptions& options)
      : invalid_(CheckCountOptions(options)),
        options_(Usable(options)),
        threads_(CountingThreads(options)),
        buckets_(kBuckets, BucketTables(options_.order - 1)),
        batches_(options_.order, threads_, &buckets_),
        spills_(options_.temp_dir) {
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
  Status MergeCountsFile(std::unique_ptr<BinaryFileReader> reader, Pass pass);
  // After every file's kUnigrams pass: which first words slice `slice`
  // keeps, and the header info that says so.
  Status PlanSlice(const MergeSlice& slice);
  Status AddOrdersToTables(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                           const std::vector<uint8_t>* keep);
  const std::vector<std::pair<std::string, std::string>>& info() const { return info_; }
  Status Finish(CountsSink* sink);
  int threads() const { return threads_; }

 private:
  Status AppendUnits(std::string_view line, const std::string& where_file, uint64_t line_no,
                     uint64_t line_offset);
  void ReserveFor(const io::InputStream& in);
  Status CheckMergeable(int order, const TokenizerSettings& settings,
                        const std::string& name) const;
  Status ProcessBatch(bool final);

  // Memory accounting and spilling.
  uint64_t TableBytes() const;
  uint64_t VocabBytes() const { return VocabularyBytes(vocab_); }
  uint64_t InMemoryFinishBytes() const;
  Status MaybeSpill();
  Status Spill() { return spills_.Spill(&buckets_, threads_, reserve_); }
  std::vector<uint64_t> OrderSizes() const;

  // Finishing.
  std::vector<WordId> CanonicalOrder() const;
  NgramCounts CanonicalUnigrams(const std::vector<WordId>& by_rank);
  Status StartSink(CountsSink* sink, NgramCounts* out, const std::vector<WordId>& by_rank,
                   const std::vector<uint64_t>& sizes);

  const Status invalid_;  // from CheckCountOptions; every call returns it
  const CountOptions options_;
  const int threads_;
  Vocabulary vocab_;
  std::vector<Count> unigram_counts_;
  // buckets_[b][n-2]: bucket b's table of order n.
  std::vector<BucketTables> buckets_;
  count::BatchCounter batches_;            // after buckets_: destroyed (waited for) first
  Batch batch_;                            // the batch being filled
  size_t batch_tokens_ = kMinBatchTokens;  // a batch is counted once this long
  uint64_t sentences_ = 0, tokens_counted_ = 0;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::string_view> tokens_;
  bool stream_open_ = false;  // boundaries=none: the stream's <s> is out
  bool warned_nul_ = false;   // the one warning about NUL bytes is out
  WordId byte_ids_[256];      // ids of one-byte units
  count::SpillStore spills_;  // phase 1's spills
  uint64_t reserve_ = 0;      // entries reserved per table (address space only)
  // The streaming merge of a slice: the first words kept (by counting id),
  // the header info, and what each file's header said in the first pass
  // (vocabulary size, sentences, tokens), checked in the second.
  std::vector<uint8_t> keep_;
  std::vector<std::pair<std::string, std::string>> info_;
  std::vector<std::array<uint64_t, 3>> first_pass_;
  std::vector<uint64_t> bigram_types_;  // summed over the files, by counting id
  size_t second_pass_files_ = 0;
};

Status CounterImpl::AddLine(std::string_view line, bool newline, const std::string& where_file,
                            uint64_t line_no, uint64_t line_offset) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  if (!tokenizer_) {
    GRAMS_ASSIGN_OR_RETURN(tokenizer_, Tokenizer::Create(options_.tokenizer));
  }
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
    if (id == kBosId || id == kEosId) {
      if (options_.skip_markers) {
        ++skipped;
        continue;
      }
      words.resize(start);
      const bool in_line = tok.data() >= line.data() && tok.data() < line.data() + line.size();
      const uint64_t offset = in_line ? static_cast<uint64_t>(tok.data() - line.data()) : 0;
      return InvalidArgument(Where(where_file, line_no, line_offset + offset) +
                             "the reserved token " + std::string(tok) +
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

namespace {

// The files of grams and KenLM given as text: refused, naming what they are
// (their bytes would be counted as words). Peeks, so pipes work too.
Status RefuseModelFiles(std::unique_ptr<io::InputStream>* in) {
  std::string head;
  GRAMS_RETURN_IF_ERROR(io::PeekHead(in, std::max<size_t>(16, kKenlmMagicPrefix.size()), &head));
  std::string what;
  if (HasBinaryMagic(head)) {
    uint32_t kind = 0;
    if (head.size() >= 16) std::memcpy(&kind, head.data() + 12, sizeof(kind));
    what = kind == static_cast<uint32_t>(FileKind::kCounts)  ? "a grams counts file (grams-count "
                                                               "--merge adds counts files)"
           : kind == static_cast<uint32_t>(FileKind::kModel) ? "a grams model file"
                                                             : "a grams binary file";
  } else if (HasMappedMagic(head)) {
    what = "a mapped grams model";
  } else if (HasKenlmMagic(head)) {
    what = "a KenLM binary model";
  } else {
    return Status::OK();
  }
  return InvalidArgument((*in)->name() + ": is " + what + ", not text to count");
}

}  // namespace

Status CounterImpl::AddFile(const std::string& path) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  GRAMS_RETURN_IF_ERROR(RefuseModelFiles(&in));
  // UTF-16 text with a byte order mark is read as UTF-8 (byte units count
  // the bytes as they are).
  if (options_.tokenizer.unit != Unit::kByte) GRAMS_RETURN_IF_ERROR(io::DecodeUtf16(&in));
  ReserveFor(*in);
  batch_tokens_ = in->size_hint() > 0
                      ? std::clamp<size_t>(static_cast<size_t>(in->size_hint()) / 48,
                                           kMinBatchTokens, kMaxBatchTokens)
                      : kMaxBatchTokens;
  io::LineReader reader(in.get());
  std::string_view line;
  // Progress in bytes of the text, or for compressed input (whose text has
  // no size until it is read) in bytes of the file read.
  const bool by_raw = in->size_hint() <= 0 && in->raw_size_hint() > 0;
  const uint64_t total = in->size_hint() > 0 ? static_cast<uint64_t>(in->size_hint())
                         : by_raw            ? static_cast<uint64_t>(in->raw_size_hint())
                                             : 0;
  Progress progress{"counting " + in->name(), 0, total, "bytes"};
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

Status CounterImpl::CheckMergeable(int order, const TokenizerSettings& settings,
                                   const std::string& name) const {
  if (order != options_.order) {
    return InvalidArgument(name + ": order " + std::to_string(order) +
                           ", but the counts merged so far have order " +
                           std::to_string(options_.order));
  }
  if (!(settings == options_.tokenizer)) {
    const auto a = options_.tokenizer.DisplayKeyValues(), b = settings.DisplayKeyValues();
    for (size_t k = 0; k < a.size(); ++k) {
      if (a[k] != b[k]) {
        return InvalidArgument(name + ": counted with " + b[k].first + "=" + b[k].second +
                               ", but the counts merged so far have " + a[k].first + "=" +
                               a[k].second);
      }
    }
  }
  if (settings.boundaries == Boundaries::kNone) {
    return InvalidArgument(name +
                           ": counts made with --boundaries none cannot be merged (the "
                           "windows that cross from one shard into the next are missing)");
  }
  return Status::OK();
}

// Adds the counts of another run over text tokenized the same way (the
// shards of a corpus): afterwards the result is that of counting all the
// text at once. Each entry's (parent, word) key is incremented by its count
// in the table of its bucket, order by order.
Status CounterImpl::AddCounts(const NgramCounts& c, const std::string& name) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  GRAMS_RETURN_IF_ERROR(CheckMergeable(c.order(), c.settings, name));
  GRAMS_RETURN_IF_ERROR(ProcessBatch(/*final=*/true));
  std::vector<WordId> word_map(c.vocab.size());
  for (WordId id = 0; id < c.vocab.size(); ++id)
    word_map[id] = vocab_.FindOrInsert(c.vocab.Word(id));
  if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
  for (WordId id = 0; id < c.vocab.size(); ++id) unigram_counts_[word_map[id]] += c.counts[0][id];
  bool overflow = false;
  // The file's order n-1 / n entries -> (bucket, index in its table).
  std::vector<uint32_t> prev, cur;
  std::vector<uint8_t> prev_part, cur_part;
  for (int n = 2; n <= c.order(); ++n) {
    const TrieLevel& level = c.trie.levels[n - 1];
    cur.resize(level.size());
    cur_part.resize(level.size());
    for (size_t i = 0; i < level.size(); ++i) {
      const EntryIndex fp = level.parents[i];
      const int part = n == 2 ? count::BucketOf(word_map[fp]) : prev_part[fp];
      const uint32_t parent = n == 2 ? word_map[fp] : prev[fp];
      const uint32_t word = word_map[level.words[i]];
      cur[i] = buckets_[part][n - 2].Increment(parent, word, count::KeyHash(parent, word),
                                               &overflow, c.counts[n - 1][i]);
      cur_part[i] = static_cast<uint8_t>(part);
    }
    prev.swap(cur);
    prev_part.swap(cur_part);
  }
  sentences_ += c.sentences;
  tokens_counted_ += c.tokens;
  if (overflow) {
    return ResourceExhausted(
        "too many counts to merge in memory: an n-gram count or the number "
        "of distinct n-grams of one order exceeds 2^32-1");
  }
  return MaybeSpill();
}

namespace {

// The info entry `key` of a header, or null.
const std::string* InfoOf(const FileHeader& header, std::string_view key) {
  for (const auto& [k, v] : header.info)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace

// Reads a counts file as a stream: header, vocabulary and order 1 into the
// counting vocabulary and unigram counts, then (count/shard_spill.h) its
// n-grams into a spill of their own.
Status CounterImpl::MergeCountsFile(std::unique_ptr<BinaryFileReader> reader, Pass pass) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  if (const std::string* slice = InfoOf(header, "slice")) {
    return InvalidArgument(name + ": is slice " + *slice +
                           " of a partitioned merge, not counts to merge (grams-count --join "
                           "joins the slices)");
  }
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(name);
  GRAMS_RETURN_IF_ERROR(CheckMergeable(static_cast<int>(header.order), *settings, name));
  const std::array<uint64_t, 3> totals = {header.vocab_size, header.sentences, header.tokens};
  if (pass == Pass::kNgrams) {
    const size_t i = second_pass_files_++;
    if (i >= first_pass_.size() || first_pass_[i] != totals) {
      return InvalidArgument(name +
                             ": changed between the two readings of a partitioned merge (its "
                             "vocabulary size or totals differ)");
    }
  }
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kVocab, 0), &raw));
  std::vector<WordId> word_map;
  {
    Vocabulary words;
    GRAMS_RETURN_IF_ERROR(DecodeVocab(name, header, raw, &words));
    word_map.resize(words.size());
    for (WordId id = 0; id < words.size(); ++id) {
      word_map[id] =
          pass == Pass::kNgrams ? vocab_.Find(words.Word(id)) : vocab_.FindOrInsert(words.Word(id));
      if (word_map[id] == Vocabulary::kNotFound) {
        return InvalidArgument(name + ": changed between the two readings of a partitioned merge");
      }
    }
  }
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kCounts, 1), &raw));
  if (pass != Pass::kNgrams) {
    if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
    GRAMS_RETURN_IF_ERROR(VisitCounts(name, 1, raw, word_map.size(), [&](uint64_t i, Count c) {
      unigram_counts_[word_map[i]] += c;
    }));
    sentences_ += header.sentences;
    tokens_counted_ += header.tokens;
  }
  if (pass == Pass::kUnigrams) {
    first_pass_.push_back(totals);
    // The bigram types of each first word, to cut the slices by (PlanSlice).
    if (header.order >= 2) {
      GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kChildCounts, 2), &raw));
      if (bigram_types_.size() < vocab_.size()) bigram_types_.resize(vocab_.size(), 0);
      VarintCursor in(raw);
      for (WordId id = 0; id < word_map.size(); ++id) {
        uint64_t c;
        if (!in.Next(&c)) {
          return CorruptionError(name +
                                 ": order 2 has a malformed structure (the file is "
                                 "corrupted)");
        }
        bigram_types_[word_map[id]] += c;
      }
    }
    return Status::OK();
  }
  std::string().swap(raw);
  const std::vector<uint8_t>* keep = pass == Pass::kNgrams ? &keep_ : nullptr;
  // A file small beside the budget is added to the tables, where the
  // n-grams it shares with the files before it take no more room (many
  // small shards then make a few spills of the tables); a larger one goes
  // to a spill of its own straight away, a piece at a time.
  uint64_t entries = 0;
  for (size_t n = 1; n < header.ngram_counts.size(); ++n) entries += header.ngram_counts[n];
  const uint64_t table_bytes = entries * kTableBytesPerEntry;
  if (options_.memory == 0 || table_bytes <= options_.memory / 4) {
    if (options_.memory > 0 && TableBytes() + VocabBytes() + table_bytes > options_.memory) {
      GRAMS_RETURN_IF_ERROR(Spill());
    }
    GRAMS_RETURN_IF_ERROR(AddOrdersToTables(reader.get(), word_map, keep));
  } else {
    // Pieces of a sixteenth of the budget, within [1 MB, 64 MB].
    const uint64_t piece_bytes =
        std::clamp<uint64_t>(options_.memory / 16, uint64_t{1} << 20, uint64_t{64} << 20);
    GRAMS_RETURN_IF_ERROR(
        count::SpillCountsFile(reader.get(), word_map, keep, piece_bytes, &spills_));
  }
  return reader->Finish();
}

// Adds orders 2..N of a counts file read as a stream to the tables (as
// AddCounts does from one in memory), the n-grams of the first words in
// `keep` only when it is given.
Status CounterImpl::AddOrdersToTables(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                                      const std::vector<uint8_t>* keep) {
  constexpr uint16_t kSkipped = 0xFFFF;
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  bool overflow = false;
  // The file's order n-1 / n entries -> (bucket or kSkipped, index in its table).
  std::vector<uint32_t> prev, cur;
  std::vector<uint16_t> prev_part, cur_part;
  std::string child_counts, words, counts;
  for (int n = 2; n <= static_cast<int>(header.order); ++n) {
    const uint32_t un = static_cast<uint32_t>(n);
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kChildCounts, un), &child_counts));
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kWords, un), &words));
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kCounts, un), &counts));
    GRAMS_RETURN_IF_ERROR(CheckTrieClaims(name, header, n, child_counts, words));
    cur.resize(header.ngram_counts[n - 1]);
    cur_part.resize(header.ngram_counts[n - 1]);
    VarintCursor in_counts(counts);
    bool malformed = false, zero = false;
    GRAMS_RETURN_IF_ERROR(VisitTrieLevel(
        name, header, n, child_counts, words, [&](EntryIndex k, EntryIndex fp, WordId fw) {
          uint64_t c = 1;
          if (!in_counts.Next(&c)) malformed = true;
          zero = zero || c == 0;
          int part;
          uint32_t parent;
          if (n == 2) {
            parent = word_map[fp];
            if (keep != nullptr && !(*keep)[parent]) {
              cur_part[k] = kSkipped;
              return;
            }
            part = count::BucketOf(parent);
          } else {
            if (prev_part[fp] == kSkipped) {
              cur_part[k] = kSkipped;
              return;
            }
            part = prev_part[fp];
            parent = prev[fp];
          }
          const uint32_t word = word_map[fw];
          cur[k] = buckets_[part][n - 2].Increment(parent, word, count::KeyHash(parent, word),
                                                   &overflow, c);
          cur_part[k] = static_cast<uint16_t>(part);
        }));
    if (malformed || !in_counts.at_end()) return MalformedCounts(name, n);
    if (zero) return ZeroCount(name, n);
    prev.swap(cur);
    prev_part.swap(cur_part);
  }
  if (overflow) {
    return ResourceExhausted(
        "too many counts to merge in memory: an n-gram count or the number "
        "of distinct n-grams of one order exceeds 2^32-1");
  }
  return Status::OK();
}

// Slice i of K: the canonical words r whose weights before them (C(r), of
// total T) give floor(C(r) * K / T) = i - 1. A word's weight estimates the
// n-grams it starts: the geometric mean of its count (which overstates
// them for frequent words, whose n-grams repeat) and its bigram types
// summed over the files (which understates them at the higher orders):
// on scale.txt at order 5 (64 shards) the four slices then hold 4.27M to
// 4.72M n-grams, against 2.0M to 6.6M when cut by counts alone. The
// cut depends on the merged counts only, so every
// reducer cuts at the same words; the slices are ranges of the canonical
// order, as the join needs.
Status CounterImpl::PlanSlice(const MergeSlice& slice) {
  const std::vector<WordId> by_rank = CanonicalOrder();
  bigram_types_.resize(vocab_.size(), 0);
  std::vector<uint64_t> weight(by_rank.size());
  Wide total = 0;
  for (WordId r = 0; r < by_rank.size(); ++r) {
    const WordId w = by_rank[r];
    weight[r] = SqrtFloor(static_cast<Wide>(unigram_counts_[w]) * bigram_types_[w]);
    total += weight[r];
  }
  std::vector<uint64_t>().swap(bigram_types_);
  const uint64_t K = static_cast<uint64_t>(slice.count);
  keep_.assign(by_rank.size(), 0);
  Wide before = 0;
  const uint64_t mine = static_cast<uint64_t>(slice.index - 1);
  uint64_t lo = 0, hi = 0;  // the ranks in slices before this one, and up to its end
  for (WordId r = 0; r < by_rank.size(); ++r) {
    const uint64_t part =
        total == 0 ? 0 : std::min<uint64_t>(K - 1, static_cast<uint64_t>(before * K / total));
    if (part == mine) keep_[by_rank[r]] = 1;
    lo += part < mine;
    hi += part <= mine;
    before += weight[r];
  }
  info_ = {{"slice", std::to_string(slice.index) + "/" + std::to_string(slice.count)},
           {"slice_words", std::to_string(lo) + " " + std::to_string(hi)}};
  return Status::OK();
}

// Counts the batch's unigrams here and its other orders on the threads
// (count/batch_counter.h): in the background, unless `final`, while the
// caller tokenizes the next batch. A stream's last N-1 positions are
// carried into the next batch (unless `final`). The tables are only touched
// by the background work or, between batches, by the caller (spilling,
// merging), never by both at once.
Status CounterImpl::ProcessBatch(bool final) {
  GRAMS_RETURN_IF_ERROR(batches_.Wait());
  GRAMS_RETURN_IF_ERROR(MaybeSpill());
  const size_t n_tokens = batch_.size();
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
  uint64_t entries = 0, peak = 0;
  for (uint64_t m : sizes) entries += m;
  entries -= sizes[0];
  for (int n = 2; n <= options_.order; ++n) {
    peak = std::max(peak, entries * sizeof(CountEntry) + sizes[n - 1] * count::kSortBytesPerEntry +
                              sizes[n - 2] * 4);
    entries -= sizes[n - 1];
  }
  return peak + VocabBytes() + vocab_.size() * 12;
}

Status CounterImpl::MaybeSpill() {
  if (options_.memory == 0 || options_.order < 2) return Status::OK();
  if (TableBytes() + VocabBytes() <= options_.memory) return Status::OK();
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

  const std::vector<WordId> by_rank = CanonicalOrder();
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
  GRAMS_RETURN_IF_ERROR(StartSink(sink, &out, by_rank, sizes));
  std::vector<BucketTables*> parts;
  for (auto& tables : buckets_) parts.push_back(&tables);
  return count::SortTables(parts, options_.order, word_map, threads_, options_.progress,
                           [&](int n, TrieLevel* level, std::vector<Count>* counts) {
                             return sink->Order(n, level, counts);
                           });
}

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

namespace {

// A counts file to merge, which may itself be compressed (gzip, bzip2, xz,
// zstd: a counts file kept as FILE.counts.zst, or sent through a pipe).
StatusOr<std::unique_ptr<BinaryFileReader>> OpenCountsStream(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  return BinaryFileReader::Open(std::move(in), FileKind::kCounts);
}

// The streaming merge (CounterImpl::MergeCountsFile) of `paths`, of the
// whole or of a slice, then `finish` of the counter. The counter takes its
// order and tokenization from the first file's header (read once: it may
// be standard input). Without a budget (options.memory = 0) every file
// goes to the tables and the counts are sorted in memory.
Status StreamMerge(const std::vector<std::string>& paths, const CountOptions& base,
                   const MergeSlice& slice, const std::function<Status(CounterImpl*)>& finish) {
  if (paths.empty()) return InvalidArgument("no counts files to merge");
  const bool sliced = slice.count > 0;
  if (sliced && (slice.index < 1 || slice.index > slice.count)) {
    return InvalidArgument("slice " + std::to_string(slice.index) + " of " +
                           std::to_string(slice.count) + " does not exist");
  }
  size_t stdin_uses = 0;
  for (const auto& path : paths) stdin_uses += path == "-";
  if (stdin_uses > 1) return InvalidArgument("standard input ('-') given more than once");
  if (sliced && stdin_uses > 0) {
    return InvalidArgument(
        "a partitioned merge reads each counts file twice: standard input cannot be one");
  }
  GRAMS_ASSIGN_OR_RETURN(auto first, OpenCountsStream(paths[0]));
  auto settings = TokenizerSettings::FromKeyValues(first->header().settings);
  if (!settings.ok()) return settings.status().WithContext(first->name());
  CountOptions options = base;
  options.order = std::clamp<int>(static_cast<int>(first->header().order), 1, kMaxOrder);
  options.tokenizer = *settings;
  CounterImpl counter(options);
  // Progress: files read, over both passes of a slice.
  const uint64_t total = paths.size() * (sliced ? 2 : 1);
  uint64_t done = 0;
  auto read = [&](std::unique_ptr<BinaryFileReader> reader, CounterImpl::Pass pass) -> Status {
    if (options.progress) options.progress(Progress{"merging counts files", done, total, "files"});
    GRAMS_RETURN_IF_ERROR(counter.MergeCountsFile(std::move(reader), pass));
    ++done;
    return Status::OK();
  };
  const auto pass1 = sliced ? CounterImpl::Pass::kUnigrams : CounterImpl::Pass::kWhole;
  GRAMS_RETURN_IF_ERROR(read(std::move(first), pass1));
  for (size_t i = 1; i < paths.size(); ++i) {
    GRAMS_ASSIGN_OR_RETURN(auto reader, OpenCountsStream(paths[i]));
    GRAMS_RETURN_IF_ERROR(read(std::move(reader), pass1));
  }
  if (sliced) {
    GRAMS_RETURN_IF_ERROR(counter.PlanSlice(slice));
    for (const auto& path : paths) {
      GRAMS_ASSIGN_OR_RETURN(auto reader, OpenCountsStream(path));
      GRAMS_RETURN_IF_ERROR(read(std::move(reader), CounterImpl::Pass::kNgrams));
    }
  }
  if (options.progress) options.progress(Progress{"merging counts files", done, total, "files"});
  return finish(&counter);
}

}  // namespace

StatusOr<NgramCounts> MergeCountFiles(const std::vector<std::string>& paths,
                                      const CountOptions& options) {
  return GuardAlloc("merging counts files", [&]() -> StatusOr<NgramCounts> {
    count::MemorySink sink;
    GRAMS_RETURN_IF_ERROR(StreamMerge(paths, options, MergeSlice{}, [&](CounterImpl* counter) {
      return counter->Finish(&sink);
    }));
    return std::move(sink.result());
  });
}

Status MergeCountFilesToFile(const std::vector<std::string>& paths, const std::string& out,
                             const CountOptions& options) {
  return MergeCountFilesToFile(paths, out, options, MergeSlice{});
}

Status MergeCountFilesToFile(const std::vector<std::string>& paths, const std::string& out,
                             const CountOptions& options, const MergeSlice& slice) {
  return GuardAlloc("merging counts files", [&] {
    return StreamMerge(paths, options, slice, [&](CounterImpl* counter) {
      count::FileSink sink(out, counter->threads());
      sink.set_info(counter->info());
      GRAMS_RETURN_IF_ERROR(counter->Finish(&sink));
      return sink.Finish();
    });
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
