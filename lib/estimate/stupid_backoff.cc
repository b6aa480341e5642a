// Stupid Backoff (Brants, Popat, Xu, Och & Dean 2007, "Large Language Models
// in Machine Translation", EMNLP-CoNLL 2007, the score S), with raw counts:
//
//   S(w|h) = c(hw) / c(h)          if c(hw) > 0
//          = alpha S(w|h')          otherwise
//   S(w)   = c(w) / N               (N: tokens, every word but <s>)
//
// alpha = 0.4 as in the paper (BuildOptions::stupid_alpha). c(h) is taken as
// S(h) = sum_x c(hx), the same as the count of h for every context that can
// be followed. The scores are not normalized: they are not probabilities,
// and the model says so (info "smoothing" = "stupid"; IsProperDistribution).
// Every n-gram below the top order stores log10 alpha as its backoff, and
// the scorer (query/language_model.cc) charges alpha for a context that is
// not in the model too, as the definition does (the ARPA rule would not).
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class StupidBackoff : public Smoother {
 public:
  explicit StupidBackoff(double alpha) : alpha_(alpha) {}
  Smoothing method() const override { return Smoothing::kStupidBackoff; }
  std::optional<double> FixedBackoff() const override { return alpha_; }
  Status PrepareOrder(int, const std::vector<uint64_t>&) override { return Status::OK(); }

  double Context(int, const uint64_t* counts, size_t size, double* alpha) const override {
    RelativeFrequencies(counts, size, alpha);
    return 0.0;
  }

  void AddInfo(int, Info* info) const override {
    info->emplace_back("stupid_alpha", FormatNumber(alpha_));
  }

 private:
  double alpha_;
};

}  // namespace

std::unique_ptr<Smoother> MakeStupidBackoff(const BuildOptions& options) {
  return std::make_unique<StupidBackoff>(options.stupid_alpha);
}

}  // namespace grams::estimate
