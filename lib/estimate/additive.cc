// Additive smoothing (Lidstone; Laplace for K = 1), Chen & Goodman 1998,
// section 2.1 ("Additive smoothing"), with delta = K:
//
//   p_add(w|h) = (c(hw) + K) / (S(h) + K |V|)
//
// with raw counts, S(h) = sum_x c(hx) and |V| the vocabulary without <s>
// (<unk> included). At order 1 this is exact for every word. Above, a backoff
// model stores only the seen n-grams: they get exactly p_add, and the mass
// the formula gives the unseen words, K (|V| - N1+(h.)) / (S(h) + K |V|), is
// spread over them in proportion to the lower order through the backoff
// weight (the form SRILM's -addsmooth takes too): each context's
// distribution still sums to one.
#include "estimate/estimate_internal.h"

namespace grams::estimate {
namespace {

class Additive : public Smoother {
 public:
  Additive(double k, size_t vocab_size) : k_(k), v_(static_cast<double>(vocab_size - 1)) {}
  Smoothing method() const override { return Smoothing::kAdditive; }
  Status PrepareOrder(int, const std::vector<uint64_t>&) override { return Status::OK(); }

  double Context(int, const uint64_t* counts, size_t size, double* alpha) const override {
    double S = 0;
    for (size_t i = 0; i < size; ++i) S += static_cast<double>(counts[i]);
    const double total = S + k_ * v_;
    for (size_t i = 0; i < size; ++i) alpha[i] = (static_cast<double>(counts[i]) + k_) / total;
    return k_ * (v_ - static_cast<double>(size)) / total;
  }

  void AddInfo(int, Info* info) const override { info->emplace_back("add_k", FormatNumber(k_)); }

 private:
  double k_, v_;
};

}  // namespace

std::unique_ptr<Smoother> MakeAdditive(const BuildOptions& options, size_t vocab_size) {
  return std::make_unique<Additive>(options.add_k, vocab_size);
}

}  // namespace grams::estimate
