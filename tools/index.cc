// grams-index: builds a suffix-array index of a corpus (tokenized as
// grams-count tokenizes it), and answers queries on it read from standard
// input: counts of n-grams of any length, continuations, infinity-gram
// probabilities and perplexity, where n-grams occur, and the longest span of
// each test line found in the corpus (a leak check).
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/count_options.h"
#include "common/index_query.h"
#include "grams/files.h"
#include "grams/index.h"
#include "grams/settings.h"

namespace grams {
namespace {

using namespace cli;

constexpr const char* kUsage = "[options] -o INDEX [FILE...]  |  --query MODE [options] INDEX...";
constexpr const char* kDescription =
    "Builds a suffix-array index of the text of FILE... (one sentence per line;\n"
    "compressed input is read directly; no FILE or '-' reads standard input),\n"
    "tokenized exactly as grams-count tokenizes it (the settings are recorded in the\n"
    "index), or answers queries on an index, one per line of standard input (or\n"
    "--input), TSV out (--json: JSON Lines). MODE is:\n"
    "  count  the count of each n-gram, of any length (QUERY, COUNT)\n"
    "  next   the units that follow each context (QUERY, TOTAL, DISTINCT, then the\n"
    "         --top most frequent as 'UNIT COUNT' fields)\n"
    "  prob   the infinity-gram probability of each unit of each line and of its </s>\n"
    "         (LINE, UNIT, PROB, LOG10PROB, SUFFIX, COUNT, CONTEXT_COUNT): the longest\n"
    "         suffix of the context seen in the corpus, SUFFIX units long\n"
    "  ppl    the same, summed: tokens, zero-probability tokens, log10 probability,\n"
    "         perplexity over the nonzero ones, and perplexity\n"
    "  where  the count and up to --limit lines (1-based) where each n-gram occurs\n"
    "  leak   for each line: its units, its longest span found in the corpus (length,\n"
    "         span, count, a corpus line holding it)\n"
    "Units never seen return 0 counts. Queries are text tokenized by the index's\n"
    "settings, or with --units printed units as grams-count --text writes them\n"
    "(<s> first and </s> last are allowed). Several INDEX, each of a part of a\n"
    "corpus (built with the same options), are queried as one index of the whole.";

// The options of both jobs, building and querying.
void AddIndexOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "build: the index file to write; queries: where answers go (default standard output)")
      ("query", po::value<std::string>()->value_name("MODE"),
       "answer queries on INDEX: count, next, prob, ppl, where or leak")
      ("input,i", po::value<std::string>()->value_name("FILE"),
       "queries: read them from FILE instead of standard input")
      ("units", "queries are space-separated units as grams-count --text prints them")
      ("json", "queries: JSON Lines out instead of TSV")
      ("top", po::value<int64_t>()->default_value(10)->value_name("K"),
       "next: the K most frequent continuations (0 = all)")
      ("limit", po::value<int64_t>()->default_value(10)->value_name("N"),
       "where: at most N line numbers per n-gram")
      ("model", po::value<std::string>()->value_name("MODEL"),
       "prob, ppl: interpolate with this n-gram model (any model grams-perplexity takes, "
       "tokenizing as the index): LAMBDA x infinity-gram + (1 - LAMBDA) x model")
      ("lambda", po::value<std::string>()->value_name("L[,LS]"),
       "with --model: the infinity-gram's weight, 0 <= L < 1; LS, for its sparse estimates "
       "(contexts always followed by the same unit), is L unless given")
      ("tune", po::value<std::string>()->value_name("DEV"),
       "with --model: choose LAMBDA maximizing the likelihood of the text DEV")
      ("timing", "queries: print the median, p90 and p99 time per query (tokenizing, "
                 "searching, formatting) to stderr")
      ("check", "queries: verify every section's checksum first (reads the whole index)")
      ("unit", po::value<std::string>()->default_value("word")->value_name("UNIT"),
       "build: word, byte, char, grapheme, segment or sentencepiece, as grams-count")
      ("sp-model", po::value<std::string>()->value_name("FILE"),
       "build, with --unit sentencepiece: the SentencePiece model")
      ("normalize", po::value<std::string>()->default_value("none")->value_name("FORM"),
       "build: Unicode normalization: none, nfc or nfkc")
      ("case-fold", "build: fold case before segmentation")
      ("boundaries", po::value<std::string>()->default_value("line")->value_name("MODE"),
       "build: line (each line a sentence; no match spans two lines) or none (one stream)")
      ("invalid", po::value<std::string>()->default_value("error")->value_name("ACTION"),
       "build: invalid UTF-8 with a Unicode unit: error, replace or skip")
      ("quiet,q", "show no progress")
      ("verbose,v", "print each stage's time and the peak memory to stderr");
  // clang-format on
  cl->AddPositional("input-files", -1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-index -o train.idx train.txt\n"
      "  echo 'of the' | grams-index --query count train.idx\n"
      "  echo 'in the' | grams-index --query next --top 5 train.idx\n"
      "  grams-index --query ppl --input test.txt train.idx\n"
      "  grams-index --query leak --input test.txt train.idx | sort -t$'\\t' -k3,3nr | head\n"
      "  grams-index --query ppl --input test.txt part.00.idx part.01.idx part.02.idx\n");
}

// Builds the index (no --query): the query options are refused.
int BuildIndexFromFiles(const CommandLine& cl, const std::vector<std::string>& files,
                        ProgressDisplay* progress) {
  for (const char* opt :
       {"input", "units", "json", "top", "limit", "check", "timing", "model", "lambda", "tune"}) {
    if (cl.Has(opt)) return UsageError(std::string("--") + opt + " applies to --query only");
  }
  if (!cl.Has("output") || cl.Get<std::string>("output").empty()) {
    return UsageError("building an index needs -o INDEX");
  }
  const std::string output = cl.Get<std::string>("output");
  if (output == "-") return UsageError("an index is mapped, not streamed: -o needs a file name");
  IndexBuildOptions options;
  if (int rc = ParseTokenizerSettings(cl, &options.tokenizer); rc != kContinue) return rc;
  options.progress = progress->callback();
  std::vector<std::string> inputs = files;
  if (inputs.empty()) inputs.push_back("-");
  if (Status s = BuildIndex(inputs, options, output); !s.ok()) return ReportError(s);
  progress->Done();
  return kExitOk;
}

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  CommandLine cl(kUsage, kDescription);
  AddIndexOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  const std::vector<std::string> files = cl.Positional("input-files");
  ProgressDisplay progress(cl.Has("quiet"), cl.Has("verbose"));
  if (cl.Has("query")) {
    QueryJob job;
    if (int rc = ParseIndexQuery(cl, files, &job); rc != kContinue) return rc;
    if (Status s = RunIndexQueries(files, job, cl.Has("check")); !s.ok()) return ReportError(s);
    return kExitOk;
  }
  return BuildIndexFromFiles(cl, files, &progress);
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-index", argc, argv, grams::Main); }
