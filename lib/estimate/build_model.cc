// BuildModel: the order-by-order estimation driver shared by every smoothing
// method, and the steps around it (vocabulary limits, count pruning,
// relative-entropy pruning, the model's info).
//
// For each order n, ascending, the method (a Smoother, one file each) gives
// every n-gram g = h w its own mass alpha(w|h) and every context h the mass
// gamma(h) left for the lower order. The driver then stores, in the form
// chosen:
//
//   interpolated  p(w|h) = alpha(w|h) + gamma(h) p(w|h'),   backoff(h) = gamma(h)
//   backoff       p(w|h) = alpha(w|h),   backoff(h) = gamma(h) / (1 - sum_{w kept} p(w|h'))
//
// p(w|h') is the stored probability of the suffix h' w, found through suffix
// links (counts are suffix-closed). Pruned n-grams (count pruning, katz's
// gt_min) hand their alpha to gamma(h), as lmplz does, so every context's
// distribution still sums to one. Order 1 combines alpha with the uniform
// distribution over the vocabulary without <s>: added to every word
// (interpolated), or shared by the words with no mass of their own (backoff).
// Everything is computed in double and each stored value rounded to float once.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "estimate/estimate_internal.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "util/alloc_guard.h"

namespace grams {
namespace estimate {

uint64_t PruneThreshold(const std::vector<uint64_t>& prune, int n) {
  if (prune.empty()) return 0;
  return prune[std::min<size_t>(n, prune.size()) - 1];
}

std::vector<uint64_t> PruneMinCounts(const BuildOptions& o, const Smoother& s, int N) {
  std::vector<uint64_t> min_count(N + 1, 0);
  for (int n = 2; n <= N; ++n) {
    min_count[n] = std::max<uint64_t>(PruneThreshold(o.prune, n) + 1, s.MinCount(n));
  }
  return min_count;
}

void AddPruneInfo(const BuildOptions& o, Info* info) {
  if (o.prune.empty()) return;
  std::string p;
  for (uint64_t t : o.prune) {
    if (!p.empty()) p += ' ';
    p += std::to_string(t);
  }
  info->emplace_back("prune", p);
}

Status CheckPruneOrders(const BuildOptions& o, int N) {
  if (static_cast<int>(o.prune.size()) <= N) return Status::OK();
  return InvalidArgument("pruning thresholds are given for orders 1 to " +
                         std::to_string(o.prune.size()) + " but the counts are of order " +
                         std::to_string(N));
}

std::unique_ptr<Smoother> MakeSmoother(const BuildOptions& o, size_t vocab_size) {
  switch (o.smoothing) {
    case Smoothing::kModifiedKneserNey:
      return MakeModifiedKneserNey(o);
    case Smoothing::kKneserNey:
      return MakeKneserNey(o);
    case Smoothing::kWittenBell:
      return MakeWittenBell(o);
    case Smoothing::kAbsolute:
      return MakeAbsoluteDiscounting(o);
    case Smoothing::kKatz:
      return MakeKatz(o, vocab_size);
    case Smoothing::kAdditive:
      return MakeAdditive(o, vocab_size);
    case Smoothing::kMaximumLikelihood:
      return MakeMaximumLikelihood(o);
    case Smoothing::kStupidBackoff:
      return MakeStupidBackoff(o);
  }
  return nullptr;
}

bool Interpolated(const BuildOptions& o) {
  if (o.form == SmoothingForm::kDefault) return HasInterpolatedForm(o.smoothing);
  return o.form == SmoothingForm::kInterpolated;
}

// The arithmetic of one context, exactly as the driver did it inline before
// the streaming estimator shared it (operations and their order unchanged).
ContextEstimator::ContextEstimator(const Smoother& s, int n, bool interpolated)
    : s_(s), n_(n), interpolated_(interpolated), fixed_(s.FixedBackoff()) {}

double ContextEstimator::Estimate(const uint64_t* counts, size_t size, const EntryIndex* suffix,
                                  const double* lower_prob, const uint8_t* kept, double* prob) {
  alpha_.resize(size);
  const double* x = alpha_.data();
  double left = s_.Context(n_, counts, size, alpha_.data());
  if (fixed_) {
    for (size_t k = 0; k < size; ++k) prob[k] = x[k];
    return *fixed_;
  }
  if (kept) {
    for (size_t k = 0; k < size; ++k)
      if (!kept[k]) left += x[k];
  }
  if (interpolated_) {
    for (size_t k = 0; k < size; ++k) prob[k] = x[k] + left * lower_prob[suffix[k]];
    return left;
  }
  double own = 0, lower = 0;
  for (size_t k = 0; k < size; ++k) {
    if ((kept && !kept[k]) || x[k] <= 0) continue;
    own += x[k];
    lower += lower_prob[suffix[k]];
  }
  double scale;
  const double bow = BackoffWeight(left, lower, own, &scale);
  for (size_t k = 0; k < size; ++k) prob[k] = x[k] > 0 ? x[k] * scale : bow * lower_prob[suffix[k]];
  return bow;
}

Status UnigramContextCounts(const uint64_t* a, size_t V, std::vector<uint64_t>* u) {
  u->clear();
  u->reserve(V - 1);
  uint64_t total = 0;
  for (size_t w = 0; w < V; ++w) {
    if (w == kBosId) continue;
    u->push_back(a[w]);
    total += a[w];
  }
  if (total == 0) return InvalidArgument("the counts hold no words: nothing to estimate from");
  return Status::OK();
}

void UnigramProbabilities(const Smoother& s, bool interpolated, const std::vector<uint64_t>& u,
                          double* prob) {
  const size_t V = u.size() + 1;
  const std::optional<double> fixed = s.FixedBackoff();
  std::vector<double> alpha(V - 1);
  const double left = s.Context(1, u.data(), u.size(), alpha.data());
  size_t unseen = 0;
  for (double x : alpha) unseen += x == 0;
  const bool spread = !fixed && (interpolated || unseen == 0);
  const double uniform = left / static_cast<double>(V - 1);
  const double share = unseen > 0 ? left / static_cast<double>(unseen) : 0.0;
  for (size_t w = 0, k = 0; w < V; ++w) {
    if (w == kBosId) {
      prob[w] = 0.0;
      continue;
    }
    const double x = alpha[k++];
    prob[w] = spread ? x + uniform : (x > 0 || fixed ? x : share);
  }
}

void AddMethodInfo(const BuildOptions& options, bool interpolated, const Smoother& smoother,
                   int order, Info* info) {
  info->emplace_back("smoothing", SmoothingName(options.smoothing));
  if (options.smoothing == Smoothing::kModifiedKneserNey && interpolated) {
    info->emplace_back("interpolate_unigrams", "1");
  } else if (options.smoothing != Smoothing::kStupidBackoff) {
    info->emplace_back("form", interpolated ? "interpolated" : "backoff");
  }
  smoother.AddInfo(order, info);
}

namespace {

Status ValidateOptionsImpl(const BuildOptions& o) {
  const std::string name = SmoothingName(o.smoothing);
  if (o.form == SmoothingForm::kInterpolated && !HasInterpolatedForm(o.smoothing)) {
    return InvalidArgument(name + " has no interpolated form (only mkn, kn, wb and abs do)");
  }
  if (o.form == SmoothingForm::kBackoff && o.smoothing == Smoothing::kStupidBackoff) {
    return InvalidArgument("stupid backoff has no normalized backoff form");
  }
  bool has_discounts = false;
  for (const auto& d : o.discounts) has_discounts = has_discounts || !d.empty();
  if (has_discounts && o.smoothing != Smoothing::kModifiedKneserNey &&
      o.smoothing != Smoothing::kKneserNey && o.smoothing != Smoothing::kAbsolute) {
    return InvalidArgument("discounts can be given for mkn, kn and abs only, not " + name);
  }
  for (size_t i = 1; i < o.prune.size(); ++i) {
    if (o.prune[i] < o.prune[i - 1]) {
      return InvalidArgument("the pruning thresholds must not decrease from one order to the next");
    }
  }
  if (o.threads < 0 || o.threads > 64) {
    return InvalidArgument("the estimation threads must be between 0 and 64");
  }
  if (!(o.prune_entropy >= 0) || !std::isfinite(o.prune_entropy)) {
    return InvalidArgument("the relative-entropy pruning threshold must be a number >= 0");
  }
  if (o.prune_entropy > 0 && o.smoothing == Smoothing::kStupidBackoff) {
    return InvalidArgument("relative-entropy pruning needs a normalized model, not stupid backoff");
  }
  if (!(o.add_k > 0) || !std::isfinite(o.add_k))
    return InvalidArgument("--add-k must be a number > 0");
  if (!(o.stupid_alpha > 0) || !std::isfinite(o.stupid_alpha)) {
    return InvalidArgument("--stupid-alpha must be a number > 0");
  }
  return Status::OK();
}

// An n-gram of order >= 2 with a count of 0 is an error.
Status CheckNoZeroCounts(const NgramCounts& counts) {
  for (int n = 2; n <= counts.order(); ++n) {
    for (Count c : counts.counts[n - 1]) {
      if (c == 0) {
        return InvalidArgument("order " + std::to_string(n) +
                               " has an n-gram with count 0 (grams-count never writes one)");
      }
    }
  }
  return Status::OK();
}

// Which n-grams of orders >= 2 stay under count pruning (and katz's
// gt_min): count >= min_count[n], plus every context and suffix of a kept
// longer n-gram (prefix and suffix closure). *keep[n] empty: all of order n
// kept; with any pruning, every order's suffix links are left in *links.
// Returns whether anything may be cut.
StatusOr<bool> PlanCountPruning(const NgramCounts& counts, const BuildOptions& o, const Smoother& s,
                                std::vector<std::vector<EntryIndex>>* links,
                                std::vector<std::vector<uint8_t>>* keep) {
  const int N = counts.order();
  const NgramTrie& trie = counts.trie;
  const std::vector<uint64_t> min_count = PruneMinCounts(o, s, N);
  bool cutting = false;
  for (int n = 2; n <= N; ++n) cutting = cutting || min_count[n] > 1;
  if (!cutting) return false;
  GRAMS_RETURN_IF_ERROR(AllSuffixLinks(trie, links));
  for (int n = 2; n <= N; ++n) {
    if (min_count[n] <= 1) continue;
    const std::vector<Count>& raw = counts.counts[n - 1];
    (*keep)[n].resize(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) (*keep)[n][i] = raw[i] >= min_count[n];
  }
  for (int n = N; n >= 3; --n) {
    if ((*keep)[n - 1].empty()) continue;
    const TrieLevel& level = trie.levels[n - 1];
    for (size_t i = 0; i < level.size(); ++i) {
      if (!(*keep)[n].empty() && !(*keep)[n][i]) continue;
      (*keep)[n - 1][level.parents[i]] = 1;
      (*keep)[n - 1][(*links)[n][i]] = 1;
    }
  }
  return true;
}

// Order n's counts as the method wants them, into *a (taking *raw): raw,
// or Kneser-Ney's adjusted counts, which are raw at the top order and for
// <s>-initial n-grams, otherwise the number of distinct left extensions,
// i.e. how many (n+1)-grams have this n-gram as their suffix (whose links
// are computed into links[n+1] if not there yet).
Status MethodCounts(const NgramTrie& trie, int n, bool adjusted, const BosRanges& bos,
                    std::vector<std::vector<EntryIndex>>* links, std::vector<Count>* raw,
                    std::vector<uint64_t>* a) {
  if (!adjusted || n == trie.order()) {
    a->swap(*raw);
  } else {
    std::vector<EntryIndex>& up = (*links)[n + 1];
    if (up.empty()) GRAMS_RETURN_IF_ERROR(SuffixLinks(trie, n + 1, (*links)[n], &up));
    a->assign(trie.levels[n - 1].size(), 0);
    for (EntryIndex e : up) ++(*a)[e];
    for (size_t i = bos.begin[n - 1]; i < bos.end[n - 1]; ++i) (*a)[i] = (*raw)[i];
  }
  std::vector<Count>().swap(*raw);
  return Status::OK();
}

// Order n's probabilities (*prob, in double, and the model's log10 ones),
// from the method's counts `a`, the suffix links and order n-1's
// probabilities, and order n-1's backoffs. `kept`: null, or which n-grams
// stay (the mass of the others goes to their context).
void EstimateOrder(int n, Smoother& s, bool interpolated, const std::vector<uint64_t>& a,
                   const std::vector<EntryIndex>& suffix, const uint8_t* kept,
                   const std::vector<double>& lower_prob, std::vector<double>* prob, Model* model) {
  const TrieLevel& level = model->trie.levels[n - 1];
  const std::optional<double> fixed = s.FixedBackoff();
  std::vector<float>& lp = model->log_prob[n - 1];
  std::vector<float>& lbo = model->log_backoff[n - 2];
  lbo.assign(model->trie.levels[n - 2].size(),
             fixed ? static_cast<float>(std::log10(*fixed)) : 0.0f);
  ContextEstimator context(s, n, interpolated);
  ForEachContext(level, [&](EntryIndex parent, size_t i, size_t j) {
    const double weight = context.Estimate(&a[i], j - i, &suffix[i], lower_prob.data(),
                                           kept ? kept + i : nullptr, &(*prob)[i]);
    for (size_t k = i; k < j; ++k) lp[k] = static_cast<float>(std::log10((*prob)[k]));
    if (!fixed) lbo[parent] = static_cast<float>(std::log10(weight));
  });
}

// The estimation proper, order by order; see the top of the file.
Status Estimate(NgramCounts&& counts, const BuildOptions& o, Smoother& s, bool interpolated,
                Model* model, std::vector<size_t>* counted) {
  const int N = counts.order();
  const size_t V = counts.vocab.size();
  GRAMS_RETURN_IF_ERROR(CheckNoZeroCounts(counts));
  std::vector<std::vector<EntryIndex>> links(N + 1);  // links[n]: suffix links of order n
  std::vector<std::vector<uint8_t>> keep(N + 1);      // keep[n] empty: all kept
  GRAMS_ASSIGN_OR_RETURN(const bool cutting, PlanCountPruning(counts, o, s, &links, &keep));
  model->settings = counts.settings;
  model->vocab = std::move(counts.vocab);
  model->trie = std::move(counts.trie);
  const NgramTrie& trie = model->trie;
  model->log_prob.assign(N, {});
  model->log_backoff.assign(N, {});
  counted->assign(N + 1, 0);
  for (int n = 1; n <= N; ++n) (*counted)[n] = trie.levels[n - 1].size();

  const bool adjusted = s.WantsAdjustedCounts();
  const BosRanges bos = adjusted ? FindBosRanges(trie) : BosRanges();
  std::vector<uint64_t> a;               // the method's counts of order n
  std::vector<double> prob, lower_prob;  // p of orders n and n-1
  for (int n = 1; n <= N; ++n) {
    if (o.progress) {
      o.progress(
          Progress{"estimating", static_cast<uint64_t>(n - 1), static_cast<uint64_t>(N), "orders"});
    }
    const size_t m = trie.levels[n - 1].size();
    if (n >= 2 && links[n].empty())
      GRAMS_RETURN_IF_ERROR(SuffixLinks(trie, n, links[n - 1], &links[n]));
    if (n >= 2) std::vector<EntryIndex>().swap(links[n - 1]);
    GRAMS_RETURN_IF_ERROR(MethodCounts(trie, n, adjusted, bos, &links, &counts.counts[n - 1], &a));
    lower_prob.swap(prob);
    prob.assign(m, 0.0);
    if (n == 1) {
      std::vector<float>& lp = model->log_prob[0];
      lp.resize(m);
      std::vector<uint64_t> u;
      GRAMS_RETURN_IF_ERROR(UnigramContextCounts(a.data(), V, &u));
      GRAMS_RETURN_IF_ERROR(s.PrepareOrder(1, u));
      UnigramProbabilities(s, interpolated, u, prob.data());
      for (size_t w = 0; w < V; ++w) lp[w] = UnigramLogProb(prob.data(), w);
    } else {
      model->log_prob[n - 1].resize(m);
      GRAMS_RETURN_IF_ERROR(s.PrepareOrder(n, a));
      EstimateOrder(n, s, interpolated, a, links[n], keep[n].empty() ? nullptr : keep[n].data(),
                    lower_prob, &prob, model);
    }
  }
  if (cutting) CompactModel(model, keep);
  return Status::OK();
}

}  // namespace

// --vocab, --max-vocab and --prune T1 > 0: the words that stay.
Status ApplyVocabularyLimits(NgramCounts* counts, const BuildOptions& o, Info* info) {
  const uint64_t t1 = PruneThreshold(o.prune, 1);
  if (!o.limit_vocab && o.max_vocab == 0 && t1 == 0) return Status::OK();
  const Vocabulary& vocab = counts->vocab;
  const size_t V = vocab.size();
  const std::vector<Count>& c1 = counts->counts[0];
  std::vector<uint8_t> keep(V, 1);
  std::vector<std::string> extra;
  if (o.limit_vocab) {
    std::fill(keep.begin() + kEosId + 1, keep.end(), 0);
    for (const std::string& w : o.vocab) {
      WordId id = vocab.Find(w);
      if (id == Vocabulary::kNotFound) {
        if (o.max_vocab == 0 && t1 == 0) extra.push_back(w);
      } else {
        keep[id] = 1;
      }
    }
    info->emplace_back("vocab_list", std::to_string(o.vocab.size()));
  }
  if (t1 > 0) {
    for (WordId w = kEosId + 1; w < V; ++w)
      if (c1[w] <= t1) keep[w] = 0;
  }
  if (o.max_vocab > 0) {
    std::vector<WordId> ids;
    for (WordId w = kEosId + 1; w < V; ++w)
      if (keep[w]) ids.push_back(w);
    if (ids.size() > o.max_vocab) {
      std::stable_sort(ids.begin(), ids.end(), [&](WordId a, WordId b) {
        return c1[a] != c1[b] ? c1[a] > c1[b] : vocab.Word(a) < vocab.Word(b);
      });
      for (size_t i = o.max_vocab; i < ids.size(); ++i) keep[ids[i]] = 0;
    }
    info->emplace_back("max_vocab", std::to_string(o.max_vocab));
  }
  return LimitVocabulary(counts, keep, extra);
}

}  // namespace estimate

const char* SmoothingName(Smoothing smoothing) {
  switch (smoothing) {
    case Smoothing::kModifiedKneserNey:
      return "mkn";
    case Smoothing::kKneserNey:
      return "kn";
    case Smoothing::kWittenBell:
      return "wb";
    case Smoothing::kAbsolute:
      return "abs";
    case Smoothing::kKatz:
      return "katz";
    case Smoothing::kAdditive:
      return "add";
    case Smoothing::kMaximumLikelihood:
      return "mle";
    case Smoothing::kStupidBackoff:
      return "stupid";
  }
  return "?";
}

StatusOr<Smoothing> ParseSmoothing(const std::string& name) {
  for (Smoothing s : {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey, Smoothing::kWittenBell,
                      Smoothing::kAbsolute, Smoothing::kKatz, Smoothing::kAdditive,
                      Smoothing::kMaximumLikelihood, Smoothing::kStupidBackoff}) {
    if (name == SmoothingName(s)) return s;
  }
  return InvalidArgument("unknown smoothing method '" + name +
                         "' (choose mkn, kn, wb, abs, katz, add, mle or stupid)");
}

bool HasInterpolatedForm(Smoothing s) {
  return s == Smoothing::kModifiedKneserNey || s == Smoothing::kKneserNey ||
         s == Smoothing::kWittenBell || s == Smoothing::kAbsolute;
}

Status CheckBuildOptions(const BuildOptions& options) {
  return estimate::ValidateOptionsImpl(options);
}

namespace {

// Works one order at a time, ascending, releasing each order's raw counts,
// adjusted counts and suffix links as soon as they are used, so without
// pruning peak memory is the trie plus about two orders' worth of working
// arrays (count pruning keeps every order's suffix links).
StatusOr<Model> BuildModelImpl(NgramCounts&& counts, const BuildOptions& options) {
  using namespace estimate;
  if (counts.order() < 1) return InvalidArgument("the counts hold no n-grams");
  GRAMS_RETURN_IF_ERROR(CheckBuildOptions(options));
  const int N = counts.order();
  GRAMS_RETURN_IF_ERROR(CheckPruneOrders(options, N));
  Info limits;
  GRAMS_RETURN_IF_ERROR(ApplyVocabularyLimits(&counts, options, &limits));
  std::unique_ptr<Smoother> smoother = MakeSmoother(options, counts.vocab.size());
  const bool interpolated = Interpolated(options);
  Model model;
  std::vector<size_t> counted;
  GRAMS_RETURN_IF_ERROR(
      Estimate(std::move(counts), options, *smoother, interpolated, &model, &counted));

  // The info: mkn's default keys come first and alone when nothing else was
  // asked for, so default models are byte-identical to earlier versions.
  Info& info = model.info;
  AddMethodInfo(options, interpolated, *smoother, N, &info);
  info.insert(info.end(), limits.begin(), limits.end());
  AddPruneInfo(options, &info);
  if (options.prune_entropy > 0) {
    GRAMS_RETURN_IF_ERROR(PruneByRelativeEntropy(&model, options.prune_entropy));
  }
  for (int n = 2; n <= N; ++n) {
    if (counted[n] != model.trie.levels[n - 1].size()) {
      info.emplace_back("counted." + std::to_string(n), std::to_string(counted[n]));
    }
  }
  return model;
}

}  // namespace

StatusOr<Model> BuildModel(const NgramCounts& counts, const BuildOptions& options) {
  return GuardAlloc("estimating the model", MemoryHint::kNone, [&] {
    NgramCounts copy = counts;
    return BuildModelImpl(std::move(copy), options);
  });
}

StatusOr<Model> BuildModel(NgramCounts&& counts, const BuildOptions& options) {
  return GuardAlloc("estimating the model", MemoryHint::kNone,
                    [&] { return BuildModelImpl(std::move(counts), options); });
}

namespace {

StatusOr<std::vector<std::vector<double>>> ReadDiscountsFileImpl(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  io::LineReader reader(in.get());
  std::vector<std::vector<double>> out;
  std::string_view line;
  while (reader.Next(&line)) {
    std::string text(line.substr(0, line.find('#')));
    std::vector<double> values;
    size_t pos = 0;
    bool dash = false, any = false;
    while (true) {
      pos = text.find_first_not_of(" \t\r", pos);
      if (pos == std::string::npos) break;
      size_t end = text.find_first_of(" \t\r", pos);
      std::string tok = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      pos = end;
      any = true;
      if (tok == "-") {
        dash = true;
      } else {
        char* stop = nullptr;
        double v = std::strtod(tok.c_str(), &stop);
        if (tok.empty() || *stop != '\0' || !std::isfinite(v)) {
          return InvalidArgument(reader.Where() + ": '" + tok + "' is not a discount");
        }
        values.push_back(v);
      }
      if (pos == std::string::npos) break;
    }
    if (!any) continue;
    if (dash && !values.empty())
      return InvalidArgument(reader.Where() + ": '-' stands alone on its line");
    out.push_back(std::move(values));
  }
  GRAMS_RETURN_IF_ERROR(reader.status());
  if (out.empty()) return InvalidArgument(path + ": no discounts in the file");
  return out;
}

StatusOr<std::vector<std::string>> ReadVocabularyFileImpl(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  io::LineReader reader(in.get());
  std::vector<std::string> words;
  std::string_view line;
  while (reader.Next(&line)) {
    size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && (line[pos] == ' ' || (line[pos] >= '\t' && line[pos] <= '\r')))
        ++pos;
      size_t start = pos;
      while (pos < line.size() && !(line[pos] == ' ' || (line[pos] >= '\t' && line[pos] <= '\r')))
        ++pos;
      if (pos > start) words.emplace_back(line.substr(start, pos - start));
    }
  }
  GRAMS_RETURN_IF_ERROR(reader.status());
  return words;
}

}  // namespace

StatusOr<std::vector<std::vector<double>>> ReadDiscountsFile(const std::string& path) {
  return GuardAlloc("reading " + path, MemoryHint::kNone,
                    [&] { return ReadDiscountsFileImpl(path); });
}

StatusOr<std::vector<std::string>> ReadVocabularyFile(const std::string& path) {
  return GuardAlloc("reading " + path, MemoryHint::kNone,
                    [&] { return ReadVocabularyFileImpl(path); });
}

}  // namespace grams
