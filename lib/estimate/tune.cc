// --tune: the interpolated (modified) Kneser-Ney discounts that minimize the
// perplexity of a development text, as MITLM does (Hsu & Glass 2008 tune the
// modified Kneser-Ney parameters on held-out data).
//
// The n-grams of the model do not depend on the discounts, so the development
// text is looked up once: for each token, the longest n-gram of the model
// that ends with it (its probability) and the longer contexts that are in the
// model (their backoffs). Each evaluation then recomputes only the
// probabilities and backoffs those need, by the formulas of kneser_ney.cc and
// build_model.cc (interpolated form, pruned n-grams' mass in the backoff):
//
//   p(g = h w) = (a(g) - D(a(g))) / S(h) + gamma(h) p(h' w)
//   gamma(h)   = (sum over kept children of D(a) + sum over pruned children of a) / S(h)
//
// and unigrams interpolated with the uniform distribution. The search is
// coordinate descent: a golden-section search on each discount in turn over
// its whole range ([0, k] for D_k of mkn, [0, 1] for kn), sweeping the orders
// until a sweep gains less than 1e-6 in log10 perplexity. The quantity
// minimized is the perplexity without the OOV tokens (SRILM's ppl): with
// them, the discounts would also be bent towards the uniform share of <unk>.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

#include "estimate/estimate_internal.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"

namespace grams {
namespace estimate {
namespace {

struct Use {
  int order;
  EntryIndex entry;
};

class Tuner {
 public:
  Tuner(const NgramCounts& counts, const BuildOptions& options) : c_(counts), o_(options) {}

  Status Prepare() {
    const NgramTrie& trie = c_.trie;
    N_ = trie.order();
    V_ = c_.vocab.size();
    GRAMS_RETURN_IF_ERROR(AllSuffixLinks(trie, &links_));
    AdjustCounts();
    offsets_.resize(N_ + 1);
    for (int n = 2; n <= N_; ++n) offsets_[n] = trie.ChildOffsets(n);
    GRAMS_RETURN_IF_ERROR(InitialDiscounts());
    GatherContextStats();
    return Status::OK();
  }

  // Adjusted counts and which n-grams the model keeps.
  void AdjustCounts() {
    const BosRanges bos = FindBosRanges(c_.trie);
    a_.resize(N_ + 1);
    keep_.resize(N_ + 1);
    for (int n = 1; n <= N_; ++n) {
      const std::vector<Count>& raw = c_.counts[n - 1];
      if (n == N_) {
        a_[n] = raw;
      } else {
        a_[n].assign(raw.size(), 0);
        for (EntryIndex e : links_[n + 1]) ++a_[n][e];
        for (size_t i = bos.begin[n - 1]; i < bos.end[n - 1]; ++i) a_[n][i] = raw[i];
      }
      keep_[n].assign(raw.size(), 1);
      if (n >= 2) {
        uint64_t t = 0;
        if (!o_.prune.empty()) t = o_.prune[std::min<size_t>(n, o_.prune.size()) - 1];
        for (size_t i = 0; i < raw.size(); ++i) keep_[n][i] = raw[i] > t;
      }
    }
  }

  // Initial discounts, by the estimator's own code (warnings included).
  Status InitialDiscounts() {
    std::unique_ptr<Smoother> s =
        o_.smoothing == Smoothing::kKneserNey ? MakeKneserNey(o_) : MakeModifiedKneserNey(o_);
    for (int n = 1; n <= N_; ++n) {
      if (n == 1) {
        std::vector<uint64_t> u;
        for (size_t w = 0; w < V_; ++w)
          if (w != kBosId) u.push_back(a_[1][w]);
        GRAMS_RETURN_IF_ERROR(s->PrepareOrder(1, u));
      } else {
        GRAMS_RETURN_IF_ERROR(s->PrepareOrder(n, a_[n]));
      }
    }
    d_ = static_cast<ClassDiscounting*>(s.get())->discounts();
    return Status::OK();
  }

  // Per context (entry of order n-1 with children at order n): S, the kept
  // children per class, and the pruned children's total count.
  void GatherContextStats() {
    stats_.resize(N_ + 1);
    ContextStats& u = unigram_;
    for (size_t w = 0; w < V_; ++w) {
      const uint64_t c = a_[1][w];
      if (w == kBosId || c == 0) continue;
      u.S += static_cast<double>(c);
      ++u.nk[c >= 3 ? 2 : c - 1];
    }
    for (int n = 2; n <= N_; ++n) {
      const TrieLevel& level = c_.trie.levels[n - 1];
      stats_[n].assign(c_.trie.levels[n - 2].size(), ContextStats());
      for (size_t i = 0; i < level.size(); ++i) {
        ContextStats& st = stats_[n][level.parents[i]];
        const uint64_t c = a_[n][i];
        st.S += static_cast<double>(c);
        if (keep_[n][i]) {
          ++st.nk[c >= 3 ? 2 : c - 1];
        } else {
          st.pruned += static_cast<double>(c);
        }
      }
    }
  }

  // Reads and looks up the development text.
  Status ReadDev(const std::string& path) {
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
    io::LineReader reader(in.get());
    GRAMS_ASSIGN_OR_RETURN(auto tokenizer, Tokenizer::Create(c_.settings));
    const bool stream = c_.settings.boundaries == Boundaries::kNone;
    std::vector<std::string_view> tokens;
    std::vector<WordId> history;
    std::vector<uint8_t> oov_flags;
    std::string_view line;
    bool open = false;
    while (reader.Next(&line)) {
      Status s = tokenizer->Tokenize(line, reader.newline(), &tokens);
      if (!s.ok()) {
        return InvalidArgument(reader.Where() + ": byte offset " +
                               std::to_string(tokenizer->bad_offset()) + ": invalid UTF-8");
      }
      if (!stream || !open) {
        history.assign(1, kBosId);
        open = true;
      }
      for (std::string_view t : tokens) {
        WordId w = c_.vocab.Find(t);
        if (w == kBosId || w == kEosId) {
          return InvalidArgument(reader.Where() + ": the reserved token " + std::string(t) +
                                 " appears in the text");
        }
        const bool oov = w == Vocabulary::kNotFound;
        Score(&history, oov ? kUnkId : w, oov);
      }
      if (!stream) Score(&history, kEosId, false);
    }
    GRAMS_RETURN_IF_ERROR(reader.status());
    if (stream && open) Score(&history, kEosId, false);
    if (tokens_ == oovs_) return InvalidArgument(path + ": no in-vocabulary tokens to tune on");
    Needed();
    return Status::OK();
  }

  // log10 perplexity of the development text (OOVs excluded) with `d`.
  double LogPerplexity(const std::vector<std::array<double, 3>>& d) {
    ++evaluations_;
    // Unigrams.
    auto discount = [](const std::array<double, 3>& dn, uint64_t c) {
      return c == 0 ? 0.0 : dn[c >= 3 ? 2 : c - 1];
    };
    const ContextStats& u = unigram_;
    const double gamma0 = (d[0][0] * u.nk[0] + d[0][1] * u.nk[1] + d[0][2] * u.nk[2]) / u.S;
    for (EntryIndex w : needed_[1]) {
      const uint64_t c = a_[1][w];
      p_[1][w] = (c - discount(d[0], c)) / u.S + gamma0 / static_cast<double>(V_ - 1);
    }
    for (int n = 2; n <= N_; ++n) {
      const std::array<double, 3>& dn = d[n - 1];
      for (EntryIndex h : needed_gamma_[n]) gamma_[n][h] = Gamma(dn, stats_[n][h]);
      const TrieLevel& level = c_.trie.levels[n - 1];
      for (EntryIndex e : needed_[n]) {
        const uint64_t c = a_[n][e];
        const EntryIndex h = level.parents[e];
        p_[n][e] = (c - discount(dn, c)) / stats_[n][h].S + gamma_[n][h] * p_[n - 1][links_[n][e]];
      }
    }
    double total = 0;
    for (const auto& [use, mult] : prob_list_) total += mult * std::log10(p_[use.order][use.entry]);
    for (const auto& [use, mult] : backoff_list_)
      total += mult * std::log10(gamma_[use.order + 1][use.entry]);
    const double scored = static_cast<double>(tokens_ - oovs_);
    const double result = -total / scored;
    return std::isnan(result) ? std::numeric_limits<double>::infinity() : result;
  }

  Status Run(TuneResult* result) {
    result->tokens = tokens_;
    result->oovs = oovs_;
    std::vector<std::array<double, 3>> d = d_;
    const bool tied = o_.smoothing == Smoothing::kKneserNey;
    const int classes = tied ? 1 : 3;
    double best = LogPerplexity(d);
    result->initial_perplexity = std::pow(10.0, best);
    for (int sweep = 0; sweep < 20; ++sweep) {
      const double before = best;
      for (int n = 1; n <= N_; ++n) {
        if (static_cast<int>(o_.discounts.size()) >= n && !o_.discounts[n - 1].empty())
          continue;  // given
        for (int k = 0; k < classes; ++k) {
          auto f = [&](double x) {
            std::array<double, 3> saved = d[n - 1];
            if (tied) {
              d[n - 1] = {x, x, x};
            } else {
              d[n - 1][k] = x;
            }
            const double v = LogPerplexity(d);
            d[n - 1] = saved;
            return v;
          };
          const double hi = tied ? 1.0 : k + 1.0;
          const double x = GoldenSection(f, 0.0, hi);
          const double v = f(x);
          if (v < best) {
            best = v;
            if (tied) {
              d[n - 1] = {x, x, x};
            } else {
              d[n - 1][k] = x;
            }
          }
        }
      }
      if (before - best < 1e-6) break;
    }
    result->perplexity = std::pow(10.0, best);
    result->evaluations = evaluations_;
    for (int n = 1; n <= N_; ++n) {
      if (tied) {
        result->initial_discounts.push_back({d_[n - 1][0]});
        result->discounts.push_back({d[n - 1][0]});
      } else {
        result->initial_discounts.push_back({d_[n - 1][0], d_[n - 1][1], d_[n - 1][2]});
        result->discounts.push_back({d[n - 1][0], d[n - 1][1], d[n - 1][2]});
      }
    }
    return Status::OK();
  }

 private:
  struct ContextStats {
    double S = 0, pruned = 0;
    uint64_t nk[3] = {0, 0, 0};
  };

  static double Gamma(const std::array<double, 3>& d, const ContextStats& st) {
    if (st.S == 0) return 1.0;  // no children: the lower order as it is
    return (d[0] * st.nk[0] + d[1] * st.nk[1] + d[2] * st.nk[2] + st.pruned) / st.S;
  }

  template <typename F>
  static double GoldenSection(F&& f, double lo, double hi) {
    const double r = (std::sqrt(5.0) - 1) / 2;
    double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
    double f1 = f(x1), f2 = f(x2);
    while (hi - lo > 1e-5) {
      if (f1 <= f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - r * (hi - lo);
        f1 = f(x1);
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + r * (hi - lo);
        f2 = f(x2);
      }
    }
    return f1 <= f2 ? x1 : x2;
  }

  // The kept entry of ids[0..n) at order n, or UINT32_MAX.
  EntryIndex Find(const WordId* ids, int n) const {
    EntryIndex e = ids[0];
    for (int k = 2; k <= n; ++k) {
      const auto& words = c_.trie.levels[k - 1].words;
      auto b = words.begin() + offsets_[k][e], end = words.begin() + offsets_[k][e + 1];
      auto it = std::lower_bound(b, end, ids[k - 1]);
      if (it == end || *it != ids[k - 1]) return UINT32_MAX;
      e = static_cast<EntryIndex>(it - words.begin());
      if (!keep_[k][e]) return UINT32_MAX;
    }
    return e;
  }

  // Records what scoring w after *history needs, and extends the history.
  void Score(std::vector<WordId>* history, WordId w, bool oov) {
    ++tokens_;
    std::vector<WordId>& h = *history;
    if (oov) {
      ++oovs_;
    } else {
      const int max_ctx = std::min<int>(N_ - 1, static_cast<int>(h.size()));
      std::vector<WordId> g(h.end() - max_ctx, h.end());
      g.push_back(w);
      // Longest match: g's last j+1 words.
      for (int j = max_ctx; j >= 0; --j) {
        const WordId* ids = g.data() + (max_ctx - j);
        EntryIndex e = Find(ids, j + 1);
        if (e != UINT32_MAX) {
          ++prob_uses_[{j + 1, e}];
          break;
        }
        // The context (last j words of h) pays its backoff if it is in the model.
        if (j >= 1) {
          EntryIndex c = Find(ids, j);
          if (c != UINT32_MAX) ++backoff_uses_[{j, c}];
        }
      }
    }
    h.push_back(w);
    if (static_cast<int>(h.size()) > N_) h.erase(h.begin());
  }

  // What each evaluation computes: the probabilities used and their suffix
  // chains; the gammas of their contexts and of the backoffs used.
  void Needed() {
    std::vector<std::vector<uint8_t>> need(N_ + 1), need_gamma(N_ + 1);
    for (int n = 1; n <= N_; ++n) need[n].assign(c_.trie.levels[n - 1].size(), 0);
    for (int n = 2; n <= N_; ++n) need_gamma[n].assign(c_.trie.levels[n - 2].size(), 0);
    for (const auto& [use, mult] : prob_uses_) need[use.order][use.entry] = 1;
    for (const auto& [use, mult] : backoff_uses_) need_gamma[use.order + 1][use.entry] = 1;
    for (int n = N_; n >= 2; --n) {
      const TrieLevel& level = c_.trie.levels[n - 1];
      for (size_t e = 0; e < need[n].size(); ++e) {
        if (!need[n][e]) continue;
        need[n - 1][links_[n][e]] = 1;
        need_gamma[n][level.parents[e]] = 1;
      }
    }
    prob_list_.assign(prob_uses_.begin(), prob_uses_.end());
    backoff_list_.assign(backoff_uses_.begin(), backoff_uses_.end());
    prob_uses_.clear();
    backoff_uses_.clear();
    needed_.assign(N_ + 1, {});
    needed_gamma_.assign(N_ + 1, {});
    p_.assign(N_ + 1, {});
    gamma_.assign(N_ + 1, {});
    for (int n = 1; n <= N_; ++n) {
      for (size_t e = 0; e < need[n].size(); ++e)
        if (need[n][e]) needed_[n].push_back(static_cast<EntryIndex>(e));
      p_[n].assign(need[n].size(), 0.0);
      if (n >= 2) {
        for (size_t h = 0; h < need_gamma[n].size(); ++h)
          if (need_gamma[n][h]) needed_gamma_[n].push_back(static_cast<EntryIndex>(h));
        gamma_[n].assign(need_gamma[n].size(), 1.0);
      }
    }
  }

  struct UseLess {
    bool operator()(const Use& a, const Use& b) const {
      return a.order != b.order ? a.order < b.order : a.entry < b.entry;
    }
  };

  const NgramCounts& c_;
  const BuildOptions& o_;
  int N_ = 0;
  size_t V_ = 0;
  std::vector<std::vector<EntryIndex>> links_, offsets_;
  std::vector<std::vector<uint64_t>> a_;
  std::vector<std::vector<uint8_t>> keep_;
  std::vector<std::array<double, 3>> d_;
  ContextStats unigram_;
  std::vector<std::vector<ContextStats>> stats_;               // stats_[n][h]: children at order n
  std::map<Use, uint64_t, UseLess> prob_uses_, backoff_uses_;  // backoff: context order, entry
  std::vector<std::pair<Use, uint64_t>> prob_list_, backoff_list_;  // the same, for the evaluations
  std::vector<std::vector<EntryIndex>> needed_, needed_gamma_;
  std::vector<std::vector<double>> p_, gamma_;
  uint64_t tokens_ = 0, oovs_ = 0;
  int evaluations_ = 0;
};

StatusOr<TuneResult> TuneDiscountsImpl(const NgramCounts& counts, const std::string& dev_path,
                                       const BuildOptions& options) {
  if (options.smoothing != Smoothing::kModifiedKneserNey &&
      options.smoothing != Smoothing::kKneserNey) {
    return InvalidArgument("--tune chooses the discounts of mkn or kn, not " +
                           std::string(SmoothingName(options.smoothing)));
  }
  if (options.form == SmoothingForm::kBackoff) {
    return InvalidArgument("--tune works on the interpolated form only");
  }
  if (counts.order() < 1) return InvalidArgument("the counts hold no n-grams");
  for (size_t i = 1; i < options.prune.size(); ++i) {
    if (options.prune[i] < options.prune[i - 1]) {
      return InvalidArgument("the pruning thresholds must not decrease from one order to the next");
    }
  }
  // The vocabulary limits of the options apply to the counts tuned on.
  const bool limits = options.limit_vocab || options.max_vocab > 0 ||
                      (!options.prune.empty() && options.prune[0] > 0);
  NgramCounts limited;
  if (limits) {
    BuildOptions only_limits;
    only_limits.limit_vocab = options.limit_vocab;
    only_limits.vocab = options.vocab;
    only_limits.max_vocab = options.max_vocab;
    if (!options.prune.empty()) only_limits.prune = {options.prune[0]};
    limited = counts;
    Info ignored;
    GRAMS_RETURN_IF_ERROR(ApplyVocabularyLimits(&limited, only_limits, &ignored));
  }
  Tuner tuner(limits ? limited : counts, options);
  GRAMS_RETURN_IF_ERROR(tuner.Prepare());
  GRAMS_RETURN_IF_ERROR(tuner.ReadDev(dev_path));
  TuneResult result;
  GRAMS_RETURN_IF_ERROR(tuner.Run(&result));
  return result;
}

}  // namespace
}  // namespace estimate

StatusOr<TuneResult> TuneDiscounts(const NgramCounts& counts, const std::string& dev_path,
                                   const BuildOptions& options) {
  return GuardAlloc("tuning the discounts", MemoryHint::kNone,
                    [&] { return estimate::TuneDiscountsImpl(counts, dev_path, options); });
}

}  // namespace grams
