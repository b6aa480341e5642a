// grams-score: scores each line of text with a model, one result line per
// input line, streaming (stops quietly when the reader of its output goes).
#include <memory>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/escape.h"
#include "grams/files.h"
#include "grams/scorer.h"

namespace grams {
namespace {

using namespace cli;

struct Format {
  bool json = false;
  bool per_token = false;
  bool escape = false;  // units other than words print escaped (grams/escape.h)
};

// Appends the result line for one scored sentence to *out.
void FormatLine(const TextScorer::LineScore& s, const Format& f, std::string* out) {
  auto word = [&](size_t i) -> std::string_view {
    return i < s.words.size() ? s.words[i] : std::string_view(kEosWord);
  };
  if (f.json) {
    out->append("{\"log10prob\":");
    AppendJsonNumber(out, s.log10_prob);
    out->append(",\"tokens\":" + std::to_string(s.tokens) + ",\"oovs\":" + std::to_string(s.oovs));
    if (f.per_token) {
      out->append(",\"tokens_detail\":[");
      for (size_t i = 0; i < s.token_log10.size(); ++i) {
        if (i) out->push_back(',');
        out->append("{\"token\":");
        // JSON strings hold any text; only bytes that are not UTF-8 (byte
        // models) need the <0xNN> escape to stay distinct.
        AppendJsonString(out, IsValidUtf8(word(i)) ? std::string(word(i)) : EscapeUnit(word(i)));
        out->append(",\"log10prob\":");
        AppendJsonNumber(out, s.token_log10[i]);
        out->append(s.token_oov[i] ? ",\"oov\":true}" : ",\"oov\":false}");
      }
      out->push_back(']');
    }
    out->append("}\n");
    return;
  }
  out->append(FormatFixed(s.log10_prob, 6));
  out->push_back('\t');
  out->append(std::to_string(s.tokens));
  out->push_back('\t');
  out->append(std::to_string(s.oovs));
  if (f.per_token) {
    for (size_t i = 0; i < s.token_log10.size(); ++i) {
      out->push_back('\t');
      if (f.escape) {
        AppendEscapedUnit(word(i), out);  // units such as "\n" or " " print as <0x0A>, <sp>
      } else {
        out->append(word(i));
      }
      out->append(s.token_oov[i] ? "=<unk>:" : "=");
      out->append(FormatFloat(s.token_log10[i]));
    }
  }
  out->push_back('\n');
}

// The options, the MODEL and FILE arguments, and the examples.
void AddScoreOptions(CommandLine* cl) {
  cl->options().add_options()
      ("per-token", "append a TOKEN=LOG10 field per token, </s> last; out-of-vocabulary "
                    "words are written TOKEN=<unk>:LOG10")
      ("json", "write one JSON object per line instead: {\"log10prob\":..,\"tokens\":..,"
               "\"oovs\":..}; with --per-token also \"tokens_detail\", one "
               "{\"token\":..,\"log10prob\":..,\"oov\":..} per token")
      ("line-buffered", "flush the output after every line (for use as a coprocess)");
  cl->AddPositional("model", 1);
  cl->AddPositional("input", -1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-score corpus.lm < sentences.txt\n"
      "  grams-score --per-token corpus.lm test.txt | head\n"
      "  grams-score --json --per-token corpus.arpa test.txt\n");
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] MODEL [FILE...]",
                 "Scores each line of FILE... (no FILE, or '-', = standard input) with MODEL, a\n"
                 "grams model file or an ARPA file, tokenized as the model was trained. Writes\n"
                 "one line per input line: \"LOG10PROB<TAB>TOKENS<TAB>OOVS\", where LOG10PROB is\n"
                 "the log10 probability of the sentence including </s>, TOKENS the number of\n"
                 "units (words, or characters, bytes... as the model was built) plus one for\n"
                 "</s>, and OOVS the number of units not in the model (scored as <unk>).\n"
                 "A model built with --boundaries none scores the input as one stream: each\n"
                 "line's units (its newline included) in the context of the lines before, no\n"
                 "</s>.");
  AddScoreOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  std::vector<std::string> model_arg = cl.Positional("model");
  if (model_arg.empty()) return UsageError("missing MODEL");
  std::vector<std::string> inputs = cl.Positional("input");
  if (inputs.empty()) inputs.push_back("-");
  Format format{cl.Has("json"), cl.Has("per-token")};

  auto model = LanguageModel::Load(model_arg[0]);
  if (!model.ok()) return ReportError(model.status());
  format.escape = UnitsNeedEscaping((*model)->settings());
  auto out = FileWriter::Open("-");
  if (!out.ok()) return ReportError(out.status());
  FileWriter& writer = **out;
  const bool flush_lines = cl.Has("line-buffered") || StdoutIsTerminal();
  // Lines are scored in batches (faster), or one by one when each line's
  // result is wanted at once (--line-buffered, or a terminal).
  ScoreTextOptions options;
  if (flush_lines) options.batch_tokens = 1;
  std::string line;
  auto write = [&](const TextScorer::LineScore& score) {
    line.clear();
    FormatLine(score, format, &line);
    writer.Write(line);
    if (flush_lines) (void)writer.Flush();
    return !writer.broken_pipe();
  };
  Status scored = ScoreText(**model, inputs, options, write);
  if (!scored.ok()) {
    (void)writer.Flush();  // the lines scored before the error
    return ReportError(scored);
  }
  if (writer.broken_pipe()) return kExitOk;
  Status s = writer.Commit();
  if (writer.broken_pipe()) return kExitOk;
  if (!s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-score", argc, argv, grams::Main); }
