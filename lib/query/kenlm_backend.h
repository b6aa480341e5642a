// Internal: scoring with a KenLM binary model (format/kenlm_binary.h) behind
// LanguageModel, by KenLM's own rules, so that the scores are the floats
// KenLM's query prints: the longest n-gram found ending in the word, plus the
// backoffs of the context n-grams longer than its history, summed in
// KenLM's order; a state carries only the context that longer n-grams can
// extend. Words are grams ids outside (kenlm_model.h maps them); the file's
// structures are probed where they lie.
//
// Immutable once created (the vocabulary is built on the first vocab()
// call, once); concurrent queries are safe.
#ifndef GRAMS_QUERY_KENLM_BACKEND_H_
#define GRAMS_QUERY_KENLM_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "format/kenlm_binary.h"
#include "format/kenlm_model.h"
#include "grams/language_model.h"
#include "grams/vocabulary.h"

namespace grams::query {

class KenlmBackend {
 public:
  explicit KenlmBackend(std::unique_ptr<KenlmBinary> file);

  const KenlmBinary& file() const { return *file_; }
  int order() const { return file_->order(); }
  // The grams vocabulary: <unk>, <s>, </s>, then KenLM's words in its order.
  const Vocabulary& vocab() const;
  WordId Index(std::string_view word) const { return ids_.to_grams[file_->Index(word)]; }

  State BeginSentenceState() const;
  FullScoreResult FullScore(const State& in, WordId word, State* out) const;
  // LanguageModel::ScoreSentences with both choices.
  void ScoreSentences(const WordId* ids, const size_t* ends, size_t count, bool bos, float* out,
                      uint8_t* ngram_length) const;

 private:
  uint32_t ToKenlm(WordId g) const { return g < ids_.to_kenlm.size() ? ids_.to_kenlm[g] : 0; }

  std::unique_ptr<KenlmBinary> file_;
  KenlmIds ids_;
  mutable std::once_flag vocab_once_;
  mutable Vocabulary vocab_;
};

}  // namespace grams::query

#endif  // GRAMS_QUERY_KENLM_BACKEND_H_
