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

Status NotSuffixClosed(int n) {
  return InvalidArgument("the counts are not suffix-closed: a " + std::to_string(n) +
                         "-gram's last " + std::to_string(n - 1) + " words are missing from order " +
                         std::to_string(n - 1));
}

// suffix[i] for entries of order n (n >= 2): the index of w2..wn in order n-1.
// The suffix of (parent, w) is the child w of suffix(parent) one order down,
// so sort the wanted (suffix(parent), w) pairs and merge them with order n-1,
// whose (parent, word) pairs are already ascending. `lower_suffix` holds the
// suffixes of order n-1.
Status SuffixLinks(const NgramTrie& trie, int n, const std::vector<EntryIndex>& lower_suffix,
                   std::vector<EntryIndex>* suffix) {
  const TrieLevel& level = trie.levels[n - 1];
  const size_t m = level.size();
  suffix->resize(m);
  if (n == 2) {
    std::copy(level.words.begin(), level.words.end(), suffix->begin());
    return Status::OK();
  }
  const TrieLevel& lower = trie.levels[n - 2];
  const int pbits = BitsFor(trie.levels[n - 3].size());
  const int wbits = BitsFor(trie.levels[0].size());
  const int ibits = BitsFor(m);
  auto find = [&](uint64_t sp, uint64_t w, size_t* j) -> bool {
    for (; *j < lower.size(); ++*j) {
      uint64_t lp = lower.parents[*j], lw = lower.words[*j];
      if (lp == sp && lw == w) return true;
      if (lp > sp || (lp == sp && lw > w)) return false;
    }
    return false;
  };
  size_t j = 0;
  if (pbits + wbits + ibits <= 64) {
    // Pack (suffix(parent), word, index) into one word: half the memory.
    std::vector<uint64_t> want(m);
    for (size_t i = 0; i < m; ++i) {
      uint64_t sp = lower_suffix[level.parents[i]];
      want[i] = (((sp << wbits) | level.words[i]) << ibits) | i;
    }
    SortInPlace64(&want);
    const uint64_t wmask = (uint64_t{1} << wbits) - 1, imask = (uint64_t{1} << ibits) - 1;
    for (uint64_t v : want) {
      if (!find(v >> (wbits + ibits), (v >> ibits) & wmask, &j)) return NotSuffixClosed(n);
      (*suffix)[v & imask] = static_cast<EntryIndex>(j);
    }
    return Status::OK();
  }
  std::vector<KeyValue> want(m);
  for (size_t i = 0; i < m; ++i) {
    uint64_t sp = lower_suffix[level.parents[i]];
    want[i] = {(sp << 32) | level.words[i], static_cast<uint32_t>(i)};
  }
  RadixSortByKey(&want);
  for (const KeyValue& kv : want) {
    if (!find(kv.key >> 32, kv.key & 0xffffffffu, &j)) return NotSuffixClosed(n);
    (*suffix)[kv.value] = static_cast<EntryIndex>(j);
  }
  return Status::OK();
}

std::string FormatDiscounts(const std::array<double, 3>& d) {
  char buf[128];
  snprintf(buf, sizeof(buf), "%.17g %.17g %.17g", d[0], d[1], d[2]);
  return buf;
}


// Discounts of one order from its adjusted counts, or the fallback ones.
std::array<double, 3> EstimateDiscounts(int n, const std::vector<uint64_t>& a,
                                        const BuildOptions& options) {
  uint64_t t[5] = {0, 0, 0, 0, 0};
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
  if (ok) return d;
  if (options.warn) {
    options.warn("cannot estimate the modified Kneser-Ney discounts of order " + std::to_string(n) +
                 " from its count-of-counts (t1..t4 = " + std::to_string(t[1]) + ", " +
                 std::to_string(t[2]) + ", " + std::to_string(t[3]) + ", " + std::to_string(t[4]) +
                 "); using the fallback discounts " + FormatDiscounts(kFallbackDiscounts));
  }
  return kFallbackDiscounts;
}

}  // namespace

StatusOr<Model> BuildModel(const NgramCounts& counts, const BuildOptions& options) {
  NgramCounts copy = counts;
  return BuildModel(std::move(copy), options);
}

// Works one order at a time, ascending, releasing each order's raw counts,
// adjusted counts and suffix links as soon as they are used, so peak memory is
// the trie plus about two orders' worth of working arrays.
StatusOr<Model> BuildModel(NgramCounts&& counts, const BuildOptions& options) {
  const int N = counts.order();
  if (N < 1) return InvalidArgument("the counts hold no n-grams");
  const size_t V = counts.vocab.size();
  Model model;
  model.settings = counts.settings;
  model.vocab = std::move(counts.vocab);
  model.trie = std::move(counts.trie);
  const NgramTrie& trie = model.trie;
  model.log_prob.resize(N);
  model.log_backoff.resize(N);

  // The n-grams that start with <s> form one range [bos_begin, bos_end) at
  // each order: children of a contiguous range of parents are contiguous.
  std::vector<size_t> bos_begin(N), bos_end(N);
  bos_begin[0] = kBosId;
  bos_end[0] = kBosId + 1;
  for (int n = 2; n <= N; ++n) {
    const auto& parents = trie.levels[n - 1].parents;
    bos_begin[n - 1] = std::lower_bound(parents.begin(), parents.end(),
                                        static_cast<EntryIndex>(bos_begin[n - 2])) - parents.begin();
    bos_end[n - 1] = std::lower_bound(parents.begin(), parents.end(),
                                      static_cast<EntryIndex>(bos_end[n - 2])) - parents.begin();
  }

  std::vector<std::array<double, 3>> discounts(N);
  std::vector<EntryIndex> suffix, next_suffix;  // suffix links of orders n and n+1
  std::vector<uint64_t> a;                      // adjusted counts of order n
  std::vector<double> prob, lower_prob;         // p of orders n and n-1
  for (int n = 1; n <= N; ++n) {
    const TrieLevel& level = trie.levels[n - 1];
    const size_t m = level.size();
    std::vector<Count>& raw = counts.counts[n - 1];
    // Adjusted counts: raw at the top order and for <s>-initial n-grams,
    // otherwise the number of distinct left extensions, i.e. how many
    // (n+1)-grams have this n-gram as their suffix.
    if (n == N) {
      a.swap(raw);
    } else {
      GRAMS_RETURN_IF_ERROR(SuffixLinks(trie, n + 1, suffix, &next_suffix));
      a.assign(m, 0);
      for (EntryIndex s : next_suffix) ++a[s];
      for (size_t i = bos_begin[n - 1]; i < bos_end[n - 1]; ++i) a[i] = raw[i];
    }
    std::vector<Count>().swap(raw);
    const std::array<double, 3> d = EstimateDiscounts(n, a, options);
    discounts[n - 1] = d;
    auto discount = [&d](uint64_t c) { return c == 0 ? 0.0 : d[c >= 3 ? 2 : c - 1]; };

    std::vector<float>& lp = model.log_prob[n - 1];
    lp.resize(m);
    lower_prob.swap(prob);
    prob.assign(m, 0.0);
    if (n == 1) {
      // Unigrams: interpolated with the uniform distribution over the
      // vocabulary without <s> (with <unk>); sums leave out <s>.
      double S = 0;
      uint64_t nk[3] = {0, 0, 0};
      for (size_t w = 0; w < V; ++w) {
        if (w == kBosId || a[w] == 0) continue;
        S += static_cast<double>(a[w]);
        ++nk[a[w] >= 3 ? 2 : a[w] - 1];
      }
      if (S <= 0) return InvalidArgument("the counts hold no words: nothing to estimate from");
      const double gamma = (d[0] * nk[0] + d[1] * nk[1] + d[2] * nk[2]) / S;
      const double uniform = gamma / static_cast<double>(V - 1);
      for (size_t w = 0; w < V; ++w) {
        prob[w] = w == kBosId ? 0.0 : (a[w] - discount(a[w])) / S + uniform;
        lp[w] = w == kBosId ? 0.0f : static_cast<float>(std::log10(prob[w]));
      }
    } else {
      // Each context's totals and backoff, then p = u + b p(lower).
      std::vector<float>& lbo = model.log_backoff[n - 2];
      lbo.assign(trie.levels[n - 2].size(), 0.0f);
      size_t i = 0;
      while (i < m) {
        const EntryIndex parent = level.parents[i];
        size_t j = i;
        double S = 0;
        uint64_t nk[3] = {0, 0, 0};
        for (; j < m && level.parents[j] == parent; ++j) {
          S += static_cast<double>(a[j]);
          ++nk[a[j] >= 3 ? 2 : a[j] - 1];
        }
        const double gamma = (d[0] * nk[0] + d[1] * nk[1] + d[2] * nk[2]) / S;
        lbo[parent] = static_cast<float>(std::log10(gamma));
        for (size_t k = i; k < j; ++k) {
          prob[k] = (a[k] - discount(a[k])) / S + gamma * lower_prob[suffix[k]];
          lp[k] = static_cast<float>(std::log10(prob[k]));
        }
        i = j;
      }
    }
    suffix.swap(next_suffix);
    std::vector<EntryIndex>().swap(next_suffix);
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
