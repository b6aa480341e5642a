// Internal: the dynamic mixture behind a LanguageModel (grams/mix.h,
// CreateMixture): P(w | h) = sum_i weight_i P_i(w | h), each member scoring
// the same tokens with its own tables, the probabilities added in double,
// then rounded to float as every score is. Words are ids of the union
// vocabulary (the first member's ids first, as MixModels numbers them);
// each member sees them as its own ids, a word it lacks as its <unk> in a
// context and with P_i = 0 when predicted (unless the word is in no member:
// then every member's <unk>).
//
// Set as LanguageModel::Impl::mixture: each public query that needs the
// tables hands over to it on its first line, as with a KenLM binary.
// Immutable once created; concurrent queries are safe (the scratch is per
// thread).
#ifndef GRAMS_QUERY_MIX_BACKEND_H_
#define GRAMS_QUERY_MIX_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grams/language_model.h"
#include "grams/status.h"
#include "grams/types.h"

namespace grams::query {

class MixtureBackend {
 public:
  // The mixture of `models` with `weights` (>= 0, finite, not all 0;
  // normalized here to sum to 1, in order: w_i / (w_0 + w_1 + ...)).
  // REQUIRES: CheckMixable(models) is OK. `names` (may be empty) name the
  // models in messages.
  static StatusOr<std::unique_ptr<LanguageModel>> Create(
      std::vector<std::shared_ptr<const LanguageModel>> models, const std::vector<double>& weights,
      const std::vector<std::string>& names);

  // The mixture behind `lm`, or nullptr if it is not one.
  static const MixtureBackend* Of(const LanguageModel& lm);

  const std::vector<double>& weights() const { return weights_; }
  const std::vector<std::shared_ptr<const LanguageModel>>& members() const { return members_; }

  // LanguageModel::ScoreSentences with both choices. Token t's n-gram
  // length is the longest any member matched for it among the members that
  // hold the word (all of them for a word in none).
  void ScoreSentences(const WordId* ids, const size_t* ends, size_t count, bool bos, float* out,
                      uint8_t* ngram_length) const;
  // The State API: a state holds the last min(order-1, 15) words (union
  // ids, most recent first); each query scores them and the word as one
  // span.
  State BeginSentenceState() const;
  FullScoreResult FullScore(const State& in, WordId word, State* out) const;

 private:
  MixtureBackend() = default;

  std::vector<std::shared_ptr<const LanguageModel>> members_;
  std::vector<double> weights_;
  int order_ = 0;
  // to_member_[i][w]: member i's id of union word w, or kAbsent.
  std::vector<std::vector<WordId>> to_member_;
};

// to_member_'s mark for a word a member lacks.
inline constexpr WordId kAbsentWord = ~WordId{0};

}  // namespace grams::query

#endif  // GRAMS_QUERY_MIX_BACKEND_H_
