// Counting n-grams of orders 1..N in memory.
//
// An n-gram of order n >= 2 is identified by (index of its first n-1 words
// among the order n-1 entries, last word), so every order is a hash table of
// fixed 8-byte keys whatever N is. Text is processed in batches of about 64K
// tokens, one order at a time, so the hash probes of a batch are independent
// and can be prefetched ahead. Finish() renumbers the vocabulary canonically
// and sorts each order by (parent, word), packing (parent, word, index) into
// one 64-bit word where it fits.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <thread>

#include "grams/counts.h"
#include "format/count_file.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "tokenize/tokenizer.h"
#include "util/prefetch.h"
#include "util/radix_sort.h"

namespace grams {
namespace {

constexpr size_t kBatchTokens = 1 << 16;
constexpr size_t kPrefetchDistance = 16;

struct CountEntry {
  uint32_t parent;
  uint32_t word;
  uint32_t count;
};

inline uint64_t KeyHash(uint32_t parent, uint32_t word) {
  uint64_t k = (static_cast<uint64_t>(parent) << 32) | word;
  k *= 0x9E3779B97F4A7C15ULL;
  return k ^ (k >> 29);
}

// Hash table from (parent, word) to a stable entry index, for one order.
class OrderTable {
 public:
  OrderTable() { Resize(1 << 12); }

  size_t size() const { return entries_.size(); }
  std::vector<CountEntry>& entries() { return entries_; }

  void Prefetch(uint64_t hash) const { ::grams::Prefetch(&slots_[hash & mask_]); }
  // Second stage: the slot is in cache by now; fetch the entry it points to.
  void PrefetchEntry(uint64_t hash) const {
    uint32_t s = slots_[hash & mask_];
    if (s != 0) ::grams::Prefetch(&entries_[s - 1]);
  }

  // Distinct n-grams one order can hold (indices are 32-bit, 0 = empty slot).
  static constexpr size_t kMaxEntries = UINT32_MAX - 1;

  // Adds one occurrence; returns the entry index. Sets *overflow on a count
  // that would exceed 2^32-1 or more distinct n-grams than kMaxEntries.
  uint32_t Increment(uint32_t parent, uint32_t word, uint64_t hash, bool* overflow,
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

  // The index of an entry known to exist.
  uint32_t Find(uint32_t parent, uint32_t word, uint64_t hash) const {
    for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
      const CountEntry& e = entries_[slots_[i] - 1];
      if (e.parent == parent && e.word == word) return slots_[i] - 1;
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

// Runs fn(0) .. fn(n-1), fn(0) on the calling thread and the others on
// threads of their own.
template <typename F>
void RunOnThreads(int n, F&& fn) {
  if (n <= 1) {
    fn(0);
    return;
  }
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) workers.emplace_back([&fn, t] { fn(t); });
  fn(0);
  for (auto& w : workers) w.join();
}

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
    threads = std::min(threads, 64);
    parts_.assign(threads, std::vector<OrderTable>(options_.order > 1 ? options_.order - 1 : 0));
    scratch_.resize(threads);
    unigram_counts_.assign(kNumReservedWords, 0);
    batch_.reserve(kBatchTokens + 1024);
    limits_.reserve(kBatchTokens + 1024);
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
    if (batch_.size() >= kBatchTokens) return ProcessBatch(/*final=*/false);
    return Status::OK();
  }

  Status AddFile(const std::string& path) {
    GRAMS_RETURN_IF_ERROR(invalid_);
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
    if (in->size_hint() > 0) {
      // No order has more distinct n-grams than the text has units, and a
      // unit takes at least one byte.
      const size_t max_windows = static_cast<size_t>(in->size_hint()) + 2;
      for (auto& tables : parts_)
        for (auto& table : tables) table.Reserve(max_windows / parts_.size() + 1024);
    }
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
      const auto a = options_.tokenizer.ToKeyValues(), b = c.settings.ToKeyValues();
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
    GRAMS_RETURN_IF_ERROR(ProcessBatch(/*final=*/false));
    std::vector<WordId> word_map(c.vocab.size());
    for (WordId id = 0; id < c.vocab.size(); ++id) word_map[id] = vocab_.FindOrInsert(c.vocab.Word(id));
    if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
    for (WordId id = 0; id < c.vocab.size(); ++id) unigram_counts_[word_map[id]] += c.counts[0][id];
    bool overflow = false;
    // The file's order n-1 / n entries -> (partition, index in its table).
    std::vector<uint32_t> prev, cur;
    std::vector<uint8_t> prev_part, cur_part;
    for (int n = 2; n <= c.order(); ++n) {
      const TrieLevel& level = c.trie.levels[n - 1];
      cur.resize(level.size());
      cur_part.resize(level.size());
      for (size_t i = 0; i < level.size(); ++i) {
        const EntryIndex fp = level.parents[i];
        const int part = n == 2 ? PartOf(word_map[fp]) : prev_part[fp];
        const uint32_t parent = n == 2 ? word_map[fp] : prev[fp];
        const uint32_t word = word_map[level.words[i]];
        cur[i] = parts_[part][n - 2].Increment(parent, word, KeyHash(parent, word), &overflow,
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
    return Status::OK();
  }

  // Counts every window of the batch that fits in it. A stream's last N-1
  // positions are carried into the next batch (unless `final`), remembering
  // in done_ how many orders of windows starting there are already counted.
  Status ProcessBatch(bool final) {
    const size_t n_tokens = batch_.size();
    if (n_tokens == 0) return Status::OK();
    done_.resize(n_tokens, 0);
    for (auto& l : limits_)
      if (l == kOpen) l = static_cast<uint32_t>(n_tokens);  // windows must fit in the batch
    if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
    for (size_t i = 0; i < n_tokens; ++i)
      if (done_[i] == 0) ++unigram_counts_[batch_[i]];
    // Every window belongs to the partition of its first word; partitions
    // count on their own threads, into their own tables.
    const int parts = static_cast<int>(parts_.size());
    std::vector<char> overflow(parts, 0);
    RunOnThreads(parts, [this, &overflow](int p) { CountPartition(p, &overflow[p]); });
    // Carry an open stream's tail.
    size_t keep = 0;
    if (!final && stream_open_) keep = std::min<size_t>(options_.order - 1, n_tokens);
    for (size_t k = 0; k < keep; ++k) {
      const size_t i = n_tokens - keep + k;
      batch_[k] = batch_[i];
      done_[k] = static_cast<uint32_t>(n_tokens - i);
    }
    batch_.resize(keep);
    done_.resize(keep);
    limits_.assign(keep, kOpen);
    for (char o : overflow) {
      if (o) {
        return ResourceExhausted("too much text for one in-memory count: an n-gram count or the "
                                 "number of distinct n-grams of one order exceeds 2^32-1");
      }
    }
    return Status::OK();
  }

  // The partition of the n-grams whose first word is `w`.
  int PartOf(WordId w) const {
    if (parts_.size() == 1) return 0;
    return static_cast<int>(((static_cast<uint64_t>(w) * 0x9E3779B97F4A7C15ULL) >> 32) % parts_.size());
  }

  // Counts the batch's windows of orders >= 2 that start in partition p.
  void CountPartition(int p, char* overflow_out) {
    Scratch& sc = scratch_[p];
    std::vector<OrderTable>& tables = parts_[p];
    const size_t n_tokens = batch_.size();
    // active[j]: a window start; prev[j]: index of its (n-1)-gram (for n = 2
    // the word id).
    sc.active.clear();
    sc.prev.clear();
    for (uint32_t i = 0; i < n_tokens; ++i) {
      if (i + 2 <= limits_[i] && PartOf(batch_[i]) == p) {
        sc.active.push_back(i);
        sc.prev.push_back(batch_[i]);
      }
    }
    bool overflow = false;
    for (int n = 2; n <= options_.order && !sc.active.empty(); ++n) {
      OrderTable& table = tables[n - 2];
      const size_t m = sc.active.size();
      sc.hashes.resize(m);
      for (size_t j = 0; j < m; ++j) sc.hashes[j] = KeyHash(sc.prev[j], batch_[sc.active[j] + n - 1]);
      for (size_t j = 0; j < m; ++j) {
        if (j + kPrefetchDistance < m) table.Prefetch(sc.hashes[j + kPrefetchDistance]);
        if (j + kPrefetchDistance / 2 < m) table.PrefetchEntry(sc.hashes[j + kPrefetchDistance / 2]);
        const uint32_t i = sc.active[j];
        if (n <= done_[i]) {  // counted in the previous batch: only find it
          sc.prev[j] = table.Find(sc.prev[j], batch_[i + n - 1], sc.hashes[j]);
        } else {
          sc.prev[j] = table.Increment(sc.prev[j], batch_[i + n - 1], sc.hashes[j], &overflow);
        }
      }
      // Keep the positions that still have room for an (n+1)-gram.
      size_t k = 0;
      for (size_t j = 0; j < m; ++j) {
        const uint32_t i = sc.active[j];
        if (i + n + 1 <= limits_[i]) {
          sc.active[k] = i;
          sc.prev[k] = sc.prev[j];
          ++k;
        }
      }
      sc.active.resize(k);
      sc.prev.resize(k);
    }
    *overflow_out = overflow;
  }

  // Called with each finished order n of `out` (1 first: vocabulary and
  // unigram counts); it may release that order's arrays, which later orders
  // do not need.
  using OrderDone = std::function<Status(NgramCounts* out, int n)>;

  // The number of n-grams of each order (valid until Finish() sorts them).
  std::vector<uint64_t> OrderSizes() const {
    std::vector<uint64_t> sizes(options_.order, 0);
    sizes[0] = vocab_.size();
    for (const auto& tables : parts_)
      for (size_t k = 0; k < tables.size(); ++k) sizes[k + 1] += tables[k].size();
    return sizes;
  }

  StatusOr<NgramCounts> Finish(const OrderDone& done = nullptr) {
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

    // Canonical ids: reserved words, then descending count, then bytes.
    std::vector<WordId> by_rank(V);
    std::iota(by_rank.begin(), by_rank.end(), 0);
    std::sort(by_rank.begin() + kNumReservedWords, by_rank.end(), [&](WordId a, WordId b) {
      if (unigram_counts_[a] != unigram_counts_[b]) return unigram_counts_[a] > unigram_counts_[b];
      return vocab_.Word(a) < vocab_.Word(b);
    });
    std::vector<WordId> new_id(V);
    for (WordId r = 0; r < V; ++r) new_id[by_rank[r]] = r;

    NgramCounts out;
    out.settings = options_.tokenizer;
    out.sentences = sentences_;
    out.tokens = tokens_counted_;
    {
      std::vector<std::string_view> words(V);
      for (WordId r = 0; r < V; ++r) words[r] = vocab_.Word(by_rank[r]);
      if (!Vocabulary::FromWords(words, &out.vocab)) return InternalError("vocabulary remap failed");
    }
    out.trie.levels.resize(options_.order);
    out.counts.resize(options_.order);
    TrieLevel& uni = out.trie.levels[0];
    uni.words.resize(V);
    std::iota(uni.words.begin(), uni.words.end(), 0);
    out.counts[0].resize(V);
    for (WordId r = 0; r < V; ++r) out.counts[0][r] = unigram_counts_[by_rank[r]];
    std::vector<Count>().swap(unigram_counts_);
    if (done) GRAMS_RETURN_IF_ERROR(done(&out, 1));

    // The hash slots are done with: release them all before sorting.
    for (auto& tables : parts_)
      for (auto& table : tables) table.ReleaseSlots();
    // An entry's global index: its partition's offset plus its index there.
    // perm[global index] = new index, for the order below the one being sorted.
    const int parts = static_cast<int>(parts_.size());
    const std::vector<uint32_t> word_map = new_id;
    std::vector<uint32_t> perm = std::move(new_id);
    std::vector<size_t> lower_offset(parts, 0);  // order n-1; unigrams are global already
    size_t lower_size = V;  // entries of order n-1 (`done` may have released them)
    for (int n = 2; n <= options_.order; ++n) {
      if (options_.progress) {
        options_.progress(Progress{"sorting", static_cast<uint64_t>(n - 2),
                                   static_cast<uint64_t>(options_.order - 1), "orders"});
      }
      std::vector<size_t> offset(parts + 1, 0);
      for (int p = 0; p < parts; ++p) offset[p + 1] = offset[p] + parts_[p][n - 2].size();
      const size_t m = offset[parts];
      const size_t parents = lower_size;
      if (m > OrderTable::kMaxEntries) {
        return ResourceExhausted("too many distinct n-grams of order " + std::to_string(n) +
                                 " for one in-memory count");
      }
      // Keys and counts in global order; each partition's entries go as soon
      // as they are read.
      const int pbits = BitsFor(parents), wbits = BitsFor(V), ibits = BitsFor(m);
      const bool packed = pbits + wbits + ibits <= 64;
      std::vector<uint64_t> keys;
      std::vector<KeyValue> wide_keys;
      (packed ? keys.resize(m) : wide_keys.resize(m));
      std::vector<uint32_t> counts32(m);
      // Each partition fills its own range of global indices: one thread each.
      RunOnThreads(parts, [&](int p) {
        std::vector<CountEntry>& entries = parts_[p][n - 2].entries();
        for (size_t idx = 0; idx < entries.size(); ++idx) {
          const CountEntry& e = entries[idx];
          const uint64_t g = offset[p] + idx;
          const uint64_t parent = perm[(n == 2 ? 0 : lower_offset[p]) + e.parent];
          if (packed) {
            keys[g] = ((parent << wbits | word_map[e.word]) << ibits) | g;
          } else {
            wide_keys[g] = {parent << 32 | word_map[e.word], static_cast<uint32_t>(g)};
          }
          counts32[g] = e.count;
        }
        parts_[p][n - 2].Release();
      });
      std::vector<uint32_t>().swap(perm);
      TrieLevel& level = out.trie.levels[n - 1];
      level.words.resize(m);
      level.parents.resize(m);
      std::vector<Count>& counts = out.counts[n - 1];
      counts.resize(m);
      std::vector<uint32_t> next_perm(m);
      if (packed) {
        SortInPlace64(&keys, parts);
        const uint64_t wmask = (uint64_t{1} << wbits) - 1, imask = (uint64_t{1} << ibits) - 1;
        // Each thread takes a slice of the sorted keys; the g they write to
        // are distinct.
        RunOnThreads(parts, [&](int t) {
          const size_t from = m * t / parts, to = m * (t + 1) / parts;
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
        RadixSortByKey(&wide_keys);
        for (uint32_t k = 0; k < m; ++k) {
          const uint32_t g = wide_keys[k].value;
          level.words[k] = static_cast<WordId>(wide_keys[k].key & 0xffffffffu);
          level.parents[k] = static_cast<EntryIndex>(wide_keys[k].key >> 32);
          counts[k] = counts32[g];
          next_perm[g] = k;
        }
      }
      perm.swap(next_perm);
      for (int p = 0; p < parts; ++p) lower_offset[p] = offset[p];
      lower_size = m;
      if (done) GRAMS_RETURN_IF_ERROR(done(&out, n));
    }
    return out;
  }

 private:
  CountOptions options_;
  Status invalid_;  // set when the options are unusable; every call returns it
  Vocabulary vocab_;
  std::vector<Count> unigram_counts_;
  // parts_[p][n-2]: partition p's table of order n. One partition per
  // counting thread.
  std::vector<std::vector<OrderTable>> parts_;
  struct Scratch {
    std::vector<uint32_t> active, prev;
    std::vector<uint64_t> hashes;
  };
  std::vector<Scratch> scratch_;
  std::vector<WordId> batch_;
  std::vector<uint32_t> limits_;  // per batch position: end of its sentence
  uint64_t sentences_ = 0, tokens_counted_ = 0;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::string_view> tokens_;
  bool stream_open_ = false;  // boundaries=none: the stream's <s> is out
  std::vector<uint32_t> done_;  // per batch position: orders already counted
  WordId byte_ids_[256];
  static constexpr uint32_t kOpen = UINT32_MAX;  // limit of a stream position
};

Counter::Counter(const CountOptions& options) : impl_(new Impl(options)) {}
Counter::~Counter() = default;

Status Counter::AddFile(const std::string& path) { return impl_->AddFile(path); }

Status Counter::AddLine(std::string_view line, const std::string& where) {
  return impl_->AddLine(line, /*newline=*/true, where, 1, 0);
}

StatusOr<NgramCounts> Counter::Finish() { return impl_->Finish(); }

Status Counter::AddCounts(const NgramCounts& counts, const std::string& name) {
  return impl_->AddCounts(counts, name);
}

Status Counter::FinishToFile(const std::string& path) {
  std::unique_ptr<CountsFileWriter> writer;
  std::vector<uint64_t> sizes;
  Impl* impl = impl_.get();
  auto written = impl_->Finish([&](NgramCounts* out, int n) -> Status {
    if (n == 1) {
      sizes = impl->OrderSizes();
      GRAMS_ASSIGN_OR_RETURN(writer, CountsFileWriter::Open(path, out->settings, sizes,
                                                            out->sentences, out->tokens));
      writer->AddUnigrams(out->vocab, out->counts[0]);
      return Status::OK();
    }
    writer->AddOrder(sizes[n - 2], out->trie.levels[n - 1], out->counts[n - 1]);
    // Written: the next orders need only its size.
    out->trie.levels[n - 1] = TrieLevel();
    std::vector<Count>().swap(out->counts[n - 1]);
    return Status::OK();
  });
  if (!written.ok()) return written.status();
  if (!writer) return InternalError("counts writer never opened");
  return writer->Finish();
}

namespace {
// Adds the counts files into a new Counter.
StatusOr<std::unique_ptr<Counter>> MergeInto(const std::vector<std::string>& paths) {
  if (paths.empty()) return InvalidArgument("no counts files to merge");
  std::unique_ptr<Counter> counter;
  for (const auto& path : paths) {
    GRAMS_ASSIGN_OR_RETURN(NgramCounts c, ReadCountsFile(path));
    if (!counter) {
      CountOptions options;
      options.order = c.order();
      options.tokenizer = c.settings;
      counter = std::make_unique<Counter>(options);
    }
    GRAMS_RETURN_IF_ERROR(counter->AddCounts(c, path == "-" ? "<stdin>" : path));
  }
  return counter;
}
}  // namespace

StatusOr<NgramCounts> MergeCountFiles(const std::vector<std::string>& paths) {
  GRAMS_ASSIGN_OR_RETURN(auto counter, MergeInto(paths));
  return counter->Finish();
}

Status MergeCountFilesToFile(const std::vector<std::string>& paths, const std::string& out) {
  GRAMS_ASSIGN_OR_RETURN(auto counter, MergeInto(paths));
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
