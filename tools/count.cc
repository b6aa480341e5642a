// grams-count: counts the n-grams of orders 1..N in text and writes a counts
// file (binary, docs/FORMAT.md) or its text form.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/count_options.h"
#include "grams/counts.h"
#include "grams/files.h"
#include "grams/inspect.h"

namespace grams {
namespace {

using namespace cli;

// The counts of job.inputs (or their merge) written as job asks.
Status CountAndWrite(const CountJob& job, ProgressDisplay* progress) {
  if (job.from_text) {
    ReadCountsTextOptions read;
    read.settings = job.options.tokenizer;
    read.max_order = job.order_given ? job.options.order : 0;
    progress->Stage("reading counts text");
    auto counts = ReadCountsText(job.inputs, read);
    if (!counts.ok()) return counts.status();
    progress->Stage("writing " + OutputName(job.output));
    return job.text ? WriteCountsText(*counts, job.output, job.listing)
                    : WriteCountsFile(*counts, job.output);
  }
  if (job.join) return JoinCountSlices(job.inputs, job.output);
  if (!job.text) {
    // Each order is written as soon as it is sorted; a merge under -S reads
    // its inputs as streams.
    return job.merge ? MergeCountFilesToFile(job.inputs, job.output, job.options, job.slice)
                     : CountFilesToFile(job.inputs, job.options, job.output);
  }
  auto counts =
      job.merge ? MergeCountFiles(job.inputs, job.options) : CountFiles(job.inputs, job.options);
  if (!counts.ok()) return counts.status();
  progress->Stage("writing " + OutputName(job.output));
  return WriteCountsText(*counts, job.output, job.listing);
}

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  // One malloc arena for all threads: a merge adds to the tables on the
  // counting threads, started a chunk at a time, and with an arena each the
  // blocks the tables freed in one arena were not reused by the tables
  // growing in another (64 shards of order 5 under -S 200M, 2 threads: 210
  // to 260 MB peak and 230K page faults; with one arena 207 to 212 MB and
  // 200K, in the same time). Counting text measured the same either way.
  mallopt(M_ARENA_MAX, 1);
  CommandLine cl("[options] [FILE...]",
                 "Counts every n-gram of orders 1..N in the text of FILE... (one sentence per\n"
                 "line; gzip/bzip2/xz/zstd input is read directly). Units are words split at\n"
                 "whitespace, or bytes, characters, grapheme clusters or ICU word segments\n"
                 "(--unit). No FILE, or FILE '-', reads standard input. Writes a binary\n"
                 "counts file for grams-build (it records the tokenization, which the model\n"
                 "and its scorers then apply by themselves), or with --text one\n"
                 "\"n-gram<TAB>count\" line per n-gram; --from-text reads such lines back\n"
                 "into a counts file.");
  AddCountOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  CountJob job;
  if (int rc = ParseCountOptions(cl, &job); rc != kContinue) return rc;
  if (Status s = CheckOutputNotInput(job.output, job.inputs); !s.ok()) return ReportError(s);

  ProgressDisplay progress(cl.Has("quiet"), cl.Has("verbose"));
  job.options.progress = progress.callback();
  std::vector<std::string> warnings;  // printed after the progress line is gone
  job.options.warn = [&warnings](const std::string& w) { warnings.push_back(w); };
  const Status counted = CountAndWrite(job, &progress);
  if (counted.ok()) {
    // The summary from the file's header (a counts file written to a file),
    // read only when it will be shown.
    auto summary = !progress.shown() || job.text || job.output == "-"
                       ? StatusOr<FileSummary>(NotFoundError(""))
                       : InspectFile(job.output);
    if (summary.ok()) {
      progress.Summary(ProgressDisplay::Grouped(summary->tokens) + " tokens in " +
                       ProgressDisplay::Grouped(summary->sentences) + " sentences, " +
                       ProgressDisplay::NgramCountsText(summary->ngram_counts));
    } else {
      progress.Done();
    }
  }
  for (const std::string& w : warnings) Warn(w);
  if (!counted.ok()) return ReportError(counted);
  if (cl.Has("verbose") && TempBytesPeak() > 0) {
    const std::string& dir = job.options.temp_dir;
    std::fprintf(stderr, "%s: temporary disk peak %.1f MB in %s\n", ToolName().c_str(),
                 static_cast<double>(TempBytesPeak()) / 1e6,
                 dir.empty() ? DefaultTempDir().c_str() : dir.c_str());
  }
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-count", argc, argv, grams::Main); }
