#!/bin/bash
# Regenerates tests/unit/smoothing_expected.h from smoothing_ref.py.
set -e
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$here/../unit/smoothing_expected.h
{
cat <<'HDR'
// Expected models for tests/unit/smoothing_test.cc: every stored log10
// probability and backoff, for each smoothing method and form, on a corpus of
// fourteen words. Computed with exact fractions by a small Python script
// written from the published definitions (Chen & Goodman 1998; Brants et al.
// 2007) and the conventions of docs/ESTIMATION.md, independently of the C++
// estimator: the script defines each method's full distribution p(w | h) for
// every word and context, and *derives* each backoff weight as the ratio
// p(w | h) / p(w | h') over the words not stored after h, checking that the
// ratio is one number (that the distribution has a backoff form at all) and
// that every context sums to one. Each entry's comment gives the exact value.
#ifndef GRAMS_TESTS_UNIT_SMOOTHING_EXPECTED_H_
#define GRAMS_TESTS_UNIT_SMOOTHING_EXPECTED_H_

#include <limits>
#include <vector>

namespace grams::smoothing_expected {

constexpr double kNoBackoff = 1e300;  // the highest order has no backoff
constexpr double kInf = std::numeric_limits<double>::infinity();

struct ExpectedNgram {
  const char* ngram;
  double log_prob;
  double log_backoff;  // kNoBackoff at the highest order
};

struct ExpectedModel {
  int order;
  // Per order, the discounts recorded in info "discounts.n" (mkn: D1 D2 D3+;
  // kn, abs: D; katz: d_1 .. d_gtmax); empty for methods without any.
  std::vector<std::vector<double>> discounts;
  std::vector<ExpectedNgram> ngrams;
};

HDR
python3 "$here/smoothing_ref.py" "a b c|b a c d|a b|c a b e|d" 2>/dev/null
cat <<'FTR'

}  // namespace grams::smoothing_expected

#endif  // GRAMS_TESTS_UNIT_SMOOTHING_EXPECTED_H_
FTR
} > $out
