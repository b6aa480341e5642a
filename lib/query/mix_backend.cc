// The dynamic mixture (query/mix_backend.h): the union vocabulary, each
// member's view of it, and scoring by the members' own ScoreSentences.
#include "query/mix_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "query/language_model_impl.h"
#include "util/alloc_guard.h"

namespace grams::query {

StatusOr<std::unique_ptr<LanguageModel>> MixtureBackend::Create(
    std::vector<std::shared_ptr<const LanguageModel>> models, const std::vector<double>& weights,
    const std::vector<std::string>& names) {
  const size_t m = models.size();
  if (m < 1 || weights.size() != m) {
    return InvalidArgument("a mixture needs one weight per model (" + std::to_string(m) +
                           " models, " + std::to_string(weights.size()) + " weights)");
  }
  double sum = 0;
  for (size_t i = 0; i < m; ++i) {
    if (models[i] == nullptr) return InvalidArgument("a mixture's model is missing");
    if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
      return InvalidArgument("the weight of model " + std::to_string(i + 1) +
                             " is not a number >= 0");
    }
    sum += weights[i];
  }
  if (!(sum > 0)) return InvalidArgument("the mixture's weights add up to 0");
  return GuardAlloc("mixing the models", [&]() -> StatusOr<std::unique_ptr<LanguageModel>> {
    std::unique_ptr<MixtureBackend> mix(new MixtureBackend());
    mix->weights_ = weights;
    for (double& w : mix->weights_) w /= sum;
    std::unique_ptr<LanguageModel> lm(new LanguageModel());
    LanguageModel::Impl& impl = *lm->impl_;
    // The union vocabulary (the first model's ids first), and each model's
    // ids in it.
    std::vector<std::vector<WordId>> to_union(m);
    for (size_t i = 0; i < m; ++i) {
      const Vocabulary& v = models[i]->vocab();
      to_union[i].resize(v.size());
      for (WordId w = 0; w < v.size(); ++w) {
        to_union[i][w] = w <= kEosId ? w : impl.vocab.FindOrInsert(v.Word(w));
        if (to_union[i][w] == Vocabulary::kNotFound) {
          const std::string name = i < names.size() ? names[i] : "model " + std::to_string(i + 1);
          return ResourceExhausted(name + ": the union of the models' vocabularies has " +
                                   Vocabulary::TooManyWords());
        }
      }
    }
    const size_t vocab_size = impl.vocab.size();
    mix->to_member_.resize(m);
    for (size_t i = 0; i < m; ++i) {
      mix->to_member_[i].assign(vocab_size, kAbsentWord);
      for (WordId w = 0; w < to_union[i].size(); ++w) mix->to_member_[i][to_union[i][w]] = w;
    }
    for (const auto& model : models) mix->order_ = std::max(mix->order_, model->order());
    const bool scores = !models[0]->IsProbabilistic();
    std::string list;
    for (size_t i = 0; i < m; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", mix->weights_[i]);
      if (i) list.push_back(' ');
      list.append(buf);
    }
    if (scores) impl.info.emplace_back("smoothing", "stupid");
    impl.info.emplace_back("source", "mix");
    impl.info.emplace_back("mix.dynamic", "true");
    impl.info.emplace_back("mix.models", std::to_string(m));
    impl.info.emplace_back("mix.weights", list);
    impl.order = mix->order_;
    impl.settings = models[0]->settings();
    impl.vocab_size = vocab_size;
    mix->members_ = std::move(models);
    impl.mixture = std::move(mix);
    return lm;
  });
}

const MixtureBackend* MixtureBackend::Of(const LanguageModel& lm) {
  return lm.impl_->mixture.get();
}

void MixtureBackend::ScoreSentences(const WordId* ids, const size_t* ends, size_t count, bool bos,
                                    float* out, uint8_t* ngram_length) const {
  const size_t total = count ? ends[count - 1] : 0;
  if (total == 0) return;
  // Local buffers, not a thread's: a member may itself be a mixture.
  std::vector<WordId> local(total);
  std::vector<float> lp(total);
  std::vector<uint8_t> ngram(ngram_length ? total : 0);
  std::vector<double> p(total, 0.0);
  if (ngram_length) std::fill(ngram_length, ngram_length + total, 0);
  for (size_t i = 0; i < members_.size(); ++i) {
    const std::vector<WordId>& map = to_member_[i];
    for (size_t t = 0; t < total; ++t) {
      const WordId w = map[ids[t] < map.size() ? ids[t] : kUnkId];
      local[t] = w == kAbsentWord ? kUnkId : w;
    }
    members_[i]->ScoreSentences(local.data(), ends, count, bos, lp.data(),
                                ngram_length ? ngram.data() : nullptr);
    const double weight = weights_[i];
    for (size_t t = 0; t < total; ++t) {
      if (map[ids[t] < map.size() ? ids[t] : kUnkId] == kAbsentWord) continue;
      p[t] += weight * std::pow(10.0, static_cast<double>(lp[t]));
      if (ngram_length) ngram_length[t] = std::max(ngram_length[t], ngram[t]);
    }
  }
  for (size_t t = 0; t < total; ++t) out[t] = static_cast<float>(std::log10(p[t]));
}

State MixtureBackend::BeginSentenceState() const {
  State s;
  s.words[0] = kBosId;
  s.backoff[0] = 0.0f;
  s.length = order_ > 1 ? 1 : 0;
  return s;
}

FullScoreResult MixtureBackend::FullScore(const State& in, WordId word, State* out) const {
  const int cap = std::min(std::max(0, order_ - 1), kMaxStateWords);
  const int L = std::min<int>(in.length, cap);
  WordId span[kMaxStateWords + 1];
  for (int j = 0; j < L; ++j) span[j] = in.words[L - 1 - j];
  span[L] = word;
  float lp[kMaxStateWords + 1];
  uint8_t ngram[kMaxStateWords + 1];
  const size_t n = static_cast<size_t>(L) + 1;
  ScoreSentences(span, &n, 1, /*bos=*/false, lp, ngram);
  const WordId vocab_size = static_cast<WordId>(to_member_[0].size());
  FullScoreResult result;
  result.log_prob = lp[L];
  result.ngram_length = ngram[L];
  result.oov = word >= vocab_size || word == kUnkId;
  State next;
  const int keep = std::min(L + 1, cap);
  if (keep > 0) next.words[0] = word < vocab_size ? word : kUnkId;
  for (int j = 1; j < keep; ++j) next.words[j] = in.words[j - 1];
  for (int j = 0; j < keep; ++j) next.backoff[j] = 0.0f;
  next.length = static_cast<uint8_t>(std::max(0, keep));
  *out = next;
  return result;
}

}  // namespace grams::query
