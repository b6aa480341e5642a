// grams-score: scores each line of text with a model, one result line per
// input line (or, filtering, the lines that pass; or JSON Lines documents),
// on every core, streaming (stops quietly when the reader of its output
// goes).
#include <memory>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/html_report.h"
#include "common/mix_options.h"
#include "common/score_format.h"
#include "common/score_options.h"
#include "grams/documents.h"
#include "grams/escape.h"
#include "grams/files.h"
#include "grams/scorer.h"

namespace grams {
namespace {

using namespace cli;

// --jsonl: documents in, objects (or the lines that pass) out.
int ScoreDocuments(const LanguageModel& model, const ScoreJob& job, ScoreOutput* out) {
  const SentenceFilter filter = job.filter;
  JsonlOptions jsonl = job.jsonl_options;
  jsonl.add_scores = !filter.active();
  JsonlStats stats;
  Status scored = ScoreJsonl(
      model, job.inputs, job.options, jsonl,
      [filter](const DocumentScore& d, std::string* text) { FormatDocument(d, filter, text); },
      [out](std::string_view text) { return out->Write(text); }, &stats);
  if (stats.skipped > 0) {
    Warn("skipped " + std::to_string(stats.skipped) + " malformed line" +
         (stats.skipped == 1 ? "" : "s") + " (the first: " + stats.first_skipped + ")");
  }
  return out->Finish(scored);
}

// --html: the page, and the usual lines unless the page goes to stdout.
int ScoreToHtml(const LanguageModel& model, const ScoreJob& job, ScoreOutput* out) {
  std::string title = "grams-score: " + job.model + " on";
  for (const std::string& input : job.inputs) {
    title.push_back(' ');
    title.append(InputName(input));
  }
  auto html = HtmlReport::Open(job.html, title, job.format.escape);
  if (!html.ok()) return ReportError(html.status());
  const bool lines = job.html != "-";
  std::string text;
  auto add = [&](const TextScorer::LineScore& score) {
    (*html)->Add(score);
    if (!lines) return !(*html)->broken_pipe();
    text.clear();
    FormatScore(score, job.format, &text);
    return out->Write(text);
  };
  Status scored = ScoreText(model, job.inputs, job.options, add);
  if (!scored.ok()) return out->Finish(scored);  // no page: it would be incomplete
  if ((*html)->broken_pipe()) return kExitOk;
  Status page = (*html)->Commit();
  if (!page.ok() && !(*html)->broken_pipe()) return ReportError(page);
  return out->Finish(Status::OK());
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] MODEL [FILE...]",
                 "Scores each line of FILE... (no FILE, or '-', = standard input) with MODEL, a\n"
                 "grams model file (or its mapped form), an ARPA file or a KenLM binary,\n"
                 "tokenized as the model was trained. Writes\n"
                 "one line per input line: \"LOG10PROB<TAB>TOKENS<TAB>OOVS\", where LOG10PROB is\n"
                 "the log10 probability of the sentence including </s>, TOKENS the number of\n"
                 "units (words, or characters, bytes... as the model was built) plus one for\n"
                 "</s>, and OOVS the number of units not in the model (scored as <unk>).\n"
                 "A model built with --boundaries none scores the input as one stream: each\n"
                 "line's units (its newline included) in the context of the lines before, no\n"
                 "</s>.\n"
                 "Lines are scored on every core (-j) and written in input order, the same\n"
                 "bytes for any number of threads. With a filter (--max-perplexity...) the\n"
                 "input lines that pass are written unchanged instead; with --jsonl the input\n"
                 "is JSON Lines documents, written back with their scores.\n"
                 "With --mix-model, MODEL and the --mix-model files are scored as one dynamic\n"
                 "mixture, p = sum_i weight_i p_i (see grams-mix): a unit is an OOV only when\n"
                 "no model has it, and the n-gram length of a token is the longest n-gram that\n"
                 "a model having the unit matched.");
  AddScoreOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  ScoreJob job;
  if (int rc = ParseScoreOptions(cl, &job); rc != kContinue) return rc;

  std::unique_ptr<LanguageModel> model;
  if (int rc = LoadScoringModel(cl, job.model, job.load, "grams-score [options] MODEL [FILE...]",
                                &model);
      rc != kContinue) {
    return rc;
  }
  job.format.escape = UnitsNeedEscaping(model->settings());
  auto writer = FileWriter::Open("-");
  if (!writer.ok()) return ReportError(writer.status());
  ScoreOutput out(std::move(writer).value(), job.line_buffered);
  if (job.format.color) std::fputs(ColorLegend().c_str(), stderr);

  if (job.jsonl) return ScoreDocuments(*model, job, &out);
  if (!job.html.empty()) return ScoreToHtml(*model, job, &out);
  LineFormatter format;
  if (job.filter.active()) {
    format = [filter = job.filter](const TextScorer::LineScore& s, std::string* text) {
      FormatFiltered(s, filter, text);
    };
  } else {
    format = [f = job.format](const TextScorer::LineScore& s, std::string* text) {
      FormatScore(s, f, text);
    };
  }
  Status scored = ScoreAndFormatText(*model, job.inputs, job.options, format,
                                     [&out](std::string_view text) { return out.Write(text); });
  return out.Finish(scored);
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-score", argc, argv, grams::Main); }
