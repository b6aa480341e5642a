// The dynamic mixture on the scoring tools' command lines (grams-score,
// grams-perplexity): MODEL plus one --mix-model FILE per further model, and
// --weights W1,W2,... as grams-mix takes them (MODEL's weight first). CLI-only.
#ifndef GRAMS_TOOLS_COMMON_MIX_OPTIONS_H_
#define GRAMS_TOOLS_COMMON_MIX_OPTIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/language_model.h"

namespace grams::cli {

// "W1,W2,..." into *out: `models` numbers >= 0 (not normalized; not all 0).
// Returns kContinue or a usage error's code.
int ParseWeightList(const std::string& text, size_t models, std::vector<double>* out);

// Declares --mix-model and --weights.
void AddMixOptions(CommandLine* cl);

// MODEL alone, or the dynamic mixture (grams/mix.h, CreateMixture) of MODEL
// and the --mix-model files with --weights (default: equal). Sets *model and
// returns kContinue, or reports the error and returns its exit code.
int LoadScoringModel(const CommandLine& cl, const std::string& model_path, const LoadOptions& load,
                     const std::string& usage, std::unique_ptr<LanguageModel>* model);

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_MIX_OPTIONS_H_
