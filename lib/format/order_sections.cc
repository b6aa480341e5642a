#include "format/order_sections.h"

#include <algorithm>

#include "util/threads.h"

namespace grams {
namespace {

// Order n's sections from a whole level (and its counts, when `counts` is
// not null) in T slices on T threads. A slice is a run of parents and
// their children, cut at the first parent of entry m t / T so that the
// slices have about the same number of entries. Each slice's bytes are
// counted first; then each section is sized once and every slice writes
// its bytes where they go, with no copy.
void EncodeSlices(size_t lower_size, const TrieLevel& level, const Count* counts, size_t T,
                  std::string* child_counts, std::string* words, std::string* counts_out) {
  const size_t m = level.size();
  const EntryIndex* parents = level.parents.data();
  const WordId* level_words = level.words.data();
  struct Slice {
    size_t p0 = 0, p1 = 0, k0 = 0, k1 = 0;
    VarintSize cc, words, counts;
  };
  std::vector<Slice> slices(T);
  for (size_t t = 0; t < T; ++t) {
    Slice& s = slices[t];
    s.p0 = t == 0 ? 0 : std::max<size_t>(slices[t - 1].p0, parents[m * t / T]);
    s.k0 = std::lower_bound(parents, parents + m, s.p0) - parents;
    if (t > 0) slices[t - 1].p1 = s.p0, slices[t - 1].k1 = s.k0;
  }
  slices[T - 1].p1 = lower_size;
  slices[T - 1].k1 = m;
  auto encode = [&](const Slice& s, auto* cc_out, auto* words_out, auto* c_out) {
    TrieLevelEncoder encoder(cc_out, words_out, s.p0);
    for (size_t k = s.k0; k < s.k1; ++k) encoder.Add(parents[k], level_words[k]);
    encoder.Finish(s.p1);
    if (counts)
      for (size_t k = s.k0; k < s.k1; ++k) c_out->Put(counts[k]);
  };
  const int threads = static_cast<int>(T);
  RunOnThreads(threads, [&](int t) {
    Slice& s = slices[t];
    encode(s, &s.cc, &s.words, &s.counts);
  });
  uint64_t cc_bytes = 0, words_bytes = 0, counts_bytes = 0;
  std::vector<uint64_t> cc_at(T), words_at(T), counts_at(T);
  for (size_t t = 0; t < T; ++t) {
    cc_at[t] = cc_bytes, cc_bytes += slices[t].cc.bytes;
    words_at[t] = words_bytes, words_bytes += slices[t].words.bytes;
    counts_at[t] = counts_bytes, counts_bytes += slices[t].counts.bytes;
  }
  child_counts->resize(cc_bytes);
  words->resize(words_bytes);
  if (counts) counts_out->resize(counts_bytes);
  RunOnThreads(threads, [&](int t) {
    VarintWriter cc_out{child_counts->data() + cc_at[t],
                        child_counts->data() + cc_at[t] + slices[t].cc.bytes};
    VarintWriter words_out{words->data() + words_at[t],
                           words->data() + words_at[t] + slices[t].words.bytes};
    char* c_at = counts ? counts_out->data() + counts_at[t] : nullptr;
    VarintWriter c_out{c_at, counts ? c_at + slices[t].counts.bytes : nullptr};
    encode(slices[t], &cc_out, &words_out, &c_out);
  });
}

// The slices for m entries on `threads` threads: one for a small level.
size_t Slices(size_t m, int threads) {
  return m < (size_t{1} << 16) ? 1 : static_cast<size_t>(std::max(1, threads));
}

}  // namespace

void EncodeTrieLevel(const NgramTrie& trie, int n, std::string* child_counts, std::string* words) {
  EncodeTrieLevel(trie.levels[n - 2].size(), trie.levels[n - 1], child_counts, words);
}

void EncodeTrieLevel(size_t lower_size, const TrieLevel& level, std::string* child_counts,
                     std::string* words, int threads) {
  EncodeSlices(lower_size, level, nullptr, Slices(level.size(), threads), child_counts, words,
               nullptr);
}

OrderSections EncodeOrder(size_t lower_size, const TrieLevel& level, const Count* counts,
                          int threads) {
  OrderSections out;
  EncodeSlices(lower_size, level, counts, Slices(level.size(), threads), &out.child_counts,
               &out.words, &out.counts);
  return out;
}

std::string EncodeCounts(const Count* counts, size_t n) {
  VarintSize size;
  for (size_t i = 0; i < n; ++i) size.Put(counts[i]);
  std::string out(size.bytes, '\0');
  VarintWriter writer{out.data(), out.data() + out.size()};
  for (size_t i = 0; i < n; ++i) writer.Put(counts[i]);
  return out;
}

TrieLevelCursor::TrieLevelCursor(const std::string& name, const FileHeader& header, int n,
                                 std::string_view child_counts, std::string_view words)
    : name_(name),
      n_(n),
      vocab_size_(header.vocab_size),
      lower_size_(header.ngram_counts[n - 2]),
      size_(header.ngram_counts[n - 1]),
      child_counts_(child_counts),
      words_(words) {
  if (size_ > UINT32_MAX || lower_size_ > UINT32_MAX) Fail("is too large");
}

bool TrieLevelCursor::Fail(const char* what) {
  status_ = CorruptionError(name_ + ": order " + std::to_string(n_) + " " + what +
                            " (the file is corrupted)");
  done_ = true;
  return false;
}

bool TrieLevelCursor::Finish() {
  if (!child_counts_.at_end() || !words_.at_end())
    return Fail("has trailing bytes in its structure");
  if (entries_ != size_) return Fail("has child counts that do not add up to its n-gram count");
  done_ = true;
  return false;
}

Status DecodeTrieLevel(const std::string& name, const FileHeader& header, int n,
                       std::string_view child_counts, std::string_view words, NgramTrie* trie) {
  return DecodeTrieLevel(name, header, n, child_counts, words, &trie->levels[n - 1]);
}

Status CheckTrieClaims(const std::string& name, const FileHeader& header, int n,
                       std::string_view child_counts, std::string_view words) {
  const uint64_t lower = header.ngram_counts[n - 2], size = header.ngram_counts[n - 1];
  if (size <= words.size() && lower <= child_counts.size()) return Status::OK();
  // The cursor names what is wrong as every reader does, allocating nothing.
  Status cursor =
      VisitTrieLevel(name, header, n, child_counts, words, [](EntryIndex, EntryIndex, WordId) {});
  if (!cursor.ok()) return cursor;
  if (size > words.size()) {
    return CorruptionError(name + ": order " + std::to_string(n) + " claims " +
                           std::to_string(size) + " n-grams, but its words take only " +
                           std::to_string(words.size()) + " bytes (the file is corrupted)");
  }
  if (lower > child_counts.size()) {
    return CorruptionError(name + ": order " + std::to_string(n - 1) + " claims " +
                           std::to_string(lower) + " n-grams, but the child counts of order " +
                           std::to_string(n) + " take only " + std::to_string(child_counts.size()) +
                           " bytes (the file is corrupted)");
  }
  return Status::OK();
}

Status DecodeTrieLevel(const std::string& name, const FileHeader& header, int n,
                       std::string_view child_counts, std::string_view words, TrieLevel* level) {
  GRAMS_RETURN_IF_ERROR(CheckTrieClaims(name, header, n, child_counts, words));
  const uint64_t m = std::min<uint64_t>(header.ngram_counts[n - 1], UINT32_MAX);
  level->words.resize(m);
  level->parents.resize(m + 1);  // DecodeTrieLevelFast's scratch, then the parents
  WordId* out_words = level->words.data();
  EntryIndex* out_parents = level->parents.data();
  Status status = DecodeTrieLevelFast<true>(
      name, header, n, child_counts, words, out_parents, [](WordId) {},
      [&](EntryIndex k, EntryIndex parent, WordId word) {
        out_words[k] = word;
        out_parents[k] = parent;
      });
  level->parents.resize(m);
  return status;
}

Status MalformedCounts(const std::string& name, int n) {
  return CorruptionError(name + ": malformed counts of order " + std::to_string(n) +
                         " (the file is corrupted)");
}

Status ZeroCount(const std::string& name, int n) {
  return CorruptionError(name + ": an n-gram of order " + std::to_string(n) +
                         " has count 0 (the file is corrupted)");
}

Status DecodeCounts(const std::string& name, int n, std::string_view raw, uint64_t size,
                    std::vector<Count>* out) {
  // A varint of one byte at least per entry: the error VisitCounts would
  // give, before `size` entries are allocated.
  if (size > raw.size()) return MalformedCounts(name, n);
  out->resize(size);
  Count* dst = out->data();
  return VisitCounts(name, n, raw, size, [dst](uint64_t i, uint64_t c) { dst[i] = c; });
}

}  // namespace grams
