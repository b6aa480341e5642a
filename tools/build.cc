// grams-build: estimates a language model from a counts file (interpolated
// modified Kneser-Ney by default, or another smoothing method), optionally
// pruned or with a limited vocabulary, or converts an ARPA file; writes the
// model file and/or ARPA.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/build_options.h"
#include "common/cli.h"
#include "grams/build.h"
#include "grams/files.h"

namespace grams {
namespace {

using namespace cli;

// What the command line asks for.
struct Job {
  std::string input;  // counts file, or the ARPA file with --from-arpa
  bool from_arpa = false;
  ModelOutputs outputs;
  BuildOptions options;
};

// -o and --arpa into *out. Returns kContinue or the exit code.
int ParseOutputs(const CommandLine& cl, ModelOutputs* out) {
  if (cl.Has("output")) out->model_path = cl.Get<std::string>("output");
  if (cl.Has("arpa")) out->arpa_path = cl.Get<std::string>("arpa");
  if (!cl.Has("output") && !cl.Has("arpa"))
    return UsageError("nothing to write: give -o MODEL and/or --arpa FILE");
  if ((cl.Has("output") && out->model_path.empty()) || (cl.Has("arpa") && out->arpa_path.empty()))
    return UsageError("an output file name is empty ('-' means standard output)");
  if (out->model_path == "-" && out->arpa_path == "-")
    return UsageError("-o and --arpa cannot both write to standard output");
  if (out->model_path == "-" && StdoutIsTerminal())
    return UsageError("refusing to write a binary model file to a terminal; use -o FILE");
  return kContinue;
}

// The outputs, the input and the options into *job, each usage error in the
// order grams-build has always reported them; then the files the options name
// (--discounts, --vocab). Returns kContinue or the exit code.
int ParseJob(const CommandLine& cl, Job* job) {
  if (int rc = ParseOutputs(cl, &job->outputs); rc != kContinue) return rc;
  std::vector<std::string> positional = cl.Positional("counts");
  if (int rc = ParseBuildOptions(cl, &job->options, &positional); rc != kContinue) return rc;
  job->from_arpa = cl.Has("from-arpa");
  if (job->from_arpa && !positional.empty())
    return UsageError("give either COUNTS or --from-arpa FILE, not both");
  for (const char* option :
       {"smoothing", "interpolate", "backoff", "discount", "discounts", "gt-min", "gt-max", "add-k",
        "stupid-alpha", "prune", "vocab", "max-vocab", "tune"}) {
    if (job->from_arpa && cl.Has(option))
      return UsageError(std::string("--") + option + " needs COUNTS, not --from-arpa");
  }
  if (cl.Has("lenient-arpa") && !job->from_arpa) {
    return UsageError("--lenient-arpa goes with --from-arpa");
  }
  job->options.lenient_arpa = cl.Has("lenient-arpa");
  job->input = job->from_arpa       ? cl.Get<std::string>("from-arpa")
               : positional.empty() ? "-"
                                    : positional[0];
  if (!job->from_arpa && job->input == "-" && StdinIsTerminal()) {
    return UsageError(
        "refusing to read a binary counts file from a terminal; give COUNTS or pipe one in");
  }
  BuildOptions& o = job->options;
  if (int rc = ParseMemoryOptions(cl, &o.memory, &o.temp_dir); rc != kContinue) return rc;
  o.threads = cl.Get<int>("threads");
  if (o.threads < 0 || o.threads > 64) return UsageError("--threads must be between 0 and 64");
  o.limit_vocab = cl.Has("vocab");  // the list itself is read below
  if (cl.Has("tune")) o.tune_text = cl.Get<std::string>("tune");
  const char* whole =
      job->from_arpa ? "--from-arpa" : WholeCountsOption(WhyCountsLoadedWhole(o, job->outputs));
  if (*whole && (cl.Has("memory") || cl.Has("temp-dir")))
    Warn(std::string("-S and -T do not apply with ") + whole +
         ", which loads the whole model in memory");
  if (cl.Has("discounts")) {
    auto d = ReadDiscountsFile(cl.Get<std::string>("discounts"));
    if (!d.ok()) return ReportError(d.status());
    o.discounts = std::move(d).value();
  }
  if (o.limit_vocab) {
    auto words = ReadVocabularyFile(cl.Get<std::string>("vocab"));
    if (!words.ok()) return ReportError(words.status());
    o.vocab = std::move(words).value();
  }
  return kContinue;
}

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  CommandLine cl("[options] [COUNTS]",
                 "Estimates a language model from the counts file COUNTS written by grams-count\n"
                 "(no COUNTS, or '-', reads standard input, so the two tools can be piped).\n"
                 "The default is interpolated modified Kneser-Ney exactly as KenLM's lmplz\n"
                 "computes it; --smoothing chooses another method. Writes the binary model file\n"
                 "(-o) and/or an ARPA file (--arpa). With --from-arpa, reads an ARPA model\n"
                 "instead and converts it (optionally entropy-pruned). The counts are streamed\n"
                 "within the memory budget -S (count pruning too), unless --arpa, --tune,\n"
                 "entropy pruning, a vocabulary limit (or --prune at order 1) or katz needs\n"
                 "them in memory.");
  AddBuildOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  Job job;
  if (int rc = ParseJob(cl, &job); rc != kContinue) return rc;
  for (const std::string* out : {&job.outputs.model_path, &job.outputs.arpa_path}) {
    if (Status s = CheckOutputNotInput(*out, {job.input}); !s.ok()) return ReportError(s);
  }
  BuildOptions& options = job.options;
  const bool verbose = cl.Has("verbose");
  const bool streamed =
      !job.from_arpa && WhyCountsLoadedWhole(options, job.outputs) == WholeCountsReason::kNone;
  ProgressDisplay progress(cl.Has("quiet"), verbose);
  options.progress = progress.callback();
  // Warnings are held back until the model is built: after an error (say,
  // empty counts) they would only bury it.
  std::vector<std::string> warnings;
  auto flush_warnings = [&warnings] {
    for (const std::string& w : warnings) Warn(w);
    warnings.clear();
  };
  options.warn = [&warnings](const std::string& w) { warnings.push_back(w); };
  options.on_tuned = [&](const TuneResult& t) {
    PrintTuneReport(options.tune_text, t);
    flush_warnings();
  };
  options.on_built = [&](const ModelSummary& summary) {
    // The streamed model is already written: its stage ends before the
    // warnings; an in-memory one's estimation stage ends after them.
    if (streamed) progress.Done();
    flush_warnings();
    progress.Summary("a model of " + ProgressDisplay::NgramCountsText(summary.ngram_counts));
    if (!verbose) return;
    for (const std::string& line : DescribeModel(summary))
      std::fprintf(stderr, "%s: %s\n", ToolName().c_str(), line.c_str());
    if (streamed && TempBytesPeak() > 0) {
      std::fprintf(stderr, "%s: temporary files: peak %.1f MB\n", ToolName().c_str(),
                   static_cast<double>(TempBytesPeak()) / 1e6);
    }
  };
  auto built = job.from_arpa ? ConvertArpa(job.input, options, job.outputs)
                             : BuildModelFromCounts(job.input, options, job.outputs);
  if (!built.ok()) return ReportError(built.status());
  progress.Done();
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-build", argc, argv, grams::Main); }
