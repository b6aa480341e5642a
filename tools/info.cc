// grams-info: what a file is: a counts file, a model file (compressed or
// mapped), an ARPA file or a KenLM binary. Its kind, format version, order,
// n-grams per order, vocabulary, tokenizer settings, smoothing, discounts and
// pruning, sizes, and whether it checks out (--check reads it all); or its
// vocabulary (--vocab), or one n-gram's values (--lookup).
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/escape.h"
#include "grams/files.h"
#include "grams/inspect.h"
#include "grams/model.h"

namespace grams {
namespace {

using namespace cli;

int Flush(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    if (errno == EPIPE) return kExitOk;
    return ReportError("<stdout>: write failed");
  }
  return kExitOk;
}

void AppendObject(std::string* out, const std::vector<std::pair<std::string, std::string>>& kv) {
  out->push_back('{');
  for (size_t i = 0; i < kv.size(); ++i) {
    if (i) out->append(", ");
    AppendJsonString(out, kv[i].first);
    out->append(": ");
    AppendJsonString(out, kv[i].second);
  }
  out->push_back('}');
}

std::string SummaryJson(const std::string& name, const FileSummary& s) {
  std::string o = "{\"file\": ";
  AppendJsonString(&o, name);
  o += ", \"kind\": ";
  AppendJsonString(&o, s.kind);
  o += ", \"description\": ";
  AppendJsonString(&o, s.description);
  o += ", \"format_version\": " + std::to_string(s.format_version);
  o += ", \"bytes\": " + std::to_string(s.file_bytes);
  o += ", \"order\": " + std::to_string(s.order);
  o += ", \"ngram_counts\": [";
  for (size_t n = 0; n < s.ngram_counts.size(); ++n) {
    o += (n ? ", " : "") + std::to_string(s.ngram_counts[n]);
  }
  o += "], \"vocab_size\": " + std::to_string(s.vocab_size);
  if (s.kind == "counts") {
    o += ", \"sentences\": " + std::to_string(s.sentences);
    o += ", \"tokens\": " + std::to_string(s.tokens);
  }
  o += ", \"tokenizer\": ";
  AppendObject(&o, s.settings);
  o += ", \"info\": ";
  AppendObject(&o, s.info);
  o += ", \"summary\": [";
  const std::vector<std::string> lines = DescribeModel(ModelSummary{s.ngram_counts, s.info});
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) o += ", ";
    AppendJsonString(&o, lines[i]);
  }
  o += "], \"parts\": {";
  for (size_t i = 0; i < s.parts.size(); ++i) {
    if (i) o += ", ";
    AppendJsonString(&o, s.parts[i].first);
    o += ": " + std::to_string(s.parts[i].second);
  }
  o += "}, \"checked\": ";
  o += s.checked ? "true" : "false";
  o += "}\n";
  return o;
}

std::string SummaryText(const std::string& name, const FileSummary& s) {
  std::string o;
  auto line = [&o](const std::string& key, const std::string& value) {
    o += key + ":";
    o.append(key.size() < 18 ? 18 - key.size() : 1, ' ');
    o += value + "\n";
  };
  line("file", name);
  line("kind",
       s.description +
           (s.format_version ? ", format version " + std::to_string(s.format_version) : ""));
  if (s.file_bytes > 0 || name != "<stdin>") line("bytes", std::to_string(s.file_bytes));
  for (const auto& [part, bytes] : s.parts) line("  " + part, std::to_string(bytes));
  line("order", std::to_string(s.order));
  line("vocabulary", std::to_string(s.vocab_size) + " words");
  if (s.kind == "counts") {
    line("sentences", std::to_string(s.sentences));
    line("tokens", std::to_string(s.tokens));
  }
  for (const std::string& l : DescribeModel(ModelSummary{s.ngram_counts, s.info})) {
    line("model", l);
  }
  std::string settings;
  for (const auto& [k, v] : s.settings) settings += (settings.empty() ? "" : " ") + k + "=" + v;
  line("tokenizer", settings);
  for (const auto& [k, v] : s.info) line("info", k + " = " + v);
  std::string check = "header OK (--check reads the whole file)";
  if (s.checked) {
    check = s.kind == "arpa"    ? "OK: read and parsed whole"
            : s.kind == "kenlm" ? "OK: read whole, every structure verified"
                                : "OK: read whole, every checksum verified";
  }
  line("check", check);
  return o;
}

int Vocab(const std::string& path, bool json) {
  std::string out = json ? "[" : "";
  TokenizerSettings settings;  // set before the first word is visited
  bool first = true;
  Status s = ListVocabulary(
      path,
      [&](WordId, std::string_view word) {
        if (json) {
          if (!first) out += ", ";
          AppendJsonString(&out, word);
        } else {
          if (UnitsNeedEscaping(settings)) {
            AppendEscapedUnit(word, &out);
          } else {
            out.append(word);
          }
          out.push_back('\n');
        }
        first = false;
      },
      &settings);
  if (!s.ok()) return ReportError(s);
  if (json) out += "]\n";
  return Flush(out);
}

int Lookup(const std::string& path, const std::string& name, const std::string& text, bool json) {
  std::vector<std::string> units;
  for (size_t p = 0; p < text.size();) {
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    const size_t start = p;
    while (p < text.size() && text[p] != ' ' && text[p] != '\t') ++p;
    if (p > start) units.push_back(text.substr(start, p - start));
  }
  if (units.empty()) return UsageError("--lookup needs the units of an n-gram, e.g. \"of the\"");
  // The units as given: escaped for models of other units than words, as
  // ARPA and --vocab print them.
  auto v = LookupNgram(path, units);
  if (!v.ok()) return ReportError(v.status());
  std::string shown;
  for (const std::string& u : units) shown += (shown.empty() ? "" : " ") + u;
  std::string out;
  if (json) {
    out = "{\"ngram\": ";
    AppendJsonString(&out, shown);
    out += ", \"found\": ";
    out += v->found ? "true" : "false";
    if (v->found && v->is_counts) out += ", \"count\": " + std::to_string(v->count);
    if (v->found && !v->is_counts) {
      out += ", \"log10prob\": ";
      AppendJsonNumber(&out, v->log_prob);
      out += ", \"log10backoff\": ";
      AppendJsonNumber(&out, v->log_backoff);
    }
    out += "}\n";
  } else if (v->found) {
    // The forms of the files' text: "w1 w2<TAB>count" and ARPA's
    // "log10p<TAB>w1 w2<TAB>backoff".
    out = v->is_counts
              ? shown + "\t" + std::to_string(v->count) + "\n"
              : FormatFloat(v->log_prob) + "\t" + shown + "\t" + FormatFloat(v->log_backoff) + "\n";
  }
  if (const int rc = Flush(out); rc != kExitOk) return rc;
  if (!v->found) {
    return ReportError(name + ": " + std::to_string(units.size()) + "-gram \"" + shown +
                       "\" not found");
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  CommandLine cl("[options] FILE",
                 "Describes FILE, any file grams reads: a counts file, a model file, a mapped\n"
                 "model, an ARPA file (plain or compressed) or a KenLM binary model ('-' =\n"
                 "standard input, but for a mapped model). Prints its kind and format version,\n"
                 "size, order, vocabulary size, n-grams per order, tokenizer settings, how the\n"
                 "model was made (smoothing, discounts, pruning) and whether it checks out:\n"
                 "its header is checked; --check reads the whole file and verifies every\n"
                 "checksum (of a KenLM binary, which has none, every structure).");
  // clang-format off
  cl.options().add_options()
      ("json", "print one JSON object (with --vocab, an array; with --lookup, an object)")
      ("check", "read the whole file, verifying every checksum or structure; exit 1 if it "
                "does not check out")
      ("vocab", "list the vocabulary instead, one word per line in id order (units other "
                "than words escaped, as in ARPA)")
      ("lookup", po::value<std::string>()->value_name("NGRAM"),
       "print one n-gram instead (its units separated by spaces): of a model, "
       "\"LOG10PROB<TAB>NGRAM<TAB>LOG10BACKOFF\" as in ARPA; of a counts file, "
       "\"NGRAM<TAB>COUNT\"; exit 1 if the file does not have it");
  // clang-format on
  cl.AddPositional("file", 1);
  cl.set_epilog(
      "Examples:\n"
      "  grams-info corpus.lm\n"
      "  grams-info --check --json corpus.counts\n"
      "  grams-info --vocab kenlm.bin | head\n"
      "  grams-info --lookup \"of the\" corpus.lm\n");
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  const std::vector<std::string> file = cl.Positional("file");
  if (file.empty()) return UsageError("missing FILE");
  const std::string& path = file[0];
  const std::string name = path == "-" ? "<stdin>" : path;
  const bool json = cl.Has("json");
  if (cl.Has("vocab") + cl.Has("lookup") + cl.Has("check") > 1) {
    return UsageError("--vocab, --lookup and --check are separate questions: give one");
  }
  if (cl.Has("vocab")) return Vocab(path, json);
  if (cl.Has("lookup")) return Lookup(path, name, cl.Get<std::string>("lookup"), json);
  InspectOptions options;
  options.check = cl.Has("check");
  auto summary = InspectFile(path, options);
  if (!summary.ok()) return ReportError(summary.status());
  return Flush(json ? SummaryJson(name, *summary) : SummaryText(name, *summary));
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-info", argc, argv, grams::Main); }
