// Counting: text -> tokens -> vocabulary ids -> n-gram counts of orders 1..N,
// and the counts file that carries them between tools (docs/FORMAT.md).
#ifndef GRAMS_COUNTS_H_
#define GRAMS_COUNTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grams/export.h"
#include "grams/progress.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/types.h"
#include "grams/vocabulary.h"

namespace grams {

// Raw n-gram counts over a corpus. Vocabulary ids are canonical: the reserved
// words first, then by descending unigram count, ties by byte order; so the
// same text always gives the same ids and the same files.
struct GRAMS_EXPORT NgramCounts {
  TokenizerSettings settings;
  Vocabulary vocab;
  NgramTrie trie;
  // counts[n-1][i]: occurrences of entry i of order n. <unk> has count 0
  // unless the text had unknown words mapped to it.
  std::vector<std::vector<Count>> counts;
  // Number of sentences (lines) counted, and of tokens (words + </s>).
  uint64_t sentences = 0;
  uint64_t tokens = 0;

  int order() const { return trie.order(); }
};

struct GRAMS_EXPORT CountOptions {
  int order = 3;                // 1..kMaxOrder
  TokenizerSettings tokenizer;  // how lines become units
  // Counting threads; 0 = one per core. The counts (and files) are the same
  // whatever the number: n-grams are split among threads by their first
  // word, and every output is sorted canonically.
  int threads = 0;
  // Memory budget in bytes for the counting tables, the vocabulary and
  // sorting (0 = no limit). When the tables outgrow it they are spilled to
  // temporary files as zstd-compressed runs, and Finish() merges them one
  // group of first words at a time; the result is the same, byte for byte.
  // On top of the budget come the text batches (up to 512K tokens, about
  // 20 MB per thread) and,
  // when writing, one order's encoded sections (about 3-4 bytes per n-gram).
  uint64_t memory = 0;
  // Where spilled runs go ("" = $TMPDIR or /tmp). They are unlinked when
  // created, so they vanish on success, error, Ctrl-C or a kill.
  std::string temp_dir;
  // Called as text is read (stage "counting FILE", bytes) and as orders are
  // sorted (stage "sorting", orders). May be empty.
  ProgressCallback progress;
  // <s> and </s> found in the text: an error (false), or skipped like
  // whitespace (true; lmplz's --skip_symbols).
  bool skip_markers = false;
  // Called once per Counter with a warning (text that looks binary: a NUL
  // byte). May be empty.
  std::function<void(const std::string&)> warn;
  // A counts file whose vocabulary numbers the words ("": the canonical
  // order of this text's counts, docs/FORMAT.md): the counts list the
  // words of the text in that file's order. It must have been counted with
  // the same tokenizer settings, and every word of the text must be in it
  // (Finish fails otherwise); only its vocabulary is read. Shards of a
  // corpus counted with a counts file of the whole (its order 1 is enough)
  // merge by the trie merge, without renumbering or sorting
  // (MergeCountFilesToFile, docs/SCALING.md). Merges take it too.
  std::string shared_vocab;
};

// Counts every n-gram of orders 1..order in the text, each line a sentence
// wrapped in <s> ... </s>. Feed text with Add*(), then call Finish() once.
class GRAMS_EXPORT Counter {
 public:
  explicit Counter(const CountOptions& options);
  ~Counter();
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Counts all lines of `path` ("-" = standard input). Errors name the file,
  // line and byte offset.
  Status AddFile(const std::string& path);
  // Counts one line (no trailing newline needed). `where` names it in errors.
  Status AddLine(std::string_view line, const std::string& where = "<line>");

  // Adds counts made by another Counter over other text with the same order
  // and tokenization (`name` names them in errors); the result is then that
  // of counting all the text in one Counter.
  Status AddCounts(const NgramCounts& counts, const std::string& name);

  // Sorts and returns the counts. The Counter is spent afterwards.
  StatusOr<NgramCounts> Finish();
  // Sorts the counts and writes them as a counts file (like WriteCountsFile
  // of Finish(), byte for byte), each order as soon as it is sorted, so the
  // sorted counts are never all in memory at once. Spends the Counter.
  Status FinishToFile(const std::string& path);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: counts all `inputs` ("-" = stdin) in order.
GRAMS_EXPORT StatusOr<NgramCounts> CountFiles(const std::vector<std::string>& inputs,
                                              const CountOptions& options);

// CountFiles, then WriteCountsFile, holding only one sorted order at a time.
GRAMS_EXPORT Status CountFilesToFile(const std::vector<std::string>& inputs,
                                     const CountOptions& options, const std::string& path);

// Adds counts files together: they must share order and tokenization (the
// error says which setting differs). Counting shards of a corpus and merging
// them gives the same counts, and the same file bytes, as counting the whole.
// `options` gives the threads, memory budget, temporary directory,
// progress callback and shared_vocab (the merged words numbered in its
// order, not canonically); the order and tokenization come from the files.
// Files whose words all follow one order, that of their summed counts or
// of shared_vocab (shards counted with it), are merged by the trie merge,
// as sorted streams, to the same bytes (docs/SCALING.md). Each
// file is read as a stream, one order's sections at a time, never whole.
// Under a budget (`options.memory` > 0) its n-grams are added to the
// counting tables or, for a file large beside the budget, spilled to the
// temporary directory in first-word buckets, then merged a group of
// buckets at a time as counting does (docs/SCALING.md). A file may be
// compressed; one may be standard input ("-"). A slice of a partitioned
// merge is refused.
GRAMS_EXPORT StatusOr<NgramCounts> MergeCountFiles(const std::vector<std::string>& paths,
                                                   const CountOptions& options = {});
// The same, written to `path` order by order (see Counter::FinishToFile).
GRAMS_EXPORT Status MergeCountFilesToFile(const std::vector<std::string>& paths,
                                          const std::string& path,
                                          const CountOptions& options = {});

// A partitioned merge (docs/SCALING.md): K reducers each merge the same
// counts files into slice `index` of `count` (1 <= index <= count), the
// n-grams whose first word falls in the index-th of `count` ranges of the
// merged vocabulary (split by unigram counts, so every reducer cuts at the
// same words); JoinCountSlices makes the whole counts file of the slices.
struct GRAMS_EXPORT MergeSlice {
  int index = 1;
  int count = 0;  // 0: the whole (no partition)
};
// MergeCountFilesToFile of one slice: a counts file with the whole
// vocabulary and order 1, orders 2..N of its first words only, and the
// header info entries `slice` ("index/count") and `slice_words` (its
// first canonical word id and the one after its last). Each input is read
// twice (once for the vocabulary, once for the n-grams), so none may be
// standard input. Under a budget (`options.memory`) the inputs are read as
// streams, as by the whole merge.
GRAMS_EXPORT Status MergeCountFilesToFile(const std::vector<std::string>& paths,
                                          const std::string& path, const CountOptions& options,
                                          const MergeSlice& slice);
// Joins the K slices of a partitioned merge (given in any order) into the
// counts file `path`: the same bytes as the merge of the whole. The slices
// must be 1..K of K of the same inputs (same settings, vocabulary and
// totals); errors name the slice. Reads the slices as streams, holding one
// order's sections of them at a time.
GRAMS_EXPORT Status JoinCountSlices(const std::vector<std::string>& slices,
                                    const std::string& path);

// Writes the binary counts file to `path` ("-" = stdout) through a temporary
// file renamed on success.
GRAMS_EXPORT Status WriteCountsFile(const NgramCounts& counts, const std::string& path);
// Reads a counts file ("-" = stdin; pipes work).
GRAMS_EXPORT StatusOr<NgramCounts> ReadCountsFile(const std::string& path);

// Text form: one "w1 w2 ... wn<TAB>count" line per n-gram, orders ascending,
// units escaped as in ARPA files (grams/escape.h). With neither `min_count`
// (> 0) nor `top`, each order is in trie order. Otherwise each order is the
// key gram list: the n-grams seen at least `min_count` times, most frequent
// first (ties in trie order), at most `top` of them when top > 0.
GRAMS_EXPORT Status WriteCountsText(const NgramCounts& counts, const std::string& path,
                                    Count min_count = 0, size_t top = 0);

// What WriteCountsText lists, in full.
struct GRAMS_EXPORT CountsTextOptions {
  Count min_count = 0;  // as above
  size_t top = 0;       // as above
  // The orders listed, ascending; empty = every order.
  std::vector<int> orders;
  // Leave out the n-grams holding <s> or </s> (the sentence boundaries).
  bool skip_boundaries = false;
};
GRAMS_EXPORT Status WriteCountsText(const NgramCounts& counts, const std::string& path,
                                    const CountsTextOptions& options);

// Reading the text form back (SRILM's ngram-count -read): "w1 ... wn<TAB>count"
// lines (any ASCII whitespace before the count will do), as WriteCountsText
// writes them or as another toolkit or a script made them, in any order.
struct GRAMS_EXPORT ReadCountsTextOptions {
  // The tokenization the units come from, recorded in the counts (and so in
  // the model, whose scorers apply it). Units of settings that need escaping
  // (UnitsNeedEscaping) are unescaped; byte and char units must be one byte,
  // one code point.
  TokenizerSettings settings;
  // 0: the order is the highest order listed. N: the counts are of orders
  // 1..N, and lines of higher orders are skipped (as SRILM's -order does).
  int max_order = 0;
};
// The counts listed in `paths` ("-" = standard input), taken as given:
// nothing is derived. An n-gram listed more than once has the sum of its
// counts (so concatenated count lists add up); a count of 0 is as if the
// line were absent; blank lines are skipped. Every n-gram's prefix and
// suffix (of order >= 1) must be listed, and <s> may only begin and </s>
// only end an n-gram; errors name the file and line. sentences is the count
// of <s>, and tokens the sum of the other unigram counts, as the counter
// counts them. So the counts text of a counts file reads back to the same
// counts, and WriteCountsFile of them gives the same bytes.
GRAMS_EXPORT StatusOr<NgramCounts> ReadCountsText(const std::vector<std::string>& paths,
                                                  const ReadCountsTextOptions& options = {});

}  // namespace grams

#endif  // GRAMS_COUNTS_H_
