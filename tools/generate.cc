// grams-generate: sentences (or the units of a stream model) sampled from a
// model, reproducibly by --seed, with temperature and top-k / top-p
// truncation (GenerateText).
#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/cli.h"
#include "common/score_options.h"  // ScoreOutput
#include "grams/files.h"
#include "grams/generate.h"
#include "grams/model_io.h"
#include "grams/predict.h"

namespace grams {
namespace {

using namespace cli;

constexpr const char* kDescription =
    "Samples text from MODEL: --number sentences, one per line, each drawn unit by\n"
    "unit from p(unit | the units before) until </s> (or --max-length units), the\n"
    "units joined as the model's text was split (words by a space; characters,\n"
    "bytes and graphemes as they are). A model built with --boundaries none is a\n"
    "stream: --number units are drawn (fewer if </s> comes), line breaks included.\n"
    "Each draw is exact: the model's probabilities, found from the context's\n"
    "continuations without a pass over the vocabulary; --temperature, --top-k\n"
    "and --top-p reweight and truncate the distribution first.\n"
    "Sentence i is drawn from a generator seeded by --seed and i alone, so the\n"
    "same options give the same output on every run and for any -j.\n"
    "A Stupid Backoff model's scores are normalized over the vocabulary and drawn\n"
    "from as probabilities (with a warning).\n"
    "MODEL: a grams model file, an ARPA file or a KenLM trie binary.";

void AddGenerateOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("number,n", po::value<unsigned long long>()->default_value(10)->value_name("N"),
       "sentences to draw; of a stream model, units")
      ("seed", po::value<unsigned long long>()->default_value(1)->value_name("S"),
       "the seed: the same seed, the same text")
      ("temperature", po::value<double>()->default_value(1.0)->value_name("T"),
       "draw from p^(1/T), renormalized: below 1 sharper, above 1 flatter")
      ("top-k", po::value<long long>()->default_value(0)->value_name("K"),
       "draw only among the K likeliest units (0 = all)")
      ("top-p", po::value<double>()->default_value(1.0)->value_name("P"),
       "draw only among the likeliest units whose probabilities add up to P (1 = all)")
      ("prefix", po::value<std::string>()->value_name("TEXT"),
       "start every sentence (or the stream) with TEXT, tokenized as the model's text")
      ("max-length", po::value<long long>()->default_value(200)->value_name("L"),
       "end a sentence at L units (the prefix's included) if </s> has not come")
      ("no-unk", "never draw <unk>")
      ("line-buffered", "write each sentence at once (the default when standard output is a "
                        "terminal)")
      ("threads,j", po::value<int>()->default_value(1)->value_name("N"),
       "threads drawing sentences (0 = one per core); the output is the same for any N");
  // clang-format on
  cl->AddPositional("model", 1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-generate -n 5 --seed 7 corpus.lm\n"
      "  grams-generate --prefix 'the president' --top-k 40 --temperature 0.8 corpus.lm\n"
      "  grams-generate -n 2000 chars-stream.lm\n");
}

// The options into *options; kContinue, or a usage error's exit code.
int ParseGenerateOptions(const CommandLine& cl, GenerateOptions* options) {
  options->count = cl.Get<unsigned long long>("number");
  options->seed = cl.Get<unsigned long long>("seed");
  options->temperature = cl.Get<double>("temperature");
  const long long top_k = cl.Get<long long>("top-k");
  if (top_k < 0) return UsageError("--top-k must be 0 or more");
  options->top_k = static_cast<size_t>(top_k);
  options->top_p = cl.Get<double>("top-p");
  const long long max_length = cl.Get<long long>("max-length");
  if (max_length < 1) return UsageError("--max-length must be at least 1");
  options->max_length = static_cast<size_t>(max_length);
  if (cl.Has("prefix")) options->prefix = cl.Get<std::string>("prefix");
  options->no_unk = cl.Has("no-unk");
  options->threads = cl.Get<int>("threads");
  if (options->threads < 0 || options->threads > 256) {
    return UsageError("--threads must be between 0 and 256");
  }
  if (options->threads == 0)
    options->threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (Status s = CheckGenerateOptions(*options); !s.ok()) {
    const std::string m = s.message();
    return UsageError(m.find("temperature") != std::string::npos ? "--temperature must be above 0"
                      : m.find("top-p") != std::string::npos     ? "--top-p must be in (0, 1]"
                                                                 : m);
  }
  return kContinue;
}

// Draws from the model at `path` to standard output.
int Generate(const std::string& path, const GenerateOptions& options, bool line_buffered) {
  auto model = LoadModel(path);
  if (!model.ok()) return ReportError(model.status());
  PredictorOptions predictor_options;
  predictor_options.sampling = true;
  auto predictor = NgramPredictor::Create(std::move(model).value(), predictor_options);
  if (!predictor.ok()) return ReportError(predictor.status().WithContext(path));
  if (!(*predictor)->IsProbabilistic()) {
    Warn(path +
         " is a Stupid Backoff model: its scores are not probabilities; they are "
         "normalized over the vocabulary and drawn from");
  }
  auto writer = FileWriter::Open("-");
  if (!writer.ok()) return ReportError(writer.status());
  ScoreOutput out(std::move(writer).value(), line_buffered || StdoutIsTerminal());
  Status generated =
      GenerateText(**predictor, options, [&out](std::string_view text) { return out.Write(text); });
  if (!generated.ok()) generated = generated.WithContext(path);
  return out.Finish(generated);
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] MODEL", kDescription);
  AddGenerateOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  std::vector<std::string> model_arg = cl.Positional("model");
  if (model_arg.empty()) return UsageError("missing MODEL");
  GenerateOptions options;
  if (int rc = ParseGenerateOptions(cl, &options); rc != kContinue) return rc;
  return Generate(model_arg[0], options, cl.Has("line-buffered"));
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) {
  return grams::cli::Run("grams-generate", argc, argv, grams::Main);
}
