// Model: a backoff n-gram language model in trie form (log10 probabilities and
// backoffs per n-gram), its estimation from counts, and its file forms:
// the grams model file (docs/FORMAT.md) and ARPA.
#ifndef GRAMS_MODEL_H_
#define GRAMS_MODEL_H_

#include <array>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "grams/counts.h"
#include "grams/export.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/vocabulary.h"

namespace grams {

struct GRAMS_EXPORT Model {
  TokenizerSettings settings;
  Vocabulary vocab;
  NgramTrie trie;
  // log_prob[n-1][i]: log10 p(w | context) of entry i of order n.
  std::vector<std::vector<float>> log_prob;
  // log_backoff[n-1][i]: log10 backoff weight of entry i of order n, for
  // n < order(); the highest order has none (empty vector).
  std::vector<std::vector<float>> log_backoff;
  // Free-form provenance recorded in the file header: "smoothing" -> "mkn",
  // "discounts.3" -> "0.88 1.21 1.43", "source" -> "arpa", ...
  std::vector<std::pair<std::string, std::string>> info;

  int order() const { return trie.order(); }
  // The value of `key` in info, or "".
  std::string Info(const std::string& key) const;
};

struct GRAMS_EXPORT BuildOptions {
  // Called with each warning (e.g. fallback discounts). May be empty.
  std::function<void(const std::string&)> warn;
};

// The discounts used when they cannot be estimated from the count-of-counts
// (too little data, or a zero count-of-count): D1, D2, D3+.
inline constexpr std::array<double, 3> kFallbackDiscounts = {0.5, 1.0, 1.5};

// Estimates interpolated modified Kneser-Ney (Chen & Goodman 1998) from raw
// counts exactly as KenLM's lmplz does by default. See docs/ESTIMATION.md.
GRAMS_EXPORT StatusOr<Model> BuildModel(const NgramCounts& counts, const BuildOptions& options);
// The same, consuming the counts: their trie and vocabulary move into the
// model and each order's counts are released once used (less peak memory).
GRAMS_EXPORT StatusOr<Model> BuildModel(NgramCounts&& counts, const BuildOptions& options);

// Binary model file ("-" = stdout / stdin).
GRAMS_EXPORT Status WriteModelFile(const Model& model, const std::string& path);
GRAMS_EXPORT StatusOr<Model> ReadModelFile(const std::string& path);

// ARPA text. The writer puts each order's n-grams in trie order (grouped by
// context, contexts in the order of the lower section), which every toolkit,
// IRSTLM included, accepts.
GRAMS_EXPORT Status WriteArpa(const Model& model, const std::string& path);
GRAMS_EXPORT StatusOr<Model> ReadArpa(const std::string& path);
// As above; `warn` (may be empty) receives each warning: <unk> missing from
// the 1-grams (added with log10 probability -100), context n-grams missing
// from the file (added with backed-off probabilities), ignored backoffs on
// the highest order.
GRAMS_EXPORT StatusOr<Model> ReadArpa(const std::string& path,
                                      const std::function<void(const std::string&)>& warn);

// Reads a model file or an ARPA file, told apart by content.
GRAMS_EXPORT StatusOr<Model> LoadModel(const std::string& path);

}  // namespace grams

#endif  // GRAMS_MODEL_H_
