// grams-perplexity: the perplexity of a model on text, with KenLM's and
// SRILM's definitions (docs/ESTIMATION.md), as text or JSON.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/mix_options.h"
#include "common/score_options.h"
#include "grams/scorer.h"

namespace grams {
namespace {

using namespace cli;

std::string FormatText(const PerplexityStats& t, const char* unit) {
  std::string out;
  auto row = [&](const char* label, const std::string& value) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "%-30s %s\n", label, value.c_str());
    out += buf;
  };
  const std::string units = std::string(unit) + "s";
  row("sentences:", std::to_string(t.sentences));
  row((units + ":").c_str(), std::to_string(t.words));
  row("OOVs:", std::to_string(t.oovs));
  row(("tokens (" + units + " + </s>):").c_str(), std::to_string(t.tokens()));
  row("total log10 probability:", FormatFixed(t.log10_prob, 4));
  row("perplexity including OOVs:", FormatFixed(t.Perplexity(), 4));
  // KenLM's "excluding OOVs" and SRILM's ppl are one formula: printed once.
  row("perplexity excluding OOVs:", FormatFixed(t.PerplexityExcludingOovs(), 4));
  row("SRILM ppl1:", FormatFixed(t.SrilmPpl1(), 4));
  row(("bits per " + std::string(unit) + ":").c_str(), FormatFixed(t.BitsPerToken(), 4));
  return out;
}

std::string FormatJson(const PerplexityStats& t, const char* unit) {
  std::string out = "{\"sentences\":" + std::to_string(t.sentences) +
                    ",\"words\":" + std::to_string(t.words) +
                    ",\"oovs\":" + std::to_string(t.oovs) +
                    ",\"tokens\":" + std::to_string(t.tokens()) + ",\"log10prob\":";
  AppendJsonNumber(&out, t.log10_prob);
  out += ",\"oov_log10prob\":";
  AppendJsonNumber(&out, t.oov_log10_prob);
  out += ",\"perplexity\":";
  AppendJsonNumber(&out, t.Perplexity());
  out += ",\"perplexity_excluding_oovs\":";
  AppendJsonNumber(&out, t.PerplexityExcludingOovs());
  out += ",\"srilm_ppl\":";
  AppendJsonNumber(&out, t.SrilmPpl());
  out += ",\"srilm_ppl1\":";
  AppendJsonNumber(&out, t.SrilmPpl1());
  out += ",\"bits_per_token\":";
  AppendJsonNumber(&out, t.BitsPerToken());
  out += ",\"unit\":\"" + std::string(unit) + "\"}\n";
  return out;
}

constexpr const char* kDescription =
    "Computes the perplexity of MODEL (a grams model file or its mapped form, an\n"
    "ARPA file or a KenLM binary) on the text of FILE... taken together (no FILE,\n"
    "or '-', = standard input), one sentence per line, tokenized as the model was\n"
    "trained. Every word and </s> is a token; a word not in the model (OOV) is\n"
    "scored as <unk>.\n"
    "  perplexity including OOVs  10^(-log10prob / tokens)   (KenLM query)\n"
    "  perplexity excluding OOVs  the same without the OOVs  (KenLM query); it is\n"
    "                             also SRILM's ppl (OOVs excluded, </s> counted:\n"
    "                             the same formula), so it is printed once\n"
    "  SRILM ppl1                 OOVs and </s> excluded\n"
    "  bits per unit              -log2 p per token (bits per character for a\n"
    "                             char model, per byte for a byte model)\n"
    "Units are words, characters, bytes... as the model was built; a model built\n"
    "with --boundaries none reads the input as one stream (one </s> at the end).\n"
    "Lines are scored on every core (-j); the figures are the same for any number\n"
    "of threads.\n"
    "With --mix-model, the perplexity of the dynamic mixture of MODEL and the\n"
    "--mix-model files, p = sum_i weight_i p_i (see grams-mix), without writing\n"
    "it: an OOV is a unit in no model (scored with each model's <unk>).";

void AddPerplexityOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("json", "print the results as one JSON object: sentences, words, oovs, tokens, "
               "log10prob, oov_log10prob, perplexity, perplexity_excluding_oovs, srilm_ppl (the "
               "same number, under SRILM's name), srilm_ppl1, bits_per_token, unit");
  // clang-format on
  AddThreadsOption(cl);
  AddLenientArpaOption(cl);
  AddTablesOption(cl);
  AddMixOptions(cl);
  cl->AddPositional("model", 1);
  cl->AddPositional("input", -1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-perplexity corpus.lm test.txt\n"
      "  grams-perplexity --json corpus.arpa < test.txt\n"
      "  grams-perplexity -j1 corpus.lm test.txt\n"
      "  grams-perplexity --mix-model general.lm --weights 0.7,0.3 in-domain.lm test.txt\n");
}

// The perplexity of `model` on the texts `inputs` taken together, printed.
int PrintPerplexity(const LanguageModel& model, const std::vector<std::string>& inputs,
                    const ScoreTextOptions& options, bool json) {
  PerplexityStats total;
  for (const std::string& path : inputs) {
    auto stats = ComputePerplexity(model, path, options);
    if (!stats.ok()) return ReportError(stats.status());
    total.Add(*stats);
  }
  const char* unit = UnitName(model.settings().unit);
  const std::string text = json ? FormatJson(total, unit) : FormatText(total, unit);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    if (errno == EPIPE) return kExitOk;
    return ReportError("<stdout>: write failed");
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] MODEL [FILE...]", kDescription);
  AddPerplexityOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  std::vector<std::string> model_arg = cl.Positional("model");
  if (model_arg.empty()) return UsageError("missing MODEL");
  std::vector<std::string> inputs = cl.Positional("input");
  if (inputs.empty()) inputs.push_back("-");
  ScoreTextOptions options;
  LoadOptions load = ModelLoadOptions(cl);
  if (int rc = ParseThreadsOption(cl, &options.threads, &load); rc != kContinue) return rc;

  std::unique_ptr<LanguageModel> model;
  if (int rc = LoadScoringModel(cl, model_arg[0], load,
                                "grams-perplexity [options] MODEL [FILE...]", &model);
      rc != kContinue) {
    return rc;
  }
  if (!model->IsProbabilistic()) {
    return ReportError(model_arg[0] +
                       (cl.Has("mix-model") ? ": the mixture's models are Stupid Backoff: they "
                                              "give scores, not probabilities, "
                                            : ": a Stupid Backoff model gives scores, not "
                                              "probabilities, ") +
                       "so it has no perplexity (grams-score still scores with it)");
  }
  return PrintPerplexity(*model, inputs, options, cl.Has("json"));
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) {
  return grams::cli::Run("grams-perplexity", argc, argv, grams::Main);
}
