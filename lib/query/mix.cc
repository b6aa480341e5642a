// Linear interpolation of models (grams/mix.h): the development text's
// probabilities under each model, EM on the weights, and the static mixture
// as one backoff model.
#include "grams/mix.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "grams/files.h"
#include "query/mix_backend.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"

namespace grams {

namespace {

constexpr float kLog10Zero = -99.0f;  // what <s> and unreachable units get, as in ARPA files

std::string Named(const std::vector<std::string>& names, size_t i) {
  return i < names.size() ? names[i] : "model " + std::to_string(i + 1);
}

// A Model under construction, looked up by the backoff rule (the orders and
// backoffs filled so far).
class TrieLookup {
 public:
  explicit TrieLookup(const Model* m) : m_(m) {
    offsets_.resize(m->order());
    for (int j = 1; j < m->order(); ++j) offsets_[j] = m->trie.ChildOffsets(j + 1);
  }
  const std::vector<EntryIndex>& offsets(int j) const { return offsets_[j]; }

  // The child w of entry e of order j (j = 0: the unigram w).
  bool Child(int j, EntryIndex e, WordId w, EntryIndex* out) const {
    if (j == 0) {
      *out = w;
      return w < m_->trie.levels[0].size();
    }
    const std::vector<WordId>& words = m_->trie.levels[j].words;
    const WordId* first = words.data() + offsets_[j][e];
    const WordId* last = words.data() + offsets_[j][e + 1];
    const WordId* it = std::lower_bound(first, last, w);
    if (it == last || *it != w) return false;
    *out = static_cast<EntryIndex>(it - words.data());
    return true;
  }
  // The entry of words[0..n) (order n), or false.
  bool Find(const WordId* words, int n, EntryIndex* out) const {
    if (n == 0) return false;
    EntryIndex e = 0;
    for (int i = 0; i < n; ++i) {
      if (!Child(i, e, words[i], &e)) return false;
    }
    *out = e;
    return true;
  }
  // log10 P(w | context[0..n)) by the backoff rule, in double.
  double LogProb(const WordId* context, int n, WordId w) const {
    n = std::min(n, m_->order() - 1);
    EntryIndex e;
    for (int j = n; j >= 0; --j) {
      EntryIndex ctx = 0;
      if (j > 0 && !Find(context + (n - j), j, &ctx)) continue;
      if (Child(j, ctx, w, &e)) {
        double lp = m_->log_prob[j][e];
        // The backoffs of the contexts longer than j the model holds.
        for (int i = j + 1; i <= n; ++i) {
          EntryIndex c;
          if (!Find(context + (n - i), i, &c)) break;
          lp += m_->log_backoff[i - 1][c];
        }
        return lp;
      }
    }
    return kLog10Zero;
  }

 private:
  const Model* m_;
  std::vector<std::vector<EntryIndex>> offsets_;
};

}  // namespace

namespace {

// CheckMixable on what it looks at: each model's settings and whether it
// gives probabilities.
Status CheckMixableSettings(const std::vector<const TokenizerSettings*>& settings,
                            const std::vector<bool>& probabilistic,
                            const std::vector<std::string>& names, size_t least) {
  if (settings.size() < least) return InvalidArgument("mixing needs at least two models");
  const TokenizerSettings& first = *settings[0];
  const auto first_kv = first.ToKeyValues();
  for (size_t i = 1; i < settings.size(); ++i) {
    const TokenizerSettings& s = *settings[i];
    if (!(s == first)) {
      const auto kv = s.ToKeyValues();
      std::string which = "tokenizer settings";
      for (size_t k = 0; k < kv.size() && k < first_kv.size(); ++k) {
        if (kv[k] != first_kv[k]) {
          which = "setting " + kv[k].first + " (" + kv[k].second + " here, " + first_kv[k].second +
                  " in " + Named(names, 0) + ")";
          break;
        }
      }
      return InvalidArgument(Named(names, i) + ": the models split text differently: " + which);
    }
    if (probabilistic[i] != probabilistic[0]) {
      return InvalidArgument(Named(names, i) +
                             ": cannot mix a Stupid Backoff model (scores) with a model of "
                             "probabilities");
    }
  }
  return Status::OK();
}

}  // namespace

Status CheckMixable(const std::vector<const NgramPredictor*>& models,
                    const std::vector<std::string>& names) {
  std::vector<const TokenizerSettings*> settings;
  std::vector<bool> probabilistic;
  for (const NgramPredictor* p : models) {
    settings.push_back(&p->settings());
    probabilistic.push_back(p->IsProbabilistic());
  }
  return CheckMixableSettings(settings, probabilistic, names, 2);
}

StatusOr<std::unique_ptr<LanguageModel>> CreateMixture(
    std::vector<std::shared_ptr<const LanguageModel>> models, const std::vector<double>& weights,
    const std::vector<std::string>& names) {
  std::vector<const TokenizerSettings*> settings;
  std::vector<bool> probabilistic;
  for (size_t i = 0; i < models.size(); ++i) {
    if (models[i] == nullptr) return InvalidArgument(Named(names, i) + ": no model");
    settings.push_back(&models[i]->settings());
    probabilistic.push_back(models[i]->IsProbabilistic());
  }
  if (models.empty()) return InvalidArgument("a mixture needs at least one model");
  GRAMS_RETURN_IF_ERROR(CheckMixableSettings(settings, probabilistic, names, 1));
  return query::MixtureBackend::Create(std::move(models), weights, names);
}

std::vector<double> MixtureWeights(const LanguageModel& model) {
  const query::MixtureBackend* mix = query::MixtureBackend::Of(model);
  return mix ? mix->weights() : std::vector<double>();
}

StatusOr<MixDevScores> ScoreForMix(const std::vector<const NgramPredictor*>& models,
                                   const std::string& path) {
  return GuardAlloc(
      "scoring " + InputName(path) + " for the mixture", MemoryHint::kNone,
      [&]() -> StatusOr<MixDevScores> {
        const size_t m = models.size();
        MixDevScores out;
        out.models = m;
        out.own_log10.assign(m, 0.0);
        GRAMS_ASSIGN_OR_RETURN(auto tokenizer, Tokenizer::Create(models[0]->settings()));
        GRAMS_ASSIGN_OR_RETURN(auto reader, TextReader::Open(path));
        const bool stream = models[0]->settings().boundaries == Boundaries::kNone;
        std::vector<std::vector<WordId>> ctx(m, std::vector<WordId>(1, kBosId));
        std::vector<WordId> ids(m);
        auto score = [&](std::string_view unit, bool eos) {
          bool in_any = eos, in_all = true;
          for (size_t i = 0; i < m && !eos; ++i) {
            ids[i] = models[i]->vocab().Find(unit);
            if (ids[i] != Vocabulary::kNotFound) {
              in_any = true;
            } else {
              in_all = false;
            }
          }
          out.known_to_all.push_back(in_all ? 1 : 0);
          if (!in_any) ++out.oovs;
          for (size_t i = 0; i < m; ++i) {
            const WordId w = eos ? kEosId : ids[i] != Vocabulary::kNotFound ? ids[i] : kUnkId;
            const bool absent = !eos && ids[i] == Vocabulary::kNotFound && in_any;
            std::vector<WordId>& c = ctx[i];
            const size_t n =
                std::min(c.size(), static_cast<size_t>(std::max(0, models[i]->order() - 1)));
            const double lp = models[i]->LogProb(c.data() + c.size() - n, n, w);
            out.own_log10[i] += lp;
            out.probs.push_back(absent ? 0.0 : std::pow(10.0, lp));
            c.push_back(w);
            if (c.size() > 4096)
              c.erase(c.begin(), c.end() - static_cast<std::ptrdiff_t>(kMaxOrder));
          }
          ++out.tokens;
        };
        std::string_view line;
        std::vector<std::string_view> units;
        while (reader->Next(&line)) {
          if (!tokenizer->Tokenize(line, stream && reader->newline(), &units).ok()) {
            return InvalidArgument(reader->Where() + ": byte offset " +
                                   std::to_string(reader->line_offset() + tokenizer->bad_offset()) +
                                   ": invalid UTF-8");
          }
          for (std::string_view u : units) score(u, false);
          if (!stream) {
            score("", true);
            ++out.sentences;
            for (auto& c : ctx) c.assign(1, kBosId);
          }
        }
        GRAMS_RETURN_IF_ERROR(reader->status());
        if (stream) {
          score("", true);
          out.sentences = 1;
        }
        return out;
      });
}

double MixLog10Prob(const MixDevScores& scores, const std::vector<double>& weights) {
  double sum = 0;
  const size_t m = scores.models;
  for (uint64_t t = 0; t < scores.tokens; ++t) {
    double p = 0;
    for (size_t i = 0; i < m; ++i) p += weights[i] * scores.probs[t * m + i];
    sum += std::log10(p);
  }
  return sum;
}

double MixLog10ProbKnown(const MixDevScores& scores, const std::vector<double>& weights,
                         uint64_t* tokens) {
  double sum = 0;
  uint64_t n = 0;
  const size_t m = scores.models;
  for (uint64_t t = 0; t < scores.tokens; ++t) {
    if (!scores.known_to_all[t]) continue;
    double p = 0;
    for (size_t i = 0; i < m; ++i) p += weights[i] * scores.probs[t * m + i];
    sum += std::log10(p);
    ++n;
  }
  *tokens = n;
  return sum;
}

MixIteration EstimateMixWeights(const MixDevScores& scores, std::vector<double> weights,
                                const MixEmOptions& options,
                                const std::function<void(const MixIteration&)>& on_iteration) {
  const size_t m = scores.models;
  MixIteration it;
  auto report = [&]() {
    it.weights = weights;
    it.log10_prob = MixLog10Prob(scores, weights);
    it.perplexity =
        scores.tokens ? std::pow(10.0, -it.log10_prob / static_cast<double>(scores.tokens)) : 0;
    if (on_iteration) on_iteration(it);
  };
  report();
  std::vector<double> next(m);
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    std::fill(next.begin(), next.end(), 0.0);
    uint64_t counted = 0;
    for (uint64_t t = 0; t < scores.tokens; ++t) {
      const double* p = scores.probs.data() + t * m;
      double total = 0;
      for (size_t i = 0; i < m; ++i) total += weights[i] * p[i];
      if (!(total > 0)) continue;
      for (size_t i = 0; i < m; ++i) next[i] += weights[i] * p[i] / total;
      ++counted;
    }
    if (counted == 0) break;
    double moved = 0;
    for (size_t i = 0; i < m; ++i) {
      next[i] /= static_cast<double>(counted);
      moved = std::max(moved, std::fabs(next[i] - weights[i]));
    }
    weights = next;
    it.iteration = iteration;
    report();
    if (moved <= options.tolerance) break;
  }
  return it;
}

namespace {

// The static mixture (MixModels), in steps over shared state: the union
// vocabulary, the union of the n-grams order by order, their mixed
// probabilities, the backoffs, the provenance.
class StaticMixer {
 public:
  StaticMixer(const std::vector<const NgramPredictor*>& models, const std::vector<double>& weights,
              const std::vector<std::string>& names)
      : models_(models), weights_(weights), names_(names), m_(models.size()) {
    scores_ = !models[0]->IsProbabilistic();
    for (const NgramPredictor* p : models) order_ = std::max(order_, p->order());
  }

  StatusOr<Model> Mix() {
    out_.settings = models_[0]->settings();
    GRAMS_RETURN_IF_ERROR(UnionVocabulary());
    UnionNgrams();
    MixProbabilities();
    Backoffs();
    Provenance();
    return std::move(out_);
  }

 private:
  // The union vocabulary, and each model's ids in it and back; an error if
  // the union has more words than a Vocabulary holds.
  Status UnionVocabulary() {
    to_union_.resize(m_);
    to_local_.resize(m_);
    for (size_t i = 0; i < m_; ++i) {
      const Vocabulary& v = models_[i]->vocab();
      to_union_[i].resize(v.size());
      for (WordId w = 0; w < v.size(); ++w) {
        to_union_[i][w] = w < 3 ? w : out_.vocab.FindOrInsert(v.Word(w));
        if (to_union_[i][w] == Vocabulary::kNotFound) {
          return ResourceExhausted(Named(names_, i) +
                                   ": the union of the models' vocabularies has " +
                                   Vocabulary::TooManyWords());
        }
      }
    }
    const size_t vocab_size = out_.vocab.size();
    for (size_t i = 0; i < m_; ++i) {
      to_local_[i].assign(vocab_size, Vocabulary::kNotFound);
      for (WordId w = 0; w < to_union_[i].size(); ++w) to_local_[i][to_union_[i][w]] = w;
    }
    return Status::OK();
  }

  // The union of the n-grams, order by order; emap[i]: model i's entries of
  // the order below in the union.
  void UnionNgrams() {
    const size_t vocab_size = out_.vocab.size();
    out_.trie.levels.resize(order_);
    TrieLevel& unigrams = out_.trie.levels[0];
    unigrams.words.resize(vocab_size);
    for (WordId w = 0; w < vocab_size; ++w) unigrams.words[w] = w;
    std::vector<std::vector<EntryIndex>> emap(m_);
    for (size_t i = 0; i < m_; ++i) emap[i].assign(to_union_[i].begin(), to_union_[i].end());
    for (int n = 2; n <= order_; ++n) {
      auto key_of = [&](size_t i, const TrieLevel& level, size_t e) {
        return static_cast<uint64_t>(emap[i][level.parents[e]]) << 32 |
               to_union_[i][level.words[e]];
      };
      std::vector<uint64_t> keys;
      for (size_t i = 0; i < m_; ++i) {
        if (models_[i]->order() < n) continue;
        const TrieLevel& level = models_[i]->model().trie.levels[n - 1];
        for (size_t e = 0; e < level.size(); ++e) keys.push_back(key_of(i, level, e));
      }
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      TrieLevel& level = out_.trie.levels[n - 1];
      level.words.resize(keys.size());
      level.parents.resize(keys.size());
      for (size_t k = 0; k < keys.size(); ++k) {
        level.parents[k] = static_cast<EntryIndex>(keys[k] >> 32);
        level.words[k] = static_cast<WordId>(keys[k] & 0xFFFFFFFFu);
      }
      for (size_t i = 0; i < m_; ++i) {
        std::vector<EntryIndex> next;
        if (models_[i]->order() >= n) {
          const TrieLevel& own = models_[i]->model().trie.levels[n - 1];
          next.resize(own.size());
          for (size_t e = 0; e < own.size(); ++e) {
            next[e] = static_cast<EntryIndex>(
                std::lower_bound(keys.begin(), keys.end(), key_of(i, own, e)) - keys.begin());
          }
        }
        emap[i] = std::move(next);
      }
    }
  }

  // The mixed probability of every n-gram of the union.
  void MixProbabilities() {
    out_.log_prob.resize(order_);
    std::vector<WordId> words(order_), local(order_);
    for (int n = 1; n <= order_; ++n) {
      const TrieLevel& level = out_.trie.levels[n - 1];
      std::vector<float>& lp = out_.log_prob[n - 1];
      lp.resize(level.size());
      for (EntryIndex e = 0; e < level.size(); ++e) {
        out_.trie.Ngram(n, e, words.data());
        const WordId w = words[n - 1];
        double p = 0;
        for (size_t i = 0; i < m_; ++i) {
          const WordId lw = to_local_[i][w];
          if (lw == Vocabulary::kNotFound) continue;
          for (int k = 0; k + 1 < n; ++k) {
            const WordId c = to_local_[i][words[k]];
            local[k] = c == Vocabulary::kNotFound ? kUnkId : c;
          }
          p += weights_[i] * std::pow(10.0, static_cast<double>(models_[i]->LogProb(
                                                local.data(), static_cast<size_t>(n - 1), lw)));
        }
        lp[e] = w == kBosId || !(p > 0) ? kLog10Zero : static_cast<float>(std::log10(p));
      }
    }
  }

  // The backoffs, shortest contexts first (a missing shorter n-gram backs
  // off through the backoffs already set).
  void Backoffs() {
    out_.log_backoff.resize(order_);
    for (int n = 1; n < order_; ++n)
      out_.log_backoff[n - 1].assign(out_.trie.levels[n - 1].size(), 0.0f);
    TrieLookup lookup(&out_);
    std::vector<std::unique_ptr<TrieLookup>> own(m_);
    if (scores_) {
      for (size_t i = 0; i < m_; ++i) own[i] = std::make_unique<TrieLookup>(&models_[i]->model());
    }
    std::vector<WordId> words(order_);
    for (int n = 1; n < order_; ++n) {
      const std::vector<EntryIndex>& off = lookup.offsets(n);
      std::vector<float>& bo = out_.log_backoff[n - 1];
      for (EntryIndex c = 0; c < bo.size(); ++c) {
        if (off[c] == off[c + 1]) continue;
        out_.trie.Ngram(n, c, words.data());
        bo[c] = scores_ ? MeanBackoff(n, words.data(), own)
                        : NormalizingBackoff(n, words.data(), off[c], off[c + 1], lookup);
      }
    }
    out_.log_backoff[order_ - 1].clear();
  }

  // Stupid Backoff: the weighted mean of the backoffs of the models that
  // hold the context `words` (n units).
  float MeanBackoff(int n, const WordId* words,
                    const std::vector<std::unique_ptr<TrieLookup>>& own) const {
    std::vector<WordId> local(n);
    double sum = 0, weight = 0;
    for (size_t i = 0; i < m_; ++i) {
      bool all = models_[i]->order() > n;
      for (int k = 0; k < n && all; ++k) {
        local[k] = to_local_[i][words[k]];
        all = local[k] != Vocabulary::kNotFound;
      }
      EntryIndex e;
      if (!all || !own[i]->Find(local.data(), n, &e)) continue;
      sum += weights_[i] *
             std::pow(10.0, static_cast<double>(models_[i]->model().log_backoff[n - 1][e]));
      weight += weights_[i];
    }
    return weight > 0 ? static_cast<float>(std::log10(sum / weight)) : 0.0f;
  }

  // The backoff that makes the context `words` (n units, its children the
  // entries [begin, end) of order n + 1) normalize.
  float NormalizingBackoff(int n, const WordId* words, EntryIndex begin, EntryIndex end,
                           const TrieLookup& lookup) const {
    const TrieLevel& children = out_.trie.levels[n];
    double num = 1, den = 1;
    for (EntryIndex k = begin; k < end; ++k) {
      const WordId w = children.words[k];
      if (w == kBosId) continue;
      num -= std::pow(10.0, static_cast<double>(out_.log_prob[n][k]));
      den -= std::pow(10.0, lookup.LogProb(words + 1, n - 1, w));
    }
    if (num <= 0) return kLog10Zero;
    if (den <= 0) return 0.0f;
    return static_cast<float>(std::log10(num / den));
  }

  void Provenance() {
    std::string list;
    for (size_t i = 0; i < m_; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", weights_[i]);
      if (i) list.push_back(' ');
      list.append(buf);
    }
    if (scores_) out_.info.emplace_back("smoothing", "stupid");
    out_.info.emplace_back("source", "mix");
    out_.info.emplace_back("mix.models", std::to_string(m_));
    out_.info.emplace_back("mix.weights", list);
  }

  const std::vector<const NgramPredictor*>& models_;
  const std::vector<double>& weights_;
  const std::vector<std::string>& names_;  // may be empty (Named)
  const size_t m_;
  bool scores_ = false;
  int order_ = 0;
  Model out_;
  std::vector<std::vector<WordId>> to_union_, to_local_;
};

}  // namespace

StatusOr<Model> MixModels(const std::vector<const NgramPredictor*>& models,
                          const std::vector<double>& weights,
                          const std::vector<std::string>& names) {
  return GuardAlloc("mixing the models", MemoryHint::kNone, [&]() -> StatusOr<Model> {
    if (models.empty() || weights.size() != models.size()) {
      return InvalidArgument("one weight per model is needed");
    }
    return StaticMixer(models, weights, names).Mix();
  });
}

}  // namespace grams
