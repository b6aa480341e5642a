// grams-build: estimates an interpolated modified Kneser-Ney model from a
// counts file (or converts an ARPA file) and writes the model file and/or ARPA.
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "io/file.h"

namespace grams {
namespace {

using namespace cli;

void PrintSummary(const Model& model) {
  for (int n = 1; n <= model.order(); ++n) {
    std::string line = "order " + std::to_string(n) + ": " +
                       std::to_string(model.trie.levels[n - 1].size()) + " n-grams";
    std::istringstream discounts(model.Info("discounts." + std::to_string(n)));
    std::string sep = ", discounts D1 D2 D3+ =";
    for (double d; discounts >> d; sep.clear()) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%s %.6g", sep.c_str(), d);
      line += buf;
    }
    std::fprintf(stderr, "%s: %s\n", ToolName().c_str(), line.c_str());
  }
}

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  CommandLine cl("[options] [COUNTS]",
                 "Estimates an interpolated modified Kneser-Ney language model from the counts\n"
                 "file COUNTS written by grams-count (no COUNTS, or '-', reads standard input,\n"
                 "so the two tools can be piped), exactly as KenLM's lmplz does by default.\n"
                 "Writes the binary model file (-o) and/or an ARPA file (--arpa). With\n"
                 "--from-arpa, reads an ARPA model instead and converts it.");
  cl.options().add_options()
      ("output,o", po::value<std::string>()->value_name("MODEL"),
       "write the binary model file to MODEL ('-' = standard output, not a terminal)")
      ("arpa", po::value<std::string>()->value_name("FILE"),
       "write the model as ARPA text to FILE ('-' = standard output)")
      ("from-arpa", po::value<std::string>()->value_name("FILE"),
       "read an ARPA model from FILE instead of estimating one from counts")
      ("verbose,v", "print the number of n-grams and the discounts of each order to stderr");
  cl.AddPositional("counts", 1);
  cl.set_epilog(
      "Examples:\n"
      "  grams-count --order 5 corpus.txt | grams-build -o corpus.lm\n"
      "  grams-build -o corpus.lm --arpa corpus.arpa corpus.counts\n"
      "  grams-build --from-arpa kenlm.arpa -o kenlm.lm\n");
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;

  const bool to_model = cl.Has("output"), to_arpa = cl.Has("arpa");
  const std::string model_path = to_model ? cl.Get<std::string>("output") : "";
  const std::string arpa_path = to_arpa ? cl.Get<std::string>("arpa") : "";
  if (!to_model && !to_arpa) return UsageError("nothing to write: give -o MODEL and/or --arpa FILE");
  if ((to_model && model_path.empty()) || (to_arpa && arpa_path.empty())) {
    return UsageError("an output file name is empty ('-' means standard output)");
  }
  if (model_path == "-" && arpa_path == "-") {
    return UsageError("-o and --arpa cannot both write to standard output");
  }
  if (model_path == "-" && io::StdoutIsTerminal()) {
    return UsageError("refusing to write a binary model file to a terminal; use -o FILE");
  }
  std::vector<std::string> positional = cl.Positional("counts");
  const bool from_arpa = cl.Has("from-arpa");
  if (from_arpa && !positional.empty()) {
    return UsageError("give either COUNTS or --from-arpa FILE, not both");
  }
  const std::string input = from_arpa ? cl.Get<std::string>("from-arpa")
                            : positional.empty() ? "-" : positional[0];
  if (!from_arpa && input == "-" && isatty(0)) {
    return UsageError("refusing to read a binary counts file from a terminal; give COUNTS or pipe one in");
  }

  Model model;
  if (from_arpa) {
    auto read = ReadArpa(input);
    if (!read.ok()) return ReportError(read.status());
    model = std::move(read).value();
  } else {
    auto counts = ReadCountsFile(input);
    if (!counts.ok()) return ReportError(counts.status());
    // Warnings are held back until the model is built: after an error
    // (say, empty counts) they would only bury it.
    std::vector<std::string> warnings;
    BuildOptions options;
    options.warn = [&warnings](const std::string& message) { warnings.push_back(message); };
    auto built = BuildModel(std::move(*counts), options);
    if (!built.ok()) return ReportError(built.status().WithContext(input == "-" ? "<stdin>" : input));
    for (const std::string& w : warnings) Warn(w);
    model = std::move(built).value();
  }
  if (cl.Has("verbose")) PrintSummary(model);

  if (to_model) {
    if (Status s = WriteModelFile(model, model_path); !s.ok()) return ReportError(s);
  }
  if (to_arpa) {
    if (Status s = WriteArpa(model, arpa_path); !s.ok()) return ReportError(s);
  }
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-build", argc, argv, grams::Main); }
