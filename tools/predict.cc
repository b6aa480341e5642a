// grams-predict: the K most likely next units after each input line (a
// prefix), exact, with their log10 probabilities (NgramPredictor::TopK).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/score_options.h"
#include "grams/escape.h"
#include "grams/files.h"
#include "grams/model_io.h"
#include "grams/predict.h"

namespace grams {
namespace {

using namespace cli;

struct Format {
  bool json = false;
  bool prob = false;
  bool escape = false;
  bool scores = false;  // Stupid Backoff: scores, not probabilities
};

void AppendUnit(const Format& f, std::string_view unit, std::string* out) {
  if (f.escape) {
    AppendEscapedUnit(unit, out);
  } else {
    out->append(unit);
  }
}

void FormatLine(const Format& f, const Vocabulary& vocab, std::string_view prefix,
                const std::vector<Prediction>& preds, std::string* out) {
  if (f.json) {
    out->append("{\"prefix\":");
    AppendJsonString(out, prefix);
    out->append(",\"predictions\":[");
    for (size_t i = 0; i < preds.size(); ++i) {
      if (i) out->push_back(',');
      out->append("{\"unit\":");
      std::string unit;
      AppendUnit(f, vocab.Word(preds[i].word), &unit);
      AppendJsonString(out, unit);
      out->append(f.scores ? ",\"log10score\":" : ",\"log10prob\":");
      AppendJsonNumber(out, preds[i].log10_prob);
      out->append(f.scores ? ",\"score\":" : ",\"prob\":");
      AppendJsonNumber(out, std::pow(10.0, static_cast<double>(preds[i].log10_prob)));
      out->push_back('}');
    }
    out->append("]}\n");
    return;
  }
  for (size_t i = 0; i < preds.size(); ++i) {
    if (i) out->push_back('\t');
    AppendUnit(f, vocab.Word(preds[i].word), out);
    out->push_back(' ');
    out->append(FormatFloat(preds[i].log10_prob));
    if (f.prob) {
      out->push_back(' ');
      out->append(FormatDouble(std::pow(10.0, static_cast<double>(preds[i].log10_prob))));
    }
  }
  out->push_back('\n');
}

constexpr const char* kDescription =
    "Predicts the next unit: for each line of FILE... (no FILE, or '-', = standard\n"
    "input), a prefix tokenized as the model was trained, prints the K most likely\n"
    "next units (words, characters, bytes... as the model was built), </s> among\n"
    "them, best first, with log10 p(unit | prefix) by the model's backoff rule (the\n"
    "number grams-score gives that unit after that prefix). The prefix starts a\n"
    "sentence (after <s>) unless --no-bos; only its last order-1 units matter.\n"
    "The result is exact (the same as scoring every unit of the vocabulary), found\n"
    "from the prefix's continuations in the model, longest context first, without\n"
    "a pass over the vocabulary. <s> is never predicted, <unk> only with --unk.\n"
    "Ties are ordered by the model's unit id.\n"
    "Text output: one line per input line, the predictions separated by tabs, each\n"
    "'UNIT LOG10PROB' ('UNIT LOG10PROB PROB' with --prob); units of non-word\n"
    "models are escaped as in ARPA files (<sp> for a space, <0x0A> for a newline).\n"
    "A Stupid Backoff model gives scores, not probabilities: they are printed the\n"
    "same way (JSON: log10score and score) after a warning.\n"
    "MODEL: a grams model file, an ARPA file or a KenLM trie binary (a mapped model\n"
    "or a probing binary does not keep its n-grams' words: convert it first).";

void AddPredictOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("top-k,k", po::value<long long>()->default_value(10)->value_name("K"),
       "how many units to print per line (at most the vocabulary)")
      ("prob", "also print each unit's probability (10^log10prob)")
      ("json", "print one JSON object per line: {\"prefix\": the line, \"predictions\": "
               "[{\"unit\", \"log10prob\", \"prob\"}...]}")
      ("no-bos", "the prefix is a fragment, not the start of a sentence (no <s> before it)")
      ("unk", "<unk> may be predicted too")
      ("line-buffered", "write each line's predictions at once (the default when standard "
                        "output is a terminal): for coprocesses");
  // clang-format on
  cl->AddPositional("model", 1);
  cl->AddPositional("input", -1);
  cl->set_epilog(
      "Examples:\n"
      "  echo 'the united' | grams-predict -k 5 corpus.lm\n"
      "  grams-predict --json --prob corpus.lm prefixes.txt\n"
      "  printf 'hello wor' | grams-predict --no-bos chars.lm\n");
}

// Answers the prefixes of `inputs` with `p` to standard output.
int PredictLines(const NgramPredictor& p, const std::vector<std::string>& inputs,
                 const TopKOptions& options, const Format& format, bool bos, bool line_buffered) {
  auto units = UnitReader::Create(p.settings(), &p.vocab());
  if (!units.ok()) return ReportError(units.status());
  auto writer = FileWriter::Open("-");
  if (!writer.ok()) return ReportError(writer.status());
  ScoreOutput out(std::move(writer).value(), line_buffered || StdoutIsTerminal());

  std::vector<WordId> ids;
  std::vector<Prediction> preds;
  std::string text;
  for (const std::string& path : inputs) {
    auto reader = TextReader::Open(path);
    if (!reader.ok()) return out.Finish(reader.status());
    std::string_view line;
    while ((*reader)->Next(&line)) {
      Status read = (*units)->Read(line, bos, &ids, (*reader)->line_offset());
      if (!read.ok()) return out.Finish(read.WithContext((*reader)->Where()));
      p.TopK(ids.data(), ids.size(), options, &preds);
      text.clear();
      FormatLine(format, p.vocab(), line, preds, &text);
      if (!out.Write(text)) return out.Finish(Status::OK());
    }
    if (!(*reader)->status().ok()) return out.Finish((*reader)->status());
  }
  return out.Finish(Status::OK());
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] MODEL [FILE...]", kDescription);
  AddPredictOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  std::vector<std::string> model_arg = cl.Positional("model");
  if (model_arg.empty()) return UsageError("missing MODEL");
  std::vector<std::string> inputs = cl.Positional("input");
  if (inputs.empty()) inputs.push_back("-");
  const long long k = cl.Get<long long>("top-k");
  if (k < 1) return UsageError("--top-k must be at least 1");
  Format format;
  format.json = cl.Has("json");
  format.prob = cl.Has("prob");
  TopKOptions options;
  options.include_unk = cl.Has("unk");
  options.k = static_cast<size_t>(k);

  auto model = LoadModel(model_arg[0]);
  if (!model.ok()) return ReportError(model.status());
  auto predictor = NgramPredictor::Create(std::move(model).value());
  if (!predictor.ok()) return ReportError(predictor.status().WithContext(model_arg[0]));
  const NgramPredictor& p = **predictor;
  format.escape = UnitsNeedEscaping(p.settings());
  format.scores = !p.IsProbabilistic();
  if (format.scores) {
    Warn(model_arg[0] +
         " is a Stupid Backoff model: the numbers are log10 scores, not "
         "probabilities");
  }
  return PredictLines(p, inputs, options, format, !cl.Has("no-bos"), cl.Has("line-buffered"));
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) {
  return grams::cli::Run("grams-predict", argc, argv, grams::Main);
}
