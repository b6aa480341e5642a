// Maximum likelihood (no smoothing): p_ML(w|h) = c(hw) / S(h), S(h) =
// sum_x c(hx) (Chen & Goodman 1998, section 2, equation for p_ML), with raw
// counts. Unseen words get probability 0 (log10 -infinity, written -99 in
// ARPA): the backoff weights are 0 except where pruning freed some mass,
// which then goes to the pruned words in proportion to the lower order.
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class MaximumLikelihood : public Smoother {
 public:
  Smoothing method() const override { return Smoothing::kMaximumLikelihood; }
  Status PrepareOrder(int, const std::vector<uint64_t>&) override { return Status::OK(); }

  double Context(int, const uint64_t* counts, size_t size, double* alpha) const override {
    RelativeFrequencies(counts, size, alpha);
    return 0.0;
  }

  void AddInfo(int, Info*) const override {}
};

}  // namespace

std::unique_ptr<Smoother> MakeMaximumLikelihood(const BuildOptions&) {
  return std::make_unique<MaximumLikelihood>();
}

}  // namespace grams::estimate
