// Interpolated modified Kneser-Ney (Chen & Goodman 1998, section 3.5) exactly
// as KenLM's lmplz applies it by default. The formulas, with the notation
// used below, are spelled out in docs/ESTIMATION.md:
//
//   a(g)     adjusted count: raw at the top order and for n-grams starting
//            with <s>; otherwise the number of distinct left extensions.
//   D(n,k)   k - (k+1) Y t(n,k+1) / t(n,k), Y = t(n,1) / (t(n,1) + 2 t(n,2)),
//            t(n,k) the count-of-counts of the adjusted counts of order n.
//   u(w|h)   (a(hw) - D(n, a(hw))) / S(h),  S(h) = sum_x a(hx)
//   b(h)     (D1 N1(h) + D2 N2(h) + D3 N3+(h)) / S(h)
//   p(w|h)   u(w|h) + b(h) p(w|h'), and p(w) = u(w) + b() / |V| for unigrams.
//
// Everything is linear passes over the sorted trie, plus one radix sort per
// order to find each n-gram's suffix (w2..wn) among the order below.
#include <cmath>
#include <cstdio>

#include "grams/model.h"
#include "util/radix_sort.h"

namespace grams {
namespace {

// suffix[i] for entries of order n (n >= 2): the index of w2..wn in order n-1.
Status SuffixLinks(const NgramTrie& trie, int n, const std::vector<EntryIndex>& lower_suffix,
                   std::vector<EntryIndex>* suffix) {
  const TrieLevel& level = trie.levels[n - 1];
  suffix->resize(level.size());
  if (n == 2) {
    for (size_t i = 0; i < level.size(); ++i) (*suffix)[i] = level.words[i];
    return Status::OK();
  }
  // The suffix of (parent, w) is the child w of suffix(parent) one order
  // down. Sort the wanted (suffix(parent), w) keys and merge them with the
  // order below, whose (parent, word) keys are already in ascending order.
  std::vector<KeyValue> want(level.size());
  for (size_t i = 0; i < level.size(); ++i) {
    uint64_t sp = lower_suffix[level.parents[i]];
    want[i] = {(sp << 32) | level.words[i], static_cast<uint32_t>(i)};
  }
  RadixSortByKey(&want);
  const TrieLevel& lower = trie.levels[n - 2];
  size_t j = 0;
  for (const KeyValue& kv : want) {
    for (;;) {
      if (j >= lower.size()) {
        return InvalidArgument("counts are not suffix-closed: an " + std::to_string(n) +
                               "-gram's suffix is missing from order " + std::to_string(n - 1));
      }
      uint64_t k = (static_cast<uint64_t>(lower.parents[j]) << 32) | lower.words[j];
      if (k == kv.key) break;
      if (k > kv.key) {
        return InvalidArgument("counts are not suffix-closed: an " + std::to_string(n) +
                               "-gram's suffix is missing from order " + std::to_string(n - 1));
      }
      ++j;
    }
    (*suffix)[kv.value] = static_cast<EntryIndex>(j);
  }
  return Status::OK();
}

std::string FormatDiscounts(const std::array<double, 3>& d) {
  char buf[128];
  snprintf(buf, sizeof(buf), "%.17g %.17g %.17g", d[0], d[1], d[2]);
  return buf;
}

}  // namespace

StatusOr<Model> BuildModel(const NgramCounts& counts, const BuildOptions& options) {
  const int N = counts.order();
  if (N < 1) return InvalidArgument("the counts hold no n-grams");
  const NgramTrie& trie = counts.trie;
  const size_t V = counts.vocab.size();

  // Suffix links and the <s>-initial range of every order. Children of a
  // contiguous range of parents are contiguous, so the n-grams that start
  // with <s> form one range [bos_begin, bos_end) at each order.
  std::vector<std::vector<EntryIndex>> suffix(N);
  std::vector<size_t> bos_begin(N), bos_end(N);
  bos_begin[0] = kBosId;
  bos_end[0] = kBosId + 1;
  for (int n = 2; n <= N; ++n) {
    GRAMS_RETURN_IF_ERROR(SuffixLinks(trie, n, suffix[n - 2], &suffix[n - 1]));
    const TrieLevel& level = trie.levels[n - 1];
    auto lo = std::lower_bound(level.parents.begin(), level.parents.end(),
                               static_cast<EntryIndex>(bos_begin[n - 2]));
    auto hi = std::lower_bound(level.parents.begin(), level.parents.end(),
                               static_cast<EntryIndex>(bos_end[n - 2]));
    bos_begin[n - 1] = lo - level.parents.begin();
    bos_end[n - 1] = hi - level.parents.begin();
  }

  // Adjusted counts.
  std::vector<std::vector<uint64_t>> adjusted(N);
  for (int n = 1; n <= N; ++n) {
    std::vector<uint64_t>& a = adjusted[n - 1];
    const std::vector<Count>& raw = counts.counts[n - 1];
    if (n == N) {
      a.assign(raw.begin(), raw.end());
    } else {
      a.assign(trie.levels[n - 1].size(), 0);
      for (EntryIndex s : suffix[n]) ++a[s];
      for (size_t i = bos_begin[n - 1]; i < bos_end[n - 1]; ++i) a[i] = raw[i];
    }
  }

  // Discounts from the count-of-counts of each order.
  std::vector<std::array<double, 3>> discounts(N);
  for (int n = 1; n <= N; ++n) {
    uint64_t t[5] = {0, 0, 0, 0, 0};
    const std::vector<uint64_t>& a = adjusted[n - 1];
    for (size_t i = 0; i < a.size(); ++i) {
      if (n == 1 && i == kBosId) continue;
      if (a[i] >= 1 && a[i] <= 4) ++t[a[i]];
    }
    bool ok = t[1] > 0 && t[2] > 0 && t[3] > 0 && t[4] > 0;
    std::array<double, 3> d{};
    if (ok) {
      double y = static_cast<double>(t[1]) / (static_cast<double>(t[1]) + 2.0 * t[2]);
      for (int k = 1; k <= 3; ++k) {
        d[k - 1] = k - (k + 1) * y * static_cast<double>(t[k + 1]) / static_cast<double>(t[k]);
        if (!(d[k - 1] >= 0.0 && d[k - 1] <= k)) ok = false;
      }
    }
    if (!ok) {
      d = kFallbackDiscounts;
      if (options.warn) {
        options.warn("cannot estimate the modified Kneser-Ney discounts of order " +
                     std::to_string(n) + " from its count-of-counts (t1..t4 = " +
                     std::to_string(t[1]) + ", " + std::to_string(t[2]) + ", " +
                     std::to_string(t[3]) + ", " + std::to_string(t[4]) +
                     "); using the fallback discounts " + FormatDiscounts(d));
      }
    }
    discounts[n - 1] = d;
  }
  auto discount = [&](int n, uint64_t a) {
    return a == 0 ? 0.0 : discounts[n - 1][a >= 3 ? 2 : a - 1];
  };

  Model model;
  model.settings = counts.settings;
  model.vocab = counts.vocab;
  model.trie = counts.trie;
  model.log_prob.resize(N);
  model.log_backoff.resize(N);

  // Unigrams: interpolated with the uniform distribution over the vocabulary
  // without <s> (with <unk>).
  std::vector<double> prob(V), lower_prob;
  {
    const std::vector<uint64_t>& a = adjusted[0];
    double S = 0;
    uint64_t nk[3] = {0, 0, 0};
    for (size_t w = 0; w < V; ++w) {
      if (w == kBosId || a[w] == 0) continue;
      S += static_cast<double>(a[w]);
      ++nk[a[w] >= 3 ? 2 : a[w] - 1];
    }
    if (S <= 0) return InvalidArgument("the counts hold no words");
    const auto& d = discounts[0];
    double gamma = (d[0] * nk[0] + d[1] * nk[1] + d[2] * nk[2]) / S;
    double uniform = gamma / static_cast<double>(V - 1);
    std::vector<float>& lp = model.log_prob[0];
    lp.resize(V);
    for (size_t w = 0; w < V; ++w) {
      prob[w] = (w == kBosId) ? 0.0 : (a[w] - discount(1, a[w])) / S + uniform;
      lp[w] = w == kBosId ? 0.0f : static_cast<float>(std::log10(prob[w]));
    }
  }

  // Orders 2..N: each context's totals, its backoff, then p = u + b p(lower).
  for (int n = 2; n <= N; ++n) {
    const TrieLevel& level = trie.levels[n - 1];
    const std::vector<uint64_t>& a = adjusted[n - 1];
    const auto& d = discounts[n - 1];
    const size_t parents = trie.levels[n - 2].size();
    std::vector<float>& lbo = model.log_backoff[n - 2];
    lbo.assign(parents, 0.0f);
    lower_prob.swap(prob);
    prob.assign(level.size(), 0.0);
    std::vector<float>& lp = model.log_prob[n - 1];
    lp.resize(level.size());
    size_t i = 0;
    while (i < level.size()) {
      const EntryIndex parent = level.parents[i];
      size_t j = i;
      double S = 0;
      uint64_t nk[3] = {0, 0, 0};
      for (; j < level.size() && level.parents[j] == parent; ++j) {
        S += static_cast<double>(a[j]);
        ++nk[a[j] >= 3 ? 2 : a[j] - 1];
      }
      double gamma = (d[0] * nk[0] + d[1] * nk[1] + d[2] * nk[2]) / S;
      lbo[parent] = static_cast<float>(std::log10(gamma));
      for (size_t k = i; k < j; ++k) {
        double p = (a[k] - discount(n, a[k])) / S + gamma * lower_prob[suffix[n - 1][k]];
        prob[k] = p;
        lp[k] = static_cast<float>(std::log10(p));
      }
      i = j;
    }
  }

  model.info.emplace_back("smoothing", "mkn");
  model.info.emplace_back("interpolate_unigrams", "1");
  for (int n = 1; n <= N; ++n) {
    model.info.emplace_back("discounts." + std::to_string(n), FormatDiscounts(discounts[n - 1]));
  }
  return model;
}

std::string Model::Info(const std::string& key) const {
  for (const auto& [k, v] : info)
    if (k == key) return v;
  return "";
}

}  // namespace grams
