// grams-count: counts the n-grams of orders 1..N in text and writes a counts
// file (binary, docs/FORMAT.md) or its text form.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <cstdio>

#include "common/cli.h"
#include "io/temp_file.h"
#include "grams/counts.h"
#include "grams/settings.h"
#include "grams/types.h"
#include "io/file.h"

namespace grams {
namespace {

using namespace cli;

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  CommandLine cl("[options] [FILE...]",
                 "Counts every n-gram of orders 1..N in the text of FILE... (one sentence per\n"
                 "line; gzip/bzip2/xz/zstd input is read directly). Units are words split at\n"
                 "whitespace, or bytes, characters, grapheme clusters or ICU word segments\n"
                 "(--unit). No FILE, or FILE '-', reads standard input. Writes a binary\n"
                 "counts file for grams-build (it records the tokenization, which the model\n"
                 "and its scorers then apply by themselves), or with --text one\n"
                 "\"n-gram<TAB>count\" line per n-gram.");
  cl.options().add_options()
      ("order", po::value<int>()->default_value(3)->value_name("N"),
       "highest n-gram order to count, 1..255")
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "write to FILE ('-' = standard output); by default standard output, "
       "which must not be a terminal unless --text is given")
      ("unit", po::value<std::string>()->default_value("word")->value_name("UNIT"),
       "word (split at ASCII whitespace), byte, char (Unicode code point), grapheme "
       "(extended grapheme cluster), segment (ICU word segmentation, for Chinese, "
       "Japanese, Thai...; whitespace dropped, punctuation kept) or sentencepiece (the "
       "pieces of the --sp-model model, as spm_encode writes them)")
      ("sp-model", po::value<std::string>()->value_name("FILE"),
       "with --unit sentencepiece: the SentencePiece model (spm_train's FILE.model); it is "
       "recorded in the counts and the model, so scoring needs no other file")
      ("normalize", po::value<std::string>()->default_value("none")->value_name("FORM"),
       "Unicode normalization before segmentation: none, nfc or nfkc")
      ("case-fold", "fold case (Unicode full case folding) before segmentation")
      ("boundaries", po::value<std::string>()->default_value("line")->value_name("MODE"),
       "line: each line is a sentence in <s> ... </s>; none: the input is one stream "
       "whose windows slide across lines, the newline being a unit of its own")
      ("invalid", po::value<std::string>()->default_value("error")->value_name("ACTION"),
       "invalid UTF-8 with a Unicode unit (char, grapheme, segment, sentencepiece, or with "
       "--normalize/--case-fold): error (name file, line and byte offset), replace "
       "(with U+FFFD) or skip")
      ("text", "write \"w1 ... wn<TAB>count\" lines instead of a binary counts file "
               "(units that are whitespace, control characters or not UTF-8 are written "
               "escaped: <0x0A>, <sp>)")
      ("min-count", po::value<int64_t>()->value_name("N"),
       "with --text: the key gram list: only n-grams seen at least N times, most "
       "frequent first in each order")
      ("quiet,q", "show no progress (by default progress is shown when stderr is a terminal)")
      ("verbose,v", "print each stage's time and the peak memory to stderr")
      ("threads,j", po::value<int>()->default_value(0)->value_name("N"),
       "counting threads (0 = one per core); the output is the same for any N")
      ("memory,S", po::value<std::string>()->default_value("80%")->value_name("SIZE"),
       "memory budget for counting and sorting, e.g. 200M, 2G or 50% of the physical "
       "memory; beyond it sorted runs spill to the temporary directory (the output is the "
       "same)")
      ("temp-dir,T", po::value<std::string>()->value_name("DIR"),
       "directory for spilled runs (default: $TMPDIR, else /tmp); they are removed however "
       "grams-count ends")
      ("merge", "FILE... are counts files (same order and tokenization) to add together "
                "into one, as if their texts had been counted at once")
      ("top", po::value<int64_t>()->value_name("K"),
       "with --text: the key gram list: the K most frequent n-grams of each order, "
       "most frequent first");
  cl.AddPositional("input", -1);
  cl.set_epilog(
      "Examples:\n"
      "  grams-count --order 5 -o corpus.counts corpus.txt\n"
      "  grams-count --order 5 corpus.txt.zst | grams-build -o corpus.lm\n"
      "  grams-count --order 2 --text --min-count 10 corpus.txt\n"
      "  grams-count --unit char --order 3 --top 300 --text doc.txt   # a character-trigram profile\n"
      "  grams-count --unit byte --boundaries none --order 4 -o bytes.counts file.bin\n"
      "  grams-count --merge part1.counts part2.counts -o all.counts\n");
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;

  CountOptions options;
  options.order = cl.Get<int>("order");
  options.threads = cl.Get<int>("threads");
  if (options.threads < 0 || options.threads > 64) return UsageError("--threads must be between 0 and 64");
  if (int rc = ParseMemoryOptions(cl, &options.memory, &options.temp_dir); rc != kContinue)
    return rc;
  if (options.order < 1 || options.order > kMaxOrder) {
    return UsageError("--order must be between 1 and " + std::to_string(kMaxOrder) + ", not " +
                      std::to_string(options.order));
  }
  {
    auto unit = ParseUnit(cl.Get<std::string>("unit"));
    if (!unit.ok()) return UsageError("--unit: " + unit.status().message());
    options.tokenizer.unit = unit.value();
    auto normalize = ParseNormalization(cl.Get<std::string>("normalize"));
    if (!normalize.ok()) return UsageError("--normalize: " + normalize.status().message());
    options.tokenizer.normalize = normalize.value();
    options.tokenizer.case_fold = cl.Has("case-fold");
    auto boundaries = ParseBoundaries(cl.Get<std::string>("boundaries"));
    if (!boundaries.ok()) return UsageError("--boundaries: " + boundaries.status().message());
    options.tokenizer.boundaries = boundaries.value();
    auto invalid = ParseInvalidUtf8(cl.Get<std::string>("invalid"));
    if (!invalid.ok()) return UsageError("--invalid: " + invalid.status().message());
    options.tokenizer.invalid = invalid.value();
  }
  const bool text = cl.Has("text");
  for (const char* opt : {"min-count", "top"}) {
    if (cl.Has(opt) && !text) {
      return UsageError(std::string("--") + opt +
                        " applies to --text output only (grams-build needs all counts)");
    }
  }
  int64_t min_count = cl.Has("min-count") ? cl.Get<int64_t>("min-count") : 0;
  if (min_count < 0) return UsageError("--min-count must not be negative");
  int64_t top = cl.Has("top") ? cl.Get<int64_t>("top") : 0;
  if (cl.Has("top") && top < 1) return UsageError("--top must be at least 1");
  const std::string output = cl.Has("output") ? cl.Get<std::string>("output") : "-";
  if (output.empty()) return UsageError("-o needs a file name ('-' for standard output)");
  if (!text && output == "-" && io::StdoutIsTerminal()) {
    return UsageError(
        "refusing to write a binary counts file to a terminal; use -o FILE or --text");
  }
  std::vector<std::string> inputs = cl.Positional("input");
  if (inputs.empty()) inputs.push_back("-");

  const bool merge = cl.Has("merge");
  if (merge) {
    for (const char* opt :
         {"order", "unit", "normalize", "case-fold", "boundaries", "invalid", "sp-model"}) {
      if (cl.Has(opt)) {
        return UsageError(std::string("--") + opt +
                          " cannot be given with --merge: the counts files carry their own");
      }
    }
    if (cl.Positional("input").empty()) return UsageError("--merge needs the counts files to merge");
  }
  if ((options.tokenizer.unit == Unit::kSentencePiece) != cl.Has("sp-model") && !merge) {
    return UsageError(cl.Has("sp-model") ? "--sp-model applies to --unit sentencepiece only"
                                         : "--unit sentencepiece needs --sp-model FILE");
  }
  if (cl.Has("sp-model")) {
    auto sp_model = ReadSentencePieceModel(cl.Get<std::string>("sp-model"));
    if (!sp_model.ok()) return ReportError(sp_model.status());
    options.tokenizer.sp_model = std::move(sp_model).value();
  }
  ProgressDisplay progress(cl.Has("quiet"), cl.Has("verbose"));
  options.progress = progress.callback();
  Status s;
  if (text) {
    auto counts = merge ? MergeCountFiles(inputs, options) : CountFiles(inputs, options);
    if (!counts.ok()) return ReportError(counts.status());
    // --min-count N (even 1) asks for the key gram list, sorted by count.
    if (cl.Has("min-count")) min_count = std::max<int64_t>(min_count, 1);
    progress.Stage(std::string("writing ") + (output == "-" ? "<stdout>" : output));
    s = WriteCountsText(*counts, output, static_cast<Count>(min_count), static_cast<size_t>(top));
  } else {
    // Each order is written as soon as it is sorted.
    s = merge ? MergeCountFilesToFile(inputs, output, options) : CountFilesToFile(inputs, options, output);
  }
  if (!s.ok()) return ReportError(s);
  progress.Done();
  if (cl.Has("verbose") && io::TempBytesPeak() > 0) {
    std::fprintf(stderr, "%s: temporary disk peak %.1f MB in %s\n", ToolName().c_str(),
                 static_cast<double>(io::TempBytesPeak()) / 1e6,
                 options.temp_dir.empty() ? io::DefaultTempDir().c_str() : options.temp_dir.c_str());
  }
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-count", argc, argv, grams::Main); }
