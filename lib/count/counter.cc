// Counting n-grams of orders 1..N, in memory or, under a memory budget,
// spilling to disk.
//
// An n-gram of order n >= 2 is identified by (index of its first n-1 words
// among the order n-1 entries, last word), so every order is a hash table of
// fixed 8-byte keys whatever N is. The n-grams are split into kBuckets
// buckets by their first word, each with its own tables; a counting thread
// owns every T-th bucket. Text is processed in batches of about 64K tokens,
// one order at a time, so the hash probes of a batch are independent and can
// be prefetched ahead. Finish() renumbers the vocabulary canonically and
// sorts each order by (parent, word), packing (parent, word, index) into one
// 64-bit word where it fits.
//
// With a budget (CountOptions::memory), when the tables outgrow it they are
// spilled: each bucket's entries, as they are, to one zstd frame of a
// temporary file (phase 1). Finish() then loads a group of buckets at a time
// from every spill, adds them up and sorts them canonically (phase 2: a
// "group run", in blocks by first word), and merges the group runs order by
// order into the counts file (phase 3). An order's canonical order is by
// first word, then the rest, and the groups hold disjoint first words, so the
// merge takes whole blocks in first-word order: no comparisons at all.
#include <algorithm>
#include <cstring>
#include <future>
#include <mutex>
#include <numeric>
#include <thread>

#include "grams/counts.h"
#include "format/count_file.h"
#include "format/trie_codec.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "io/temp_file.h"
#include "tokenize/tokenizer.h"
#include "util/coding.h"
#include "util/prefetch.h"
#include "util/radix_sort.h"
#include "util/threads.h"
#include "io/zstd_frame.h"

namespace grams {
namespace {

// Tokens per batch: large batches keep the threads busy longer between
// hand-overs, small ones keep the buffers (about 40 bytes per token) small;
// a file gets a 48th of its size in bytes (an eighth of its words or
// so), within these bounds.
constexpr size_t kMinBatchTokens = 1 << 16;
constexpr size_t kMaxBatchTokens = 1 << 19;
constexpr size_t kPrefetchDistance = 16;
// Buckets of n-grams by first word. Fixed, so nothing depends on the thread
// count; many, so one bucket is a small part of the whole.
constexpr int kBuckets = 256;
// Bytes per n-gram of the in-memory sort of one order (keys, counts, the
// permutations, the sorted level and its counts), on top of the tables.
constexpr uint64_t kSortBytesPerEntry = 36;
// Bytes per n-gram (upper bound over the spills) of loading and sorting a
// group of buckets in phase 2: tables at their fullest plus the sort.
constexpr uint64_t kGroupBytesPerEntry = 12 + 12 + kSortBytesPerEntry;
constexpr int kSpillZstdLevel = 1;
// Smallest table reservation worth making (above glibc's mmap threshold as
// the tools set it, cli::ReturnFreedMemoryEagerly).
constexpr uint64_t kMinReserveBytes = 256u << 10;

// The memory of a vocabulary, with its hash table and the ids and counts
// kept per word (an estimate for the budget).
uint64_t VocabularyBytes(const Vocabulary& v) { return v.arena_bytes() * 2 + v.size() * 48; }

inline int BucketOf(uint32_t w) {
  return static_cast<int>((static_cast<uint64_t>(w) * 0x9E3779B97F4A7C15ULL) >> 56);
}

struct CountEntry {
  uint32_t parent;
  uint32_t word;
  uint32_t count;
};

// 32 bits: a table of one bucket and order never has 2^32 slots, and the
// batch keeps one hash per window.
inline uint32_t KeyHash(uint32_t parent, uint32_t word) {
  uint64_t k = (static_cast<uint64_t>(parent) << 32) | word;
  k *= 0x9E3779B97F4A7C15ULL;
  return static_cast<uint32_t>(k >> 32);
}

// Hash table from (parent, word) to a stable entry index, for one order.
// Aligned to a cache line: neighbouring tables may belong to buckets counted
// on different threads, and each insert writes the table's own fields.
class alignas(64) OrderTable {
 public:
  OrderTable() { Resize(1 << 8); }

  size_t size() const { return entries_.size(); }
  // Memory in use. Untouched reserved capacity costs none when it was
  // mapped fresh (large reservations, see kMinReserveBytes); small vectors
  // come from the heap, where all of their capacity may be resident.
  uint64_t bytes() const {
    const uint64_t cap = entries_.capacity() * sizeof(CountEntry);
    const uint64_t entries = cap < kMinReserveBytes ? cap : entries_.size() * sizeof(CountEntry);
    return entries + slots_.size() * sizeof(uint32_t);
  }
  std::vector<CountEntry>& entries() { return entries_; }

  void Prefetch(uint32_t hash) const { ::grams::Prefetch(&slots_[hash & mask_]); }
  // Second stage: the slot is in cache by now; fetch the entry it points to.
  void PrefetchEntry(uint32_t hash) const {
    uint32_t s = slots_[hash & mask_];
    if (s != 0) ::grams::Prefetch(&entries_[s - 1]);
  }

  // Distinct n-grams one order can hold (indices are 32-bit, 0 = empty slot).
  static constexpr size_t kMaxEntries = UINT32_MAX - 1;

  // Adds one occurrence; returns the entry index. Sets *overflow on a count
  // that would exceed 2^32-1 or more distinct n-grams than kMaxEntries.
  uint32_t Increment(uint32_t parent, uint32_t word, uint32_t hash, bool* overflow,
                     uint64_t by = 1) {
    for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
      uint32_t s = slots_[i];
      if (s == 0) {
        if (entries_.size() >= kMaxEntries || by > UINT32_MAX) {
          *overflow = true;
          return entries_.empty() ? 0 : static_cast<uint32_t>(entries_.size() - 1);
        }
        uint32_t index = static_cast<uint32_t>(entries_.size());
        entries_.push_back({parent, word, static_cast<uint32_t>(by)});
        slots_[i] = index + 1;
        if (entries_.size() * 10 > (mask_ + 1) * 7) Resize((mask_ + 1) * 2);
        return index;
      }
      CountEntry& e = entries_[s - 1];
      if (e.parent == parent && e.word == word) {
        const uint64_t sum = e.count + by;
        if (sum > UINT32_MAX) {
          e.count = UINT32_MAX;
          *overflow = true;
        } else {
          e.count = static_cast<uint32_t>(sum);
        }
        return s - 1;
      }
    }
  }

  // Reserves room for n entries. Untouched capacity costs address space, not
  // memory, and saves the copy (and its memory peak) of growing.
  void Reserve(size_t n) {
    if (entries_.empty() && n > entries_.capacity()) entries_.reserve(n);
  }

  void Release() {
    std::vector<uint32_t>().swap(slots_);
    std::vector<CountEntry>().swap(entries_);
  }
  void ReleaseSlots() { std::vector<uint32_t>().swap(slots_); }

 private:
  void Resize(uint64_t new_size) {
    std::vector<uint32_t> slots(new_size, 0);
    uint64_t mask = new_size - 1;
    for (uint32_t idx = 0; idx < entries_.size(); ++idx) {
      const CountEntry& e = entries_[idx];
      uint64_t i = KeyHash(e.parent, e.word) & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = idx + 1;
    }
    slots_.swap(slots);
    mask_ = mask;
  }

  std::vector<uint32_t> slots_;
  std::vector<CountEntry> entries_;
  uint64_t mask_ = 0;
};

using BucketTables = std::vector<OrderTable>;  // [n-2]: the bucket's table of order n


// Sorts the n-grams of `parts` (each a bucket's tables) canonically, one
// order at a time: `word_map` takes counting ids to canonical ids. Calls
// emit(n, level, counts) with each sorted order n >= 2, whose parents are
// indices into the previous sorted order (for n = 2: canonical word ids).
// Releases each order's tables once read. `threads` threads share the work.
using EmitOrder = std::function<Status(int n, TrieLevel* level, std::vector<Count>* counts)>;

Status SortTables(const std::vector<BucketTables*>& parts, int order, const std::vector<WordId>& word_map,
                  int threads, const ProgressCallback& progress, const EmitOrder& emit) {
  const int P = static_cast<int>(parts.size());
  const size_t V = word_map.size();
  threads = std::max(1, std::min(threads, P));
  // perm[global index] = sorted index, for the order below the one being
  // sorted; an entry's global index is its bucket's offset plus its index
  // there. For order 2 the parents are words.
  std::vector<uint32_t> perm;
  std::vector<size_t> lower_offset(P, 0);
  size_t lower_size = V;
  for (auto* tables : parts)
    for (auto& table : *tables) table.ReleaseSlots();
  for (int n = 2; n <= order; ++n) {
    if (progress) {
      progress(Progress{"sorting", static_cast<uint64_t>(n - 2), static_cast<uint64_t>(order - 1), "orders"});
    }
    std::vector<size_t> offset(P + 1, 0);
    for (int p = 0; p < P; ++p) offset[p + 1] = offset[p] + (*parts[p])[n - 2].size();
    const size_t m = offset[P];
    if (m > OrderTable::kMaxEntries) {
      return ResourceExhausted("too many distinct n-grams of order " + std::to_string(n) +
                               " for one in-memory count");
    }
    const int pbits = BitsFor(lower_size), wbits = BitsFor(V), ibits = BitsFor(m);
    const bool packed = pbits + wbits + ibits <= 64;
    std::vector<uint64_t> keys;
    std::vector<KeyValue> wide_keys;
    (packed ? keys.resize(m) : wide_keys.resize(m));
    std::vector<uint32_t> counts32(m);
    RunOnThreads(threads, [&](int t) {
      for (int p = t; p < P; p += threads) {
        std::vector<CountEntry>& entries = (*parts[p])[n - 2].entries();
        for (size_t idx = 0; idx < entries.size(); ++idx) {
          const CountEntry& e = entries[idx];
          const uint64_t g = offset[p] + idx;
          const uint64_t parent = n == 2 ? word_map[e.parent] : perm[lower_offset[p] + e.parent];
          if (packed) {
            keys[g] = ((parent << wbits | word_map[e.word]) << ibits) | g;
          } else {
            wide_keys[g] = {parent << 32 | word_map[e.word], static_cast<uint32_t>(g)};
          }
          counts32[g] = e.count;
        }
        (*parts[p])[n - 2].Release();
      }
    });
    std::vector<uint32_t>().swap(perm);
    TrieLevel level;
    level.words.resize(m);
    level.parents.resize(m);
    std::vector<Count> counts(m);
    std::vector<uint32_t> next_perm(m);
    if (packed) {
      SortInPlace64(&keys, threads);
      const uint64_t wmask = (uint64_t{1} << wbits) - 1, imask = (uint64_t{1} << ibits) - 1;
      // Each thread takes a slice of the sorted keys; the g they write to
      // are distinct.
      RunOnThreads(threads, [&](int t) {
        const size_t from = m * t / threads, to = m * (t + 1) / threads;
        for (size_t k = from; k < to; ++k) {
          const uint64_t v = keys[k];
          const uint32_t g = static_cast<uint32_t>(v & imask);
          level.words[k] = static_cast<WordId>((v >> ibits) & wmask);
          level.parents[k] = static_cast<EntryIndex>(v >> (ibits + wbits));
          counts[k] = counts32[g];
          next_perm[g] = static_cast<uint32_t>(k);
        }
      });
    } else {
      // (parent, word) does not leave room for the index: sort pairs.
      RadixSortByKey(&wide_keys, threads);
      RunOnThreads(threads, [&](int t) {
        const size_t from = m * t / threads, to = m * (t + 1) / threads;
        for (size_t k = from; k < to; ++k) {
          const uint32_t g = wide_keys[k].value;
          level.words[k] = static_cast<WordId>(wide_keys[k].key & 0xffffffffu);
          level.parents[k] = static_cast<EntryIndex>(wide_keys[k].key >> 32);
          counts[k] = counts32[g];
          next_perm[g] = static_cast<uint32_t>(k);
        }
      });
    }
    std::vector<uint64_t>().swap(keys);
    std::vector<KeyValue>().swap(wide_keys);
    std::vector<uint32_t>().swap(counts32);
    perm.swap(next_perm);
    for (int p = 0; p < P; ++p) lower_offset[p] = offset[p];
    lower_size = m;
    GRAMS_RETURN_IF_ERROR(emit(n, &level, &counts));
  }
  return Status::OK();
}

// Where the finished counts go: a counts file, or an NgramCounts in memory.
class CountsSink {
 public:
  virtual ~CountsSink() = default;
  // First, once the size of every order is known: `out` holds the settings,
  // totals and unigram counts (which the sink may take), `words` the
  // vocabulary in canonical order.
  virtual Status Start(NgramCounts* out, const std::vector<std::string_view>& words,
                       const std::vector<uint64_t>& sizes) = 0;
  // Then orders 2, 3, ... in turn, either as arrays or already encoded as
  // the counts file's sections.
  virtual Status Order(int n, TrieLevel* level, std::vector<Count>* counts) = 0;
  virtual Status OrderEncoded(int n, std::string child_counts, std::string words,
                              std::string counts) = 0;
};

class FileSink : public CountsSink {
 public:
  FileSink(const std::string& path, int threads) : path_(path), threads_(threads) {}
  Status Start(NgramCounts* out, const std::vector<std::string_view>& words,
               const std::vector<uint64_t>& sizes) override {
    sizes_ = sizes;
    GRAMS_ASSIGN_OR_RETURN(writer_, CountsFileWriter::Open(path_, out->settings, sizes,
                                                           out->sentences, out->tokens));
    writer_->AddUnigrams(words, out->counts[0]);
    std::vector<Count>().swap(out->counts[0]);
    return Status::OK();
  }
  Status Order(int n, TrieLevel* level, std::vector<Count>* counts) override {
    writer_->AddOrder(sizes_[n - 2], *level, *counts, threads_);
    *level = TrieLevel();
    std::vector<Count>().swap(*counts);
    return Status::OK();
  }
  Status OrderEncoded(int, std::string child_counts, std::string words, std::string counts) override {
    writer_->AddOrderEncoded(std::move(child_counts), std::move(words), std::move(counts));
    return Status::OK();
  }
  Status Finish() {
    if (!writer_) return InternalError("counts writer never opened");
    return writer_->Finish();
  }

 private:
  std::string path_;
  int threads_;
  std::vector<uint64_t> sizes_;
  std::unique_ptr<CountsFileWriter> writer_;
};

class MemorySink : public CountsSink {
 public:
  Status Start(NgramCounts* out, const std::vector<std::string_view>& words,
               const std::vector<uint64_t>& sizes) override {
    if (!Vocabulary::FromWords(words, &out->vocab)) return InternalError("vocabulary remap failed");
    header_.vocab_size = sizes[0];
    header_.ngram_counts = sizes;
    result_ = std::move(*out);
    return Status::OK();
  }
  Status Order(int n, TrieLevel* level, std::vector<Count>* counts) override {
    result_.trie.levels[n - 1] = std::move(*level);
    result_.counts[n - 1] = std::move(*counts);
    return Status::OK();
  }
  Status OrderEncoded(int n, std::string child_counts, std::string words, std::string counts) override {
    GRAMS_RETURN_IF_ERROR(DecodeTrieLevel("merged counts", header_, n, child_counts, words, &result_.trie));
    if (!DecodeVarints(counts, header_.ngram_counts[n - 1], &result_.counts[n - 1]))
      return InternalError("merged counts of order " + std::to_string(n) + " do not decode");
    return Status::OK();
  }
  NgramCounts& result() { return result_; }

 private:
  FileHeader header_;
  NgramCounts result_;
};

}  // namespace

class Counter::Impl {
 public:
  explicit Impl(const CountOptions& options) : options_(options) {
    if (options.order < 1 || options.order > kMaxOrder) {
      invalid_ = InvalidArgument("order must be between 1 and " + std::to_string(kMaxOrder) +
                                 ", not " + std::to_string(options.order));
      options_.order = 1;
    }
    int threads = options_.threads > 0 ? options_.threads
                                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads_ = std::min(threads, 64);
    buckets_.assign(kBuckets, BucketTables(options_.order > 1 ? options_.order - 1 : 0));
    scratch_.resize(threads_);
    unigram_counts_.assign(kNumReservedWords, 0);
    std::fill(std::begin(byte_ids_), std::end(byte_ids_), Vocabulary::kNotFound);
  }

  Status AddLine(std::string_view line, bool newline, const std::string& where_file,
                 uint64_t line_no, uint64_t line_offset) {
    GRAMS_RETURN_IF_ERROR(invalid_);
    auto where = [&](size_t offset_in_line) {
      return where_file + ":" + std::to_string(line_no) + ": byte offset " +
             std::to_string(line_offset + offset_in_line) + ": ";
    };
    if (!tokenizer_) {
      GRAMS_ASSIGN_OR_RETURN(tokenizer_, Tokenizer::Create(options_.tokenizer));
    }
    Status s = tokenizer_->Tokenize(line, newline, &tokens_);
    if (!s.ok()) {
      if (s.code() != StatusCode::kInvalidArgument) return s;
      return InvalidArgument(where(tokenizer_->bad_offset()) +
                             "invalid UTF-8 (use --invalid replace or --invalid skip to accept it)");
    }
    const bool stream = options_.tokenizer.boundaries == Boundaries::kNone;
    const size_t start = batch_.size();
    if (!stream || !stream_open_) {
      batch_.push_back(kBosId);
      stream_open_ = stream;
    }
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
        batch_.resize(start);
        const bool in_line = tok.data() >= line.data() && tok.data() < line.data() + line.size();
        return InvalidArgument(where(in_line ? tok.data() - line.data() : 0) + "the reserved token " +
                               std::string(tok) + " appears in the text");
      }
      batch_.push_back(id);
    }
    if (stream) {
      limits_.resize(batch_.size(), kOpen);
      tokens_counted_ += tokens_.size();
      sentences_ = 1;
    } else {
      batch_.push_back(kEosId);
      const size_t end = batch_.size();
      limits_.resize(end, static_cast<uint32_t>(end));
      ++sentences_;
      tokens_counted_ += end - start - 1;
    }
    if (batch_.size() >= batch_tokens_) return ProcessBatch(/*final=*/false);
    return Status::OK();
  }

  Status AddFile(const std::string& path) {
    GRAMS_RETURN_IF_ERROR(invalid_);
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
    if (in->size_hint() > 0) {
      // No order has more distinct n-grams than the text has units, and a
      // unit takes at least one byte; under a budget, no table holds more
      // than the budget's worth.
      uint64_t most = static_cast<uint64_t>(in->size_hint()) / kBuckets * 2 + 1024;
      if (options_.memory > 0) most = std::min<uint64_t>(most, options_.memory / sizeof(CountEntry) / kBuckets * 2);
      // Only reservations big enough to be mapped fresh by malloc are free
      // until touched; smaller ones could reuse resident heap memory.
      if (most * sizeof(CountEntry) < kMinReserveBytes) most = 0;
      reserve_ = std::max<uint64_t>(reserve_, most);
      for (auto& tables : buckets_)
        for (auto& table : tables) table.Reserve(reserve_);
    }
    batch_tokens_ = in->size_hint() > 0
                        ? std::clamp<size_t>(static_cast<size_t>(in->size_hint()) / 48, kMinBatchTokens, kMaxBatchTokens)
                        : kMaxBatchTokens;
    io::LineReader reader(in.get());
    std::string_view line;
    Progress progress{"counting " + in->name(), 0,
                      in->size_hint() > 0 ? static_cast<uint64_t>(in->size_hint()) : 0, "bytes"};
    while (reader.Next(&line)) {
      GRAMS_RETURN_IF_ERROR(AddLine(line, reader.newline(), reader.name(), reader.line_number(),
                                    reader.line_offset()));
      if (options_.progress && (reader.line_number() & 0x3fff) == 0) {
        progress.done = reader.line_offset();
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

  // Adds the counts of another run over text tokenized the same way (the
  // shards of a corpus): afterwards the result is that of counting all the
  // text at once.
  Status AddCounts(const NgramCounts& c, const std::string& name) {
    GRAMS_RETURN_IF_ERROR(invalid_);
    if (c.order() != options_.order) {
      return InvalidArgument(name + ": order " + std::to_string(c.order()) + ", but the counts merged so far have order " +
                             std::to_string(options_.order));
    }
    if (!(c.settings == options_.tokenizer)) {
      const auto a = options_.tokenizer.DisplayKeyValues(), b = c.settings.DisplayKeyValues();
      for (size_t k = 0; k < a.size(); ++k) {
        if (a[k] != b[k]) {
          return InvalidArgument(name + ": counted with " + b[k].first + "=" + b[k].second +
                                 ", but the counts merged so far have " + a[k].first + "=" + a[k].second);
        }
      }
    }
    if (c.settings.boundaries == Boundaries::kNone) {
      return InvalidArgument(name + ": counts made with --boundaries none cannot be merged (the "
                             "windows that cross from one shard into the next are missing)");
    }
    GRAMS_RETURN_IF_ERROR(ProcessBatch(/*final=*/true));
    std::vector<WordId> word_map(c.vocab.size());
    for (WordId id = 0; id < c.vocab.size(); ++id) word_map[id] = vocab_.FindOrInsert(c.vocab.Word(id));
    if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
    for (WordId id = 0; id < c.vocab.size(); ++id) unigram_counts_[word_map[id]] += c.counts[0][id];
    bool overflow = false;
    // The file's order n-1 / n entries -> (partition, index in its table).
    std::vector<uint32_t> prev, cur;
    std::vector<uint8_t> prev_part, cur_part;  // buckets
    for (int n = 2; n <= c.order(); ++n) {
      const TrieLevel& level = c.trie.levels[n - 1];
      cur.resize(level.size());
      cur_part.resize(level.size());
      for (size_t i = 0; i < level.size(); ++i) {
        const EntryIndex fp = level.parents[i];
        const int part = n == 2 ? BucketOf(word_map[fp]) : prev_part[fp];
        const uint32_t parent = n == 2 ? word_map[fp] : prev[fp];
        const uint32_t word = word_map[level.words[i]];
        cur[i] = buckets_[part][n - 2].Increment(parent, word, KeyHash(parent, word), &overflow,
                                               c.counts[n - 1][i]);
        cur_part[i] = static_cast<uint8_t>(part);
      }
      prev.swap(cur);
      prev_part.swap(cur_part);
    }
    sentences_ += c.sentences;
    tokens_counted_ += c.tokens;
    if (overflow) {
      return ResourceExhausted("too many counts to merge in memory: an n-gram count or the number "
                               "of distinct n-grams of one order exceeds 2^32-1");
    }
    return MaybeSpill();
  }

  // Counts every window of the batch that fits in it. A stream's last N-1
  // positions are carried into the next batch (unless `final`), remembering
  // in done_ how many orders of windows starting there are already counted.
  //
  // With more than one thread the counting runs in the background while the
  // caller tokenizes the next batch: ProcessBatch hands the batch over and
  // returns; the next call (or WaitCounting) waits for it first. The tables
  // are only touched by the background work or, between batches, by the
  // caller (spilling, merging), never by both at once.
  Status ProcessBatch(bool final) {
    GRAMS_RETURN_IF_ERROR(WaitCounting());
    GRAMS_RETURN_IF_ERROR(MaybeSpill());
    const size_t n_tokens = batch_.size();
    if (n_tokens == 0) return Status::OK();
    done_.resize(n_tokens, 0);
    for (auto& l : limits_)
      if (l == kOpen) l = static_cast<uint32_t>(n_tokens);  // windows must fit in the batch
    if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
    for (size_t i = 0; i < n_tokens; ++i)
      if (done_[i] == 0) ++unigram_counts_[batch_[i]];
    counting_batch_.swap(batch_);
    counting_limits_.swap(limits_);
    counting_done_.swap(done_);
    // Carry an open stream's tail into the next batch.
    size_t keep = 0;
    if (!final && stream_open_) keep = std::min<size_t>(options_.order - 1, n_tokens);
    batch_.resize(keep);
    done_.resize(keep);
    for (size_t k = 0; k < keep; ++k) {
      const size_t i = n_tokens - keep + k;
      batch_[k] = counting_batch_[i];
      done_[k] = static_cast<uint32_t>(n_tokens - i);
    }
    limits_.assign(keep, kOpen);
    // Every window belongs to the bucket of its first word; each thread
    // counts the windows of the buckets it owns.
    counting_bucket_.resize(n_tokens);
    for (size_t i = 0; i < n_tokens; ++i) {
      const int b = BucketOf(counting_batch_[i]);
      counting_bucket_[i] = static_cast<uint8_t>(b);
      load_[b] += i + 2 <= counting_limits_[i];
    }
    if (threads_ > 1) BalanceBuckets();
    overflow_.assign(threads_, 0);
    auto count = [this] {
      RunOnThreads(threads_, [this](int t) { CountPartition(t, &overflow_[t]); });
    };
    if (threads_ == 1 || final) {
      count();
    } else {
      counting_ = std::async(std::launch::async, count);
    }
    return final ? WaitCounting() : Status::OK();
  }

  // Gives the buckets to the threads so that each has about as many windows
  // to count, by the windows seen so far (longest first, each to the least
  // loaded thread). Word frequencies are skewed: a fixed split leaves one
  // thread with far more (the bucket of <s> alone has one window per
  // sentence and order). Ownership only changes between batches, and which
  // thread counts a bucket does not change its tables.
  void BalanceBuckets() {
    std::vector<int> order(kBuckets);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) { return load_[a] > load_[b]; });
    std::vector<uint64_t> total(threads_, 0);
    for (int b : order) {
      const int t = static_cast<int>(std::min_element(total.begin(), total.end()) - total.begin());
      owner_[b] = static_cast<uint8_t>(t);
      total[t] += load_[b];
    }
  }

  // Waits for the batch being counted in the background, if any.
  Status WaitCounting() {
    if (counting_.valid()) counting_.get();
    for (char o : overflow_) {
      if (o) {
        return ResourceExhausted("too much text for one in-memory count: an n-gram count or the "
                                 "number of distinct n-grams of one order exceeds 2^32-1");
      }
    }
    return Status::OK();
  }

  // Counts the batch's windows of orders >= 2 whose buckets thread t owns.
  void CountPartition(int t, char* overflow_out) {
    Scratch& sc = scratch_[t];
    const size_t n_tokens = counting_batch_.size();
    // active[j]: a window start; prev[j]: index of its (n-1)-gram (for n = 2
    // the word id); bucket[j]: the bucket of its first word.
    sc.active.clear();
    sc.prev.clear();
    sc.bucket.clear();
    for (uint32_t i = 0; i < n_tokens; ++i) {
      if (i + 2 > counting_limits_[i]) continue;
      const int b = counting_bucket_[i];
      if (owner_[b] == t) {
        sc.active.push_back(i);
        sc.prev.push_back(counting_batch_[i]);
        sc.bucket.push_back(static_cast<uint8_t>(b));
      }
    }
    bool overflow = false;
    for (int n = 2; n <= options_.order && !sc.active.empty(); ++n) {
      auto table = [&](size_t j) -> OrderTable& { return buckets_[sc.bucket[j]][n - 2]; };
      const size_t m = sc.active.size();
      sc.hashes.resize(m);
      for (size_t j = 0; j < m; ++j) sc.hashes[j] = KeyHash(sc.prev[j], counting_batch_[sc.active[j] + n - 1]);
      for (size_t j = 0; j < m; ++j) {
        if (j + kPrefetchDistance < m) table(j + kPrefetchDistance).Prefetch(sc.hashes[j + kPrefetchDistance]);
        if (j + kPrefetchDistance / 2 < m)
          table(j + kPrefetchDistance / 2).PrefetchEntry(sc.hashes[j + kPrefetchDistance / 2]);
        const uint32_t i = sc.active[j];
        // A window counted in the previous batch is only looked up (added
        // with count 0: after a spill it is no longer in the table).
        sc.prev[j] = table(j).Increment(sc.prev[j], counting_batch_[i + n - 1], sc.hashes[j], &overflow,
                                        static_cast<uint32_t>(n) <= counting_done_[i] ? 0 : 1);
      }
      // Keep the positions that still have room for an (n+1)-gram.
      size_t k = 0;
      for (size_t j = 0; j < m; ++j) {
        const uint32_t i = sc.active[j];
        if (i + n + 1 <= counting_limits_[i]) {
          sc.active[k] = i;
          sc.prev[k] = sc.prev[j];
          sc.bucket[k] = sc.bucket[j];
          ++k;
        }
      }
      sc.active.resize(k);
      sc.prev.resize(k);
      sc.bucket.resize(k);
    }
    *overflow_out = overflow;
  }

  int threads() const { return threads_; }

  // --- Memory accounting and spilling (phase 1) ---

  uint64_t TableBytes() const {
    uint64_t bytes = 0;
    for (const auto& tables : buckets_)
      for (const auto& table : tables) bytes += table.bytes();
    return bytes;
  }
  uint64_t VocabBytes() const { return VocabularyBytes(vocab_); }
  // Peak of sorting everything in memory now (the slots go first).
  uint64_t InMemoryFinishBytes() const {
    const std::vector<uint64_t> sizes = OrderSizes();
    uint64_t entries = 0, peak = 0;
    for (uint64_t m : sizes) entries += m;
    entries -= sizes[0];
    for (int n = 2; n <= options_.order; ++n) {
      peak = std::max(peak, entries * sizeof(CountEntry) + sizes[n - 1] * kSortBytesPerEntry +
                                sizes[n - 2] * 4);
      entries -= sizes[n - 1];
    }
    return peak + VocabBytes() + vocab_.size() * 12;
  }

  Status MaybeSpill() {
    if (options_.memory == 0 || options_.order < 2) return Status::OK();
    if (TableBytes() + VocabBytes() <= options_.memory) return Status::OK();
    return Spill();
  }

  // Writes every bucket's tables, as they are, to one frame each, and
  // empties them.
  Status Spill() {
    if (!spill_file_) {
      GRAMS_ASSIGN_OR_RETURN(spill_file_, io::TempFile::Create(options_.temp_dir));
    }
    spills_.emplace_back(kBuckets);
    std::vector<Spilled>& spill = spills_.back();
    std::mutex mu;
    std::vector<Status> status(threads_);
    RunOnThreads(threads_, [&](int t) {
      std::string raw;
      for (int b = t; b < kBuckets && status[t].ok(); b += threads_) {
        raw.clear();
        uint64_t entries = 0;
        for (OrderTable& table : buckets_[b]) {
          PutVarint64(&raw, table.size());
          for (const CountEntry& e : table.entries()) {
            PutVarint64(&raw, e.parent);
            PutVarint64(&raw, e.word);
            PutVarint64(&raw, e.count);
          }
          entries += table.size();
          table = OrderTable();
          table.Reserve(reserve_);
        }
        spill[b].entries = entries;
        if (entries == 0) continue;
        std::lock_guard<std::mutex> lock(mu);
        auto ref = io::AppendFrame(spill_file_.get(), raw, kSpillZstdLevel);
        if (!ref.ok()) {
          status[t] = ref.status();
        } else {
          spill[b].frame = *ref;
        }
      }
    });
    for (const Status& s : status) GRAMS_RETURN_IF_ERROR(s);
    return Status::OK();
  }

  // The number of n-grams of each order (valid until Finish() sorts them).
  std::vector<uint64_t> OrderSizes() const {
    std::vector<uint64_t> sizes(options_.order, 0);
    sizes[0] = vocab_.size();
    for (const auto& tables : buckets_)
      for (size_t k = 0; k < tables.size(); ++k) sizes[k + 1] += tables[k].size();
    return sizes;
  }

  Status Finish(CountsSink* sink) {
    GRAMS_RETURN_IF_ERROR(invalid_);
    if (stream_open_) {  // close the stream: </s>, and every window may end there
      batch_.push_back(kEosId);
      ++tokens_counted_;
      limits_.assign(batch_.size(), static_cast<uint32_t>(batch_.size()));
      stream_open_ = false;
    }
    GRAMS_RETURN_IF_ERROR(ProcessBatch(/*final=*/true));
    const size_t V = vocab_.size();
    unigram_counts_.resize(V, 0);
    // Spill what is left when there are spills already, or when sorting it
    // in memory would not fit.
    const bool external = options_.memory > 0 && options_.order >= 2 &&
                          (!spills_.empty() || InMemoryFinishBytes() > options_.memory);
    const std::vector<uint64_t> sizes = OrderSizes();
    // The hash slots are done with (spilling and sorting read the entries
    // only): free them before the canonical vocabulary is built beside the
    // counting one.
    for (auto& tables : buckets_)
      for (auto& table : tables) table.ReleaseSlots();

    const std::vector<WordId> by_rank = CanonicalOrder();
    std::vector<WordId> word_map(V);
    for (WordId r = 0; r < V; ++r) word_map[by_rank[r]] = r;

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

    if (external) {
      GRAMS_RETURN_IF_ERROR(Spill());
      return FinishExternal(&out, by_rank, word_map, sink);
    }
    GRAMS_RETURN_IF_ERROR(StartSink(sink, &out, by_rank, sizes));
    std::vector<BucketTables*> parts;
    for (auto& tables : buckets_) parts.push_back(&tables);
    return SortTables(parts, options_.order, word_map, threads_, options_.progress,
                      [&](int n, TrieLevel* level, std::vector<Count>* counts) {
                        return sink->Order(n, level, counts);
                      });
  }

  // Starts the sink with the vocabulary in canonical order, then frees the
  // counting vocabulary.
  Status StartSink(CountsSink* sink, NgramCounts* out, const std::vector<WordId>& by_rank,
                   const std::vector<uint64_t>& sizes) {
    std::vector<std::string_view> words(by_rank.size());
    for (size_t r = 0; r < by_rank.size(); ++r) words[r] = vocab_.Word(by_rank[r]);
    GRAMS_RETURN_IF_ERROR(sink->Start(out, words, sizes));
    vocab_ = Vocabulary();
    return Status::OK();
  }

  // The canonical order of the vocabulary: the reserved words, then by
  // descending count, ties by bytes. Half the words of a corpus or so occur
  // once, so most comparisons are of bytes: each word carries its first 8
  // bytes as a number, and the threads sort slices that are then merged.
  std::vector<WordId> CanonicalOrder() const {
    const size_t V = vocab_.size();
    struct Rank {
      uint64_t count, prefix;
      WordId id;
    };
    std::vector<Rank> ranks(V - kNumReservedWords);
    for (size_t i = 0; i < ranks.size(); ++i) {
      const WordId id = static_cast<WordId>(i + kNumReservedWords);
      const std::string_view w = vocab_.Word(id);
      uint64_t prefix = 0;
      for (size_t k = 0; k < 8; ++k) {
        prefix = prefix << 8 | (k < w.size() ? static_cast<unsigned char>(w[k]) : 0);
      }
      ranks[i] = {unigram_counts_[id], prefix, id};
    }
    auto less = [this](const Rank& a, const Rank& b) {
      if (a.count != b.count) return a.count > b.count;
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      return vocab_.Word(a.id) < vocab_.Word(b.id);
    };
    const int T = ranks.size() < (1u << 16) ? 1 : threads_;
    std::vector<size_t> cut(T + 1);
    for (int t = 0; t <= T; ++t) cut[t] = ranks.size() * t / T;
    RunOnThreads(T, [&](int t) { std::sort(ranks.begin() + cut[t], ranks.begin() + cut[t + 1], less); });
    for (int t = 1; t < T; ++t) {
      std::inplace_merge(ranks.begin(), ranks.begin() + cut[t], ranks.begin() + cut[t + 1], less);
    }
    std::vector<WordId> by_rank(V);
    std::iota(by_rank.begin(), by_rank.begin() + kNumReservedWords, 0);
    for (size_t i = 0; i < ranks.size(); ++i) by_rank[i + kNumReservedWords] = ranks[i].id;
    return by_rank;
  }

  // --- Phases 2 and 3: merging the spills ---

  // One bucket's share of a spill.
  struct Spilled {
    io::FrameRef frame;
    uint64_t entries = 0;  // of all orders
  };

  // Adds a bucket's spilled entries into `tables`.
  static Status LoadSpilled(const std::string& raw, BucketTables* tables, std::vector<uint32_t>* prev,
                            std::vector<uint32_t>* cur, const std::string& dir) {
    const char* p = raw.data();
    const char* end = p + raw.size();
    bool overflow = false;
    for (size_t k = 0; k < tables->size(); ++k) {
      OrderTable& table = (*tables)[k];
      uint64_t m;
      if (!GetVarint64(&p, end, &m)) return CorruptionError("a temporary file in " + dir + " is corrupted");
      cur->resize(m);
      for (uint64_t i = 0; i < m; ++i) {
        uint64_t parent, word, count;
        if (!GetVarint64(&p, end, &parent) || !GetVarint64(&p, end, &word) ||
            !GetVarint64(&p, end, &count) || (k > 0 && parent >= prev->size())) {
          return CorruptionError("a temporary file in " + dir + " is corrupted");
        }
        const uint32_t par = k == 0 ? static_cast<uint32_t>(parent) : (*prev)[parent];
        const uint32_t w = static_cast<uint32_t>(word);
        (*cur)[i] = table.Increment(par, w, KeyHash(par, w), &overflow, count);
      }
      prev->swap(*cur);
    }
    if (overflow) {
      return ResourceExhausted("too many counts: an n-gram count or the number of distinct "
                               "n-grams of one order exceeds 2^32-1");
    }
    return Status::OK();
  }

  Status FinishExternal(NgramCounts* out, const std::vector<WordId>& by_rank,
                        const std::vector<WordId>& word_map, CountsSink* sink) {
    const int N = options_.order;
    const size_t V = by_rank.size();
    buckets_.clear();
    // Groups of consecutive buckets whose spilled entries (an upper bound on
    // their distinct n-grams) fit the budget once loaded and sorted.
    std::vector<uint64_t> upper(kBuckets, 0);
    for (const auto& spill : spills_)
      for (int b = 0; b < kBuckets; ++b) upper[b] += spill[b].entries;
    const uint64_t fixed = VocabBytes();
    const uint64_t room = options_.memory > fixed + (16u << 20) ? options_.memory - fixed : (16u << 20);
    // Phase 3 reads every group's run at once: the groups' readers must fit
    // too, so a group is never smaller than its share of that.
    uint64_t total = 0;
    for (uint64_t u : upper) total += u;
    const uint64_t max_groups = std::max<uint64_t>(1, room / 2 / io::kReaderBytes);
    const uint64_t least = total / max_groups;
    std::vector<int> group_start{0};
    uint64_t in_group = 0;
    for (int b = 0; b < kBuckets; ++b) {
      if (b > group_start.back() && in_group >= least &&
          (in_group + upper[b]) * kGroupBytesPerEntry > room) {
        group_start.push_back(b);
        in_group = 0;
      }
      in_group += upper[b];
    }
    const int G = static_cast<int>(group_start.size());
    group_start.push_back(kBuckets);
    std::vector<uint16_t> group_of_bucket(kBuckets);
    for (int g = 0; g < G; ++g)
      for (int b = group_start[g]; b < group_start[g + 1]; ++b) group_of_bucket[b] = static_cast<uint16_t>(g);

    // Phase 2: each group's n-grams, added up and sorted canonically, to a
    // run per order: blocks by first word, each "first-word delta, size",
    // then per n-gram "parent delta within the first word's block at order
    // n-1, word delta within the parent, count".
    GRAMS_ASSIGN_OR_RETURN(auto runs_file, io::TempFile::Create(options_.temp_dir));
    std::vector<std::vector<io::FrameRef>> runs(G, std::vector<io::FrameRef>(N + 1));
    std::vector<uint64_t> sizes(N, 0);
    sizes[0] = V;
    for (int g = 0; g < G; ++g) {
      if (options_.progress) {
        options_.progress(Progress{"merging spilled counts", static_cast<uint64_t>(g),
                                   static_cast<uint64_t>(G), "parts"});
      }
      const int first = group_start[g], count = group_start[g + 1] - first;
      std::vector<BucketTables> tables(count, BucketTables(N - 1));
      std::vector<Status> status(threads_);
      RunOnThreads(std::min(threads_, count), [&](int t) {
        std::string raw;
        std::vector<uint32_t> prev, cur;
        for (int i = t; i < count && status[t].ok(); i += std::min(threads_, count)) {
          for (const auto& spill : spills_) {
            const Spilled& s = spill[first + i];
            if (s.entries == 0) continue;
            status[t] = io::ReadFrame(*spill_file_, s.frame, &raw);
            if (status[t].ok()) status[t] = LoadSpilled(raw, &tables[i], &prev, &cur, spill_file_->dir());
            if (!status[t].ok()) break;
          }
        }
      });
      for (const Status& s : status) GRAMS_RETURN_IF_ERROR(s);
      std::vector<BucketTables*> parts;
      for (auto& t : tables) parts.push_back(&t);
      // The blocks of the previous order: (first word, start) in order.
      std::vector<std::pair<uint32_t, uint32_t>> prev_blocks, blocks;
      GRAMS_RETURN_IF_ERROR(SortTables(
          parts, N, word_map, threads_, nullptr,
          [&](int n, TrieLevel* level, std::vector<Count>* counts) -> Status {
            std::string raw;
            std::vector<uint64_t> block;  // the open block's varints
            uint32_t block_w = 0, last_rel = 0, last_word = 0;
            blocks.clear();
            auto close_block = [&] {
              if (blocks.empty()) return;
              const uint32_t before = blocks.size() >= 2 ? blocks[blocks.size() - 2].first : 0;
              PutVarint64(&raw, blocks.size() >= 2 ? block_w - before : block_w);
              PutVarint64(&raw, block.size() / 3);
              for (uint64_t v : block) PutVarint64(&raw, v);
              block.clear();
            };
            const size_t m = level->size();
            size_t pb = 0;  // the block of prev_blocks that holds the parent
            for (size_t k = 0; k < m; ++k) {
              const uint32_t parent = level->parents[k];
              uint32_t w = parent, rel = 0;
              if (n > 2) {
                while (pb + 1 < prev_blocks.size() && prev_blocks[pb + 1].second <= parent) ++pb;
                w = prev_blocks[pb].first;
                rel = parent - prev_blocks[pb].second;
              }
              bool new_parent = rel != last_rel;
              if (blocks.empty() || w != block_w) {
                close_block();
                blocks.emplace_back(w, static_cast<uint32_t>(k));
                block_w = w;
                last_rel = 0;
                new_parent = true;
              }
              const uint32_t word = level->words[k];
              block.push_back(rel - last_rel);
              block.push_back(new_parent ? word : word - last_word - 1);
              block.push_back((*counts)[k]);
              last_rel = rel;
              last_word = word;
            }
            close_block();
            *level = TrieLevel();
            std::vector<Count>().swap(*counts);
            sizes[n - 1] += m;
            GRAMS_ASSIGN_OR_RETURN(runs[g][n], io::AppendFrame(runs_file.get(), raw, kSpillZstdLevel));
            prev_blocks.swap(blocks);
            return Status::OK();
          }));
    }
    // The spills are merged: give their disk space back.
    spill_file_.reset();
    spills_.clear();

    // Phase 3: each order of the counts file, taking the blocks of every
    // first word in canonical order from the group run that has it.
    GRAMS_RETURN_IF_ERROR(StartSink(sink, out, by_rank, sizes));
    std::vector<uint16_t> group_of_word(V);
    for (WordId w = 0; w < V; ++w) group_of_word[w] = group_of_bucket[BucketOf(by_rank[w])];
    std::vector<uint32_t> start_prev(V), start_cur(V);  // a first word's block at n-1 / n
    std::iota(start_prev.begin(), start_prev.end(), 0);
    const std::string corrupt = "a temporary file in " + runs_file->dir() + " is corrupted";
    for (int n = 2; n <= N; ++n) {
      if (options_.progress) {
        options_.progress(Progress{"writing", static_cast<uint64_t>(n - 2),
                                   static_cast<uint64_t>(N - 1), "orders"});
      }
      std::vector<std::unique_ptr<io::FrameReader>> readers;
      std::vector<uint64_t> next_w(G), next_size(G);
      constexpr uint64_t kNone = UINT64_MAX;
      auto next_block = [&](int g, bool first) -> Status {
        uint64_t d;
        if (!readers[g]->Varint(&d)) {
          GRAMS_RETURN_IF_ERROR(readers[g]->status());
          next_w[g] = kNone;
          return Status::OK();
        }
        next_w[g] = first ? d : next_w[g] + d;
        if (!readers[g]->Varint(&next_size[g]) || next_w[g] >= V) return CorruptionError(corrupt);
        return Status::OK();
      };
      for (int g = 0; g < G; ++g) {
        readers.push_back(std::make_unique<io::FrameReader>(runs_file.get(), runs[g][n]));
        GRAMS_RETURN_IF_ERROR(next_block(g, true));
      }
      std::string child_counts, words, counts;
      const uint64_t parents = sizes[n - 2];
      uint64_t k = 0, cur_parent = kNone, children = 0, next_p = 0;
      for (WordId w = 0; w < V; ++w) {
        const int g = group_of_word[w];
        if (next_w[g] != w) continue;
        io::FrameReader& r = *readers[g];
        start_cur[w] = static_cast<uint32_t>(k);
        uint64_t rel = 0;
        for (uint64_t i = 0; i < next_size[g]; ++i) {
          uint64_t drel, dword, count;
          if (!r.Varint(&drel) || !r.Varint(&dword) || !r.Varint(&count)) {
            GRAMS_RETURN_IF_ERROR(r.status());
            return CorruptionError(corrupt);
          }
          rel += drel;
          const uint64_t parent = start_prev[w] + rel;
          if (parent != cur_parent) {
            if (cur_parent != kNone) {
              PutVarint64(&child_counts, children);
              next_p = cur_parent + 1;
            }
            if (parent < next_p || parent >= parents) return CorruptionError(corrupt);
            for (; next_p < parent; ++next_p) child_counts.push_back('\0');
            cur_parent = parent;
            children = 0;
          }
          PutVarint64(&words, dword);
          PutVarint64(&counts, count);
          ++children;
          ++k;
        }
        GRAMS_RETURN_IF_ERROR(next_block(g, false));
      }
      if (cur_parent != kNone) {
        PutVarint64(&child_counts, children);
        next_p = cur_parent + 1;
      }
      for (; next_p < parents; ++next_p) child_counts.push_back('\0');
      if (k != sizes[n - 1]) return CorruptionError(corrupt);
      for (int g = 0; g < G; ++g)
        if (next_w[g] != kNone || !readers[g]->done()) return CorruptionError(corrupt);
      GRAMS_RETURN_IF_ERROR(sink->OrderEncoded(n, std::move(child_counts), std::move(words), std::move(counts)));
      start_prev.swap(start_cur);
    }
    return Status::OK();
  }

 private:
  CountOptions options_;
  Status invalid_;  // set when the options are unusable; every call returns it
  int threads_ = 1;
  Vocabulary vocab_;
  std::vector<Count> unigram_counts_;
  // buckets_[b][n-2]: bucket b's table of order n. Thread t counts the
  // buckets b with b % threads_ == t.
  std::vector<BucketTables> buckets_;
  struct Scratch {
    std::vector<uint32_t> active, prev;
    std::vector<uint8_t> bucket;
    std::vector<uint32_t> hashes;
  };
  std::vector<Scratch> scratch_;
  std::vector<WordId> batch_;
  std::vector<uint32_t> limits_;  // per batch position: end of its sentence
  size_t batch_tokens_ = kMinBatchTokens;  // a batch is counted once this long
  uint64_t sentences_ = 0, tokens_counted_ = 0;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::string_view> tokens_;
  bool stream_open_ = false;  // boundaries=none: the stream's <s> is out
  std::vector<uint32_t> done_;  // per batch position: orders already counted
  WordId byte_ids_[256];
  static constexpr uint32_t kOpen = UINT32_MAX;  // limit of a stream position
  // Phase 1's spills: spills_[s][b] is bucket b's frame of spill s.
  std::unique_ptr<io::TempFile> spill_file_;
  std::vector<std::vector<Spilled>> spills_;
  uint64_t reserve_ = 0;  // entries reserved per table (address space only)
  // The batch counted in the background (see ProcessBatch), and its result.
  std::vector<WordId> counting_batch_;
  std::vector<uint32_t> counting_limits_, counting_done_;
  std::vector<uint8_t> counting_bucket_;  // per position: its bucket
  std::vector<char> overflow_;
  std::vector<uint8_t> owner_ = std::vector<uint8_t>(kBuckets, 0);  // bucket -> counting thread
  std::vector<uint64_t> load_ = std::vector<uint64_t>(kBuckets, 0);  // windows seen per bucket
  std::future<void> counting_;  // last: destroyed (waited for) first
};

Counter::Counter(const CountOptions& options) : impl_(new Impl(options)) {}
Counter::~Counter() = default;

Status Counter::AddFile(const std::string& path) { return impl_->AddFile(path); }

Status Counter::AddLine(std::string_view line, const std::string& where) {
  return impl_->AddLine(line, /*newline=*/true, where, 1, 0);
}

StatusOr<NgramCounts> Counter::Finish() {
  MemorySink sink;
  GRAMS_RETURN_IF_ERROR(impl_->Finish(&sink));
  return std::move(sink.result());
}

Status Counter::AddCounts(const NgramCounts& counts, const std::string& name) {
  return impl_->AddCounts(counts, name);
}

Status Counter::FinishToFile(const std::string& path) {
  FileSink sink(path, impl_->threads());
  GRAMS_RETURN_IF_ERROR(impl_->Finish(&sink));
  return sink.Finish();
}

namespace {
// Adds the counts files into a new Counter.
StatusOr<std::unique_ptr<Counter>> MergeInto(const std::vector<std::string>& paths,
                                              const CountOptions& base) {
  if (paths.empty()) return InvalidArgument("no counts files to merge");
  std::unique_ptr<Counter> counter;
  for (const auto& path : paths) {
    GRAMS_ASSIGN_OR_RETURN(NgramCounts c, ReadCountsFile(path));
    if (!counter) {
      CountOptions options = base;
      options.order = c.order();
      options.tokenizer = c.settings;
      counter = std::make_unique<Counter>(options);
    }
    GRAMS_RETURN_IF_ERROR(counter->AddCounts(c, path == "-" ? "<stdin>" : path));
  }
  return counter;
}
}  // namespace

StatusOr<NgramCounts> MergeCountFiles(const std::vector<std::string>& paths,
                                      const CountOptions& options) {
  GRAMS_ASSIGN_OR_RETURN(auto counter, MergeInto(paths, options));
  return counter->Finish();
}

Status MergeCountFilesToFile(const std::vector<std::string>& paths, const std::string& out,
                             const CountOptions& options) {
  GRAMS_ASSIGN_OR_RETURN(auto counter, MergeInto(paths, options));
  return counter->FinishToFile(out);
}

Status CountFilesToFile(const std::vector<std::string>& inputs, const CountOptions& options,
                        const std::string& out) {
  if (options.order < 1 || options.order > kMaxOrder) {
    return InvalidArgument("order must be between 1 and " + std::to_string(kMaxOrder));
  }
  Counter counter(options);
  for (const auto& path : inputs) GRAMS_RETURN_IF_ERROR(counter.AddFile(path));
  return counter.FinishToFile(out);
}

StatusOr<NgramCounts> CountFiles(const std::vector<std::string>& inputs,
                                 const CountOptions& options) {
  if (options.order < 1 || options.order > kMaxOrder) {
    return InvalidArgument("order must be between 1 and " + std::to_string(kMaxOrder));
  }
  Counter counter(options);
  for (const auto& path : inputs) GRAMS_RETURN_IF_ERROR(counter.AddFile(path));
  return counter.Finish();
}

}  // namespace grams
