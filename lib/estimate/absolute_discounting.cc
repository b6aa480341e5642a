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
//
// Kneser-Ney smoothing with one discount per order (Kneser & Ney 1995 as
// Chen & Goodman 1998 present it in section 2.7, interpolated by default).
// It is modified Kneser-Ney (kneser_ney.cc) with D1 = D2 = D3+ = D: the same
// adjusted counts a(g), and for a context h
//
//   alpha(w|h) = (a(hw) - D(n)) / S(h),      gamma(h) = D(n) N1+(h) / S(h)
//   p(w|h)     = alpha(w|h) + gamma(h) p(w|h')
//
// with the discount of Ney, Essen & Kneser (1994) that Chen & Goodman give for
// absolute discounting and Kneser-Ney (section 2.6, "Absolute discounting"):
//
//   D(n) = t(n,1) / (t(n,1) + 2 t(n,2)),   t(n,k) the count-of-counts of the adjusted counts.
//
// Running it through the same ClassDiscounting code makes kn and mkn with
// the same discounts agree bit for bit.
//
// The two methods differ only in the counts they discount (raw counts for
// absolute discounting, adjusted counts for Kneser-Ney), so one class serves
// both.
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class OneDiscount : public ClassDiscounting {
 public:
  // `what` names the discount in warnings; `counts` the count-of-counts.
  OneDiscount(const BuildOptions& options, Smoothing method, bool adjusted, const char* what,
              const char* counts)
      : options_(options), method_(method), adjusted_(adjusted), what_(what), counts_(counts) {}
  Smoothing method() const override { return method_; }
  bool WantsAdjustedCounts() const override { return adjusted_; }

  Status PrepareOrder(int n, const std::vector<uint64_t>& counts) override {
    const std::vector<uint64_t> t = CountOfCounts(counts, 2);
    double d = kFallbackDiscounts[0];
    if (t[1] > 0 && t[2] > 0) {
      d = static_cast<double>(t[1]) / (static_cast<double>(t[1]) + 2.0 * t[2]);
    } else if (options_.warn && !FallbackExpected(n, counts.size()) &&
               !(static_cast<int>(options_.discounts.size()) >= n &&
                 !options_.discounts[n - 1].empty())) {
      options_.warn(std::string("cannot estimate the ") + what_ + " of order " + std::to_string(n) +
                    " from its count-of-counts (" + counts_ + " = " + std::to_string(t[1]) + ", " +
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
  const Smoothing method_;
  const bool adjusted_;
  const char* what_;
  const char* counts_;
};

}  // namespace

std::unique_ptr<Smoother> MakeAbsoluteDiscounting(const BuildOptions& options) {
  return std::make_unique<OneDiscount>(options, Smoothing::kAbsolute, /*adjusted=*/false,
                                       "absolute discount", "n1, n2");
}

std::unique_ptr<Smoother> MakeKneserNey(const BuildOptions& options) {
  return std::make_unique<OneDiscount>(options, Smoothing::kKneserNey, /*adjusted=*/true,
                                       "Kneser-Ney discount", "t1, t2");
}

}  // namespace grams::estimate
