// Linear interpolation of backoff models (grams-mix): P(w | h) =
// sum_i weight_i P_i(w | h), each P_i by its model's backoff rule. The
// models must split text the same way (the same tokenizer settings); their
// vocabularies may differ: the mixture's is their union, a word missing from
// model i has P_i = 0 there, and a unit in no model is <unk> in each, so the
// mixture still sums to one over the union.
//
// EstimateMixWeights finds the weights that maximize the probability of a
// development text by EM (SRILM's compute-best-mix); MixModels writes the
// mixture as one static backoff model (SRILM's ngram -mix-lm -write-lm): the
// union of the n-grams, each with the mixed probability, and every context's
// backoff recomputed so that its distribution sums to one. CreateMixture
// scores with the mixture without writing it (SRILM's ngram -lm A -mix-lm B
// -lambda W): a LanguageModel that every scoring function takes.
#ifndef GRAMS_MIX_H_
#define GRAMS_MIX_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <memory>

#include "grams/export.h"
#include "grams/language_model.h"
#include "grams/model.h"
#include "grams/predict.h"
#include "grams/status.h"

namespace grams {

// OK if the models can be mixed: at least two, the same tokenizer settings
// (else InvalidArgument naming `names[i]` and the setting that differs), and
// either all probabilistic or all Stupid Backoff (scores).
GRAMS_EXPORT Status CheckMixable(const std::vector<const NgramPredictor*>& models,
                                 const std::vector<std::string>& names);

// The dynamic mixture of `models` with `weights` (one per model, >= 0, not
// all 0; normalized to sum to 1 as w_i / (w_1 + ... + w_n)), as a
// LanguageModel that shares the members (they stay alive while it does):
// every scoring function takes it (TextScorer, ScoreText, ComputePerplexity,
// ScoreJsonl, the State API). Each token's log10 probability is
//   log10 sum_i weight_i P_i(w | h),
// each P_i by its model's own rule (the floats LanguageModel::ScoreSentences
// gives), added in double in the models' order and rounded to float: where
// the static mixture (MixModels) holds the token's whole n-gram (context
// and word), exactly its score.
// Its vocabulary is the union (the first model's ids first); a word model i
// lacks has P_i = 0 (in a context, it is model i's <unk>), and a word in no
// model is an OOV (kUnkId), scored with every model's P_i(<unk>). Its order
// is the largest; FullScoreResult::ngram_length (and the n-gram length per
// token of ScoreSentences) is the longest n-gram any model that has the word
// matched. Of Stupid Backoff models the scores are mixed the same way and
// the mixture is marked Stupid Backoff (IsProbabilistic() false). Info:
// source = mix, mix.dynamic = true, mix.models, mix.weights (normalized).
// WriteMappedModel refuses a mixture. Fails (InvalidArgument) unless the
// models are mixable as CheckMixable says (a single model is allowed) and
// the weights are valid; `names` (may be empty) name the models in messages.
// Fails (ResourceExhausted) if the union vocabulary would have more than
// Vocabulary::kMaxWords words.
GRAMS_EXPORT StatusOr<std::unique_ptr<LanguageModel>> CreateMixture(
    std::vector<std::shared_ptr<const LanguageModel>> models, const std::vector<double>& weights,
    const std::vector<std::string>& names = {});

// The normalized weights of a mixture made by CreateMixture (empty for any
// other model).
GRAMS_EXPORT std::vector<double> MixtureWeights(const LanguageModel& model);

// Each token of a development text (units and </s>) with its probability
// under each model, as the mixture counts them.
struct GRAMS_EXPORT MixDevScores {
  size_t models = 0;
  uint64_t sentences = 0;
  uint64_t tokens = 0;
  uint64_t oovs = 0;          // units in no model's vocabulary (scored as <unk>)
  std::vector<double> probs;  // probs[t * models + i]: P_i of token t
  // Each model alone, as grams-perplexity scores the text with it: a unit
  // not in its vocabulary is its <unk>. own_log10[i]: the total log10.
  std::vector<double> own_log10;
  // Whether token t is in every model's vocabulary (</s> is): on those
  // tokens the models and the mixture are compared on equal terms.
  std::vector<uint8_t> known_to_all;
};

// The log10 probability and count of the tokens known to all models under
// the mixture `weights` (a model alone: weight 1 on it).
GRAMS_EXPORT double MixLog10ProbKnown(const MixDevScores& scores,
                                      const std::vector<double>& weights, uint64_t* tokens);

// Reads and scores `path` ("-" = stdin) as grams-perplexity reads a text
// (lines are sentences; of a stream model, one stream). REQUIRES: CheckMixable.
GRAMS_EXPORT StatusOr<MixDevScores> ScoreForMix(const std::vector<const NgramPredictor*>& models,
                                                const std::string& path);

struct GRAMS_EXPORT MixIteration {
  int iteration = 0;  // 0: the starting weights
  std::vector<double> weights;
  double log10_prob = 0;  // of the development text under these weights
  double perplexity = 0;  // 10^(-log10_prob / tokens)
};

// The development text's log10 probability under the mixture `weights`.
GRAMS_EXPORT double MixLog10Prob(const MixDevScores& scores, const std::vector<double>& weights);

struct GRAMS_EXPORT MixEmOptions {
  // Stop when no weight moves by more than this in an iteration.
  double tolerance = 1e-5;
  int max_iterations = 500;
};

// EM from `weights` (positive, summing to 1): each iteration sets weight_i
// to the mean over tokens of weight_i P_i / sum_j weight_j P_j, which never
// lowers the development text's probability. Calls on_iteration (may be
// empty) with iteration 0 (the start) and after each iteration; returns
// the last.
GRAMS_EXPORT MixIteration EstimateMixWeights(
    const MixDevScores& scores, std::vector<double> weights, const MixEmOptions& options,
    const std::function<void(const MixIteration&)>& on_iteration);

// The static mixture: the union of the models' vocabularies (the first
// model's ids first) and n-grams, each n-gram's log10 probability that of
// the mixture, each context's backoff
//   (1 - sum of P(w | h) over its continuations) /
//   (1 - sum of P(w | h') over the same words),
// h' being h without its first unit. Every distribution then sums to one
// (to float rounding); the probability of an n-gram of the union equals the
// dynamic mixture's exactly, and other words after a context get its
// backoff times the shorter context's probability. Of Stupid Backoff
// models, the scores are mixed and each backoff is the weighted mean of the
// models' backoffs (linear); the result is marked as Stupid Backoff.
// `names` (may be empty) name the models in messages. Fails
// (ResourceExhausted) if the union vocabulary would have more than
// Vocabulary::kMaxWords words.
GRAMS_EXPORT StatusOr<Model> MixModels(const std::vector<const NgramPredictor*>& models,
                                       const std::vector<double>& weights,
                                       const std::vector<std::string>& names = {});

}  // namespace grams

#endif  // GRAMS_MIX_H_
