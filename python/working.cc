// Working with models from Python: Model.predict() (grams-predict),
// Model.generate() (grams-generate), the dynamic mixture grams.Mixture()
// (grams-score --mix-model) and grams.estimate_mix_weights() (grams-mix --dev).
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "model.h"
#include "self.h"

namespace grams::python {
namespace {

py::list Predict(PyModel& model, py::handle prefix, size_t k, bool bos, bool unk) {
  if (k < 1) ThrowValueError("predict: k must be at least 1");
  const NgramPredictor& p = model.Predictor();
  py::object holder;
  const std::string_view text = TextOf(prefix, &holder, "prefix");
  auto reader = Unwrap(UnitReader::Create(p.settings(), &p.vocab()), ErrorKind::kValue);
  std::vector<WordId> ids;
  Check(reader->Read(text, bos, &ids), ErrorKind::kValue);
  TopKOptions options;
  options.k = k;
  options.include_unk = unk;
  std::vector<Prediction> preds;
  {
    py::gil_scoped_release release;
    p.TopK(ids.data(), ids.size(), options, &preds);
  }
  py::list out;
  for (const Prediction& pred : preds) {
    out.append(py::make_tuple(UnitToPython(p.vocab().Word(pred.word)), pred.log10_prob));
  }
  return out;
}

py::object Generate(PyModel& model, uint64_t count, uint64_t seed, double temperature, size_t top_k,
                    double top_p, py::handle prefix, size_t max_length, bool no_unk, int threads) {
  GenerateOptions options;
  options.count = count;
  options.seed = seed;
  options.temperature = temperature;
  options.top_k = top_k;
  options.top_p = top_p;
  options.max_length = max_length;
  options.no_unk = no_unk;
  options.threads = ParseThreads(threads);
  if (!prefix.is_none()) {
    py::object holder;
    options.prefix = std::string(TextOf(prefix, &holder, "prefix"));
  }
  if (max_length < 1) ThrowValueError("generate: max_length must be at least 1");
  Check(CheckGenerateOptions(options), ErrorKind::kValue);
  const NgramPredictor& p = model.Predictor();
  std::string text;
  Status status = [&] {
    py::gil_scoped_release release;
    return GenerateText(p, options, [&text](std::string_view piece) {
      text.append(piece);
      return true;
    });
  }();
  Check(status, ErrorKind::kValue);
  if (p.settings().boundaries == Boundaries::kNone) return UnitToPython(text);
  py::list sentences;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    sentences.append(UnitToPython(std::string_view(text).substr(start, end - start)));
    start = end + 1;
  }
  return sentences;
}

std::vector<double> WeightsOr(py::handle weights, size_t n, const char* what) {
  if (weights.is_none()) return std::vector<double>(n, 1.0 / static_cast<double>(n));
  std::vector<double> w = weights.cast<std::vector<double>>();
  if (w.size() != n) {
    ThrowValueError(std::string(what) + ": " + std::to_string(w.size()) + " weights for " +
                    std::to_string(n) + " models");
  }
  return w;
}

py::dict EstimateWeights(const std::vector<std::shared_ptr<PyModel>>& models, py::handle dev,
                         py::handle start, double tolerance, int max_iterations) {
  if (models.size() < 2) ThrowValueError("estimate_mix_weights: give at least two models");
  if (!(tolerance > 0)) ThrowValueError("estimate_mix_weights: tolerance must be above 0");
  if (max_iterations < 0) ThrowValueError("estimate_mix_weights: max_iterations must be >= 0");
  std::vector<double> weights = WeightsOr(start, models.size(), "estimate_mix_weights");
  double sum = 0;
  for (double w : weights) {
    if (!(w >= 0)) ThrowValueError("estimate_mix_weights: a weight is below 0");
    sum += w;
  }
  if (!(sum > 0)) ThrowValueError("estimate_mix_weights: the weights add up to 0");
  for (double& w : weights) w /= sum;
  std::vector<const NgramPredictor*> predictors;
  std::vector<std::string> names;
  for (size_t i = 0; i < models.size(); ++i) {
    if (!models[i]) ThrowTypeError("estimate_mix_weights: every model must be a grams.Model");
    predictors.push_back(&models[i]->Predictor());
    names.push_back(models[i]->path() ? *models[i]->path() : "model " + std::to_string(i + 1));
  }
  Check(CheckMixable(predictors, names), ErrorKind::kValue);
  if (!predictors[0]->IsProbabilistic()) {
    ThrowValueError(
        "estimate_mix_weights: Stupid Backoff models give scores, not probabilities: no "
        "perplexity to minimize");
  }
  const std::string path = PathOf(dev, "dev");
  MixEmOptions options;
  options.tolerance = tolerance;
  options.max_iterations = max_iterations;
  std::vector<MixIteration> history;
  MixIteration last;
  uint64_t tokens = 0;
  Status status = [&]() -> Status {
    py::gil_scoped_release release;
    auto scored = ScoreForMix(predictors, path);
    if (!scored.ok()) return scored.status();
    tokens = scored->tokens;
    if (tokens > 0) {
      last = EstimateMixWeights(*scored, weights, options,
                                [&history](const MixIteration& it) { history.push_back(it); });
    }
    return Status::OK();
  }();
  Check(status, ErrorKind::kFile);
  if (tokens == 0) ThrowValueError(path + ": the development text is empty");
  py::list iterations;
  for (const MixIteration& it : history) {
    iterations.append(py::make_tuple(py::cast(it.weights), it.perplexity));
  }
  py::dict out;
  out["weights"] = py::cast(last.weights);
  out["perplexity"] = last.perplexity;
  out["iterations"] = last.iteration;
  out["history"] = iterations;
  out["tokens"] = tokens;
  return out;
}

}  // namespace

void RegisterWorking(py::module_& m, py::class_<PyModel, std::shared_ptr<PyModel>>& model) {
  model
      .def(
          "predict",
          [](Self<PyModel> self, py::handle prefix, size_t k, bool bos, bool unk) {
            return Predict(*self, prefix, k, bos, unk);
          },
          py::arg("prefix"), py::arg("k") = 10, py::arg("bos") = true, py::arg("unk") = false,
          "The k most likely next units after `prefix` (str or bytes, tokenized as the\n"
          "model's text; after <s> unless bos=False), best first, as (unit, log10 p) pairs,\n"
          "'</s>' among them: exactly grams-predict's (ties by unit id). <unk> only with\n"
          "unk=True. For a Stupid Backoff model the numbers are log10 scores. The model is\n"
          "read again in trie form on the first call (kept).")
      .def(
          "generate",
          [](Self<PyModel> self, uint64_t n, uint64_t seed, double temperature, size_t top_k,
             double top_p, py::handle prefix, size_t max_length, bool no_unk, int threads) {
            return Generate(*self, n, seed, temperature, top_k, top_p, prefix, max_length, no_unk,
                            threads);
          },
          py::arg("n") = 10, py::kw_only(), py::arg("seed") = 1, py::arg("temperature") = 1.0,
          py::arg("top_k") = 0, py::arg("top_p") = 1.0, py::arg("prefix") = py::none(),
          py::arg("max_length") = 200, py::arg("no_unk") = false, py::arg("threads") = 1,
          "Samples n sentences (a list of str, the units joined as the model's text was\n"
          "split), or of a stream model n units (one str), as grams-generate with the same\n"
          "options prints them: the same seed gives the same text, for any threads.")
      .def_property_readonly(
          "mix_weights", [](Self<PyModel> self) { return MixtureWeights(self->lm()); },
          "The normalized weights of a dynamic mixture (grams.Mixture); [] for any other\n"
          "model.")
      .def_property_readonly(
          "mix_models",
          [](Self<PyModel> self) {
            py::list out;
            for (const auto& member : self->members()) out.append(py::cast(member));
            return out;
          },
          "The models of a dynamic mixture, in order; [] for any other model.");

  m.def(
      "Mixture",
      [](const std::vector<std::shared_ptr<PyModel>>& models, py::handle weights) {
        if (models.empty()) ThrowValueError("Mixture: give at least one model");
        return PyModel::FromMixture(models, WeightsOr(weights, models.size(), "Mixture"));
      },
      py::arg("models"), py::arg("weights") = py::none(),
      "A dynamic mixture of models: a Model whose p(w | h) is sum_i weight_i p_i(w | h), as\n"
      "grams-score --mix-model scores (weights normalized to sum to 1; default equal). The\n"
      "models must split text the same way; a unit is an OOV only when no model has it.\n"
      "score(), perplexity(), evaluate(), full_scores() and the State API work on it;\n"
      "lookup(), save(), predict() and generate() do not (write the static mixture with\n"
      "grams-mix -o for those).");
  m.def(
      "estimate_mix_weights",
      [](const std::vector<std::shared_ptr<PyModel>>& models, py::handle dev, py::handle weights,
         double tolerance, int max_iterations) {
        return EstimateWeights(models, dev, weights, tolerance, max_iterations);
      },
      py::arg("models"), py::arg("dev"), py::arg("weights") = py::none(),
      py::arg("tolerance") = 1e-5, py::arg("max_iterations") = 500,
      "The mixture weights that minimize the perplexity of the text file `dev`, by EM from\n"
      "`weights` (default equal), as grams-mix --dev: a dict with 'weights', 'perplexity'\n"
      "(the dev perplexity under them), 'iterations', 'tokens' and 'history' (a list of\n"
      "(weights, perplexity), iteration 0 first).");
}

}  // namespace grams::python
