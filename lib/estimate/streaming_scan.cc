// The streaming estimator's first pass (estimate/streaming_build.h): the
// memory plan, then the counts file read order by order into suffix links,
// adjusted counts and the method's parameters, with what the write pass
// needs parked.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "estimate/streaming_build.h"
#include "format/count_file.h"
#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "util/coding.h"
#include "util/prefetch.h"
#include "util/threads.h"

namespace grams::estimate {
namespace {

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

}  // namespace

MemoryPlan PlanMemory(const std::vector<uint64_t>& m, bool adjusted, uint64_t flags) {
  const int N = static_cast<int>(m.size()) - 1;
  auto M = [&](int n) -> uint64_t { return n >= 1 && n <= N ? m[n] : 0; };
  const uint64_t largest = *std::max_element(m.begin(), m.end());
  const uint64_t base = (10u << 20) + flags;  // code, stacks, zstd contexts, buffers; marks
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

int StreamingBuild::Threads(const BuildOptions& options) {
  return ThreadsOrCores(options.threads, 64);
}

Status StreamingBuild::Setup() {
  GRAMS_RETURN_IF_ERROR(RefuseCountSlice(h_, name_));
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
  GRAMS_RETURN_IF_ERROR(CheckPruneOrders(o_, N_).WithContext(name_));
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
  min_count_ = PruneMinCounts(o_, *smoother_, N_);
  keep_.resize(N_ + 1);
  kept_ = m_;
  uint64_t flags = 0;
  for (int n = 2; n <= N_; ++n) flags += min_count_[n] > 1 ? m_[n] : 0;

  if (!o_.temp_dir.empty()) {
    // A directory given must work, whether or not this build spills.
    GRAMS_RETURN_IF_ERROR(io::TempFile::Create(o_.temp_dir).status());
  }
  const MemoryPlan plan = PlanMemory(m_, adjusted_, flags);
  spill_ = o_.memory > 0 && plan.resident > o_.memory;
  if (spill_ && plan.spilled > o_.memory) {
    if (!o_.refuse_over_budget) {
      if (o_.warn) {
        o_.warn("estimating from these counts needs about " + Megabytes(plan.spilled) +
                " of memory, more than the budget of " + Megabytes(o_.memory) + " (-S); going on");
      }
      return Status::OK();
    }
    // Refused up front, before anything is read or allocated: the figure
    // comes from the header's counts alone, which a corrupted header may
    // inflate, hence "its header claims".
    uint64_t total = 0;
    for (int n = 1; n <= N_; ++n) total += m_[n];
    return ResourceExhausted(name_ + ": its header claims " + std::to_string(total) +
                             " n-grams, and estimating from them needs about " +
                             Megabytes(plan.spilled) + " of memory, more than the budget of " +
                             Megabytes(o_.memory) + " (-S); give -S " + Megabytes(plan.spilled) +
                             " or more");
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
  return ClosePruning();
}

// Count pruning's marks closed from the top order down, as PlanCountPruning
// closes them: the context (parent) and the suffix (link) of every kept
// n-gram stay. Then the kept sizes.
Status StreamingBuild::ClosePruning() {
  for (int n = N_; n >= 3; --n) {
    if (keep_[n - 1].empty()) continue;
    std::vector<uint8_t>& lower = keep_[n - 1];
    const uint8_t* keep = keep_[n].empty() ? nullptr : keep_[n].data();
    ParkedCursor<char> cc_cursor = child_counts_[n].Read();
    const size_t cc_size = child_counts_[n].size();
    const char* cc_bytes = cc_cursor.Next(cc_size);
    GRAMS_RETURN_IF_ERROR(cc_cursor.status());
    VarintCursor child_counts(std::string_view(cc_bytes, cc_size));  // checked by LinkOrder
    ParkedCursor<EntryIndex> links = links_[n].Read();
    const uint64_t mp = m_[n - 1];
    uint64_t k = 0;
    for (uint64_t parent = 0; parent < mp; ++parent) {
      uint64_t c = 0;
      child_counts.Next(&c);
      if (c == 0) continue;
      const EntryIndex* suffix = links.Next(c);
      if (suffix == nullptr) return links.status();
      for (uint64_t i = 0; i < c; ++i) {
        if (keep && !keep[k + i]) continue;
        lower[parent] = 1;
        lower[suffix[i]] = 1;
      }
      k += c;
    }
  }
  for (int n = 2; n <= N_; ++n) {
    if (!keep_[n].empty()) kept_[n] = std::count(keep_[n].begin(), keep_[n].end(), uint8_t{1});
  }
  return Status::OK();
}

Status StreamingBuild::ScanOrder(int n) {
  Report("reading " + name_, n);
  const uint64_t m = m_[n], mp = m_[n - 1];
  std::string cc, words;
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kChildCounts, n), &cc));
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kWords, n), &words));
  GRAMS_RETURN_IF_ERROR(CheckTrieClaims(name_, h_, n, cc, words));
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
  VarintSize cc_size, words_size;
  TrieLevelEncoder<VarintSize> sizer(&cc_size, &words_size);
  EntryIndex* out = links->data();
  const WordId* lower_words = prev_words_.data();
  const EntryIndex* lower_offsets = prev_offsets_.data();
  const EntryIndex* lower_links = prev_links_.data();
  // The entries are decoded here, in order (the cursor checks them as
  // VisitTrieLevel does), and their links found a batch at a time on the
  // threads (RunBatches): the suffix of (parent p, word w) is the child w of
  // links[p], looked up among those children (a parent's children come in
  // ascending order of words, so each lookup gallops on from the last; a
  // share starting in the middle of a parent's children starts from the
  // first).
  TrieLevelCursor cursor(name_, h_, n, *cc, *words);
  std::vector<EntryIndex> batch_parents;
  std::vector<WordId> batch_words;
  uint64_t batch_first = 0, k = 0, children = 0;
  EntryIndex parent = 0;
  bool ended = false;
  std::vector<uint8_t> open(threads_, 0);  // a suffix missing, per share
  auto next_batch = [&]() -> bool {
    batch_first += batch_parents.size();
    batch_parents.clear();
    batch_words.clear();
    while (!ended && batch_parents.size() < kBatch) {
      if (children == 0 && !cursor.NextParent(&parent, &children)) {
        ended = true;
        break;
      }
      WordId w = 0;
      if (!cursor.NextWord(&w)) {
        ended = true;
        break;
      }
      --children;
      sizer.Add(parent, w);
      if (n == 2) {
        out[k++] = w;
        continue;
      }
      ++k;
      batch_parents.push_back(parent);
      batch_words.push_back(w);
    }
    return !batch_parents.empty();
  };
  RunBatches(threads_, next_batch, [&](int t, int T) {
    const size_t size = batch_parents.size();
    EntryIndex current = UINT32_MAX;
    size_t lo = 0, hi = 0;
    for (size_t i = size * t / T, end = size * (t + 1) / T; i < end; ++i) {
      const EntryIndex p = batch_parents[i];
      const WordId w = batch_words[i];
      if (p != current) {
        current = p;
        // The children of the suffix of later parents: their offsets
        // now, their words once the offsets have arrived.
        if (p + 2 * kGroupsAhead < mp) {
          Prefetch(lower_offsets + lower_links[p + 2 * kGroupsAhead]);
          Prefetch(lower_words + lower_offsets[lower_links[p + kGroupsAhead]]);
        }
        const EntryIndex s = lower_links[p];
        lo = lower_offsets[s];
        hi = lower_offsets[s + 1];
      }
      lo = Gallop(lower_words, lo, hi, w);
      if (lo < hi && lower_words[lo] == w) {
        out[batch_first + i] = static_cast<EntryIndex>(lo++);
      } else {
        open[t] = 1;
      }
    }
  });
  GRAMS_RETURN_IF_ERROR(cursor.status());
  const bool closed = std::count(open.begin(), open.end(), 1) == 0;
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
// n's. Otherwise the counts are the method's, prepared and parked. Count
// pruning marks the n-grams that reach the order's least count (keep_[n]).
Status StreamingBuild::ScanCounts(int n, const std::string& cc) {
  const uint64_t m = m_[n], mp = m_[n - 1];
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kCounts, n), &raw));
  const uint64_t min_count = min_count_[n];
  if (min_count > 1) keep_[n].resize(m);
  uint8_t* keep = keep_[n].data();
  if (!adjusted_ || n == N_) {
    std::vector<uint64_t> c;
    GRAMS_RETURN_IF_ERROR(DecodeCounts(name_, n, raw, m, &c));
    std::string().swap(raw);
    if (min_count > 1) {
      for (size_t i = 0; i < m; ++i) keep[i] = c[i] >= min_count;
    }
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
    if (min_count > 1) keep[i] = c >= min_count;
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

}  // namespace grams::estimate
