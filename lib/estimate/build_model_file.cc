// BuildModelFile: the streaming estimator. It reads a counts file and writes
// the model file that WriteModelFile(BuildModel(ReadCountsFile(...))) would,
// byte for byte, without ever holding the counts, the trie or the model.
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
// Per order the working set is a few arrays of 4 or 8 bytes per n-gram of
// orders n-1 and n; PlanMemory says how much, from the header's sizes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "estimate/estimate_internal.h"
#include "format/binary_file.h"
#include "format/model_file.h"
#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "io/temp_file.h"
#include "io/zstd_frame.h"
#include "util/alloc_guard.h"
#include "util/coding.h"
#include "util/prefetch.h"

namespace grams {
namespace estimate {
namespace {

constexpr size_t kChunkBytes = 1 << 20;  // doubles written to a temporary file at a time
constexpr int kParkZstdLevel = 1;        // arrays parked in temporary files
constexpr uint64_t kBlock = 4096;        // n-grams estimated per block
constexpr uint64_t kPrefetchAhead = 16;  // n-grams ahead whose lower probability is prefetched
constexpr uint64_t kGroupsAhead = 8;     // parents ahead whose suffix's children are prefetched

// Reads an array in order, `count` elements at a time: straight from memory,
// or from a zstd frame of a temporary file, a few hundred kilobytes at a time.
template <typename T>
class Cursor {
 public:
  explicit Cursor(const T* memory) : in_memory_(true), mem_(memory) {}
  Cursor(const io::TempFile* file, const io::FrameRef& frame)
      : reader_(std::make_unique<io::FrameReader>(file, frame)) {}

  // The next `count` elements; nullptr after a read error (status()).
  const T* Next(size_t count) {
    if (in_memory_) {
      const T* p = mem_ + pos_;
      pos_ += count;
      return p;
    }
    buf_.resize(count);
    if (!reader_->Read(buf_.data(), count * sizeof(T))) {
      status_ = reader_->status();
      if (status_.ok()) status_ = InternalError("read past a parked array");
      return nullptr;
    }
    return buf_.data();
  }
  const Status& status() const { return status_; }

 private:
  bool in_memory_ = false;
  const T* mem_ = nullptr;
  size_t pos_ = 0;  // elements consumed (memory)
  std::unique_ptr<io::FrameReader> reader_;  // or the file's frame
  std::vector<T> buf_;
  Status status_;
};

// An array (std::vector<T>) or bytes (std::string) that wait from the scan
// to the write pass: in memory, or in a temporary file.
template <typename C>
class Parked {
 public:
  using T = typename C::value_type;

  // Takes `data`; with a file, appends it there (one zstd frame) and frees it.
  Status Park(C&& data, io::TempFile* file) {
    size_ = data.size();
    file_ = file;
    if (file == nullptr) {
      mem_ = std::move(data);
      return Status::OK();
    }
    auto frame = io::AppendFrame(file, data.data(), size_ * sizeof(T), kParkZstdLevel);
    C().swap(data);
    if (!frame.ok()) return frame.status();
    frame_ = *frame;
    return Status::OK();
  }
  // The whole content, once.
  Status Take(C* out) {
    if (file_ == nullptr) {
      *out = std::move(mem_);
      C().swap(mem_);
      return Status::OK();
    }
    C().swap(*out);
    out->resize(size_);
    return io::ReadFrame(*file_, frame_, out->data());
  }
  // Sequential reading; the object must outlive the cursor.
  Cursor<T> Read() const { return file_ ? Cursor<T>(file_, frame_) : Cursor<T>(mem_.data()); }
  void Drop() { C().swap(mem_); }

 private:
  C mem_;
  io::TempFile* file_ = nullptr;
  io::FrameRef frame_;
  size_t size_ = 0;
};

// Appends doubles to a temporary file of their own through a buffer.
class DoubleSpill {
 public:
  static StatusOr<std::unique_ptr<DoubleSpill>> Create(const std::string& dir) {
    GRAMS_ASSIGN_OR_RETURN(auto file, io::TempFile::Create(dir));
    return std::unique_ptr<DoubleSpill>(new DoubleSpill(std::move(file)));
  }
  void Append(const double* data, size_t n) {
    buf_.insert(buf_.end(), data, data + n);
    if (buf_.size() * sizeof(double) >= kChunkBytes) Flush();
  }
  Status Finish() {
    Flush();
    return status_;
  }
  // All of it (after Finish).
  Status ReadAll(std::vector<double>* out) const {
    uint64_t n = 0;
    for (const io::FrameRef& f : frames_) n += f.raw / sizeof(double);
    out->resize(n);
    char* p = reinterpret_cast<char*>(out->data());
    for (const io::FrameRef& f : frames_) {
      GRAMS_RETURN_IF_ERROR(io::ReadFrame(*file_, f, p));
      p += f.raw;
    }
    return Status::OK();
  }

 private:
  explicit DoubleSpill(std::unique_ptr<io::TempFile> file) : file_(std::move(file)) {}
  void Flush() {
    if (status_.ok() && !buf_.empty()) {
      auto frame = io::AppendFrame(file_.get(), buf_.data(), buf_.size() * sizeof(double), kParkZstdLevel);
      if (frame.ok()) {
        frames_.push_back(*frame);
      } else {
        status_ = frame.status();
      }
    }
    buf_.clear();
  }
  std::unique_ptr<io::TempFile> file_;
  std::vector<io::FrameRef> frames_;  // one per chunk
  std::vector<double> buf_;
  Status status_;
};

// The first index >= lo in the ascending words[lo, hi) that is not below w
// (hi if none): galloping from lo, since successive lookups move forward.
inline size_t Gallop(const WordId* words, size_t lo, size_t hi, WordId w) {
  if (lo >= hi || words[lo] >= w) return lo;
  size_t below = lo, step = 1;  // words[below] < w
  while (below + step < hi && words[below + step] < w) {
    below += step;
    step <<= 1;
  }
  const size_t end = std::min(below + step, hi);
  return std::lower_bound(words + below + 1, words + end, w) - words;
}

std::string Megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lluM",
                static_cast<unsigned long long>((bytes + (1u << 20) - 1) >> 20));
  return buf;
}

// What the estimator needs at its peak (bytes), from the sizes of the orders
// (m[n] for n = 1..N, m[0] = 0): `spilled` with what waits between the passes
// in temporary files, `resident` with it in memory. Estimates: the
// sections' sizes are guessed at 1 byte per child count and 2 per word.
struct MemoryPlan {
  uint64_t spilled = 0, resident = 0;
};

MemoryPlan PlanMemory(const std::vector<uint64_t>& m, bool adjusted) {
  const int N = static_cast<int>(m.size()) - 1;
  auto M = [&](int n) -> uint64_t { return n >= 1 && n <= N ? m[n] : 0; };
  const uint64_t largest = *std::max_element(m.begin(), m.end());
  const uint64_t base = 10u << 20;  // code, stacks, zstd contexts, buffers
  // Order 1: the vocabulary while it is checked (about 40 bytes a word with
  // its index), the unigram counts and probabilities.
  const uint64_t unigrams = 48 * M(1);
  // What waits for order n's write: its links, counts and structure.
  auto parked = [&](int n) { return n < 2 ? 16 * M(1) : 8 * M(n) + M(n - 1) + 2 * M(n); };
  MemoryPlan plan;
  plan.spilled = plan.resident = base + unigrams;
  uint64_t waiting = parked(1);  // parked so far by the scan (resident)
  for (int n = 2; n <= N; ++n) {
    const uint64_t raw = M(n - 1) + 2 * M(n) + 4 * largest;  // its sections, the reader's
    const uint64_t visit = (n >= 3 ? 4 * M(n - 2) + 8 * M(n - 1) : 0) + 4 * M(n);
    const uint64_t counts = adjusted ? 4 * M(n) + 8 * M(n - 1) : 0;
    const uint64_t full = !adjusted || n == N ? 16 * M(n) : 0;
    const uint64_t next = n < N ? 4 * M(n) + 4 * M(n - 1) + 4 * M(n) : 0;
    const uint64_t scan = base + raw + std::max({visit, counts, full, next});
    plan.spilled = std::max(plan.spilled, scan);
    plan.resident = std::max(plan.resident, scan + waiting);
    waiting += parked(n);
  }
  for (int n = 2; n <= N; ++n) {
    // lower probabilities, LOG_PROB(n) and LOG_BACKOFF(n-1) planes, the
    // child counts, the writer's section in flight (LOG_PROB(n-1) and its
    // compressed form).
    const uint64_t write = base + 8 * M(n - 1) + 4 * M(n) + 4 * M(n - 1) + M(n - 1) + 8 * M(n - 1);
    plan.spilled = std::max(plan.spilled, write);
    waiting -= parked(n - 1);
    plan.resident = std::max(plan.resident, write + (n < N ? 8 * M(n) : 0) + waiting);
  }
  return plan;
}

class StreamingBuild {
 public:
  StreamingBuild(const BuildOptions& options, std::unique_ptr<BinaryFileReader> reader)
      : o_(options), reader_(std::move(reader)), h_(reader_->header()), name_(reader_->name()) {}

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
  StatusOr<ModelSummary> Write(const std::string& model_path);
  Status WriteOrder(int n, const std::vector<double>& lower, std::vector<double>* prob,
                    DoubleSpill* spill, ModelFileWriter* writer);

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
  Status PrepareUnigrams(const std::vector<uint64_t>& a);
  Status PrepareAndPark(int n, std::vector<uint64_t>&& a);

  const BuildOptions& o_;
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

Status StreamingBuild::Setup() {
  auto settings = TokenizerSettings::FromKeyValues(h_.settings);
  if (!settings.ok()) return settings.status().WithContext(name_);
  settings_ = *settings;
  N_ = static_cast<int>(h_.order);
  V_ = h_.vocab_size;
  m_.assign(N_ + 1, 0);
  for (int n = 1; n <= N_; ++n) {
    m_[n] = h_.ngram_counts[n - 1];
    if (n >= 2 && m_[n] > UINT32_MAX) {
      return CorruptionError(name_ + ": order " + std::to_string(n) +
                             " is too large (the file is corrupted)");
    }
  }
  smoother_ = MakeSmoother(o_, V_);
  interpolated_ = Interpolated(o_);
  adjusted_ = smoother_->WantsAdjustedCounts();
  fixed_ = smoother_->FixedBackoff();
  files_.resize(N_ + 1);
  child_counts_.resize(N_ + 1);
  words_.resize(N_ + 1);
  links_.resize(N_ + 1);
  counts_.resize(N_ + 1);
  wide_counts_.resize(N_ + 1);
  wide_.assign(N_ + 1, 0);

  if (!o_.temp_dir.empty()) {
    // A directory given must work, whether or not this build spills.
    GRAMS_RETURN_IF_ERROR(io::TempFile::Create(o_.temp_dir).status());
  }
  const MemoryPlan plan = PlanMemory(m_, adjusted_);
  spill_ = o_.memory > 0 && plan.resident > o_.memory;
  if (spill_ && plan.spilled > o_.memory && o_.warn) {
    o_.warn("estimating from these counts needs about " + Megabytes(plan.spilled) +
            " of memory, more than the budget of " + Megabytes(o_.memory) + " (-S); going on");
  }
  return Status::OK();
}

Status StreamingBuild::PrepareUnigrams(const std::vector<uint64_t>& a) {
  std::vector<uint64_t> u;
  GRAMS_RETURN_IF_ERROR(UnigramContextCounts(a.data(), V_, &u).WithContext(name_));
  GRAMS_RETURN_IF_ERROR(smoother_->PrepareOrder(1, u).WithContext(name_));
  return Park(&unigram_counts_, std::move(u), 1);
}

Status StreamingBuild::PrepareAndPark(int n, std::vector<uint64_t>&& a) {
  GRAMS_RETURN_IF_ERROR(smoother_->PrepareOrder(n, a).WithContext(name_));
  const uint64_t top = a.empty() ? 0 : *std::max_element(a.begin(), a.end());
  if (top > UINT32_MAX) {
    wide_[n] = 1;
    return Park(&wide_counts_[n], std::move(a), n);
  }
  std::vector<uint32_t> narrow(a.begin(), a.end());
  std::vector<uint64_t>().swap(a);
  return Park(&counts_[n], std::move(narrow), n);
}

Status StreamingBuild::Scan() {
  Report("reading " + name_, 1);
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kVocab, 0), &raw));
  {
    // Checked as ReadCountsFile checks it, then passed through: a writer
    // other than grams may have used longer varints than EncodeVocab's.
    Vocabulary vocab;
    GRAMS_RETURN_IF_ERROR(DecodeVocab(name_, h_, raw, &vocab));
    size_t canonical = 0;
    for (WordId id = 0; id < vocab.size(); ++id) {
      const size_t len = vocab.Word(id).size();
      canonical += VarintLength(len) + len;
    }
    if (canonical != raw.size()) raw = EncodeVocab(vocab);
  }
  GRAMS_RETURN_IF_ERROR(Park(&vocab_, std::move(raw), 1));

  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kCounts, 1), &raw));
  std::vector<uint64_t> c1;
  GRAMS_RETURN_IF_ERROR(DecodeCounts(name_, 1, raw, V_, &c1));
  if (!adjusted_ || N_ == 1) {
    GRAMS_RETURN_IF_ERROR(PrepareUnigrams(c1));
  } else {
    bos_counts_.assign(1, c1[kBosId]);  // <s> keeps its raw count
  }
  std::vector<uint64_t>().swap(c1);
  for (int n = 2; n <= N_; ++n) GRAMS_RETURN_IF_ERROR(ScanOrder(n));
  if (N_ >= 2) GRAMS_RETURN_IF_ERROR(Park(&links_[N_], std::move(prev_links_), N_));
  GRAMS_RETURN_IF_ERROR(reader_->Finish());
  reader_.reset();  // and its buffers
  return Status::OK();
}

Status StreamingBuild::ScanOrder(int n) {
  Report("reading " + name_, n);
  const uint64_t m = m_[n], mp = m_[n - 1];
  std::string cc, words;
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kChildCounts, n), &cc));
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kWords, n), &words));
  std::vector<EntryIndex> links(m);
  GRAMS_RETURN_IF_ERROR(LinkOrder(n, &cc, &words, &links));
  if (adjusted_) {
    // Order n-1's adjusted counts: its left extensions, raw where it starts with <s>.
    std::vector<uint64_t> a(mp, 0);
    for (size_t i = 0; i < m; ++i) {
      if (i + kPrefetchAhead < m) Prefetch(a.data() + links[i + kPrefetchAhead]);
      ++a[links[i]];
    }
    std::copy(bos_counts_.begin(), bos_counts_.end(), a.begin() + bos_begin_);
    std::vector<uint64_t>().swap(bos_counts_);
    if (n - 1 == 1) {
      GRAMS_RETURN_IF_ERROR(PrepareUnigrams(a));
    } else {
      GRAMS_RETURN_IF_ERROR(PrepareAndPark(n - 1, std::move(a)));
    }
  }
  GRAMS_RETURN_IF_ERROR(ScanCounts(n, cc));
  if (n < N_) GRAMS_RETURN_IF_ERROR(KeepStructure(n, cc, words));
  GRAMS_RETURN_IF_ERROR(Park(&child_counts_[n], std::move(cc), n));
  GRAMS_RETURN_IF_ERROR(Park(&words_[n], std::move(words), n));
  prev_links_ = std::move(links);
  return Status::OK();
}

// The suffix links of order n from its structure sections and order n-1's
// (prev_*, which it frees; order n-1's links are parked). The sections are
// re-encoded when they are not EncodeTrieLevel's bytes (a writer other than
// grams, with longer varints), so that passing them through to the model
// gives BuildModel's bytes.
Status StreamingBuild::LinkOrder(int n, std::string* cc, std::string* words,
                                 std::vector<EntryIndex>* links) {
  const uint64_t mp = m_[n - 1];
  bool closed = true;
  VarintSize cc_size, words_size;
  TrieLevelEncoder<VarintSize> sizer(&cc_size, &words_size);
  EntryIndex current = UINT32_MAX;
  size_t lo = 0, hi = 0;
  EntryIndex* out = links->data();
  const WordId* lower_words = prev_words_.data();
  const EntryIndex* lower_offsets = prev_offsets_.data();
  const EntryIndex* lower_links = prev_links_.data();
  GRAMS_RETURN_IF_ERROR(
      VisitTrieLevel(name_, h_, n, *cc, *words, [&](EntryIndex k, EntryIndex parent, WordId w) {
        sizer.Add(parent, w);
        if (parent != current) {
          current = parent;
          if (n >= 3) {
            // The children of the suffix of later parents: their offsets
            // now, their words once the offsets have arrived.
            if (parent + 2 * kGroupsAhead < mp) {
              Prefetch(lower_offsets + lower_links[parent + 2 * kGroupsAhead]);
              Prefetch(lower_words + lower_offsets[lower_links[parent + kGroupsAhead]]);
            }
            const EntryIndex s = lower_links[parent];
            lo = lower_offsets[s];
            hi = lower_offsets[s + 1];
          }
        }
        if (n == 2) {
          out[k] = w;
          return;
        }
        lo = Gallop(lower_words, lo, hi, w);
        if (lo < hi && lower_words[lo] == w) {
          out[k] = static_cast<EntryIndex>(lo++);
        } else {
          closed = false;
        }
      }));
  sizer.Finish(mp);
  if (!closed) return NotSuffixClosed(n).WithContext(name_);
  std::vector<EntryIndex>().swap(prev_offsets_);
  std::vector<WordId>().swap(prev_words_);
  if (n >= 3) GRAMS_RETURN_IF_ERROR(Park(&links_[n - 1], std::move(prev_links_), n - 1));
  if (cc_size.bytes == cc->size() && words_size.bytes == words->size()) return Status::OK();
  TrieLevel level;
  GRAMS_RETURN_IF_ERROR(DecodeTrieLevel(name_, h_, n, *cc, *words, &level));
  EncodeTrieLevel(mp, level, cc, words);
  return Status::OK();
}

// COUNTS(n), checked as ReadCountsFile checks it. With adjusted counts below
// the top order only those of the <s>-initial n-grams are kept (in
// bos_counts_): the children of order n-1's <s> range, which becomes order
// n's. Otherwise the counts are the method's, prepared and parked.
Status StreamingBuild::ScanCounts(int n, const std::string& cc) {
  const uint64_t m = m_[n], mp = m_[n - 1];
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kCounts, n), &raw));
  if (!adjusted_ || n == N_) {
    std::vector<uint64_t> c;
    GRAMS_RETURN_IF_ERROR(DecodeCounts(name_, n, raw, m, &c));
    std::string().swap(raw);
    return PrepareAndPark(n, std::move(c));
  }
  uint64_t begin = 0, end = 0, sum = 0;
  VarintCursor child_counts(cc);  // checked by LinkOrder
  for (uint64_t parent = 0; parent <= bos_end_ && parent <= mp; ++parent) {
    if (parent == bos_begin_) begin = sum;
    if (parent == bos_end_) end = sum;
    uint64_t c = 0;
    if (parent < mp) child_counts.Next(&c);
    sum += c;
  }
  GRAMS_RETURN_IF_ERROR(VisitCounts(name_, n, raw, m, [&](uint64_t i, uint64_t c) {
    if (i >= begin && i < end) bos_counts_.push_back(c);
  }));
  bos_begin_ = begin;
  bos_end_ = end;
  return Status::OK();
}

// Order n's structure as the next order's LinkOrder wants it: the children
// of entry p of order n-1 are prev_words_[prev_offsets_[p] .. prev_offsets_[p+1]).
Status StreamingBuild::KeepStructure(int n, const std::string& cc, const std::string& words) {
  const uint64_t mp = m_[n - 1];
  prev_offsets_.assign(mp + 1, 0);
  prev_words_.resize(m_[n]);
  EntryIndex* offsets = prev_offsets_.data();
  WordId* out = prev_words_.data();
  GRAMS_RETURN_IF_ERROR(
      VisitTrieLevel(name_, h_, n, cc, words, [&](EntryIndex k, EntryIndex parent, WordId w) {
        out[k] = w;
        ++offsets[parent + 1];
      }));
  for (uint64_t p = 0; p < mp; ++p) offsets[p + 1] += offsets[p];
  return Status::OK();
}

// Order n >= 2: its probabilities into *prob (if sized) or `spill` (if
// any), its backoffs of order n-1, structure and probabilities to the file.
Status StreamingBuild::WriteOrder(int n, const std::vector<double>& lower,
                                  std::vector<double>* prob, DoubleSpill* spill,
                                  ModelFileWriter* writer) {
  const uint64_t m = m_[n], mp = m_[n - 1];
  std::string cc;
  GRAMS_RETURN_IF_ERROR(child_counts_[n].Take(&cc));
  Cursor<EntryIndex> links = links_[n].Read();
  Cursor<uint32_t> narrow = counts_[n].Read();
  Cursor<uint64_t> wide = wide_counts_[n].Read();
  FloatPlanes lp(m), lbo(mp, fixed_ ? static_cast<float>(std::log10(*fixed_)) : 0.0f);
  ContextEstimator context(*smoother_, n, interpolated_);
  std::vector<uint64_t> counts;
  std::vector<double> scratch;
  std::vector<std::pair<EntryIndex, uint32_t>> contexts;  // of a block: (parent, children)
  VarintCursor child_counts(cc);
  uint64_t parent = 0, k = 0;
  while (parent < mp) {
    // A block of contexts with about kBlock children in all, so that the
    // lower probabilities of the children ahead can be prefetched.
    contexts.clear();
    uint64_t total = 0;
    for (; parent < mp && total < kBlock; ++parent) {
      uint64_t c = 0;
      child_counts.Next(&c);  // checked by the scan
      if (c == 0) continue;
      contexts.emplace_back(static_cast<EntryIndex>(parent), static_cast<uint32_t>(c));
      total += c;
    }
    if (total == 0) break;
    const EntryIndex* suffix = links.Next(total);
    const uint64_t* a = nullptr;
    if (wide_[n]) {
      a = wide.Next(total);
    } else if (const uint32_t* a32 = narrow.Next(total)) {
      counts.assign(a32, a32 + total);
      a = counts.data();
    }
    if (suffix == nullptr || a == nullptr) break;
    uint64_t at = 0, ahead = 0;
    for (const auto& [context_parent, c] : contexts) {
      for (const uint64_t want = std::min(total, at + c + kPrefetchAhead); ahead < want; ++ahead)
        Prefetch(lower.data() + suffix[ahead]);
      double* out = prob->empty() ? (scratch.resize(c), scratch.data()) : prob->data() + k;
      const double weight = context.Estimate(a + at, c, suffix + at, lower.data(), nullptr, out);
      for (uint32_t i = 0; i < c; ++i) lp.Set(k + i, static_cast<float>(std::log10(out[i])));
      if (!fixed_) lbo.Set(context_parent, static_cast<float>(std::log10(weight)));
      if (spill) spill->Append(out, c);
      k += c;
      at += c;
    }
  }
  GRAMS_RETURN_IF_ERROR(links.status());
  GRAMS_RETURN_IF_ERROR(narrow.status());
  GRAMS_RETURN_IF_ERROR(wide.status());
  writer->AddLogBackoffs(n - 1, lbo.Release());
  std::string words;
  GRAMS_RETURN_IF_ERROR(words_[n].Take(&words));
  writer->AddStructure(n, std::move(cc), std::move(words));
  writer->AddLogProbs(n, lp.Release());
  links_[n].Drop();
  counts_[n].Drop();
  wide_counts_[n].Drop();
  files_[n].reset();
  return Status::OK();
}

StatusOr<ModelSummary> StreamingBuild::Write(const std::string& model_path) {
  ModelSummary summary;
  summary.ngram_counts = h_.ngram_counts;
  AddMethodInfo(o_, interpolated_, *smoother_, N_, &summary.info);
  GRAMS_ASSIGN_OR_RETURN(
      auto writer, ModelFileWriter::Open(model_path, ModelFileHeader(V_, summary.ngram_counts,
                                                                     settings_, summary.info)));
  Report("estimating", 1);
  std::string vocab;
  GRAMS_RETURN_IF_ERROR(vocab_.Take(&vocab));
  writer->AddVocab(std::move(vocab));

  std::vector<double> prob(V_);
  {
    std::vector<uint64_t> u;
    GRAMS_RETURN_IF_ERROR(unigram_counts_.Take(&u));
    UnigramProbabilities(*smoother_, interpolated_, u, prob.data());
    FloatPlanes lp(V_);
    for (size_t w = 0; w < V_; ++w) lp.Set(w, UnigramLogProb(prob.data(), w));
    writer->AddLogProbs(1, lp.Release());
  }
  files_[1].reset();

  std::vector<double> lower;
  for (int n = 2; n <= N_; ++n) {
    Report("estimating", n);
    lower.swap(prob);
    std::vector<double>().swap(prob);
    // Order n's probabilities go to `prob`, or with a tight budget to a
    // temporary file read back as the next order's `lower`.
    std::unique_ptr<DoubleSpill> spill;
    if (n < N_ && spill_) {
      GRAMS_ASSIGN_OR_RETURN(spill, DoubleSpill::Create(o_.temp_dir));
    }
    if (n < N_ && !spill_) prob.resize(m_[n]);

    GRAMS_RETURN_IF_ERROR(WriteOrder(n, lower, &prob, spill.get(), writer.get()));
    if (spill) {
      GRAMS_RETURN_IF_ERROR(spill->Finish());
      std::vector<double>().swap(lower);
      GRAMS_RETURN_IF_ERROR(spill->ReadAll(&prob));
    }
  }
  GRAMS_RETURN_IF_ERROR(writer->Finish());
  return summary;
}

}  // namespace
}  // namespace estimate

std::string ModelSummary::Info(const std::string& key) const { return InfoValue(info, key); }

ModelSummary Summarize(const Model& model) {
  ModelSummary s;
  for (const TrieLevel& level : model.trie.levels) s.ngram_counts.push_back(level.size());
  s.info = model.info;
  return s;
}

bool CanBuildModelFile(const BuildOptions& o) {
  return o.prune.empty() && o.prune_entropy == 0 && !o.limit_vocab && o.max_vocab == 0 &&
         o.smoothing != Smoothing::kKatz;
}

StatusOr<ModelSummary> BuildModelFile(const std::string& counts_path, const BuildOptions& options,
                                      const std::string& model_path) {
  GRAMS_RETURN_IF_ERROR(CheckBuildOptions(options));
  if (!CanBuildModelFile(options)) {
    return InvalidArgument(
        "count pruning, katz, relative-entropy pruning and vocabulary limits need the counts "
        "in memory (BuildModel), not BuildModelFile");
  }
  const std::string name = counts_path == "-" ? "<stdin>" : counts_path;
  return GuardAlloc("estimating the model of " + name, [&]() -> StatusOr<ModelSummary> {
    GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(counts_path, FileKind::kCounts));
    estimate::StreamingBuild build(options, std::move(reader));
    return build.Run(model_path);
  });
}

}  // namespace grams
