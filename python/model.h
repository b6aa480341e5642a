// grams.Model: a LanguageModel (loaded from a model or ARPA file, or built in
// memory from counts) with KenLM's Python API on top, and text turned into
// units exactly as the command-line tools do.
//
// Thread safety: the LanguageModel is const and shared; everything that
// tokenizes with a TextScorer (not thread-safe) either holds the GIL or owns
// its TextScorer.
#ifndef GRAMS_PYTHON_MODEL_H_
#define GRAMS_PYTHON_MODEL_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"
#include "grams/grams.h"

namespace grams::python {

// Text to the word ids of its units, with the model's tokenization: for a
// plain word model (word units, no normalization or folding, a sentence per
// line) a split at the six ASCII whitespace bytes, as KenLM's module and
// grams-score split; otherwise the model's own tokenizer (TextScorer).
// Not thread-safe: one per thread.
class Tokens {
 public:
  explicit Tokens(const LanguageModel* lm);

  // The ids of the units of `text` into *ids (replaced). With a sentence per
  // line, `text` is one sentence (one trailing '\n' is ignored); with
  // boundaries=none it is a piece of the stream: its lines end at '\n', and
  // each '\n' is a unit where the model has one. No <s> or </s> is added.
  // InvalidArgument on text that is not valid UTF-8 where the model needs it.
  Status Sentence(std::string_view text, std::vector<WordId>* ids);

  bool plain() const { return plain_; }
  bool stream() const { return stream_; }

 private:
  const LanguageModel* lm_;
  bool plain_, stream_;
  std::unique_ptr<TextScorer> scorer_;  // for models that are not plain
  TextScorer::LineScore line_;
  std::vector<std::string_view> words_;  // plain models: the words of the text
};

// Sums log10 p over ids[0..n), each scored after <s> (bos) or with no
// context, `scratch` holding the per-token scores.
double ScoreIds(const LanguageModel& lm, const std::vector<WordId>& ids, bool bos,
                std::vector<float>* scratch);

class PyModel {
 public:
  // Loads a model file or an ARPA file (OSError on failure); `tables` is
  // LoadOptions::tables by name ("background", "first", "never").
  static std::shared_ptr<PyModel> Load(py::handle path, const std::string& tables = "background");
  // A model estimated in memory: `data` is kept for save(), save_arpa() and
  // exact lookups.
  static std::shared_ptr<PyModel> FromModel(std::shared_ptr<const Model> data);

  // The dynamic mixture (grams/mix.h, CreateMixture) of `members`, which it
  // keeps alive, with `weights` (ValueError on a bad mixture).
  static std::shared_ptr<PyModel> FromMixture(const std::vector<std::shared_ptr<PyModel>>& members,
                                              const std::vector<double>& weights);

  const LanguageModel& lm() const { return *lm_; }
  // A mixture's members (empty for any other model).
  const std::vector<std::shared_ptr<PyModel>>& members() const { return members_; }
  // The model in trie form for predict() and generate(), with the sampling
  // tables: built on the first call (from the model in memory, or by reading
  // the file again), kept. ValueError for a dynamic mixture; OSError when the
  // file cannot be read again. REQUIRES: the GIL is held (it is released
  // while the predictor is built).
  const NgramPredictor& Predictor();
  const std::shared_ptr<const Model>& data() const { return data_; }
  const std::optional<std::string>& path() const { return path_; }
  // The tokenizer for calls made with the GIL held.
  Tokens& tokens() { return *tokens_; }

  // ValueError unless the State API works for this model (order <= 16).
  void RequireStateApi() const;

  // score(): log10 p of the units of `text` (and of </s> with eos), after
  // <s> with bos, else with no context. ValueError on text the model's
  // tokenizer rejects. REQUIRES: the GIL is held (the buffers are shared).
  double Score(std::string_view text, bool bos, bool eos);
  // The ids of the units of `text` (see Tokens::Sentence), in a buffer that
  // the next call reuses. REQUIRES: the GIL is held.
  std::vector<WordId>& SentenceIds(std::string_view text);

 private:
  PyModel() = default;
  void Init();

  std::unique_ptr<const LanguageModel> lm_;
  std::shared_ptr<const Model> data_;
  std::optional<std::string> path_;  // absolute, as given to Load
  std::unique_ptr<Tokens> tokens_;
  std::vector<WordId> ids_;
  std::vector<float> scores_;
  std::vector<std::shared_ptr<PyModel>> members_;
  std::unique_ptr<NgramPredictor> predictor_;
};

// Registers Model.predict(), Model.generate(), Model.mix_weights, and the
// module's Mixture() and estimate_mix_weights() (working.cc).
void RegisterWorking(py::module_& m, py::class_<PyModel, std::shared_ptr<PyModel>>& model);

// Registers Model (and LanguageModel), State, FullScoreReturn, Config,
// LoadMethod and PerplexityStats (State and the decoder methods through
// RegisterState, state.h).
void RegisterModel(py::module_& m);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_MODEL_H_
