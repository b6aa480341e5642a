// Scoring text with a LanguageModel: TextScorer tokenizes lines as the model
// was trained (its units, normalization, case folding and boundaries) and
// scores them; ScoreText streams files through it line by line;
// PerplexityStats and ComputePerplexity total a text. A TextScorer is not
// thread-safe (one per thread; they may share the LanguageModel).
#ifndef GRAMS_SCORER_H_
#define GRAMS_SCORER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/language_model.h"
#include "grams/status.h"

namespace grams {

// Totals for a text, with KenLM's and SRILM's perplexity definitions
// (docs/ESTIMATION.md): every word and </s> is a token; an OOV is scored
// with p(<unk>).
struct GRAMS_EXPORT PerplexityStats {
  uint64_t sentences = 0;
  uint64_t words = 0;        // not counting </s>
  uint64_t oovs = 0;
  double log10_prob = 0;     // total over all tokens, OOVs included
  double oov_log10_prob = 0; // the part of log10_prob from OOVs
  double iv_log10_prob = 0;  // the rest: tokens in the vocabulary (kept apart
                             // so that an OOV scored -inf leaves it finite)

  uint64_t tokens() const { return words + sentences; }
  // KenLM query: 10^(-log10_prob / tokens).
  double Perplexity() const;
  // KenLM query, OOVs excluded: 10^(-(log10_prob - oov_log10_prob) / (tokens - oovs)).
  double PerplexityExcludingOovs() const;
  // SRILM ppl: 10^(-(log10_prob - oov_log10_prob) / (words - oovs + sentences)).
  double SrilmPpl() const;
  // SRILM ppl1: 10^(-(log10_prob - oov_log10_prob) / (words - oovs)).
  double SrilmPpl1() const;
  // -log2 p per token: bits per character (char units), per byte (byte units).
  double BitsPerToken() const;
  void Add(const PerplexityStats& other);
};

// Scores text line by line with the model's own tokenization (its units,
// normalization, case folding and boundaries). Lines can be scored one at a
// time (ScoreLine) or in batches (Add, then Score, then Get), which is faster:
// the table lookups of the next lines are prefetched while the current ones
// are scored.
//
// With boundaries=line every line is a sentence: <s> before it, </s> scored
// after it. With boundaries=none the lines are one stream: each line's units
// (its newline included, for byte, char and grapheme units) are scored with
// the previous lines as context, and AddEnd() scores the stream's closing
// </s>.
class GRAMS_EXPORT TextScorer {
 public:
  // REQUIRES: `model` outlives the scorer.
  explicit TextScorer(const LanguageModel* model);
  ~TextScorer();
  TextScorer(const TextScorer&) = delete;
  TextScorer& operator=(const TextScorer&) = delete;

  struct LineScore {
    double log10_prob = 0;
    uint64_t tokens = 0;  // units scored: words (or chars, bytes...) + </s>
    uint64_t oovs = 0;
    std::vector<std::string_view> words;  // the units, valid until the next Add/ScoreLine/Clear
    std::vector<float> token_log10;       // per token, </s> last
    std::vector<bool> token_oov;
    bool has_end = false;                 // whether the last token is </s>
  };
  // Scores one line (without its newline). Fails only on invalid UTF-8 under
  // the model's settings: InvalidArgument "byte offset N: invalid UTF-8".
  Status ScoreLine(std::string_view line, LineScore* out);

  // Batch: Add() copies a line in; Score() scores every line added since the
  // last Clear(); Get(i) gives line i's result; Clear() empties the batch (a
  // stream's context is kept). `newline`: the line ended with '\n'.
  // `line_offset`, the line's byte offset in its file, is added to the
  // offset an invalid-UTF-8 error reports.
  Status Add(std::string_view line, bool newline = true, uint64_t line_offset = 0);
  // Stream mode: adds the stream's closing </s> as a line of its own.
  void AddEnd();
  // Lines added since the last Clear().
  size_t size() const;
  // Tokens added so far: a caller can bound batches by it.
  size_t pending_tokens() const;
  void Score();
  void Get(size_t i, LineScore* out) const;
  void Clear();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// How ScoreText reads and batches.
struct GRAMS_EXPORT ScoreTextOptions {
  // Lines are scored in batches of about this many tokens (the lookups of a
  // batch are prefetched together; 4096 keeps them in cache). 1 scores and
  // reports each line as soon as it is read (interactive use, a coprocess).
  size_t batch_tokens = 4096;
  // Models with boundaries=none: after the last line, also score the
  // stream's closing </s>, reported as a line of its own (no words,
  // has_end). Perplexity counts it; a per-line report has no line for it.
  bool end_stream = false;
};

// Called with each scored line, in input order (the views in `score` are
// valid during the call only). Returning false stops ScoreText at once.
using LineScoreCallback = std::function<bool(const TextScorer::LineScore& score)>;

// Scores every line of the files `paths` ("-" = stdin; gzip, bzip2, xz and
// zstd are decompressed) in order, as one text: with boundaries=none the
// stream runs on from one file into the next. OK when all lines were scored
// or `on_line` asked to stop. Errors name the file and line ("FILE:LINE:
// byte offset N: invalid UTF-8"); the lines read before the error are
// scored and reported first (their callback's answer is then ignored).
GRAMS_EXPORT Status ScoreText(const LanguageModel& model, const std::vector<std::string>& paths,
                              const ScoreTextOptions& options, const LineScoreCallback& on_line);

// Perplexity of a whole file ("-" = stdin), one sentence per line (with
// boundaries=none: one stream, its closing </s> included). ScoreText with
// end_stream.
GRAMS_EXPORT StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model,
                                                         const std::string& path);

}  // namespace grams

#endif  // GRAMS_SCORER_H_
