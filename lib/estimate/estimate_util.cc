// Helpers shared by the estimators: suffix links, <s> ranges, discounting by
// count class, count-of-counts, compaction of a pruned model, backoff weights.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>

#include "estimate/estimate_internal.h"
#include "util/radix_sort.h"

namespace grams::estimate {

Status NotSuffixClosed(int n) {
  return InvalidArgument("the counts are not suffix-closed: a " + std::to_string(n) +
                         "-gram's last " + std::to_string(n - 1) +
                         " words are missing from order " + std::to_string(n - 1));
}

// The suffix of (parent, w) is the child w of suffix(parent) one order down,
// so sort the wanted (suffix(parent), w) pairs and merge them with order n-1,
// whose (parent, word) pairs are already ascending.
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

Status AllSuffixLinks(const NgramTrie& trie, std::vector<std::vector<EntryIndex>>* links) {
  const int N = trie.order();
  links->assign(N + 1, {});
  for (int n = 2; n <= N; ++n)
    GRAMS_RETURN_IF_ERROR(SuffixLinks(trie, n, (*links)[n - 1], &(*links)[n]));
  return Status::OK();
}

BosRanges FindBosRanges(const NgramTrie& trie) {
  const int N = trie.order();
  BosRanges r;
  r.begin.resize(N);
  r.end.resize(N);
  r.begin[0] = kBosId;
  r.end[0] = kBosId + 1;
  for (int n = 2; n <= N; ++n) {
    const auto& parents = trie.levels[n - 1].parents;
    r.begin[n - 1] =
        std::lower_bound(parents.begin(), parents.end(), static_cast<EntryIndex>(r.begin[n - 2])) -
        parents.begin();
    r.end[n - 1] =
        std::lower_bound(parents.begin(), parents.end(), static_cast<EntryIndex>(r.end[n - 2])) -
        parents.begin();
  }
  return r;
}

std::string FormatNumber(double value) {
  char buf[40];
  snprintf(buf, sizeof(buf), "%.17g", value);
  return buf;
}

std::string FormatNumbers(const std::vector<double>& values) {
  std::string out;
  for (double v : values) {
    if (!out.empty()) out += ' ';
    out += FormatNumber(v);
  }
  return out;
}

std::vector<uint64_t> CountOfCounts(const std::vector<uint64_t>& counts, uint64_t limit) {
  std::vector<uint64_t> t(limit + 1, 0);
  for (uint64_t c : counts)
    if (c <= limit) ++t[c];
  return t;
}

// The arithmetic (operations and their order) is exactly that of the original
// mkn estimator, so mkn models stay byte-identical (and match lmplz).
double ClassDiscounting::Context(int n, const uint64_t* counts, size_t size, double* alpha) const {
  const std::array<double, 3>& d = d_[n - 1];
  double S = 0;
  uint64_t nk[3] = {0, 0, 0};
  for (size_t i = 0; i < size; ++i) {
    const uint64_t c = counts[i];
    if (c == 0) continue;
    S += static_cast<double>(c);
    ++nk[c >= 3 ? 2 : c - 1];
  }
  const double gamma = (d[0] * nk[0] + d[1] * nk[1] + d[2] * nk[2]) / S;
  for (size_t i = 0; i < size; ++i) {
    const uint64_t c = counts[i];
    alpha[i] = c == 0 ? 0.0 : (c - d[c >= 3 ? 2 : c - 1]) / S;
  }
  return gamma;
}

Status ClassDiscounting::SetDiscounts(int n, const std::array<double, 3>& estimate,
                                      const BuildOptions& options, int classes) {
  if (static_cast<int>(d_.size()) < n) d_.resize(n);
  std::array<double, 3> d = estimate;
  const std::string name = SmoothingName(method());
  if (static_cast<int>(options.discounts.size()) >= n && !options.discounts[n - 1].empty()) {
    const std::vector<double>& given = options.discounts[n - 1];
    if (static_cast<int>(given.size()) != classes) {
      return InvalidArgument("order " + std::to_string(n) + ": " + name + " takes " +
                             std::to_string(classes) + (classes == 1 ? " discount" : " discounts") +
                             " per order, not " + std::to_string(given.size()));
    }
    for (int k = 0; k < 3; ++k) d[k] = given[classes == 1 ? 0 : k];
  }
  for (int k = 0; k < classes; ++k) {
    const double limit = classes == 1 ? 1.0 : k + 1.0;
    if (!(d[k] >= 0.0 && d[k] <= limit)) {
      return InvalidArgument("order " + std::to_string(n) + ": discount " + FormatNumber(d[k]) +
                             " of " + name + " is outside [0, " + FormatNumber(limit) + "]");
    }
  }
  d_[n - 1] = d;
  return Status::OK();
}

void CompactModel(Model* model, const std::vector<std::vector<uint8_t>>& keep) {
  const int N = model->order();
  std::vector<EntryIndex> map_prev, map_cur;
  for (int n = 2; n <= N; ++n) {
    TrieLevel& level = model->trie.levels[n - 1];
    const size_t m = level.size();
    const bool all = static_cast<int>(keep.size()) <= n || keep[n].empty();
    if (all && map_prev.empty()) continue;  // nothing removed here or below
    std::vector<float>& lp = model->log_prob[n - 1];
    std::vector<float>* lbo = n < N ? &model->log_backoff[n - 1] : nullptr;
    map_cur.assign(m, UINT32_MAX);
    size_t j = 0;
    for (size_t i = 0; i < m; ++i) {
      if (!all && !keep[n][i]) continue;
      EntryIndex parent = level.parents[i];
      if (!map_prev.empty()) parent = map_prev[parent];
      assert(parent != UINT32_MAX);
      level.words[j] = level.words[i];
      level.parents[j] = parent;
      lp[j] = lp[i];
      if (lbo) (*lbo)[j] = (*lbo)[i];
      map_cur[i] = static_cast<EntryIndex>(j++);
    }
    level.words.resize(j);
    level.words.shrink_to_fit();
    level.parents.resize(j);
    level.parents.shrink_to_fit();
    lp.resize(j);
    lp.shrink_to_fit();
    if (lbo) {
      lbo->resize(j);
      lbo->shrink_to_fit();
    }
    if (static_cast<size_t>(n) <= model->blanks.size()) {
      // The blanks kept, renumbered (still ascending).
      std::vector<EntryIndex>& blanks = model->blanks[n - 1];
      size_t b = 0;
      for (EntryIndex i : blanks) {
        if (map_cur[i] != UINT32_MAX) blanks[b++] = map_cur[i];
      }
      blanks.resize(b);
    }
    map_prev.swap(map_cur);
  }
}

double BackoffWeight(double left, double lower_kept, double kept, double* scale) {
  *scale = 1.0;
  if (!(left > 0)) return 0.0;
  const double den = 1.0 - lower_kept;
  if (den <= 1e-9) {
    // Every word with lower-order mass was kept: nothing to back off to, so
    // the left-over mass goes to the kept words in proportion.
    if (kept > 0) *scale = (kept + left) / kept;
    return 1.0;
  }
  return left / den;
}

}  // namespace grams::estimate
