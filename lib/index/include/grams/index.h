// CorpusIndex: a suffix-array index of a tokenized corpus (grams-index), for
// counts of n-grams of any length, the continuations of a context, the
// infinity-gram estimate (Liu et al., 2024: back off to the longest suffix of
// the context seen in the corpus) and where an n-gram occurs.
//
// The corpus is tokenized exactly as grams-count tokenizes it (the same
// TokenizerSettings, recorded in the index), its units numbered in the
// canonical order of counts files (so ids agree with grams-count's), and
// laid out as one stream in which a boundary mark B stands between lines:
//   B line1 B line2 B ... lineL B
// B plays </s> at the end of a line and <s> at the start of the next, so an
// n-gram count equals grams-count's for every n-gram grams-count lists, and
// no match spans two lines. With boundaries=none the corpus is one line.
// The stream and its suffix array are stored bit-packed and memory-mapped
// (docs/FORMAT.md, "Corpus index"). Open() checks the header, the sizes and
// the vocabulary; damage inside the stream or the suffix array (found by
// verify_checksums) can make answers wrong but never makes a query read
// outside the file.
// IndexSet queries several such indexes, of parts of a corpus, as one.
//
// An optional component with its own library (grams_index, which links
// libdivsufsort); not part of libgrams.so yet. Queries are const and safe
// to run concurrently; Tokenize is not (one tokenizer per index).
#ifndef GRAMS_INDEX_H_
#define GRAMS_INDEX_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "grams/progress.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/types.h"

namespace grams {

struct IndexBuildOptions {
  TokenizerSettings tokenizer;  // how lines become units (as grams-count)
  ProgressCallback progress;    // "indexing FILE" (bytes), "sorting suffixes"; may be empty
};

// Tokenizes the text files `inputs` ("-" = standard input; compressed input
// is read directly) and writes their index to `output` (a temporary file
// renamed on success). Errors name the file, line and byte offset.
Status BuildIndex(const std::vector<std::string>& inputs, const IndexBuildOptions& options,
                  const std::string& output);

class CorpusIndex {
 public:
  // A query unit the corpus never had: it matches nothing.
  static constexpr WordId kUnknownUnit = UINT32_MAX;

  struct OpenOptions {
    bool verify_checksums = false;  // CRC-32 of every section (reads the whole file)
  };
  // Maps the index at `path`; a corrupt, truncated or foreign file is refused
  // with an error naming it.
  static StatusOr<std::unique_ptr<CorpusIndex>> Open(const std::string& path,
                                                     const OpenOptions& options);
  static StatusOr<std::unique_ptr<CorpusIndex>> Open(const std::string& path) {
    return Open(path, OpenOptions());
  }
  ~CorpusIndex();
  CorpusIndex(const CorpusIndex&) = delete;
  CorpusIndex& operator=(const CorpusIndex&) = delete;

  const TokenizerSettings& settings() const;
  // Lines of the corpus (1 with boundaries=none), and its tokens as
  // grams-count counts them (units + one </s> per line).
  uint64_t lines() const;
  uint64_t tokens() const;
  // Positions of the stream (tokens() + 1: the boundary marks included).
  uint64_t stream_size() const;
  size_t vocab_size() const;
  uint64_t file_size() const;
  // The unit of id `id` ("" past the vocabulary); the id of a unit, or
  // kUnknownUnit.
  std::string_view Word(WordId id) const;
  WordId Find(std::string_view unit) const;

  // A line of query text into ids, tokenized by the index's settings
  // (unknown units become kUnknownUnit). With `units`, the line is instead
  // a space-separated list of units in their printed form (as
  // grams-count --text writes n-grams: <s>, </s>, escaped units). Invalid
  // UTF-8 under invalid=error fails with InvalidArgument. Not thread-safe.
  Status Tokenize(std::string_view line, bool units, std::vector<WordId>* ids);
  // The same line's units as strings (unescaped with `units`). Not
  // thread-safe.
  Status SplitUnits(std::string_view line, bool units, std::vector<std::string>* out);

  // The occurrences of the n-gram `ngram` (ids; <s> only first, </s> only
  // last, as grams-count has them; an empty n-gram is never counted: 0).
  Count CountNgram(std::span<const WordId> ngram) const;

  struct Continuation {
    WordId word;  // kEosId for the end of the line
    Count count;
  };
  // The units that follow `context` in the corpus, the `top_k` most frequent
  // into *out (count descending, then id; top_k 0 = all); returns the total
  // of all continuations and their number in *distinct.
  Count Continuations(std::span<const WordId> context, size_t top_k, std::vector<Continuation>* out,
                      uint64_t* distinct) const;

  struct TokenProbability {
    double probability = 0;   // count / context_count (0 if unseen)
    uint32_t suffix = 0;      // length of the context used (units before the token)
    Count count = 0;          // occurrences of context + token
    Count context_count = 0;  // occurrences of the context followed by any unit
    // The context is always followed by the same unit (suffix > 0): the
    // estimate is "sparse" in the infini-gram paper's sense (probability 1
    // or 0), and interpolation weighs it apart.
    bool sparse = false;
  };
  // The infinity-gram probability of each unit of `line` (ids of one line's
  // units, without marks) and of its </s> (so line.size() + 1 results; with
  // boundaries=none the line is a stretch of the stream, and no </s> is
  // scored), each given the longest suffix of its context (from <s>) that
  // occurs in the corpus followed by some unit.
  void InfinigramProbabilities(std::span<const WordId> line,
                               std::vector<TokenProbability>* out) const;

  // Up to `limit` line numbers (1-based, ascending) among the lines where
  // `ngram` occurs (the first in suffix order, then sorted); returns the
  // total count.
  Count Where(std::span<const WordId> ngram, size_t limit, std::vector<uint64_t>* lines) const;

  struct Span {
    size_t begin = 0, length = 0;  // within the query line's units
    Count count = 0;               // its occurrences in the corpus
    uint64_t line = 0;             // a corpus line holding it (0 if length is 0)
  };
  // The longest stretch of `units` (one line's ids) found in the corpus: a
  // leak check of a test line against training data.
  Span LongestSpan(std::span<const WordId> units) const;

  class Rep;

 private:
  explicit CorpusIndex(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// Indexes of parts of a corpus ("shards", each built by BuildIndex with the
// same settings, line boundaries) queried as the index of their
// concatenation, in the order given: counts, continuations and where lists
// add up; an infinity-gram context is the longest seen in any shard, its
// counts summed over the shards that have it; line numbers run on from one
// shard to the next. Answers equal those of one index of the whole corpus,
// except that Where's `limit` lines are the first of each shard in turn and
// LongestSpan's line is one from the first shard holding the span (both
// are some of the right lines, not always the same ones). A set of one
// index answers exactly as the index. Queries are const and safe to run
// concurrently; Tokenize is not.
class IndexSet {
 public:
  // Opens every index of `paths` (at least one); their settings must agree
  // (an error names the first that differs).
  static StatusOr<std::unique_ptr<IndexSet>> Open(const std::vector<std::string>& paths,
                                                  const CorpusIndex::OpenOptions& options);
  ~IndexSet();
  IndexSet(const IndexSet&) = delete;
  IndexSet& operator=(const IndexSet&) = delete;

  size_t size() const { return indexes_.size(); }
  const CorpusIndex& index(size_t i) const { return *indexes_[i]; }
  const TokenizerSettings& settings() const { return indexes_[0]->settings(); }
  uint64_t lines() const;
  uint64_t tokens() const;
  uint64_t file_size() const;

  // A query line: its units and their ids in each index (kUnknownUnit
  // where an index lacks the unit).
  struct Query {
    std::vector<std::string> units;
    std::vector<std::vector<WordId>> ids;  // ids[i]: in index i
    size_t size() const { return units.size(); }
    // The unit occurs in some index.
    bool known(size_t k) const;
  };
  // As CorpusIndex::Tokenize, for every index.
  Status Tokenize(std::string_view line, bool units, Query* q);

  Count CountNgram(const Query& ngram) const;
  struct Continuation {
    std::string_view unit;  // a view into an index's vocabulary
    Count count;
  };
  // As CorpusIndex::Continuations; equal counts are ordered as ids of the
  // whole corpus would order them (<s>, </s>, then the units by their count
  // in the corpus, descending, then their bytes).
  Count Continuations(const Query& context, size_t top_k, std::vector<Continuation>* out,
                      uint64_t* distinct) const;
  void InfinigramProbabilities(const Query& line,
                               std::vector<CorpusIndex::TokenProbability>* out) const;
  Count Where(const Query& ngram, size_t limit, std::vector<uint64_t>* lines) const;
  CorpusIndex::Span LongestSpan(const Query& units) const;

 private:
  IndexSet() = default;
  // The probability of token i of `line` where the longest context is
  // `suffix` units long in the set, from the shards' own answers `per`.
  CorpusIndex::TokenProbability Combine(
      const Query& line, size_t i, uint32_t suffix,
      const std::vector<const CorpusIndex::TokenProbability*>& per) const;

  std::vector<std::unique_ptr<CorpusIndex>> indexes_;
  std::vector<uint64_t> first_line_;  // lines before index i
};

}  // namespace grams

#endif  // GRAMS_INDEX_H_
