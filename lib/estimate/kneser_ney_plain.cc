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
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class KneserNey : public ClassDiscounting {
 public:
  explicit KneserNey(const BuildOptions& options) : options_(options) {}
  Smoothing method() const override { return Smoothing::kKneserNey; }
  bool WantsAdjustedCounts() const override { return true; }

  Status PrepareOrder(int n, const std::vector<uint64_t>& counts) override {
    const std::vector<uint64_t> t = CountOfCounts(counts, 2);
    double d = kFallbackDiscounts[0];
    if (t[1] > 0 && t[2] > 0) {
      d = static_cast<double>(t[1]) / (static_cast<double>(t[1]) + 2.0 * t[2]);
    } else if (options_.warn && !(static_cast<int>(options_.discounts.size()) >= n &&
                                  !options_.discounts[n - 1].empty())) {
      options_.warn("cannot estimate the Kneser-Ney discount of order " + std::to_string(n) +
                    " from its count-of-counts (t1, t2 = " + std::to_string(t[1]) + ", " +
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

std::unique_ptr<Smoother> MakeKneserNey(const BuildOptions& options) {
  return std::make_unique<KneserNey>(options);
}

}  // namespace grams::estimate
