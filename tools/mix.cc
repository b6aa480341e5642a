// grams-mix: linear interpolation of two or more models: weights by hand or
// by EM on a development text (EstimateMixWeights), and the mixture written
// as one static backoff model (MixModels).
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/mix_options.h"
#include "grams/files.h"
#include "grams/mix.h"
#include "grams/model_io.h"
#include "grams/predict.h"

namespace grams {
namespace {

using namespace cli;

// --weights, normalized to sum to 1 (as CreateMixture normalizes them: the
// dynamic and the static mixture get the same weights).
int ParseWeights(const std::string& text, size_t models, std::vector<double>* out) {
  if (int rc = ParseWeightList(text, models, out); rc != kContinue) return rc;
  double sum = 0;
  for (double w : *out) sum += w;
  for (double& w : *out) w /= sum;
  return kContinue;
}

std::string WeightList(const std::vector<double>& w) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) {
    if (i) s.push_back(' ');
    s.append(FormatFixed(w[i], 6));
  }
  return s;
}

// What grams-mix is asked to do.
struct MixJob {
  std::vector<std::string> paths;  // the models
  std::vector<double> weights;     // given, or where EM starts
  std::string dev;                 // EM on this text ("": no EM)
  MixEmOptions em;
  ModelOutputs outputs;
  bool write = false;  // -o or --arpa
};

int ParseMixOptions(const CommandLine& cl, MixJob* job) {
  job->paths = cl.Positional("model");
  const size_t n = job->paths.size();
  if (n < 2) return UsageError("give at least two MODELs");
  job->weights.assign(n, 1.0 / static_cast<double>(n));
  if (cl.Has("weights")) {
    if (int rc = ParseWeights(cl.Get<std::string>("weights"), n, &job->weights); rc != kContinue) {
      return rc;
    }
  }
  if (cl.Has("dev")) job->dev = cl.Get<std::string>("dev");
  ModelOutputs& outputs = job->outputs;
  if (cl.Has("output")) outputs.model_path = cl.Get<std::string>("output");
  if (cl.Has("arpa")) outputs.arpa_path = cl.Get<std::string>("arpa");
  if (outputs.model_path == "-" && outputs.arpa_path == "-") {
    return UsageError("-o and --arpa cannot both write to stdout");
  }
  job->write = !outputs.model_path.empty() || !outputs.arpa_path.empty();
  const bool dev = !job->dev.empty();
  if (!dev && !job->write) return UsageError("nothing to do: give --dev, -o or --arpa");
  if (job->write && (outputs.model_path == "-" || outputs.arpa_path == "-") && dev) {
    return UsageError("--dev prints a report on stdout: write the model to a file");
  }
  job->em.tolerance = cl.Get<double>("tolerance");
  job->em.max_iterations = cl.Get<int>("max-iterations");
  if (!(job->em.tolerance > 0)) return UsageError("--tolerance must be above 0");
  if (job->em.max_iterations < 0) return UsageError("--max-iterations must be 0 or more");
  return kContinue;
}

void Print(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

// EM on job->dev, reported as it goes; job->weights becomes the best.
int TuneOnDev(const std::vector<const NgramPredictor*>& models, MixJob* job) {
  auto scored = ScoreForMix(models, job->dev);
  if (!scored.ok()) return ReportError(scored.status());
  const MixDevScores dev_scores = std::move(scored).value();
  if (dev_scores.tokens == 0) {
    return ReportError(InputName(job->dev) + ": the development text is empty");
  }
  Print("dev: " + std::to_string(dev_scores.sentences) + " sentences, " +
        std::to_string(dev_scores.tokens) + " tokens, " + std::to_string(dev_scores.oovs) +
        " OOVs (in no model)\n");
  for (size_t i = 0; i < models.size(); ++i) {
    const double lp = dev_scores.own_log10[i];
    Print("model " + std::to_string(i + 1) + " alone (" + job->paths[i] + "): dev perplexity " +
          FormatFixed(std::pow(10.0, -lp / static_cast<double>(dev_scores.tokens)), 4) + "\n");
  }
  const MixIteration last =
      EstimateMixWeights(dev_scores, job->weights, job->em, [&](const MixIteration& it) {
        Print("iteration " + std::to_string(it.iteration) + ": weights " + WeightList(it.weights) +
              ", dev perplexity " + FormatFixed(it.perplexity, 4) + "\n");
      });
  job->weights = last.weights;
  Print("best weights: " + WeightList(job->weights) + " (dev perplexity " +
        FormatFixed(last.perplexity, 4) + ", " + std::to_string(last.iteration) +
        " iterations, tolerance " + FormatDouble(job->em.tolerance) + ")\n");
  // The same mixture, scored without writing it.
  std::string weights, others;
  for (size_t i = 0; i < models.size(); ++i) {
    if (i) {
      weights.push_back(',');
      others.append("--mix-model ").append(job->paths[i]).push_back(' ');
    }
    weights.append(FormatDouble(job->weights[i]));
  }
  Print("dynamic mixture: grams-perplexity " + others + "--weights " + weights + " " +
        job->paths[0] + "\n");
  // On equal terms: the tokens every model knows.
  uint64_t known = 0;
  auto ppl = [&](const std::vector<double>& w) {
    const double lp = MixLog10ProbKnown(dev_scores, w, &known);
    return FormatFixed(std::pow(10.0, -lp / static_cast<double>(known)), 4);
  };
  std::string line = "on the dev tokens every model knows:";
  for (size_t i = 0; i < models.size(); ++i) {
    std::vector<double> alone(models.size(), 0.0);
    alone[i] = 1.0;
    line += " model " + std::to_string(i + 1) + " " + ppl(alone) + ",";
  }
  line += " mixture " + ppl(job->weights);
  Print(line + " (" + std::to_string(known) + " tokens)\n");
  return kContinue;
}

constexpr const char* kDescription =
    "Mixes two or more models by linear interpolation: p(w | h) = sum_i\n"
    "weight_i p_i(w | h). The models must split text the same way (the same\n"
    "tokenizer settings); their vocabularies may differ (a word a model lacks has\n"
    "probability 0 there). The weights are given (--weights, normalized to sum\n"
    "to 1; default: equal) or, with --dev, estimated by EM to minimize the\n"
    "perplexity of a development text, as SRILM's compute-best-mix: one line per\n"
    "iteration with the weights and the dev perplexity, until no weight moves by\n"
    "more than --tolerance. Each model's own dev perplexity (its OOVs as its <unk>,\n"
    "as grams-perplexity computes it) is printed first.\n"
    "-o / --arpa write the mixture as one static backoff model: the union of the\n"
    "n-grams, each with the mixed probability, every context's backoff recomputed\n"
    "so that its distribution sums to 1. Those n-grams score exactly as the\n"
    "mixture; other words after a context get its backoff times the shorter\n"
    "context's probability, so the static model's perplexity differs slightly\n"
    "from the mixture's (--dev prints both).\n"
    "grams-score and grams-perplexity score with the mixture without writing it:\n"
    "MODEL1 --mix-model MODEL2 ... --weights W1,W2,... (--dev prints the line).\n"
    "Stupid Backoff models mix their scores (with --weights only: they have no\n"
    "perplexity); the result is marked as Stupid Backoff.\n"
    "MODEL: a grams model file, an ARPA file or a KenLM trie binary.";

void AddMixToolOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("weights,w", po::value<std::string>()->value_name("W1,W2,..."),
       "the weights, one per model (normalized to sum to 1); with --dev, where EM starts")
      ("dev", po::value<std::string>()->value_name("FILE"),
       "estimate the weights by EM on the development text FILE")
      ("tolerance", po::value<double>()->default_value(1e-5)->value_name("X"),
       "EM stops when no weight moves by more than X in an iteration")
      ("max-iterations", po::value<int>()->default_value(500)->value_name("N"),
       "EM stops after N iterations at most")
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "write the static mixture as a grams model file ('-' = stdout)")
      ("arpa", po::value<std::string>()->value_name("FILE"),
       "write the static mixture as ARPA ('-' = stdout)");
  // clang-format on
  cl->AddPositional("model", -1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-mix --dev dev.txt -o mixed.lm in-domain.lm general.lm\n"
      "  grams-mix --weights 0.7,0.3 --arpa mixed.arpa a.lm b.lm\n");
}

// The static mixture of `models` written to the job's outputs, with its dev
// perplexity when there is a dev text.
int WriteStaticMixture(const std::vector<const NgramPredictor*>& models, const MixJob& job) {
  auto mixed = MixModels(models, job.weights, job.paths);
  if (!mixed.ok()) return ReportError(mixed.status());
  if (!job.dev.empty()) {
    auto p = NgramPredictor::Create(*mixed, PredictorOptions());
    if (!p.ok()) return ReportError(p.status());
    std::vector<const NgramPredictor*> one = {p->get(), p->get()};
    auto scored = ScoreForMix(one, job.dev);
    if (!scored.ok()) return ReportError(scored.status());
    const double lp = MixLog10Prob(*scored, {1.0, 0.0});
    Print("static model: dev perplexity " +
          FormatFixed(std::pow(10.0, -lp / static_cast<double>(scored->tokens)), 4) + "\n");
  }
  Status written = WriteModelOutputs(*mixed, job.outputs);
  if (!written.ok()) return ReportError(written);
  return kExitOk;
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] MODEL MODEL [MODEL...]", kDescription);
  AddMixToolOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  MixJob job;
  if (int rc = ParseMixOptions(cl, &job); rc != kContinue) return rc;
  std::vector<std::unique_ptr<NgramPredictor>> owned;
  std::vector<const NgramPredictor*> models;
  for (const std::string& path : job.paths) {
    auto model = LoadModel(path);
    if (!model.ok()) return ReportError(model.status());
    auto p = NgramPredictor::Create(std::move(model).value());
    if (!p.ok()) return ReportError(p.status().WithContext(path));
    models.push_back(p->get());
    owned.push_back(std::move(p).value());
  }
  if (Status s = CheckMixable(models, job.paths); !s.ok()) return ReportError(s);
  const bool scores = !models[0]->IsProbabilistic();
  if (scores && !job.dev.empty()) {
    return ReportError(job.paths[0] +
                       ": Stupid Backoff models give scores, not probabilities: no "
                       "perplexity to minimize (give --weights)");
  }
  if (scores)
    Warn("the models are Stupid Backoff: the mixture's numbers are scores, not probabilities");
  if (!job.dev.empty()) {
    if (int rc = TuneOnDev(models, &job); rc != kContinue) return rc;
  }
  if (!job.write) return kExitOk;
  return WriteStaticMixture(models, job);
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-mix", argc, argv, grams::Main); }
