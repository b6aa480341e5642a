// Model: a backoff n-gram language model in trie form (log10 probabilities and
// backoffs per n-gram) with its provenance (the info key/values every model
// file records), and ModelSummary, the same without the n-grams. Estimation
// is in grams/build.h, the file forms in grams/model_io.h, queries in
// grams/language_model.h. A Model is a plain value: not thread-safe for
// writes, const access from several threads is safe.
#ifndef GRAMS_MODEL_H_
#define GRAMS_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/export.h"
#include "grams/settings.h"
#include "grams/trie.h"
#include "grams/vocabulary.h"

namespace grams {

// Free-form provenance recorded in the file header, in order: "smoothing" ->
// "mkn", "discounts.3" -> "0.88 1.21 1.43", "source" -> "arpa", ...
// (docs/FORMAT.md lists the keys).
using ModelInfo = std::vector<std::pair<std::string, std::string>>;

// The value of the first entry `key` of `info`, or "" if there is none.
// Every Info() accessor (Model, ModelSummary, LanguageModel) is this.
GRAMS_EXPORT std::string InfoValue(const ModelInfo& info, std::string_view key);

// False for models whose scores are not probabilities (Stupid Backoff: info
// "smoothing" = "stupid"); perplexity and entropy pruning are meaningless
// for them. The one place that tells such models apart.
GRAMS_EXPORT bool IsProperDistribution(const ModelInfo& info);

// A Stupid Backoff model's log10 alpha, which every backoff costs, the
// unseen contexts included (Brants et al. 2007): the info's
// "stupid_alpha", else `bos_backoff` (<s>'s log10 backoff, which is log10
// alpha like every backoff of such a model). 0 for other models.
GRAMS_EXPORT float StupidLogAlpha(const ModelInfo& info, float bos_backoff);

struct GRAMS_EXPORT Model {
  TokenizerSettings settings;
  Vocabulary vocab;
  NgramTrie trie;
  // log_prob[n-1][i]: log10 p(w | context) of entry i of order n.
  std::vector<std::vector<float>> log_prob;
  // log_backoff[n-1][i]: log10 backoff weight of entry i of order n, for
  // n < order(); the highest order has none (empty vector).
  std::vector<std::vector<float>> log_backoff;
  ModelInfo info;
  // The "blanks" (KenLM's word): n-grams an ARPA file lacked although a
  // longer n-gram of the file ends with them, added by ReadArpa so that
  // lookups, which lengthen a match one word to the left, reach the longer
  // n-gram. Their values are what the backoff rule gives (log10 prob of
  // backing off, backoff 0), so they change no score. blanks[n-1] lists the
  // entries of order n that are blanks, ascending; WriteArpa leaves them
  // out, the model file keeps the list (docs/FORMAT.md, "Blanks"). Empty
  // (no element) when there are none, as for every model grams estimates.
  std::vector<std::vector<EntryIndex>> blanks;

  int order() const { return trie.order(); }
  // InfoValue(info, key).
  std::string Info(const std::string& key) const;
};

// IsProperDistribution(model.info).
GRAMS_EXPORT bool IsProperDistribution(const Model& model);

// A model's shape without its n-grams: what BuildModelFile returns (it never
// holds the model) and what grams-build -v and the like describe.
struct GRAMS_EXPORT ModelSummary {
  std::vector<uint64_t> ngram_counts;  // element n-1: the n-grams of order n
  ModelInfo info;

  int order() const { return static_cast<int>(ngram_counts.size()); }
  // InfoValue(info, key).
  std::string Info(const std::string& key) const;
};
GRAMS_EXPORT ModelSummary Summarize(const Model& model);

// A human-readable description of the model, one line per element, without
// newlines: first the method and its parameters when the info names one
// ("smoothing mkn (interpolated)", "smoothing add, k = 0.5, count pruning 0 1"),
// then per order "order 2: 1234 n-grams (of 2000), discounts D1 D2 D3+ = ...".
// grams-build -v prints these lines.
GRAMS_EXPORT std::vector<std::string> DescribeModel(const ModelSummary& summary);

}  // namespace grams

#endif  // GRAMS_MODEL_H_
