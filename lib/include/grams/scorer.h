// Scoring text with a LanguageModel: TextScorer tokenizes lines as the model
// was trained (its units, normalization, case folding and boundaries) and
// scores them; ScoreText and ScoreAndFormatText stream files through it line
// by line, on one thread or several; PerplexityStats and ComputePerplexity
// total a text. A TextScorer is not thread-safe (one per thread; they may
// share the LanguageModel). ScoreText and the others are thread-safe.
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
  uint64_t words = 0;  // not counting </s>
  uint64_t oovs = 0;
  double log10_prob = 0;      // total over all tokens, OOVs included
  double oov_log10_prob = 0;  // the part of log10_prob from OOVs
  double iv_log10_prob = 0;   // the rest: tokens in the vocabulary (kept apart
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

// How each line is framed as a sentence (KenLM's score(bos, eos)).
struct GRAMS_EXPORT SentenceOptions {
  // <s> is the context of the line's first unit. false: the line is a
  // fragment, its first unit scored with no history (KenLM's bos=False; with
  // eos = false too, KenLM's `query -n`). Models with boundaries=none: the
  // stream starts without <s>.
  bool bos = true;
  // </s> is scored after the line's last unit and counted as a token. false:
  // it is not (eos=False). Ignored by models with boundaries=none, whose
  // lines have no </s>.
  bool eos = true;
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
  TextScorer(const LanguageModel* model, const SentenceOptions& options);
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
    // Per token: the length of the longest n-gram of the model that matched
    // (1 = the unigram alone; the model backed off from longer contexts).
    std::vector<uint8_t> token_ngram_length;
    bool has_end = false;  // whether the last token is </s>
    // Set by ScoreText and ScoreAndFormatText only (TextScorer leaves them
    // empty): the input line as read, without its '\n', and its 1-based
    // number in its file (0 for the closing </s> of a stream).
    std::string_view line;
    uint64_t line_number = 0;
  };
  // Scores one line (without its newline). Fails only on invalid UTF-8 under
  // the model's settings: InvalidArgument "byte offset N: invalid UTF-8".
  Status ScoreLine(std::string_view line, LineScore* out);

  // Batch: Add() copies a line in; Score() scores the lines added since the
  // last Score() or Clear() (so a long batch can be scored in parts, each
  // while its lookups are in cache); Get(i) gives line i's result (REQUIRES:
  // scored); Clear() empties the batch (a stream's context is kept). `newline`: the line ended with
  // '\n'. `line_offset`, the line's byte offset in its file, is added to the offset an
  // invalid-UTF-8 error reports.
  Status Add(std::string_view line, bool newline = true, uint64_t line_offset = 0);
  // Stream mode: adds the stream's closing </s> as a line of its own.
  void AddEnd();
  // Lines added since the last Clear().
  size_t size() const;
  // Tokens added so far: a caller can bound batches by it.
  size_t pending_tokens() const;
  void Score();
  void Get(size_t i, LineScore* out) const;
  // Adds every line added since the last Clear() to *stats, as
  // ComputePerplexity counts them (sentences, words, OOVs; the log10
  // probabilities line by line and token by token, in input order), without
  // the cost of Get(). REQUIRES: scored.
  void AddTo(PerplexityStats* stats) const;
  void Clear();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Adds a scored line to *stats as ComputePerplexity counts it: its tokens
// (</s> included) and OOVs, and its log10 probabilities token by token, in
// order, so sums come out the same however lines are batched.
GRAMS_EXPORT void AddScoredLine(const TextScorer::LineScore& line, PerplexityStats* stats);

// How ScoreText reads, batches and shares out the lines.
//
// Lines are read in batches (up to about 64 KiB of text) on a thread of
// their own; with threads > 1 the batches are tokenized, scored (and
// formatted, by ScoreAndFormatText) on `threads` threads, the calling
// thread among them, and reported in input order on the calling thread.
// The results are the same for any number of threads, bit for bit.
struct GRAMS_EXPORT ScoreTextOptions {
  // Lines are scored in parts of about this many tokens (the lookups of a
  // part are prefetched together; 4096 keeps them in cache). 1: prompt
  // mode, for interactive use and coprocesses: a batch never waits for
  // input that has not arrived, so every line read is reported before
  // ScoreText waits to read more (lines already waiting are still batched).
  size_t batch_tokens = 4096;
  // Models with boundaries=none: after the last line, also score the
  // stream's closing </s>, reported as a line of its own (no words,
  // has_end). Perplexity counts it; a per-line report has no line for it.
  bool end_stream = false;
  // Scoring threads: 1 scores on the calling thread alone (and reads there
  // too); 0 is one per core. Models with boundaries=none always score on one
  // thread (each line's context is the line before it).
  int threads = 1;
  // How every line is framed: <s> before it, </s> after it.
  SentenceOptions sentence;
};

// Called with each scored line, in input order (the views in `score` are
// valid during the call only). Returning false stops ScoreText at once.
using LineScoreCallback = std::function<bool(const TextScorer::LineScore& score)>;

// Scores every line of the files `paths` ("-" = stdin; gzip, bzip2, xz and
// zstd are decompressed) in order, as one text: with boundaries=none the
// stream runs on from one file into the next. OK when all lines were scored
// or `on_line` asked to stop. Errors name the file and line ("FILE:LINE:
// byte offset N: invalid UTF-8"); every line before the failing one is
// scored and reported first (their callback's answer is then ignored), and
// none after it, whatever the number of threads. on_line runs on the
// calling thread.
//
// When on_line stops early while the reading thread waits for input (an
// idle terminal or pipe), ScoreText returns at once and that thread ends by
// itself when input arrives or ends.
GRAMS_EXPORT Status ScoreText(const LanguageModel& model, const std::vector<std::string>& paths,
                              const ScoreTextOptions& options, const LineScoreCallback& on_line);

// What a line becomes in ScoreAndFormatText's output: appends it to *out.
// Runs on the scoring threads, several lines at once with threads > 1, so it
// must be safe to call concurrently (a function of its arguments).
using LineFormatter = std::function<void(const TextScorer::LineScore& score, std::string* out)>;
// Receives the output of consecutive lines, in input order, on the calling
// thread. Returning false stops at once.
using TextCallback = std::function<bool(std::string_view text)>;

// ScoreText, with each line turned into text by `format` on the scoring
// threads (so formatting runs in parallel too) and the text handed to
// `write` in input order: a batch of lines at a time, or in prompt mode
// (batch_tokens 1) as soon as the lines are scored. Errors as ScoreText:
// the text of every line before the failing one is written first.
GRAMS_EXPORT Status ScoreAndFormatText(const LanguageModel& model,
                                       const std::vector<std::string>& paths,
                                       const ScoreTextOptions& options, const LineFormatter& format,
                                       const TextCallback& write);

// Perplexity of a whole file ("-" = stdin), one sentence per line (with
// boundaries=none: one stream, its closing </s> included). ScoreText with
// end_stream; the second form scores on options.threads threads (the totals
// are the same bits for any number) with options.sentence.
GRAMS_EXPORT StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model,
                                                         const std::string& path);
GRAMS_EXPORT StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model,
                                                         const std::string& path,
                                                         const ScoreTextOptions& options);

}  // namespace grams

#endif  // GRAMS_SCORER_H_
