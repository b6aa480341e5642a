// Working with a model's continuations: the exact K most likely next units
// after a context (grams-predict) and sampling from the model (grams-generate).
//
// NgramPredictor keeps a Model in trie form (grams/model.h): the children of
// an n-gram are contiguous, so the continuations of a context that the model
// holds are one range of each order, without a scan of the vocabulary. Every
// probability is the backoff rule's (docs/ESTIMATION.md), computed as
// LanguageModel::Score computes it: the log10 probability of the longest
// matching n-gram plus the backoffs of the longer contexts, added shortest
// first. For a Stupid Backoff model (IsProbabilistic() false) the numbers are
// scores, not probabilities. Queries are const and thread-safe.
#ifndef GRAMS_PREDICT_H_
#define GRAMS_PREDICT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/model.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/types.h"
#include "grams/vocabulary.h"

namespace grams {

// One predicted unit: its id and log10 P(word | context) (a log10 score for
// Stupid Backoff).
struct GRAMS_EXPORT Prediction {
  WordId word = 0;
  float log10_prob = 0;
};

// The continuations of one context held by the model: the n-grams
// (context w) of the next order, by ascending word id, with their own log10
// probabilities (not backed off: those of the n-grams as stored).
struct GRAMS_EXPORT Continuations {
  const WordId* words = nullptr;
  const float* log10_probs = nullptr;
  size_t size = 0;
};

// Where sampling stands: the model's entries for the last 1, 2, ..., length
// units of the context (length: the longest context the model holds, at most
// order-1). entry[j-1] is the entry of order j; the rest is not set.
struct GRAMS_EXPORT PredictState {
  int length = 0;
  EntryIndex entry[kMaxOrder];
};

struct GRAMS_EXPORT PredictorOptions {
  // Build the tables Sample() needs (per context, the cumulative
  // probabilities of its continuations and the mass its lower order gives
  // them): one backoff query per n-gram at Create.
  bool sampling = false;
};

// What TopK leaves out: <s> is never a prediction (no model predicts it);
// <unk> is one only when include_unk is set.
struct GRAMS_EXPORT TopKOptions {
  size_t k = 10;
  bool include_unk = false;
};

class GRAMS_EXPORT NgramPredictor {
 public:
  // Takes the model (moved in; LoadModel reads any model file, ARPA or
  // KenLM trie binary). Fails on a model without unigrams or whose trie is
  // inconsistent (a child outside its level).
  static StatusOr<std::unique_ptr<NgramPredictor>> Create(Model model,
                                                          const PredictorOptions& options = {});
  ~NgramPredictor();
  NgramPredictor(const NgramPredictor&) = delete;
  NgramPredictor& operator=(const NgramPredictor&) = delete;

  const Model& model() const;
  int order() const;
  const Vocabulary& vocab() const;
  const TokenizerSettings& settings() const;
  // IsProperDistribution(model().info): false for Stupid Backoff.
  bool IsProbabilistic() const;

  // The continuations of the n-gram context[0..n) (n = 0: every unigram):
  // empty when the context is not an n-gram of the model or n >= order().
  Continuations ContinuationsOf(const WordId* context, size_t n) const;

  // log10 P(word | context[0..n)) by the backoff rule; only the last
  // order()-1 words of the context matter. Equal to LanguageModel::Score
  // from the state after the same words.
  float LogProb(const WordId* context, size_t n, WordId word) const;

  // The options.k most likely next units after context[0..n), best first
  // (ties: smaller id first), into *out; exact: the same as scoring every
  // word of the vocabulary with LogProb and sorting. Visits the context's
  // continuations order by order, each by descending probability, and stops
  // when no unvisited one (times its backoffs) can beat the k-th best.
  void TopK(const WordId* context, size_t n, const TopKOptions& options,
            std::vector<Prediction>* out) const;

  // Every unit's log10 P(word | context) (or score), indexed by word id:
  // out->size() = vocab().size(); <s> gets -infinity. One pass over the
  // vocabulary, then the continuations of the longer contexts.
  void Distribution(const WordId* context, size_t n, std::vector<float>* out) const;

  // Draws the next unit after context[0..n) from P(. | context) (normalized
  // over the units the model gives mass, <s> never), exactly, without a
  // pass over the vocabulary: the context's continuations by their
  // cumulative mass, or the lower order's draw, drawn again while it is a
  // continuation of the longer context. *rng is the state of the generator
  // (SplitMix64, NextUniform), advanced by each draw.
  // REQUIRES: created with options.sampling.
  WordId Sample(const WordId* context, size_t n, uint64_t* rng) const;
  // The same from a state: the state of context[0..n), then *out = the state
  // after the drawn unit (meaningless after </s>), found from the n-gram the
  // unit was drawn as, without a walk from the context's start: the fast
  // way to draw a sequence.
  PredictState StateOf(const WordId* context, size_t n) const;
  WordId Sample(const PredictState& in, uint64_t* rng, PredictState* out) const;

 private:
  NgramPredictor();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Lines of text into the ids of a model's units, tokenized as the model was
// trained (its settings); units not in the vocabulary become kUnkId. Not
// thread-safe: one per thread.
// The generator behind Sample: SplitMix64 on *state, as a double in [0, 1)
// (53 random bits). Seeded by any value; the same seed, the same sequence.
GRAMS_EXPORT double NextUniform(uint64_t* state);

class GRAMS_EXPORT UnitReader {
 public:
  // REQUIRES: `vocab` outlives the reader.
  static StatusOr<std::unique_ptr<UnitReader>> Create(const TokenizerSettings& settings,
                                                      const Vocabulary* vocab);
  ~UnitReader();
  UnitReader(const UnitReader&) = delete;
  UnitReader& operator=(const UnitReader&) = delete;

  // Replaces *ids with <s> (when `bos`) and the units of `line` (without its
  // newline; no "\n" unit is added for a stream model). Fails only on
  // invalid UTF-8 under the settings: InvalidArgument "byte offset N:
  // invalid UTF-8", N counted from `line_offset` (the line's offset in its
  // input).
  Status Read(std::string_view line, bool bos, std::vector<WordId>* ids, uint64_t line_offset = 0);

 private:
  UnitReader();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grams

#endif  // GRAMS_PREDICT_H_
