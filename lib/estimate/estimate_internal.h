// What the estimators in lib/estimate share: suffix links, the <s> ranges,
// per-context iteration, the Smoother interface every method implements, and
// the model surgery (compaction after pruning, vocabulary limits) done around
// estimation. Internal: not installed.
#ifndef GRAMS_ESTIMATE_ESTIMATE_INTERNAL_H_
#define GRAMS_ESTIMATE_ESTIMATE_INTERNAL_H_

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "grams/status.h"
#include "grams/trie.h"

namespace grams::estimate {

using Info = std::vector<std::pair<std::string, std::string>>;

// suffix[i] for the entries of order n (n >= 2): the index of w2..wn at order
// n-1. `lower_suffix` holds the suffix links of order n-1 (unused for n = 2).
// Fails with InvalidArgument when a suffix is missing (counts not suffix-closed).
Status SuffixLinks(const NgramTrie& trie, int n, const std::vector<EntryIndex>& lower_suffix,
                   std::vector<EntryIndex>* suffix);
// The suffix links of every order: links[n] for n = 2..N (links[0], links[1] empty).
Status AllSuffixLinks(const NgramTrie& trie, std::vector<std::vector<EntryIndex>>* links);

// The n-grams that start with <s> form one range [begin[n-1], end[n-1]) at
// each order n: children of a contiguous range of parents are contiguous.
struct BosRanges {
  std::vector<size_t> begin, end;
};
BosRanges FindBosRanges(const NgramTrie& trie);

// Calls f(parent, begin, end) for each run of entries of `level` (order >= 2)
// that share a parent: the children [begin, end) of context `parent`.
template <typename F>
void ForEachContext(const TrieLevel& level, F&& f) {
  const size_t m = level.size();
  size_t i = 0;
  while (i < m) {
    const EntryIndex parent = level.parents[i];
    size_t j = i + 1;
    while (j < m && level.parents[j] == parent) ++j;
    f(parent, i, j);
    i = j;
  }
}

// alpha[i] = counts[i] / sum of counts: the relative frequencies of one
// context's words (maximum likelihood, and Stupid Backoff's scores).
inline void RelativeFrequencies(const uint64_t* counts, size_t size, double* alpha) {
  double S = 0;
  for (size_t i = 0; i < size; ++i) S += static_cast<double>(counts[i]);
  for (size_t i = 0; i < size; ++i) alpha[i] = static_cast<double>(counts[i]) / S;
}

// "%.17g" numbers separated by single spaces (how info records parameters).
std::string FormatNumbers(const std::vector<double>& values);
std::string FormatNumber(double value);

// One smoothing method. The driver (build_model.cc) walks the orders upwards;
// for each order it calls PrepareOrder once, then Context for every context
// (for order 1: once, with every word but <s> as the children of the empty
// context). Context gives each child its own probability mass alpha, and
// returns the mass left for the lower order (gamma: the interpolation weight,
// or in backoff form the mass that the backoff weight spreads over the words
// not seen after the context). The driver then forms the interpolated or
// backoff probabilities, handles pruned n-grams and the unigram base, and
// computes backoff weights. docs/ESTIMATION.md has the formulas. The
// streaming driver (streaming_build.h) calls PrepareOrder for every order,
// ascending, before the first Context: a method's parameters of order n may
// depend on the counts of order n only.
class Smoother {
 public:
  virtual ~Smoother() = default;
  virtual Smoothing method() const = 0;
  // Kneser-Ney methods want adjusted (continuation) counts below the top order.
  virtual bool WantsAdjustedCounts() const { return false; }
  // katz: n-grams of order n >= 2 with a raw count below this are left out.
  virtual uint64_t MinCount(int /*n*/) const { return 0; }
  // stupid: the constant backoff factor (no normalization).
  virtual std::optional<double> FixedBackoff() const { return std::nullopt; }
  // Parameters of order n from the counts of all its n-grams (pruned ones
  // included; at order 1, every word but <s>, in id order).
  virtual Status PrepareOrder(int n, const std::vector<uint64_t>& counts) = 0;
  // The children of one context: counts[0..size) -> alpha[0..size); returns gamma.
  virtual double Context(int n, const uint64_t* counts, size_t size, double* alpha) const = 0;
  // Parameters for the model header ("discounts.n", ...), in order.
  virtual void AddInfo(int order, Info* info) const = 0;
};

// The driver's pieces that BuildModel (build_model.cc) and the streaming
// BuildModelFile (streaming_build.h) share, so that both compute every
// value with the same operations in the same order.

// The Smoother of options.smoothing; `vocab_size` is V (<s> included).
std::unique_ptr<Smoother> MakeSmoother(const BuildOptions& options, size_t vocab_size);
// Whether the model takes the interpolated form (options.form, or the method's default).
bool Interpolated(const BuildOptions& options);
// The info keys of the method: "smoothing", "interpolate_unigrams" or
// "form", then the smoother's parameters (Smoother::AddInfo).
void AddMethodInfo(const BuildOptions& options, bool interpolated, const Smoother& smoother,
                   int order, Info* info);

// Order 1: the children of the empty context are every word but <s>. *u gets
// their counts a[0..V) without <s>, in id order; InvalidArgument if all are 0.
Status UnigramContextCounts(const uint64_t* a, size_t V, std::vector<uint64_t>* u);
// Order 1's probabilities prob[0..V) (prob[<s>] = 0) from u, after
// PrepareOrder(1, u): alpha combined with the uniform distribution.
void UnigramProbabilities(const Smoother& s, bool interpolated, const std::vector<uint64_t>& u,
                          double* prob);
// The stored log10 probability of word w at order 1 (<s> stores 0).
inline float UnigramLogProb(const double* prob, size_t w) {
  return w == kBosId ? 0.0f : static_cast<float>(std::log10(prob[w]));
}

// The children of one context of order n >= 2 (see build_model.cc): their
// method counts counts[0..size), suffix links suffix[0..size) into order
// n-1, whose probabilities are lower_prob, and `kept` (nullptr: all kept)
// flagging those that stay after pruning. Writes prob[0..size) and returns
// the context's backoff weight (not its log): gamma in the interpolated
// form, bow in the backoff form, the constant of FixedBackoff() methods.
class ContextEstimator {
 public:
  ContextEstimator(const Smoother& s, int n, bool interpolated);
  double Estimate(const uint64_t* counts, size_t size, const EntryIndex* suffix,
                  const double* lower_prob, const uint8_t* kept, double* prob);

 private:
  const Smoother& s_;
  const int n_;
  const bool interpolated_;
  const std::optional<double> fixed_;
  std::vector<double> alpha_;  // per-context scratch
};

// "the counts are not suffix-closed" at order n.
Status NotSuffixClosed(int n);

// Each in its own file. `vocab_size` is the vocabulary size V (<s> included).
std::unique_ptr<Smoother> MakeModifiedKneserNey(const BuildOptions& options);
std::unique_ptr<Smoother> MakeKneserNey(const BuildOptions& options);
std::unique_ptr<Smoother> MakeWittenBell(const BuildOptions& options);
std::unique_ptr<Smoother> MakeAbsoluteDiscounting(const BuildOptions& options);
std::unique_ptr<Smoother> MakeKatz(const BuildOptions& options, size_t vocab_size);
std::unique_ptr<Smoother> MakeAdditive(const BuildOptions& options, size_t vocab_size);
std::unique_ptr<Smoother> MakeMaximumLikelihood(const BuildOptions& options);
std::unique_ptr<Smoother> MakeStupidBackoff(const BuildOptions& options);

// Discounting by count class (1, 2, 3+), shared by mkn, kn and abs:
// alpha = (c - D(c)) / S(h), gamma = (D1 N1(h) + D2 N2(h) + D3 N3+(h)) / S(h).
// Zero counts (unseen words at order 1) get alpha = 0 and are left out.
class ClassDiscounting : public Smoother {
 public:
  double Context(int n, const uint64_t* counts, size_t size, double* alpha) const override;
  // The discounts in use, per order (D1, D2, D3+).
  const std::vector<std::array<double, 3>>& discounts() const { return d_; }

 protected:
  // Sets order n's discounts: the options' override if any, else `estimate`.
  // Checks the range (0 <= Dk <= k for three classes, 0 <= D <= 1 for one).
  Status SetDiscounts(int n, const std::array<double, 3>& estimate, const BuildOptions& options,
                      int classes);
  std::vector<std::array<double, 3>> d_;
};

// Count-of-counts: t[k] = number of entries with count k, for k = 0..limit.
std::vector<uint64_t> CountOfCounts(const std::vector<uint64_t>& counts, uint64_t limit);

// Whether falling back on kFallbackDiscounts is expected, and so not warned
// about: order 1 of an alphabet (at most kSmallVocabulary units: the
// characters, bytes or graphemes of a character model), where a few units
// make up t(1,1..4) and the estimate would be noise anyway (docs/
// ESTIMATION.md, "Fallback discounts"). The discounts used are recorded in
// the model as always.
inline constexpr size_t kSmallVocabulary = 1024;
inline bool FallbackExpected(int n, size_t entries) {
  return n == 1 && entries <= kSmallVocabulary;
}

// Count pruning (--prune, and katz's gt_min): the least count an n-gram of
// order n needs to stay, element n for n = 2..N (elements 0 and 1 are 0;
// a value <= 1 cuts nothing): options.prune's threshold of order n plus one,
// or the method's MinCount(n) if higher.
std::vector<uint64_t> PruneMinCounts(const BuildOptions& options, const Smoother& s, int N);
// options.prune's threshold of order n (0 when not given).
uint64_t PruneThreshold(const std::vector<uint64_t>& prune, int n);
// InvalidArgument when options.prune has thresholds for orders above N.
Status CheckPruneOrders(const BuildOptions& options, int N);
// The model info's "prune" entry (the thresholds), when options.prune is given.
void AddPruneInfo(const BuildOptions& options, Info* info);

// Keeps the entries of orders n >= 2 flagged in keep[n] (keep[n] empty: keep
// all), renumbering parents and the blanks kept. REQUIRES: the kept set is
// prefix-closed.
void CompactModel(Model* model, const std::vector<std::vector<uint8_t>>& keep);

// Maps the words not flagged in keep_word to <unk>, adds `extra` words (not
// in the vocabulary) with count 0, merges the n-grams that became equal and
// renumbers the vocabulary canonically (reserved words, then by descending
// count, ties by bytes).
Status LimitVocabulary(NgramCounts* counts, const std::vector<uint8_t>& keep_word,
                       const std::vector<std::string>& extra);

// Applies BuildOptions' vocabulary limits (--vocab, --max-vocab, and --prune
// at order 1) to the counts, recording them in `info`.
Status ApplyVocabularyLimits(NgramCounts* counts, const BuildOptions& options, Info* info);

// Backoff weight of one context in backoff form: the mass `left` for the
// words not kept after it, over their lower-order mass 1 - `lower_kept`
// (`kept`: the kept words' own mass). 0 when nothing is left. When no
// lower-order mass remains to carry `left`, returns 1 and sets *scale to the
// factor that spreads it over the kept words instead (otherwise *scale = 1).
double BackoffWeight(double left, double lower_kept, double kept, double* scale);

}  // namespace grams::estimate

#endif  // GRAMS_ESTIMATE_ESTIMATE_INTERNAL_H_
