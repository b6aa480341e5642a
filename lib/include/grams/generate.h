// Sampling text from a model (grams-generate): sentences, or the units of a
// stream model, drawn unit by unit from NgramPredictor (grams/predict.h),
// optionally after a prefix, with temperature and top-k / top-p truncation.
// Sentence i is drawn from a generator seeded by (seed, i) alone, so the
// output depends on the seed and the options only: the same bytes on every
// run and for any number of threads.
#ifndef GRAMS_GENERATE_H_
#define GRAMS_GENERATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/predict.h"
#include "grams/status.h"
#include "grams/types.h"

namespace grams {

struct GRAMS_EXPORT GenerateOptions {
  // Sentences to draw; of a stream model (boundaries = none): units.
  uint64_t count = 10;
  uint64_t seed = 1;
  // Each unit is drawn from p(w | context)^(1/temperature), renormalized:
  // below 1 sharper, above 1 flatter. > 0.
  double temperature = 1.0;
  // Draw only among the top_k likeliest units (0 = all), and among the
  // likeliest units whose probabilities add up to top_p (1 = all; the unit
  // that crosses top_p is kept). Both apply after the temperature.
  size_t top_k = 0;
  double top_p = 1.0;
  // A sentence holds at most this many units, the prefix's included (0 = no
  // limit); one that reaches it ends without </s>. Ignored for streams.
  size_t max_length = 200;
  // Text every sentence (or the stream) starts with, tokenized as the
  // model's text; its units are part of the output.
  std::string prefix;
  // Never draw <unk> (its draws are drawn again).
  bool no_unk = false;
  // Sentences are drawn on this many threads (the output does not depend
  // on it). Streams are drawn on one.
  int threads = 1;
};

// Checks the options' ranges: InvalidArgument naming the option otherwise.
GRAMS_EXPORT Status CheckGenerateOptions(const GenerateOptions& options);

// The ids of sentence `index` (without <s> and </s>; `ended` tells whether it
// drew </s>), after the prefix ids `prefix` (which it starts with).
// REQUIRES: predictor created with PredictorOptions::sampling.
GRAMS_EXPORT void GenerateSentence(const NgramPredictor& predictor, const GenerateOptions& options,
                                   const std::vector<WordId>& prefix, uint64_t index,
                                   std::vector<WordId>* ids, bool* ended);

// Draws options.count sentences (or stream units) and hands their text to
// `emit` in order: each sentence's units joined as the model's text was
// split (words by a space, other units as they are), then '\n'; a stream in
// pieces, its "\n" units as line breaks, with a final '\n' if it ended
// without one. Stops early, with OK, when emit returns false.
// REQUIRES: predictor created with PredictorOptions::sampling.
GRAMS_EXPORT Status GenerateText(const NgramPredictor& predictor, const GenerateOptions& options,
                                 const std::function<bool(std::string_view)>& emit);

}  // namespace grams

#endif  // GRAMS_GENERATE_H_
