// Absolute discounting (Ney, Essen & Kneser 1994) as Chen & Goodman 1998
// define it (section 2.6, "Absolute discounting"), on raw counts:
//
//   p_abs(w|h) = max(c(hw) - D, 0) / S(h) + (1 - lambda_h) p_abs(w|h'),
//   1 - lambda_h = D N1+(h.) / S(h)
//
// with one discount D per order, given (--discount D, BuildOptions::discounts)
// or estimated from the count-of-counts n_k of the order's raw counts:
//
//   D = n1 / (n1 + 2 n2)
//
// D <= 1 and counts >= 1, so max(c - D, 0) = c - D. The recursion ends in the
// uniform distribution over the vocabulary (without <s>). Interpolated by
// default; in backoff form the seen words keep (c - D) / S(h) and the rest
// goes to the unseen ones through the backoff weight.
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class AbsoluteDiscounting : public ClassDiscounting {
 public:
  explicit AbsoluteDiscounting(const BuildOptions& options) : options_(options) {}
  Smoothing method() const override { return Smoothing::kAbsolute; }

  Status PrepareOrder(int n, const std::vector<uint64_t>& counts) override {
    const std::vector<uint64_t> t = CountOfCounts(counts, 2);
    double d = kFallbackDiscounts[0];
    if (t[1] > 0 && t[2] > 0) {
      d = static_cast<double>(t[1]) / (static_cast<double>(t[1]) + 2.0 * t[2]);
    } else if (options_.warn && !(static_cast<int>(options_.discounts.size()) >= n &&
                                  !options_.discounts[n - 1].empty())) {
      options_.warn("cannot estimate the absolute discount of order " + std::to_string(n) +
                    " from its count-of-counts (n1, n2 = " + std::to_string(t[1]) + ", " +
                    std::to_string(t[2]) + "); using the fallback discount " + FormatNumber(d));
    }
    return SetDiscounts(n, {d, d, d}, options_, 1);
  }

  void AddInfo(int order, Info* info) const override {
    for (int n = 1; n <= order; ++n) {
      info->emplace_back("discounts." + std::to_string(n), FormatNumber(d_[n - 1][0]));
    }
  }

 private:
  const BuildOptions& options_;
};

}  // namespace

std::unique_ptr<Smoother> MakeAbsoluteDiscounting(const BuildOptions& options) {
  return std::make_unique<AbsoluteDiscounting>(options);
}

}  // namespace grams::estimate
