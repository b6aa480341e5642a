// grams-convert: converts a model from one form to another: the mapped
// model file (queried where it lies, in its probing or trie layout), the
// compressed model file, or ARPA;
// a KenLM trie binary converts too.
// With --check, reads a model completely, verifying every checksum.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/files.h"
#include "grams/language_model.h"
#include "grams/model_io.h"

namespace grams {
namespace {

using namespace cli;

// The one-line summary --check prints.
std::string Summary(const std::string& path, const LanguageModel& lm) {
  return path + ": OK: order " + std::to_string(lm.order()) + ", " +
         std::to_string(lm.vocab().size()) + " words, unit " + UnitName(lm.settings().unit) + "\n";
}

// --check: reads the model completely, every checksum verified, and
// prints its summary.
int Check(const std::string& input, LoadOptions options) {
  options.verify_checksums = true;
  auto lm = LanguageModel::Load(input, options);
  if (!lm.ok()) return ReportError(lm.status());
  const std::string line = Summary(input == "-" ? "<stdin>" : input, **lm);
  std::fwrite(line.data(), 1, line.size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    if (errno == EPIPE) return kExitOk;
    return ReportError("<stdout>: write failed");
  }
  return kExitOk;
}

constexpr const char* kUsage =
    "[options] MODEL --to FORMAT -o OUTPUT\n       grams-convert --check MODEL";
constexpr const char* kDescription =
    "Converts MODEL (a grams model file, a mapped model, an ARPA file or a KenLM\n"
    "binary; ARPA may be compressed; '-' = standard input) to another form,\n"
    "written to OUTPUT\n"
    "('-' = standard output) through a temporary file renamed into place:\n"
    "  mapped  the mapped model file: uncompressed, queried where it lies;\n"
    "          grams-score and grams-perplexity map it in milliseconds, and every\n"
    "          process scoring with it shares one copy in memory. It must stay a\n"
    "          regular file, and must not be modified in place while in use:\n"
    "          replace it with mv or grams-convert. Two layouts (--layout):\n"
    "          probing, hash tables ready to probe (about 21 bytes per n-gram,\n"
    "          the fastest queries), or trie, the n-grams' trie packed (about\n"
    "          10.6 bytes per n-gram, queries about two thirds as fast)\n"
    "  model   the compressed model file, as grams-build -o writes it\n"
    "  arpa    ARPA text, as grams-build --arpa writes it\n"
    "grams-score and grams-perplexity take any of these forms. A mapped model of\n"
    "the probing layout holds hashes of the n-grams, not the n-grams: it converts\n"
    "only to mapped probing again, and the tools that need the n-grams\n"
    "(grams-predict, grams-generate, grams-mix) refuse it. A KenLM binary in the\n"
    "probing layout converts to nothing (score it as it is). A mapped model of\n"
    "the trie layout and a KenLM trie binary hold the n-grams, and convert to\n"
    "every form.";

void AddConvertOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("to", po::value<std::string>()->value_name("FORMAT"), "the form to write: mapped, model or arpa")
      ("layout", po::value<std::string>()->value_name("LAYOUT"), "with --to mapped: probing (the default) or trie")
      ("output,o", po::value<std::string>()->value_name("FILE"), "where to write it ('-' = standard output)")
      ("check", "read MODEL completely instead, verifying every checksum (a mapped model's "
                "tables included), print a one-line summary and write nothing");
  // clang-format on
  AddLenientArpaOption(cl);
  cl->AddPositional("model", 1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-convert corpus.lm --to mapped -o corpus.lmm\n"
      "  grams-convert kenlm.arpa.gz --to mapped -o kenlm.lmm\n"
      "  grams-convert corpus.lm --to mapped --layout trie -o corpus.trie.lmm\n"
      "  grams-convert kenlm.trie.bin --to arpa -o kenlm.arpa\n"
      "  grams-convert corpus.lm --to arpa -o corpus.arpa\n"
      "  grams-convert --check corpus.lmm\n");
}

// --to FORMAT -o OUTPUT: the conversion.
int Convert(const CommandLine& cl, const std::string& input) {
  if (!cl.Has("to")) return UsageError("missing --to (mapped, model or arpa)");
  if (!cl.Has("output")) return UsageError("missing -o OUTPUT");
  const std::string to = cl.Get<std::string>("to");
  const std::string output = cl.Get<std::string>("output");
  if (to != "mapped" && to != "model" && to != "arpa") {
    return UsageError("--to must be mapped, model or arpa, not '" + to + "'");
  }
  const std::string layout = cl.Has("layout") ? cl.Get<std::string>("layout") : "probing";
  if (layout != "probing" && layout != "trie") {
    return UsageError("--layout must be probing or trie, not '" + layout + "'");
  }
  if (cl.Has("layout") && to != "mapped") return UsageError("--layout goes with --to mapped");
  if (to != "arpa" && output == "-" && StdoutIsTerminal()) {
    return UsageError("refusing to write a binary model to a terminal; use -o FILE or a pipe");
  }

  if (to == "mapped" && layout == "trie") {
    // Through the model's n-grams, which a model file, ARPA, a KenLM trie
    // binary or a mapped model of the trie layout holds (the probing layout
    // does not).
    auto model = LoadModel(
        input, [](const std::string& w) { Warn(w); }, cl.Has("lenient-arpa"));
    if (!model.ok()) return ReportError(model.status());
    Status s = WriteMappedModel(*model, output, MappedLayout::kTrie);
    return s.ok() ? kExitOk : ReportError(s);
  }
  if (to == "mapped") {
    // Through the query tables: a model file or ARPA is loaded as for
    // scoring, a mapped model is mapped, and the tables are written out.
    auto lm = LanguageModel::Load(input, ModelLoadOptions(cl));
    if (!lm.ok()) return ReportError(lm.status());
    Status s = WriteMappedModel(**lm, output);
    return s.ok() ? kExitOk : ReportError(s);
  }
  auto model = LoadModel(
      input, [](const std::string& w) { Warn(w); }, cl.Has("lenient-arpa"));
  if (!model.ok()) return ReportError(model.status());
  Status s = to == "model" ? WriteModelFile(*model, output) : WriteArpa(*model, output);
  return s.ok() ? kExitOk : ReportError(s);
}

int Main(int argc, char** argv) {
  CommandLine cl(kUsage, kDescription);
  AddConvertOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  const std::vector<std::string> model_arg = cl.Positional("model");
  if (model_arg.empty()) return UsageError("missing MODEL");
  const std::string& input = model_arg[0];

  if (cl.Has("check")) {
    if (cl.Has("to") || cl.Has("output"))
      return UsageError("--check writes nothing: no --to or -o");
    return Check(input, ModelLoadOptions(cl));
  }

  return Convert(cl, input);
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) {
  return grams::cli::Run("grams-convert", argc, argv, grams::Main);
}
