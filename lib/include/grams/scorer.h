// Querying a model: LanguageModel is the lookup structure built from a Model
// (one open-addressing hash table per order, keyed by a 64-bit hash of the
// word ids), with KenLM's State-style API for decoders and whole-sentence
// scoring for tools. Queries are const and thread-safe.
#ifndef GRAMS_SCORER_H_
#define GRAMS_SCORER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/model.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/vocabulary.h"

namespace grams {

// The longest State context the State API carries; whole-sentence scoring
// has no such limit.
inline constexpr int kMaxStateWords = 15;

// What a decoder carries between words: the last words (most recent first)
// that can still matter, and their backoffs.
struct GRAMS_EXPORT State {
  WordId words[kMaxStateWords];
  float backoff[kMaxStateWords];
  uint8_t length = 0;
};

// How LanguageModel::Load treats a mapped model file (docs/FORMAT.md,
// "Mapped model file"); the other forms are always checked in full.
struct GRAMS_EXPORT LoadOptions {
  // Check every section's CRC-32 before use (reads the whole file once).
  // Default: only the header's CRC and the layout are checked, and a damaged
  // table can only make scores wrong, never crash.
  bool verify_checksums = false;
  // Read the file into private memory instead of mapping it: slower to load
  // and not shared between processes, but immune to the file being
  // truncated or rewritten while in use (which kills a process that maps it
  // with SIGBUS). Default: mapped read-only and shared.
  bool read_into_memory = false;
};

class LanguageModel;
GRAMS_EXPORT Status WriteMappedModel(const LanguageModel& model, const std::string& path);

class GRAMS_EXPORT LanguageModel {
 public:
  // Builds the lookup structure. Fails on models whose order exceeds what it
  // supports or whose n-grams collide in the 64-bit hash (never seen).
  static StatusOr<std::unique_ptr<LanguageModel>> Create(const Model& model);
  // Loads a model file, a mapped model file or an ARPA file, told apart by
  // their first bytes ("-" = standard input; a model file or ARPA may come
  // through a pipe, ARPA compressed too). A mapped model is mapped
  // read-only and shared, not read: it must be a regular file, and must not
  // be truncated or rewritten in place while in use (replace it by
  // renaming, as grams-convert does).
  static StatusOr<std::unique_ptr<LanguageModel>> Load(const std::string& path);
  static StatusOr<std::unique_ptr<LanguageModel>> Load(const std::string& path,
                                                       const LoadOptions& options);
  ~LanguageModel();

  int order() const;
  const TokenizerSettings& settings() const;
  // The vocabulary (of a mapped model: built on the first call).
  const Vocabulary& vocab() const;
  // The model's provenance (Model::info): the value of `key`, or "".
  std::string Info(const std::string& key) const;
  // False for models whose scores are not probabilities (Stupid Backoff):
  // perplexity is undefined for them.
  bool IsProbabilistic() const { return Info("smoothing") != "stupid"; }
  // The id of `word`, or kUnkId when it is not in the vocabulary.
  WordId Index(std::string_view word) const;

  // The state at the start of a sentence (after <s>), and an empty one.
  State BeginSentenceState() const;
  State NullContextState() const;
  // log10 p(word | in), and the state after it. REQUIRES: order() <= kMaxStateWords + 1.
  float Score(const State& in, WordId word, State* out) const;

  // Scores a whole sentence: ids[0..n) are the words after <s> (append
  // kEosId to score the sentence end). Writes log10 p of each into out[0..n).
  // Works for any order; faster than the State API (prefetches ahead).
  void ScoreSentence(const WordId* ids, size_t n, float* out) const;
  // Scores sentences back to back: sentence i is ids[ends[i-1] .. ends[i])
  // (ends[-1] = 0), each after its own <s>. Prefetches across sentences.
  void ScoreSentences(const WordId* ids, const size_t* ends, size_t count, float* out) const;
  // Scores ids[0..n) as one span with no <s> added: ids[0] has no history.
  // To continue a stream, pass its last order()-1 tokens first and ignore
  // their scores (the stream's own first token is <s>).
  void ScoreSpan(const WordId* ids, size_t n, float* out) const;

 private:
  friend Status WriteMappedModel(const LanguageModel& model, const std::string& path);
  void ScoreImpl(const WordId* ids, const size_t* ends, size_t count, bool bos, float* out) const;
  LanguageModel();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the mapped form of a model (docs/FORMAT.md, "Mapped model file"),
// which LanguageModel::Load maps instead of decoding, to `path` ("-" =
// stdout) through a temporary file renamed into place. The second form
// writes the tables a loaded model already has (of any form).
GRAMS_EXPORT Status WriteMappedModel(const Model& model, const std::string& path);
GRAMS_EXPORT Status WriteMappedModel(const LanguageModel& model, const std::string& path);

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
  explicit TextScorer(const LanguageModel* model);
  ~TextScorer();

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
  size_t size() const { return line_token_end_.size(); }
  // Tokens added so far: a caller can bound batches by it.
  size_t pending_tokens() const { return ids_.size(); }
  void Score();
  void Get(size_t i, LineScore* out) const;
  void Clear();

 private:
  const LanguageModel* model_;
  bool stream_;
  std::unique_ptr<class Tokenizer> tokenizer_;
  Status tokenizer_status_;
  std::vector<std::string_view> units_;
  std::string text_;                              // the units, back to back
  std::vector<std::pair<size_t, size_t>> words_;  // (offset, length) in text_, per token
  std::vector<WordId> ids_;                       // per token
  std::vector<size_t> line_token_end_;            // end of each line in ids_
  std::vector<float> log10_;                      // per token, after Score()
  std::vector<WordId> history_;                   // stream: the last order-1 tokens
  std::vector<WordId> span_;
  std::vector<float> span_out_;
};

// Perplexity of a whole file ("-" = stdin), one sentence per line.
GRAMS_EXPORT StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model,
                                                         const std::string& path);

}  // namespace grams

#endif  // GRAMS_SCORER_H_
