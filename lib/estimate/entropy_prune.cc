// Relative-entropy pruning of a backoff model (Stolcke 1998, "Entropy-based
// Pruning of Backoff Language Models", the criterion SRILM's ngram -prune
// applies). Removing the n-gram h w from a backoff model replaces p(w|h) by
// bow'(h) p(w|h') and changes the backoff weight of h to bow'(h); the
// relative entropy between the model before and after is
//
//   D = -p(h) { p(w|h) [log p(w|h') + log bow'(h) - log p(w|h)]
//               + (1 - sum_{v kept} p(v|h)) [log bow'(h) - log bow(h)] }
//
//   bow(h)  = (1 - sum_{v kept} p(v|h)) / (1 - sum_{v kept} p(v|h'))
//   bow'(h) = (1 - sum_{v kept} p(v|h) + p(w|h)) / (1 - sum_{v kept} p(v|h') + p(w|h'))
//
// The perplexity grows by the factor 10^D (logs in base 10), and the n-gram
// goes when 10^D - 1 < threshold, as in SRILM. Each n-gram is judged on its
// own against the model as it stands (Stolcke's approximation); the orders are
// pruned from the highest down, and each context's backoff weight is
// recomputed from what it keeps, so every distribution still sums to one.
// p(h) is the model's own probability of the words of h, by the chain rule;
// for a context starting with <s> the first factor is p(</s>), the rate of
// sentence boundaries (SRILM does the same). An n-gram that is a context or a
// suffix of a kept longer n-gram is kept: pruned models stay prefix- and
// suffix-closed. A model read from ARPA with blanks (Model::blanks) is
// suffix-closed through them; once pruning removes anything they become
// ordinary entries.
#include <algorithm>
#include <cmath>

#include "estimate/estimate_internal.h"
#include "util/alloc_guard.h"

namespace grams {
namespace {

using estimate::AllSuffixLinks;
using estimate::CompactModel;
using estimate::ForEachContext;
using estimate::FormatNumber;

// log10 p(h) for every entry h of orders 1..N-1: the model's own
// probability of the words of h by the chain rule; for a context starting
// with <s> the first factor is p(</s>).
std::vector<std::vector<double>> ContextLogProbs(const Model& model) {
  const int N = model.order();
  std::vector<std::vector<double>> context(N);
  context[0].assign(model.log_prob[0].begin(), model.log_prob[0].end());
  if (context[0].size() > kEosId) context[0][kBosId] = model.log_prob[0][kEosId];
  for (int n = 2; n < N; ++n) {
    const TrieLevel& level = model.trie.levels[n - 1];
    context[n - 1].resize(level.size());
    for (size_t i = 0; i < level.size(); ++i) {
      context[n - 1][i] = context[n - 2][level.parents[i]] + model.log_prob[n - 1][i];
    }
  }
  return context;
}

// Order n: which n-grams stay (*keep), and the new backoffs of the contexts
// that lose some. `locked`: the contexts and suffixes of kept (n+1)-grams,
// which stay; links[n]: order n's suffix links; limit: log10(1 + threshold).
void PruneOrder(int n, double limit, const std::vector<EntryIndex>& links,
                const std::vector<uint8_t>& locked, const std::vector<double>& context,
                Model* model, std::vector<uint8_t>* keep) {
  const TrieLevel& level = model->trie.levels[n - 1];
  keep->assign(level.size(), 1);
  const std::vector<float>& lp = model->log_prob[n - 1];
  const std::vector<float>& lower = model->log_prob[n - 2];
  std::vector<float>& lbo = model->log_backoff[n - 2];
  std::vector<double> p, q;
  ForEachContext(level, [&](EntryIndex h, size_t i, size_t j) {
    p.resize(j - i);
    q.resize(j - i);
    double sum_p = 0, sum_q = 0;
    for (size_t k = i; k < j; ++k) {
      p[k - i] = std::pow(10.0, static_cast<double>(lp[k]));
      q[k - i] = std::pow(10.0, static_cast<double>(lower[links[k]]));
      sum_p += p[k - i];
      sum_q += q[k - i];
    }
    const double num = std::max(0.0, 1.0 - sum_p), den = 1.0 - sum_q;
    const double log_bow = std::log10(num / den);
    const double ph = std::pow(10.0, context[h]);
    double pruned_p = 0, pruned_q = 0;
    size_t kept = j - i;
    for (size_t k = i; k < j; ++k) {
      if (locked[k]) continue;
      const double pk = p[k - i], qk = q[k - i];
      const double log_bow2 = std::log10((num + pk) / (den + qk));
      double d = pk * (std::log10(qk) + log_bow2 - std::log10(pk));
      if (num > 0) d += num * (log_bow2 - log_bow);
      if (-ph * d < limit) {
        (*keep)[k] = 0;
        pruned_p += pk;
        pruned_q += qk;
        --kept;
      }
    }
    if (kept == j - i) return;
    if (kept == 0) {
      lbo[h] = 0.0f;  // nothing left after h: its distribution is h's suffix's
    } else {
      lbo[h] = static_cast<float>(std::log10((num + pruned_p) / (den + pruned_q)));
    }
  });
}

Status PruneByRelativeEntropyImpl(Model* model, double threshold) {
  if (!(threshold >= 0) || !std::isfinite(threshold)) {
    return InvalidArgument("the relative-entropy pruning threshold must be a number >= 0");
  }
  const int N = model->order();
  model->info.emplace_back("prune_entropy", FormatNumber(threshold));
  if (N < 2 || threshold == 0) return Status::OK();
  const NgramTrie& trie = model->trie;
  std::vector<std::vector<EntryIndex>> links;
  if (!AllSuffixLinks(trie, &links).ok()) {
    return InvalidArgument(
        "the model is not suffix-closed (some n-gram's last words are missing "
        "from the order below), so it cannot be entropy-pruned");
  }
  const std::vector<std::vector<double>> context = ContextLogProbs(*model);  // before pruning
  const double limit = std::log10(1.0 + threshold);
  std::vector<std::vector<uint8_t>> keep(N + 1);
  std::vector<uint8_t> locked;
  for (int n = N; n >= 2; --n) {
    // Contexts and suffixes of the kept (n+1)-grams stay.
    locked.assign(trie.levels[n - 1].size(), 0);
    if (n < N) {
      const TrieLevel& upper = trie.levels[n];
      for (size_t i = 0; i < upper.size(); ++i) {
        if (!keep[n + 1][i]) continue;
        locked[upper.parents[i]] = 1;
        locked[links[n + 1][i]] = 1;
      }
    }
    PruneOrder(n, limit, links[n], locked, context[n - 2], model, &keep[n]);
    if (n < N) std::vector<EntryIndex>().swap(links[n + 1]);
  }
  // Once anything goes, backoffs have changed and a blank's value (that of
  // backing off in the model read) may no longer be what backing off gives:
  // the pruned model's entries are all its own.
  for (int n = 2; n <= N && !model->blanks.empty(); ++n) {
    if (std::find(keep[n].begin(), keep[n].end(), 0) != keep[n].end()) model->blanks.clear();
  }
  CompactModel(model, keep);
  return Status::OK();
}

}  // namespace

Status PruneByRelativeEntropy(Model* model, double threshold) {
  return GuardAlloc("pruning the model", MemoryHint::kNone,
                    [&] { return PruneByRelativeEntropyImpl(model, threshold); });
}

}  // namespace grams
