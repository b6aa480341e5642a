// Modified Kneser-Ney (Chen & Goodman 1998, section 3 "Modified Kneser-Ney
// smoothing"), computed exactly as KenLM's lmplz does by default. The driver
// (build_model.cc) supplies adjusted counts a(g): raw at the top order and
// for n-grams starting with <s>, otherwise the number of distinct left
// extensions. With t(n,k) the count-of-counts of the adjusted counts of order
// n, the discounts are Chen & Goodman's equation (26):
//
//   Y = t(n,1) / (t(n,1) + 2 t(n,2)),   D(n,k) = k - (k+1) Y t(n,k+1) / t(n,k),  k = 1, 2, 3
//
// and for a context h (section 3, with the continuation counts of section 2.7):
//
//   alpha(w|h) = (a(hw) - D(n, a(hw))) / S(h),       S(h) = sum_x a(hx)
//   gamma(h)   = (D1 N1(h) + D2 N2(h) + D3 N3+(h)) / S(h)
//   p(w|h)     = alpha(w|h) + gamma(h) p(w|h')       (interpolated, the default)
//
// ClassDiscounting (estimate_util.cc) does the per-context arithmetic.
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class ModifiedKneserNey : public ClassDiscounting {
 public:
  explicit ModifiedKneserNey(const BuildOptions& options) : options_(options) {}
  Smoothing method() const override { return Smoothing::kModifiedKneserNey; }
  bool WantsAdjustedCounts() const override { return true; }

  Status PrepareOrder(int n, const std::vector<uint64_t>& counts) override {
    const bool given =
        static_cast<int>(options_.discounts.size()) >= n && !options_.discounts[n - 1].empty();
    return SetDiscounts(n, given ? kFallbackDiscounts : Estimate(n, counts), options_, 3);
  }

  void AddInfo(int order, Info* info) const override {
    for (int n = 1; n <= order; ++n) {
      const auto& d = d_[n - 1];
      info->emplace_back("discounts." + std::to_string(n), FormatNumbers({d[0], d[1], d[2]}));
    }
  }

 private:
  // Equation (26), or the fallback discounts when the count-of-counts cannot
  // support it (with a warning, unless it is expected: FallbackExpected).
  std::array<double, 3> Estimate(int n, const std::vector<uint64_t>& a) const {
    const std::vector<uint64_t> t = CountOfCounts(a, 4);
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
    if (options_.warn && !FallbackExpected(n, a.size())) {
      options_.warn(
          "cannot estimate the modified Kneser-Ney discounts of order " + std::to_string(n) +
          " from its count-of-counts (t1..t4 = " + std::to_string(t[1]) + ", " +
          std::to_string(t[2]) + ", " + std::to_string(t[3]) + ", " + std::to_string(t[4]) +
          "); using the fallback discounts " +
          FormatNumbers({kFallbackDiscounts[0], kFallbackDiscounts[1], kFallbackDiscounts[2]}));
    }
    return kFallbackDiscounts;
  }

  const BuildOptions& options_;
};

}  // namespace

std::unique_ptr<Smoother> MakeModifiedKneserNey(const BuildOptions& options) {
  return std::make_unique<ModifiedKneserNey>(options);
}

}  // namespace grams::estimate
