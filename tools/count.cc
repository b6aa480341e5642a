// grams-count: counts the n-grams of orders 1..N in text and writes a counts
// file (binary, docs/FORMAT.md) or its text form.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/counts.h"
#include "grams/types.h"
#include "io/file.h"

namespace grams {
namespace {

using namespace cli;

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  CommandLine cl("[options] [FILE...]",
                 "Counts every n-gram of orders 1..N in the text of FILE... (one sentence per\n"
                 "line, words separated by whitespace; gzip/bzip2/xz/zstd input is read\n"
                 "directly). No FILE, or FILE '-', reads standard input. Writes a binary\n"
                 "counts file for grams-build, or with --text one \"n-gram<TAB>count\" line\n"
                 "per n-gram.");
  cl.options().add_options()
      ("order", po::value<int>()->default_value(3)->value_name("N"),
       "highest n-gram order to count, 1..255")
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "write to FILE ('-' = standard output); by default standard output, "
       "which must not be a terminal unless --text is given")
      ("text", "write \"w1 ... wn<TAB>count\" lines instead of a binary counts file")
      ("min-count", po::value<int64_t>()->value_name("N"),
       "with --text: write only n-grams seen at least N times");
  cl.AddPositional("input", -1);
  cl.set_epilog(
      "Examples:\n"
      "  grams-count --order 5 -o corpus.counts corpus.txt\n"
      "  grams-count --order 5 corpus.txt.zst | grams-build -o corpus.lm\n"
      "  grams-count --order 2 --text --min-count 10 corpus.txt | sort -t$'\\t' -k2nr\n");
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;

  CountOptions options;
  options.order = cl.Get<int>("order");
  if (options.order < 1 || options.order > kMaxOrder) {
    return UsageError("--order must be between 1 and " + std::to_string(kMaxOrder) + ", not " +
                      std::to_string(options.order));
  }
  const bool text = cl.Has("text");
  if (cl.Has("min-count") && !text) {
    return UsageError("--min-count applies to --text output only (grams-build needs all counts)");
  }
  int64_t min_count = cl.Has("min-count") ? cl.Get<int64_t>("min-count") : 0;
  if (min_count < 0) return UsageError("--min-count must not be negative");
  const std::string output = cl.Has("output") ? cl.Get<std::string>("output") : "-";
  if (output.empty()) return UsageError("-o needs a file name ('-' for standard output)");
  if (!text && output == "-" && io::StdoutIsTerminal()) {
    return UsageError(
        "refusing to write a binary counts file to a terminal; use -o FILE or --text");
  }
  std::vector<std::string> inputs = cl.Positional("input");
  if (inputs.empty()) inputs.push_back("-");

  auto counts = CountFiles(inputs, options);
  if (!counts.ok()) return ReportError(counts.status());
  Status s = text ? WriteCountsText(*counts, output, static_cast<Count>(min_count))
                  : WriteCountsFile(*counts, output);
  if (!s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-count", argc, argv, grams::Main); }
