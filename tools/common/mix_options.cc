#include "common/mix_options.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "grams/mix.h"

namespace grams::cli {

int ParseWeightList(const std::string& text, size_t models, std::vector<double>* out) {
  out->clear();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const double w = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(w >= 0) || !std::isfinite(w)) {
      return UsageError("--weights: '" + item + "' is not a weight (a number >= 0)");
    }
    out->push_back(w);
  }
  if (out->size() != models) {
    return UsageError("--weights gives " + std::to_string(out->size()) + " weight" +
                      (out->size() == 1 ? "" : "s") + " for " + std::to_string(models) + " models");
  }
  double sum = 0;
  for (double w : *out) sum += w;
  if (!(sum > 0)) return UsageError("--weights: the weights add up to 0");
  return kContinue;
}

void AddMixOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("mix-model", po::value<std::vector<std::string>>()->value_name("FILE"),
       "score with the dynamic mixture of MODEL and FILE (repeat for more models; any model "
       "form, the same tokenizer settings): p(w | h) = sum_i weight_i p_i(w | h), as grams-mix "
       "mixes, without writing the mixture")
      ("weights,w", po::value<std::string>()->value_name("W1,W2,..."),
       "with --mix-model: the weights, MODEL's first, then the --mix-model files' in order "
       "(as grams-mix takes them; normalized to sum to 1; default: equal)");
  // clang-format on
}

int LoadScoringModel(const CommandLine& cl, const std::string& model_path, const LoadOptions& load,
                     const std::string& usage, std::unique_ptr<LanguageModel>* model) {
  if (!cl.Has("mix-model")) {
    if (cl.Has("weights")) return UsageError("--weights goes with --mix-model");
    auto lm = LanguageModel::Load(model_path, load);
    if (!lm.ok()) return ReportError(ModelLoadError(lm.status(), usage));
    *model = std::move(lm).value();
    return kContinue;
  }
  std::vector<std::string> paths = {model_path};
  for (const std::string& p : cl.Get<std::vector<std::string>>("mix-model")) paths.push_back(p);
  std::vector<double> weights(paths.size(), 1.0);
  if (cl.Has("weights")) {
    if (int rc = ParseWeightList(cl.Get<std::string>("weights"), paths.size(), &weights);
        rc != kContinue) {
      return rc;
    }
  }
  std::vector<std::shared_ptr<const LanguageModel>> members;
  for (const std::string& path : paths) {
    auto lm = LanguageModel::Load(path, load);
    if (!lm.ok()) return ReportError(ModelLoadError(lm.status(), usage));
    members.push_back(std::move(lm).value());
  }
  auto mixed = CreateMixture(std::move(members), weights, paths);
  if (!mixed.ok()) return ReportError(mixed.status());
  *model = std::move(mixed).value();
  return kContinue;
}

}  // namespace grams::cli
