#include "format/order_sections.h"

#include <algorithm>

#include "util/threads.h"

namespace grams {
namespace {

// Joins the slices' bytes into *out, freeing them.
void Join(std::vector<std::string>* parts, std::string* out) {
  if (parts->size() == 1) {
    out->swap((*parts)[0]);
    return;
  }
  size_t bytes = 0;
  for (const auto& s : *parts) bytes += s.size();
  out->clear();
  out->reserve(bytes);
  for (auto& s : *parts) {
    out->append(s);
    std::string().swap(s);
  }
}

}  // namespace

void EncodeTrieLevel(const NgramTrie& trie, int n, std::string* child_counts, std::string* words) {
  EncodeTrieLevel(trie.levels[n - 2].size(), trie.levels[n - 1], child_counts, words);
}

void EncodeTrieLevel(size_t lower_size, const TrieLevel& level, std::string* child_counts,
                     std::string* words, int threads) {
  const size_t m = level.size();
  const EntryIndex* parents = level.parents.data();
  const WordId* level_words = level.words.data();
  const size_t T = m < (size_t{1} << 16) ? 1 : static_cast<size_t>(std::max(1, threads));
  // Slice t: parents [p0, p1) and so their children [k0, k1), parents being
  // sorted. Each slice is sized exactly first, then written (no appends).
  std::vector<std::string> cc(T), ww(T);
  auto encode = [&](size_t t) {
    const size_t p0 = lower_size * t / T, p1 = lower_size * (t + 1) / T;
    const size_t k0 = std::lower_bound(parents, parents + m, p0) - parents;
    const size_t k1 = std::lower_bound(parents + k0, parents + m, p1) - parents;
    auto encode_into = [&](auto* cc_out, auto* words_out) {
      TrieLevelEncoder encoder(cc_out, words_out, p0);
      for (size_t k = k0; k < k1; ++k) encoder.Add(parents[k], level_words[k]);
      encoder.Finish(p1);
    };
    VarintSize cc_size, words_size;
    encode_into(&cc_size, &words_size);
    cc[t].resize(cc_size.bytes);
    ww[t].resize(words_size.bytes);
    VarintWriter cc_out{cc[t].data()}, words_out{ww[t].data()};
    encode_into(&cc_out, &words_out);
  };
  RunOnThreads(static_cast<int>(T), [&encode](int t) { encode(static_cast<size_t>(t)); });
  Join(&cc, child_counts);
  Join(&ww, words);
}

std::string EncodeCounts(const Count* counts, size_t n) {
  VarintSize size;
  for (size_t i = 0; i < n; ++i) size.Put(counts[i]);
  std::string out(size.bytes, '\0');
  VarintWriter writer{out.data()};
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
