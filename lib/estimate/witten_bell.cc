// Witten-Bell smoothing (Witten & Bell 1991) as Chen & Goodman 1998 define it
// for n-gram models (section 2.5, "Witten-Bell smoothing"):
//
//   p_WB(w|h) = (c(hw) + N1+(h.) p_WB(w|h')) / (S(h) + N1+(h.))
//
// with raw counts c, S(h) = sum_x c(hx) and N1+(h.) the number of distinct
// words seen after h; the recursion ends in the uniform distribution over the
// vocabulary (without <s>). So, per context,
//
//   alpha(w|h) = c(hw) / (S(h) + N1+(h.)),   gamma(h) = N1+(h.) / (S(h) + N1+(h.))
//
// interpolated by default (p = alpha + gamma p(w|h')); in backoff form the
// seen words keep alpha and gamma goes to the unseen ones through the
// backoff weight.
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class WittenBell : public Smoother {
 public:
  Smoothing method() const override { return Smoothing::kWittenBell; }
  Status PrepareOrder(int, const std::vector<uint64_t>&) override { return Status::OK(); }

  double Context(int, const uint64_t* counts, size_t size, double* alpha) const override {
    double S = 0, types = 0;
    for (size_t i = 0; i < size; ++i) {
      S += static_cast<double>(counts[i]);
      if (counts[i] > 0) types += 1;
    }
    const double total = S + types;
    for (size_t i = 0; i < size; ++i) alpha[i] = static_cast<double>(counts[i]) / total;
    return types / total;
  }

  void AddInfo(int, Info*) const override {}
};

}  // namespace

std::unique_ptr<Smoother> MakeWittenBell(const BuildOptions&) {
  return std::make_unique<WittenBell>();
}

}  // namespace grams::estimate
