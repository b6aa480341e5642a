#include "count/trie_merge.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "count/counter_impl.h"
#include "format/binary_file.h"
#include "format/count_file.h"
#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "grams/vocabulary.h"
#include "io/file.h"
#include "util/alloc_guard.h"
#include "util/coding.h"
#include "util/prefetch.h"
#include "util/threads.h"
#include "vocab/canonical_order.h"

namespace grams::count {
namespace {

// The most bytes of a varint (a bound for reads PrepareOrder checked).
constexpr size_t kMaxVarint = 10;
// An order is merged on two threads when its parents have this many
// sources (the files' entries of the order below) or more.
size_t split_at_least = 1 << 16;
// An entry's sources are file numbers, in a byte when there are few files
// (TrieMerger<uint8_t>), the last one marked with the top bit.
template <typename Source>
constexpr Source kLastSource = static_cast<Source>(Source{1} << (8 * sizeof(Source) - 1));
static_assert(kMaxTrieMergeFiles <= kLastSource<uint16_t>);
// The trie merge's peak memory per n-gram of its files (Prepare).
constexpr uint64_t kBytesPerFileEntry = 5;

// Bytes in a buffer that grows without zero-filling (fresh pages are
// touched only as they are written: page faults cost).
class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&& o) noexcept { *this = std::move(o); }
  ByteBuffer& operator=(ByteBuffer&& o) noexcept {
    buf_ = std::move(o.buf_);
    size_ = std::exchange(o.size_, 0);
    cap_ = std::exchange(o.cap_, 0);
    return *this;
  }
  char* data() { return buf_.get(); }
  const char* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }
  // Room for `more` bytes past size().
  void Reserve(size_t more) {
    if (__builtin_expect(size_ + more > cap_, 0)) Grow(more);
  }
  void set_size(size_t size) { size_ = size; }
  // size bytes, their values unset: what was there is dropped, not copied
  // (with room for Pad).
  void ResizeDiscarding(size_t size) {
    if (size + kPadding > cap_ || !buf_) {
      buf_.reset();
      cap_ = 0;
      const size_t cap = size + kPadding;
      SizedAllocation(cap, [&] { buf_.reset(new char[cap]); });
      cap_ = cap;
    }
    size_ = size;
  }
  std::string_view view() const { return std::string_view(buf_.get(), size_); }
  // kPadding zero bytes past size() (not part of it), which SkipVarints
  // may read.
  void Pad() {
    Reserve(kPadding);
    std::memset(buf_.get() + size_, 0, kPadding);
  }
  static constexpr size_t kPadding = 8;

 private:
  __attribute__((noinline)) void Grow(size_t more) {
    const size_t cap = std::max(size_ + more, 2 * cap_);
    std::unique_ptr<char[]> bigger;
    SizedAllocation(cap, [&] { bigger.reset(new char[cap]); });
    if (size_ > 0) std::memcpy(bigger.get(), buf_.get(), size_);
    buf_ = std::move(bigger);
    cap_ = cap;
  }
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0, cap_ = 0;
};

// Varints appended to a ByteBuffer.
class VarintOut {
 public:
  static constexpr size_t kMaxVarintBytes = 10;
  void ReserveBytes(uint64_t bytes) { buf_.Reserve(bytes); }
  __attribute__((always_inline)) void Put(uint64_t v) {
    buf_.Reserve(kMaxVarintBytes);
    buf_.set_size(static_cast<size_t>(EncodeVarint64(buf_.data() + buf_.size(), v) - buf_.data()));
  }
  // Bytes of varints made elsewhere.
  void Append(std::string_view bytes) { Append(bytes.data(), bytes.data() + bytes.size()); }
  std::string_view view() const { return buf_.view(); }
  void Clear() { buf_.clear(); }
  void Append(const char* begin, const char* end) {
    const size_t len = static_cast<size_t>(end - begin);
    buf_.Reserve(len);
    std::memcpy(buf_.data() + buf_.size(), begin, len);
    buf_.set_size(buf_.size() + len);
  }
  // The same, from a padded buffer (ByteBuffer::Pad: 8 bytes readable past
  // `end`): the few bytes of most calls copied as one or two 8-byte words.
  void AppendPadded(const char* begin, const char* end) {
    const size_t len = static_cast<size_t>(end - begin);
    buf_.Reserve(len + sizeof(uint64_t));
    char* out = buf_.data() + buf_.size();
    uint64_t x, y;
    if (len <= sizeof x) {
      std::memcpy(&x, begin, sizeof x);
      std::memcpy(out, &x, sizeof x);
    } else if (len <= 2 * sizeof x) {
      std::memcpy(&x, begin, sizeof x);
      std::memcpy(&y, end - sizeof y, sizeof y);
      std::memcpy(out, &x, sizeof x);
      std::memcpy(out + len - sizeof y, &y, sizeof y);
    } else {
      std::memcpy(out, begin, len);
    }
    buf_.set_size(buf_.size() + len);
  }
  ByteBuffer Take() { return std::move(buf_); }

 private:
  ByteBuffer buf_;
};

// The varint at *p, which was checked to be there (GetVarint64, always
// inline: most are one byte).
__attribute__((always_inline)) inline uint64_t NextVarint(const char** p) {
  const unsigned char b = static_cast<unsigned char>(**p);
  if (__builtin_expect(b < 0x80, 1)) {
    ++*p;
    return b;
  }
  uint64_t v = 0;
  GetVarint64Slow(p, *p + kMaxVarint, &v);
  return v;
}

// Whether the varint that ended at p, started at start, took more bytes
// than its value needs (a last byte of 0: it reads the same).
inline bool Overlong(const char* start, const char* p) { return p - start > 1 && p[-1] == 0; }

// The n varints of *buf written again in the fewest bytes each (as every
// other writer writes them: the trie merge copies varints as bytes).
// REQUIRES: they were checked to be there.
void RewriteShort(ByteBuffer* buf, uint64_t n) {
  VarintOut canonical;
  const char *p = buf->data(), *end = p + buf->size();
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t v = 0;
    GetVarint64(&p, end, &v);
    canonical.Put(v);
  }
  *buf = canonical.Take();
}

// One file's order n, ready to merge (TrieMerger::PrepareOrder): its
// sections decompressed and checked, and its words re-encoded with merged
// ids (WORDS(n) as the merge writes it where one file has the parent).
struct OrderData {
  ByteBuffer child_counts, counts, words;
};

// Past the next c varints at p, eight bytes at a time: the ends in them
// (a varint ends at a byte below 0x80) counted while the c-th is beyond
// them, then found among them. REQUIRES: they were checked to be there,
// and their buffer is padded (ByteBuffer::Pad: the 8 bytes read at the
// last of them run up to 7 bytes past it).
static_assert(std::endian::native == std::endian::little, "SkipVarints reads 8 bytes as a number");
inline const char* SkipVarints(const char* p, uint64_t c) {
  if (c == 0) return p;
  for (;;) {
    uint64_t x;
    std::memcpy(&x, p, sizeof x);
    uint64_t ends = ~x & 0x8080808080808080ull;  // (little-endian: byte k is bits 8k..8k+7)
    // (The ends counted without a popcount instruction, which the baseline
    // x86-64 lacks: a byte each, added up in the top byte.)
    const uint64_t here = ((ends >> 7) * 0x0101010101010101ull) >> 56;
    if (here >= c) {
      for (uint64_t k = 1; k < c; ++k) ends &= ends - 1;  // the c-th end is the lowest left
      return p + __builtin_ctzll(ends) / 8 + 1;
    }
    c -= here;
    p += sizeof x;
  }
}

// Where a merge reads a file's order: in its child counts, its words and
// its counts.
struct Cursor {
  const char *cc = nullptr, *w = nullptr, *c = nullptr;
  // The files' streams are read a few bytes at a time, many files in
  // turn: too many streams for the hardware to see, so each loads its next
  // lines before it reaches them.
  void PrefetchAhead() const {
    grams::PrefetchAhead(cc, 128);
    grams::PrefetchAhead(w, 128);
    grams::PrefetchAhead(c, 128);
  }
};

// A file being merged: its reader, its words' merged ids and, order by
// order, its sections.
struct Input {
  std::unique_ptr<BinaryFileReader> reader;
  std::vector<WordId> rank;  // the file's word id -> the merged one
  OrderData data[2];         // the order merging, and the next one

  const std::string& name() const { return reader->name(); }
  const FileHeader& header() const { return reader->header(); }
  static Cursor Begin(const OrderData& d) {
    return Cursor{d.child_counts.data(), d.words.data(), d.counts.data()};
  }
  static Cursor End(const OrderData& d) {
    return Cursor{d.child_counts.data() + d.child_counts.size(), d.words.data() + d.words.size(),
                  d.counts.data() + d.counts.size()};
  }
};

// A file's children of the parent being merged: the next one's word, the
// file, and the children left.
struct Head {
  WordId word;
  uint16_t f;
  uint64_t left;
};

// A parent's children from at most this many files are merged as they come
// (each file's in order), from more gathered and sorted.
constexpr size_t kFewSources = 8;

Status CountOverflow() {
  return ResourceExhausted("the trie merge: an n-gram's count exceeds 2^64-1");
}

// One thread's share of an order's merge: a range of the parents, the
// files' cursors there, and what it makes.
template <typename Source>
struct MergePart {
  std::vector<Cursor> start, at;  // where its share starts in the files, and where it is
  VarintOut child_counts, words, counts;
  std::vector<Source> next_sources;  // the sources of its entries
  uint64_t entries = 0;
  // A parent's files that have children: each one's next child, and how
  // many are left.
  std::vector<Head> heads;
  // Its children gathered, from many files: (merged word << 32 | index)
  // keys, and by index the file and count.
  std::vector<uint64_t> keys;
  std::vector<uint16_t> from;
  std::vector<uint64_t> counts_of;
};

template <typename Source>
class TrieMerger {
 public:
  TrieMerger(const CountOptions& options) : options_(options) {}

  // Opens the files and merges their vocabularies; *qualifies false when
  // the general merge must take them.
  Status Prepare(const std::vector<std::string>& paths, bool* qualifies);
  // The merge itself, written to `out`.
  Status Write(const std::string& out);

 private:
  Status ReadSection(Input* in, uint32_t id, ByteBuffer* raw, StoredSection* stored);
  void StartUnigrams();
  // Reads order n of every file into data[slot] (on a thread of its own
  // while order n-1 merges): decompressed, the structure checked, and the
  // words renumbered, a file at a time (its rank array stays in cache;
  // looked up in the merge's order, the files' arrays missed it).
  Status PrepareOrder(int n, int slot);
  static Status CheckCounts(const Input& in, int n, uint64_t entries, ByteBuffer* counts);
  // Merges order n from data[slot], on two threads where it is large: the
  // second's share of the parents starts where the first's ends.
  Status MergeOrder(int n, int slot);
  // The parents [begin, end) of order n, their sources from sources_[from]
  // on, into *part from its cursors.
  Status MergeRange(int n, uint64_t begin, uint64_t end, size_t from, MergePart<Source>* part);
  // part->at for the parents from the one whose sources start at
  // sources_[from].
  void SeekCursors(int slot, size_t from, MergePart<Source>* part) const;
  Status Malformed(const Input& in, int n) const {
    return CorruptionError(in.name() + ": order " + std::to_string(n) +
                           " has a malformed structure, words or counts (the file is corrupted)");
  }
  // Compresses a section of order n's output (order 1: the vocabulary and
  // its counts) on a thread of its own, which owns its bytes until then,
  // and appends it to the spill file once the section before it is there.
  template <typename Bytes>
  void Compress(int n, uint32_t id, Bytes raw) {
    Spilled& s = spilled_[n % 2];
    s.end = StartAsync(
        [this, id, raw = std::move(raw), before = last_.end]() mutable -> StatusOr<uint64_t> {
          auto section = CompressCountsSection(id, std::string_view(raw.data(), raw.size()));
          raw = Bytes();
          uint64_t at = 0;
          if (before.valid()) {
            const StatusOr<uint64_t>& done = before.get();
            if (!done.ok()) return done.status();
            at = done.value();
          }
          if (!section.ok()) return section.status();
          GRAMS_RETURN_IF_ERROR(spill_->Append(section->bytes.get(), section->size));
          return at + section->size;
        });
    s.sections = ++sections_;
    last_ = s;
  }
  // Waits until order n's sections are in the spill file (the output in
  // memory is then two orders' at most); *end: the bytes of the spill file
  // up to them, *sections: the sections.
  Status WaitSpilled(int n, uint64_t* end = nullptr, uint64_t* sections = nullptr);
  // Frees what the merge of the last order does not use.
  void ReleaseForLastOrder();

  const CountOptions& options_;
  std::vector<Input> inputs_;
  int order_ = 0;
  TokenizerSettings settings_;
  uint64_t sentences_ = 0, tokens_ = 0;
  std::vector<uint64_t> sizes_;  // of the output, per order
  StoredSection stored_;         // each frame as read, before decompression
  ByteBuffer words_raw_;         // a file's WORDS(n) as stored, while renumbered
  // The merged vocabulary (by counting id), its order 1 and its order.
  Vocabulary merged_;
  std::vector<Count> unigrams_;
  std::vector<WordId> by_rank_;  // the merged id of rank r
  // The merged entries of the order below, in order: the files that have
  // each, ascending, the last marked kLast.
  static constexpr Source kLast = kLastSource<Source>;
  static constexpr Source kFile = static_cast<Source>(kLast - 1);  // the file's number
  std::vector<Source> sources_;
  MergePart<Source> parts_[2];
  // The output's sections, compressed while the next order merges and
  // kept in a file until the header's counts are known. A section is
  // there once its future has the spill file's size after it.
  struct Spilled {
    std::shared_future<StatusOr<uint64_t>> end;
    uint64_t sections = 0;  // up to it
  };
  std::unique_ptr<io::TempFile> spill_;
  uint64_t sections_ = 0;
  Spilled spilled_[2], last_;  // the last section of the orders of each parity, and of all
};

template <typename Source>
Status TrieMerger<Source>::WaitSpilled(int n, uint64_t* end, uint64_t* sections) {
  const Spilled& last = spilled_[n % 2];
  if (n < 1 || !last.end.valid()) return Status::OK();
  const StatusOr<uint64_t>& done = last.end.get();
  if (!done.ok()) return done.status();
  if (end) *end = done.value();
  if (sections) *sections = last.sections;
  return Status::OK();
}

template <typename Source>
void TrieMerger<Source>::ReleaseForLastOrder() {
  for (Input& in : inputs_) in.data[(order_ + 1) % 2] = OrderData();
  for (MergePart<Source>& part : parts_) {
    std::vector<Source>().swap(part.next_sources);
  }
  words_raw_ = ByteBuffer();
  stored_ = StoredSection();
}

template <typename Source>
Status TrieMerger<Source>::ReadSection(Input* in, uint32_t id, ByteBuffer* raw,
                                       StoredSection* stored) {
  GRAMS_RETURN_IF_ERROR(in->reader->NextStored(id, stored));
  raw->ResizeDiscarding(stored->raw_size);
  return stored->Decompress(in->name(), raw->data());
}

template <typename Source>
Status TrieMerger<Source>::Prepare(const std::vector<std::string>& paths, bool* qualifies) {
  *qualifies = false;
  if (paths.empty() || paths.size() > kMaxTrieMergeFiles) return Status::OK();
  for (const auto& path : paths)
    if (path == "-") return Status::OK();  // read once, by the general merge
  inputs_.resize(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(paths[i]));
    GRAMS_ASSIGN_OR_RETURN(inputs_[i].reader,
                           BinaryFileReader::Open(std::move(in), FileKind::kCounts));
    const FileHeader& h = inputs_[i].header();
    const FileHeader& first = inputs_[0].header();
    if (h.order < 1 || h.order != first.order || h.settings != first.settings || !h.info.empty() ||
        h.ngram_counts.size() != h.order) {
      return Status::OK();
    }
  }
  // Under a budget: about 5 bytes per n-gram of the files at the peak
  // (peak RSS 5.0 with 64 shards of scale.txt, 5.3 with 4: two orders of
  // the files decompressed, the order being made and the sources of two
  // orders, a byte per file that has an entry); over it, the general
  // merge, which spills.
  uint64_t file_entries = 0;
  for (const Input& in : inputs_)
    for (uint64_t m : in.header().ngram_counts) file_entries += m;
  if (options_.memory > 0 && file_entries > options_.memory / kBytesPerFileEntry) {
    return Status::OK();
  }
  const FileHeader& first = inputs_[0].header();
  auto settings = TokenizerSettings::FromKeyValues(first.settings);
  if (!settings.ok() || settings->boundaries == Boundaries::kNone) return Status::OK();
  settings_ = std::move(settings).value();
  order_ = static_cast<int>(first.order);
  const int threads = CountingThreads(options_);

  // Every file's vocabulary and order 1, read and decompressed on the
  // threads (into order 2's buffers, free till then).
  {
    std::vector<Status> read(threads);
    RunOnThreads(threads, [&](int t) {
      StoredSection stored;
      for (size_t i = t; i < inputs_.size() && read[t].ok(); i += threads) {
        OrderData& d = inputs_[i].data[0];
        read[t] =
            ReadSection(&inputs_[i], SectionId(SectionType::kVocab, 0), &d.child_counts, &stored);
        if (read[t].ok()) {
          read[t] =
              ReadSection(&inputs_[i], SectionId(SectionType::kCounts, 1), &d.counts, &stored);
        }
      }
    });
    for (const Status& st : read) GRAMS_RETURN_IF_ERROR(st);
  }
  // The vocabularies merged, and order 1 added up, by merged counting id.
  // Sized for the largest file's words and half the others' (shards share
  // many: 4 of scale.txt have 923K words, 701K of them distinct; 64 have
  // 1.64M), so that the table is not rebuilt as it fills.
  uint64_t words_left = 0, largest = 0, bytes_left = 0, largest_bytes = 0;
  for (const Input& in : inputs_) {
    const uint64_t w = in.header().vocab_size, b = in.data[0].child_counts.size();
    words_left += w;
    bytes_left += b;
    largest = std::max(largest, w);
    largest_bytes = std::max(largest_bytes, b);
  }
  merged_.Reserve(largest + (words_left - largest) / 2,
                  largest_bytes + (bytes_left - largest_bytes) / 2);
  unigrams_.assign(kNumReservedWords, 0);
  std::vector<uint64_t> hashes;
  std::vector<std::string_view> words;
  size_t first_words = 0;  // (none while the first file is read)
  for (Input& in : inputs_) {
    OrderData& d = in.data[0];
    GRAMS_RETURN_IF_ERROR(DecodeVocabWords(in.name(), in.header(), d.child_counts.view(), &words));
    // Each word's slot prefetched 16 words ahead of its lookup (as the
    // general merge does, count/merge_counts.cc).
    constexpr size_t kAhead = 16;
    hashes.resize(words.size());
    for (size_t l = 0; l < words.size(); ++l) hashes[l] = Vocabulary::Hash(words[l]);
    in.rank.resize(words.size());
    // The first file's words take merged ids 0 .. first_words-1 in its
    // order: the words another file shares with it must come in that order
    // too. Files numbered apart fail this at once, before the rest is read
    // and ranked for the check below, which the general merge does again.
    WordId last_shared = kNumReservedWords - 1;
    for (size_t l = 0; l < words.size(); ++l) {
      if (l + kAhead < words.size()) merged_.Prefetch(hashes[l + kAhead]);
      const WordId w = merged_.FindOrInsert(words[l], hashes[l]);
      if (w == Vocabulary::kNotFound) return Status::OK();
      if (l >= kNumReservedWords && w < first_words) {
        if (w <= last_shared) return Status::OK();
        last_shared = w;
      }
      in.rank[l] = w;
    }
    if (&in == &inputs_.front()) first_words = merged_.size();
    if (unigrams_.size() < merged_.size()) unigrams_.resize(merged_.size(), 0);
    GRAMS_RETURN_IF_ERROR(VisitCounts(in.name(), 1, d.counts.view(), words.size(),
                                      [&](uint64_t l, Count c) { unigrams_[in.rank[l]] += c; }));
    sentences_ += in.header().sentences;
    tokens_ += in.header().tokens;
    d = OrderData();
  }

  // The order of the merged words: canonical, or with a shared vocabulary
  // its order (the output numbered as a count with it would be); each
  // file's words must follow it.
  const size_t V = merged_.size();
  if (options_.shared_vocab.empty()) {
    const std::vector<uint32_t> order = SortCanonically(
        V - kNumReservedWords, [&](size_t i) { return unigrams_[i + kNumReservedWords]; },
        [&](size_t i) { return merged_.Word(static_cast<WordId>(i + kNumReservedWords)); },
        threads);
    by_rank_.resize(V);
    for (WordId r = 0; r < kNumReservedWords; ++r) by_rank_[r] = r;
    for (size_t r = 0; r < order.size(); ++r)
      by_rank_[r + kNumReservedWords] = order[r] + kNumReservedWords;
  } else {
    // (Any error here is the general merge's to report, which reads it too.)
    std::string raw;
    std::vector<std::string_view> given;
    if (!ReadSharedVocab(options_.shared_vocab, settings_, &raw, &given).ok()) {
      return Status::OK();
    }
    auto order = OrderByGiven(merged_, given, options_.shared_vocab);
    if (!order.ok()) return Status::OK();
    by_rank_ = std::move(order).value();
  }
  std::vector<WordId> rank_of(V);
  for (size_t r = 0; r < V; ++r) rank_of[by_rank_[r]] = static_cast<WordId>(r);
  for (Input& in : inputs_) {
    for (size_t l = 0; l < in.rank.size(); ++l) {
      in.rank[l] = rank_of[in.rank[l]];
      const bool in_order = l < kNumReservedWords ? in.rank[l] == l : in.rank[l] > in.rank[l - 1];
      if (!in_order) return Status::OK();
    }
  }
  *qualifies = true;
  return Status::OK();
}

// The vocabulary and order 1 (to be written first), and order 1's sources:
// the files that have each word, in file order.
template <typename Source>
void TrieMerger<Source>::StartUnigrams() {
  const size_t V = merged_.size();
  std::vector<std::string_view> words(V);
  std::vector<Count> counts(V);
  for (size_t r = 0; r < V; ++r) {
    const WordId w = by_rank_[r];
    words[r] = merged_.Word(w);
    counts[r] = unigrams_[w];
  }
  Compress(1, SectionId(SectionType::kVocab, 0), EncodeVocab(words));
  Compress(1, SectionId(SectionType::kCounts, 1), EncodeCounts(counts.data(), counts.size()));
  std::vector<Count>().swap(unigrams_);
  std::vector<WordId>().swap(by_rank_);
  merged_ = Vocabulary();  // the words are in the VOCAB section now
  sizes_.assign(order_, 0);
  sizes_[0] = V;
  if (order_ >= 2) {
    std::vector<uint64_t> at(V + 1, 0);
    for (const Input& in : inputs_)
      for (WordId r : in.rank) ++at[r + 1];
    for (size_t r = 0; r < V; ++r) at[r + 1] += at[r];
    sources_.resize(at[V]);
    for (size_t i = 0; i < inputs_.size(); ++i)
      for (WordId r : inputs_[i].rank) sources_[at[r]++] = static_cast<Source>(i);
    // (at[r] is now where word r's sources end: every word has one.)
    for (size_t r = 0; r < V; ++r) sources_[at[r] - 1] |= kLast;
  }
}

// COUNTS(n) of `in`: `entries` varints, none 0, nothing after them (as
// VisitCounts checks). The merge copies a count's bytes where one file has
// its n-gram, so a count written in more bytes than it needs (which reads
// the same) is written again in the fewest, as every other merge writes it.
template <typename Source>
Status TrieMerger<Source>::CheckCounts(const Input& in, int n, uint64_t entries,
                                       ByteBuffer* counts) {
  const char *p = counts->data(), *end = p + counts->size();
  bool overlong = false;
  for (uint64_t k = 0; k < entries; ++k) {
    const char* start = p;
    uint64_t c;
    if (!GetVarint64(&p, end, &c)) return MalformedCounts(in.name(), n);
    if (c == 0) return ZeroCount(in.name(), n);
    overlong = overlong || Overlong(start, p);
  }
  if (p != end) return MalformedCounts(in.name(), n);
  if (overlong) RewriteShort(counts, entries);
  return Status::OK();
}

template <typename Source>
Status TrieMerger<Source>::PrepareOrder(int n, int slot) {
  const uint32_t un = static_cast<uint32_t>(n);
  for (Input& in : inputs_) {
    OrderData& d = in.data[slot];
    GRAMS_RETURN_IF_ERROR(
        ReadSection(&in, SectionId(SectionType::kChildCounts, un), &d.child_counts, &stored_));
    GRAMS_RETURN_IF_ERROR(
        ReadSection(&in, SectionId(SectionType::kWords, un), &words_raw_, &stored_));
    GRAMS_RETURN_IF_ERROR(
        ReadSection(&in, SectionId(SectionType::kCounts, un), &d.counts, &stored_));
    const uint64_t lower = in.header().ngram_counts[n - 2];
    const uint64_t entries = in.header().ngram_counts[n - 1];
    // A varint takes a byte at least: claims the bytes cannot hold are
    // refused before anything is sized from them.
    if (entries > words_raw_.size() || lower > d.child_counts.size()) return Malformed(in, n);
    d.words.clear();
    d.words.Reserve(words_raw_.size() + (words_raw_.size() >> 2) + ByteBuffer::kPadding);
    const char *pcc = d.child_counts.data(), *ecc = pcc + d.child_counts.size();
    const char *pw = words_raw_.data(), *ew = pw + words_raw_.size();
    const WordId* rank = in.rank.data();
    const uint64_t V = in.rank.size();
    char* out = d.words.data();
    uint64_t k = 0;
    bool overlong = false;  // a child count written in more bytes than it needs
    for (uint64_t parent = 0; parent < lower; ++parent) {
      uint64_t c, delta, local = 0;
      const char* start = pcc;
      if (!GetVarint64(&pcc, ecc, &c) || c > entries - k) return Malformed(in, n);
      overlong = overlong || Overlong(start, pcc);
      // A merged id takes 5 bytes at most.
      if (c > 0) {
        d.words.set_size(static_cast<size_t>(out - d.words.data()));
        d.words.Reserve(5 * c);
        out = d.words.data() + d.words.size();
      }
      WordId prev = 0;
      for (uint64_t j = 0; j < c; ++j) {
        if (!GetVarint64(&pw, ew, &delta) || delta >= V) return Malformed(in, n);
        local = j == 0 ? delta : local + delta + 1;
        if (local >= V) return Malformed(in, n);
        const WordId word = rank[local];
        out = EncodeVarint64(out, j == 0 ? word : word - prev - 1);
        prev = word;
      }
      k += c;
    }
    if (pcc != ecc || pw != ew || k != entries) return Malformed(in, n);
    d.words.set_size(static_cast<size_t>(out - d.words.data()));
    GRAMS_RETURN_IF_ERROR(CheckCounts(in, n, entries, &d.counts));
    // The merge copies child counts as bytes: written again in the fewest
    // where they were not (as every other merge writes them).
    if (overlong) RewriteShort(&d.child_counts, lower);
    d.child_counts.Pad();
    d.words.Pad();
    d.counts.Pad();
  }
  return Status::OK();
}

template <typename Source>
Status TrieMerger<Source>::MergeOrder(int n, int slot) {
  const uint32_t un = static_cast<uint32_t>(n);
  const uint64_t lower = sizes_[n - 2];
  // (Order n-2's sections were compressed while n-1 merged.)
  GRAMS_RETURN_IF_ERROR(WaitSpilled(n - 2));
  // The second thread's share starts at the parent where half the files'
  // parents (their sources) are behind, on two threads and a large order.
  const int threads = CountingThreads(options_) >= 2 && sources_.size() >= split_at_least ? 2 : 1;
  uint64_t mid = lower;
  size_t from_mid = sources_.size();
  if (threads == 2) {
    size_t seen = 0;
    for (mid = 0; mid < lower && seen < sources_.size() / 2; ++mid) {
      while ((sources_[seen++] & kLast) == 0) {
      }
    }
    from_mid = seen;
  }
  // Sized for the files' sections of this order (the merge is smaller, as
  // a rule), and for their entries, which the merged ones do not exceed.
  uint64_t bytes[3] = {0, 0, 0}, in_entries = 0;
  parts_[0].at.resize(inputs_.size());
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const OrderData& d = inputs_[i].data[slot];
    bytes[0] += d.child_counts.size();
    bytes[1] += d.words.size();
    bytes[2] += d.counts.size();
    in_entries += inputs_[i].header().ngram_counts[n - 1];
    parts_[0].at[i] = Input::Begin(d);
  }
  // (The first share is sized for the whole, as the second is appended to
  // it: untouched pages cost nothing, copies into grown buffers do.)
  for (int t = 0; t < threads; ++t) {
    MergePart<Source>& part = parts_[t];
    const uint64_t share = t == 0 ? 1 : threads;
    part.child_counts.ReserveBytes(bytes[0] / share);
    part.words.ReserveBytes(bytes[1] / share);
    part.counts.ReserveBytes(bytes[2] / share);
    part.next_sources.clear();
    part.entries = 0;
    if (n < order_) part.next_sources.reserve(in_entries / share);
  }
  Status merged[2];
  RunOnThreads(threads, [&](int t) {
    if (t == 0) {
      merged[0] = MergeRange(n, 0, mid, 0, &parts_[0]);
    } else {
      SeekCursors(slot, from_mid, &parts_[1]);
      merged[1] = MergeRange(n, mid, lower, from_mid, &parts_[1]);
    }
  });
  for (int t = 0; t < threads; ++t) GRAMS_RETURN_IF_ERROR(merged[t]);
  // Each share read its files up to where the next one starts (where
  // SeekCursors put it), the last to their ends.
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Cursor end = threads == 2 ? parts_[1].start[i] : Input::End(inputs_[i].data[slot]);
    const Cursor& got = parts_[0].at[i];
    if (got.cc != end.cc || got.w != end.w || got.c != end.c) return Malformed(inputs_[i], n);
    if (threads == 2) {
      const Cursor real_end = Input::End(inputs_[i].data[slot]);
      const Cursor& got1 = parts_[1].at[i];
      if (got1.cc != real_end.cc || got1.w != real_end.w || got1.c != real_end.c) {
        return Malformed(inputs_[i], n);
      }
    }
  }
  MergePart<Source>& all = parts_[0];
  if (threads == 2) {
    MergePart<Source>& second = parts_[1];
    all.child_counts.Append(second.child_counts.view());
    all.words.Append(second.words.view());
    all.counts.Append(second.counts.view());
    // (Freed, not kept for the next order: memory is at its peak here.)
    second.child_counts.Take();
    second.words.Take();
    second.counts.Take();
    all.next_sources.insert(all.next_sources.end(), second.next_sources.begin(),
                            second.next_sources.end());
    all.entries += second.entries;
  }
  sizes_[n - 1] = all.entries;
  sources_.swap(all.next_sources);
  const uint32_t ids[3] = {SectionId(SectionType::kChildCounts, un),
                           SectionId(SectionType::kWords, un), SectionId(SectionType::kCounts, un)};
  VarintOut* made[3] = {&all.child_counts, &all.words, &all.counts};
  for (int s = 0; s < 3; ++s) Compress(n, ids[s], made[s]->Take());
  return Status::OK();
}

template <typename Source>
void TrieMerger<Source>::SeekCursors(int slot, size_t from, MergePart<Source>* part) const {
  // Each file's parents before the share: its sources before `from`.
  std::vector<uint64_t> before(inputs_.size(), 0);
  for (size_t j = 0; j < from; ++j) ++before[sources_[j] & kFile];
  part->at.resize(inputs_.size());
  for (size_t i = 0; i < inputs_.size(); ++i) {
    Cursor at = Input::Begin(inputs_[i].data[slot]);
    // (PrepareOrder checked the file's child counts: `before` of them are there.)
    uint64_t children = 0;
    for (uint64_t q = 0; q < before[i]; ++q) children += NextVarint(&at.cc);
    at.w = SkipVarints(at.w, children);
    at.c = SkipVarints(at.c, children);
    part->at[i] = at;
  }
  part->start = part->at;
}

template <typename Source>
Status TrieMerger<Source>::MergeRange(int n, uint64_t begin, uint64_t end, size_t from_index,
                                      MergePart<Source>* part) {
  const bool last = n == order_;
  VarintOut& child_counts = part->child_counts;
  VarintOut& words = part->words;
  VarintOut& counts = part->counts;
  std::vector<Source>& next_sources = part->next_sources;
  std::vector<Cursor>& at = part->at;
  const Source* from = sources_.data() + from_index;
  uint64_t entries = 0;
  // (PrepareOrder checked every section: the reads below stay within them.)
  for (uint64_t parent = begin; parent < end; ++parent) {
    if (*from & kLast) {
      // One file has the parent, and the run of parents after it that it
      // alone has too (its children's siblings, at the higher orders): they
      // are consecutive in the file, so their child counts and their
      // children's words and counts are copied as they are, a run at once.
      const Source only = *from;
      const uint64_t most = end - parent;  // (a parent has one source at least)
      uint64_t run = 1;
      // 8 bytes of sources at a time, up to the first that differs.
      constexpr uint64_t kPer = 8 / sizeof(Source);
      const uint64_t all = only * (~uint64_t{0} / std::numeric_limits<Source>::max());
      for (uint64_t x; run + kPer <= most; run += kPer) {
        std::memcpy(&x, from + run, sizeof x);
        if (x != all) {
          run += static_cast<uint64_t>(__builtin_ctzll(x ^ all)) / (8 * sizeof(Source));
          break;
        }
      }
      while (run < most && from[run] == only) ++run;
      from += run;
      parent += run - 1;
      const uint16_t f = only & kFile;
      Cursor& in = at[f];
      in.PrefetchAhead();
      uint64_t c = 0;
      const char* cc_end = in.cc;
      for (uint64_t q = 0; q < run; ++q) c += NextVarint(&cc_end);
      child_counts.AppendPadded(in.cc, cc_end);
      in.cc = cc_end;
      if (c == 0) continue;
      const char* w_end = SkipVarints(in.w, c);
      words.AppendPadded(in.w, w_end);
      in.w = w_end;
      const char* c_end = SkipVarints(in.c, c);
      counts.AppendPadded(in.c, c_end);
      in.c = c_end;
      if (!last) next_sources.insert(next_sources.end(), c, static_cast<Source>(only));
      entries += c;
      continue;
    }
    // Several: each one's first child read, then their children merged by
    // word (each file's are in order; with many files, gathered and sorted)
    // and added up.
    std::vector<Head>& heads = part->heads;
    heads.clear();
    for (bool more = true; more;) {
      more = (*from & kLast) == 0;
      const uint16_t f = *from++ & kFile;
      Cursor& in = at[f];
      in.PrefetchAhead();
      const uint64_t c = NextVarint(&in.cc);
      if (c == 0) continue;
      heads.push_back(Head{static_cast<WordId>(NextVarint(&in.w)), f, c});
    }
    uint64_t m = 0;
    WordId prev = 0;
    if (heads.size() <= kFewSources) {
      while (!heads.empty()) {
        WordId w = heads[0].word;
        for (size_t h = 1; h < heads.size(); ++h) w = std::min(w, heads[h].word);
        uint64_t sum = 0;
        for (size_t h = 0; h < heads.size();) {
          Head& head = heads[h];
          if (head.word != w) {
            ++h;
            continue;
          }
          Cursor& in = at[head.f];
          const uint64_t count = NextVarint(&in.c);
          if (sum + count < sum) return CountOverflow();
          sum += count;
          if (!last) next_sources.push_back(static_cast<Source>(head.f));
          if (--head.left == 0) {
            heads.erase(heads.begin() + static_cast<std::ptrdiff_t>(h));
            continue;
          }
          head.word = static_cast<WordId>(head.word + NextVarint(&in.w) + 1);
          ++h;
        }
        if (!last) next_sources.back() |= kLast;
        words.Put(m == 0 ? w : w - prev - 1);
        counts.Put(sum);
        prev = w;
        ++m;
      }
    } else {
      std::vector<uint64_t>& keys = part->keys;
      keys.clear();
      part->from.clear();
      part->counts_of.clear();
      for (const Head& head : heads) {
        Cursor& in = at[head.f];
        WordId word = head.word;
        for (uint64_t j = 0; j < head.left; ++j) {
          if (j > 0) word = static_cast<WordId>(word + NextVarint(&in.w) + 1);
          const uint64_t count = NextVarint(&in.c);
          keys.push_back((uint64_t{word} << 32) | keys.size());
          part->from.push_back(head.f);
          part->counts_of.push_back(count);
        }
      }
      if (keys.size() > UINT32_MAX) {
        return ResourceExhausted("the trie merge: more than 2^32-1 children of one n-gram");
      }
      std::sort(keys.begin(), keys.end());
      for (size_t a = 0; a < keys.size();) {
        const WordId w = static_cast<WordId>(keys[a] >> 32);
        uint64_t sum = 0;
        size_t b = a;
        for (; b < keys.size() && (keys[b] >> 32) == w; ++b) {
          const uint32_t i = static_cast<uint32_t>(keys[b]);
          if (sum + part->counts_of[i] < sum) return CountOverflow();
          sum += part->counts_of[i];
          if (!last) next_sources.push_back(static_cast<Source>(part->from[i]));
        }
        if (!last) next_sources.back() |= kLast;
        words.Put(m == 0 ? w : w - prev - 1);
        counts.Put(sum);
        prev = w;
        ++m;
        a = b;
      }
    }
    child_counts.Put(m);
    entries += m;
  }
  part->entries = entries;
  return Status::OK();
}

template <typename Source>
Status TrieMerger<Source>::Write(const std::string& out) {
  // Order n+1 is read and renumbered on another thread while order n
  // merges (data[n % 2] and data[(n + 1) % 2]).
  std::future<Status> next;
  struct Waiter {  // an early return waits for the thread using the files
    std::future<Status>* f;
    ~Waiter() { WaitIfStarted(*f); }
  } waiter{&next};
  GRAMS_ASSIGN_OR_RETURN(spill_, io::TempFile::Create(options_.temp_dir));
  if (order_ >= 2) next = StartAsync([this] { return PrepareOrder(2, 0); });
  StartUnigrams();
  for (int n = 2; n <= std::max(order_, 2); ++n) {
    if (options_.progress) {
      options_.progress(Progress{"merging counts files (trie merge)", static_cast<uint64_t>(n - 2),
                                 static_cast<uint64_t>(std::max(order_ - 1, 1)), "orders"});
    }
    if (n > order_) break;  // (order 1: the stage shown all the same)
    GRAMS_RETURN_IF_ERROR(next.get());
    if (n < order_) {
      next = StartAsync([this, n] { return PrepareOrder(n + 1, (n + 1) % 2); });
    } else {
      ReleaseForLastOrder();
    }
    GRAMS_RETURN_IF_ERROR(MergeOrder(n, n % 2));
  }
  std::vector<Source>().swap(sources_);
  for (MergePart<Source>& part : parts_) part = MergePart<Source>();
  for (Input& in : inputs_) {
    GRAMS_RETURN_IF_ERROR(in.reader->Finish());
    in.reader.reset();
  }
  // The header is known: the file is written while the last order's
  // sections compress.
  if (options_.progress) options_.progress(Progress{"writing", 0, 0, ""});
  GRAMS_ASSIGN_OR_RETURN(auto writer,
                         CountsFileWriter::Open(out, settings_, sizes_, sentences_, tokens_));
  uint64_t copied = 0, copied_sections = 0;
  for (int n : {order_ - 1, order_}) {
    if (n < 1) continue;
    uint64_t end = 0, sections = 0;
    GRAMS_RETURN_IF_ERROR(WaitSpilled(n, &end, &sections));
    GRAMS_RETURN_IF_ERROR(
        writer->AddCompressedFrom(*spill_, copied, end, sections - copied_sections));
    copied = end;
    copied_sections = sections;
  }
  return writer->Finish();
}

template <typename Source>
Status Merge(const std::vector<std::string>& paths, const std::string& out,
             const CountOptions& options, bool* applied) {
  TrieMerger<Source> merger(options);
  bool qualifies = false;
  // An error before the files are known to qualify (a file that cannot be
  // opened, a corrupt vocabulary) is the general merge's to report.
  if (!merger.Prepare(paths, &qualifies).ok() || !qualifies) return Status::OK();
  *applied = true;
  return merger.Write(out);
}

}  // namespace

void SetTrieMergeSplitForTesting(size_t entries) {
  split_at_least = entries == 0 ? size_t{1} << 16 : entries;
}

Status TrieMergeToFile(const std::vector<std::string>& paths, const std::string& out,
                       const CountOptions& options, bool* applied) {
  *applied = false;
  return paths.size() <= kLastSource<uint8_t> ? Merge<uint8_t>(paths, out, options, applied)
                                              : Merge<uint16_t>(paths, out, options, applied);
}

}  // namespace grams::count
