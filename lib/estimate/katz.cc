// Katz smoothing (Katz 1987) with Good-Turing discounts, as Chen & Goodman
// 1998 define it (section 2.4, "Katz smoothing"), with SRILM's count limits.
// For an n-gram seen r times (raw counts), with n_r the count-of-counts of
// its order and k = gt_max:
//
//   r*  = (r + 1) n_{r+1} / n_r                                  (Good-Turing, section 2.2)
//   d_r = (r*/r - (k+1) n_{k+1} / n_1) / (1 - (k+1) n_{k+1} / n_1)    for 1 <= r <= k
//   d_r = 1                                                      for r > k
//
// k is lowered first while n_{k+1} = 0, as SRILM's GoodTuring::estimate
// does (Discount.cc), so the discounts never use a zero n_{k+1}.
//
//   p_katz(w|h) = d_r r / S(h)                 if r = c(hw) > 0
//               = bow(h) p_katz(w|h')          otherwise
//
// S(h) = sum_x c(hx), and bow(h) makes p(.|h) sum to one. As in SRILM, the
// n-grams of order n >= 2 seen fewer than gt_min times are left out (their
// mass goes to the backoff), and a d_r outside (0, 1] (or with n_r = 0) is
// replaced by 1, no discount. With k = 1 the formula always gives d_1 = 0,
// so SRILM's default gt_max of 1 for unigrams means no unigram discount.
// Unigrams left without mass (<unk>, say) share what discounting freed. When
// a context's seen words keep all its mass (every count above k, nothing cut)
// while some words of the vocabulary are unseen in it, its denominator S(h)
// is incremented by one, as SRILM does ("incrementing denominator"), so that
// 1 / (S(h) + 1) is left for the backoff and no word gets probability 0.
#include <algorithm>
#include <cmath>

#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

uint64_t PerOrder(const std::vector<uint64_t>& values, int n, uint64_t first, uint64_t rest) {
  if (values.empty()) return n == 1 ? first : rest;
  return values[std::min<size_t>(n, values.size()) - 1];
}

class Katz : public Smoother {
 public:
  // SRILM's Prob_Epsilon: less mass than this left for backing off is none.
  static constexpr double kNoMassLeft = 3e-6;

  Katz(const BuildOptions& options, size_t vocab_size)
      : options_(options), vocab_size_(vocab_size) {}
  Smoothing method() const override { return Smoothing::kKatz; }

  uint64_t GtMin(int n) const {
    if (options_.gt_min.empty()) return n <= 2 ? 1 : 2;
    return options_.gt_min[std::min<size_t>(n, options_.gt_min.size()) - 1];
  }
  uint64_t GtMax(int n) const { return PerOrder(options_.gt_max, n, 1, 7); }
  uint64_t MinCount(int n) const override { return GtMin(n); }

  Status PrepareOrder(int n, const std::vector<uint64_t>& counts) override {
    uint64_t k = GtMax(n);
    if (static_cast<int>(d_.size()) < n) d_.resize(n);
    std::vector<double>& d = d_[n - 1];
    d.assign(k + 1, 1.0);             // d[r] for r = 0..k; d[0] unused
    if (k <= 1) return Status::OK();  // d_1 = 0 by the formula: no discount (see above)
    const std::vector<uint64_t> t = CountOfCounts(counts, k + 1);
    // As SRILM's GoodTuring::estimate: while n_{k+1} = 0, lower the cut-off k
    // (the counts above it are then not discounted) and compute the discounts
    // with the lowered k.
    const uint64_t asked = k;
    while (k > 0 && t[k + 1] == 0) --k;
    if (k != asked && options_.warn) {
      options_.warn("Good-Turing count-of-count n_" + std::to_string(asked + 1) + " of order " +
                    std::to_string(n) + " is zero: cut-off lowered from " + std::to_string(asked) +
                    " to " + std::to_string(k) + " (as SRILM)");
    }
    if (k <= 1) return Status::OK();
    const double common = (k + 1) * static_cast<double>(t[k + 1]) / static_cast<double>(t[1]);
    std::string bad;
    for (uint64_t r = 1; r <= k; ++r) {
      if (t[r] == 0) continue;
      const double ratio =
          (r + 1) * static_cast<double>(t[r + 1]) / (r * static_cast<double>(t[r]));
      const double coeff = (ratio - common) / (1.0 - common);
      if (std::isfinite(coeff) && coeff > 1e-6 && coeff <= 1.0) {
        d[r] = coeff;
      } else {
        bad += (bad.empty() ? "" : ", ") + ("d_" + std::to_string(r) + " = " + FormatNumber(coeff));
      }
    }
    if (!bad.empty() && options_.warn) {
      options_.warn("Good-Turing discounts of order " + std::to_string(n) + " out of range (" +
                    bad + "); those counts are not discounted");
    }
    return Status::OK();
  }

  double Context(int n, const uint64_t* counts, size_t size, double* alpha) const override {
    const std::vector<double>& d = d_[n - 1];
    const uint64_t k = d.size() - 1;
    const uint64_t min = n == 1 ? GtMin(1) : 0;  // higher orders: cut by the driver
    const uint64_t cut = n == 1 ? 0 : GtMin(n);  // below it the driver cuts (mass to backoff)
    double S = 0;
    size_t unseen = 0;  // words left without mass of their own here
    for (size_t i = 0; i < size; ++i) {
      S += static_cast<double>(counts[i]);
      unseen += counts[i] < std::max<uint64_t>(min, 1);
    }
    // At order 1 the children are every word but <s> (zero counts included);
    // above, only the words seen after the context, out of the V - 1 that
    // may follow it.
    if (n > 1 && size < vocab_size_ - 1) unseen += vocab_size_ - 1 - size;
    double left = 0, freed = 0;
    for (size_t i = 0; i < size; ++i) {
      const uint64_t r = counts[i];
      const double kept = r < min ? 0.0 : (r <= k ? d[r] : 1.0) * static_cast<double>(r);
      alpha[i] = kept / S;
      left += (static_cast<double>(r) - kept) / S;
      freed += r < cut ? alpha[i] : 0.0;
    }
    // As SRILM (NgramLM::estimate): a context whose seen words keep all the
    // mass (no count discounted, nothing cut) while some words are unseen in
    // it gets its denominator incremented by one, so the backoff has
    // 1 / (S + 1) to give them and no word in the vocabulary gets 0.
    if (unseen > 0 && left + freed < kNoMassLeft) {
      S += 1.0;
      left = 0;
      for (size_t i = 0; i < size; ++i) {
        const uint64_t r = counts[i];
        const double kept = r < min ? 0.0 : (r <= k ? d[r] : 1.0) * static_cast<double>(r);
        alpha[i] = kept / S;
        left += (static_cast<double>(r) - kept) / S;
      }
      left += 1.0 / S;
    }
    return left;
  }

  void AddInfo(int order, Info* info) const override {
    for (int n = 1; n <= order; ++n) {
      info->emplace_back("gt_min." + std::to_string(n), std::to_string(GtMin(n)));
      info->emplace_back("gt_max." + std::to_string(n), std::to_string(GtMax(n)));
      std::vector<double> d(d_[n - 1].begin() + 1, d_[n - 1].end());
      info->emplace_back("discounts." + std::to_string(n), FormatNumbers(d));
    }
  }

 private:
  const BuildOptions& options_;
  const size_t vocab_size_;             // V, <s> included
  std::vector<std::vector<double>> d_;  // per order, d[r] for r = 1..gt_max
};

}  // namespace

std::unique_ptr<Smoother> MakeKatz(const BuildOptions& options, size_t vocab_size) {
  return std::make_unique<Katz>(options, vocab_size);
}

}  // namespace grams::estimate
