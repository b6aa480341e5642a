// grams-build: estimates a language model from a counts file (interpolated
// modified Kneser-Ney by default, or another smoothing method), optionally
// pruned or with a limited vocabulary, or converts an ARPA file; writes the
// model file and/or ARPA.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/counts.h"
#include "grams/model.h"
#include "io/file.h"
#include "io/temp_file.h"

namespace grams {
namespace {

using namespace cli;

std::string Rounded(const std::string& numbers) {
  std::istringstream in(numbers);
  std::string out;
  for (double d; in >> d;) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s%.6g", out.empty() ? "" : " ", d);
    out += buf;
  }
  return out;
}

void PrintSummary(const ModelSummary& model) {
  const std::string smoothing = model.Info("smoothing");
  if (!smoothing.empty()) {
    std::string line = "smoothing " + smoothing;
    if (smoothing == "mkn" && model.Info("form").empty()) line += " (interpolated)";
    if (!model.Info("form").empty()) line += " (" + model.Info("form") + ")";
    if (!model.Info("add_k").empty()) line += ", k = " + Rounded(model.Info("add_k"));
    if (!model.Info("stupid_alpha").empty())
      line += ", alpha = " + Rounded(model.Info("stupid_alpha"));
    if (!model.Info("prune").empty()) line += ", count pruning " + model.Info("prune");
    if (!model.Info("prune_entropy").empty())
      line += ", entropy pruning " + Rounded(model.Info("prune_entropy"));
    std::fprintf(stderr, "%s: %s\n", ToolName().c_str(), line.c_str());
  }
  for (int n = 1; n <= model.order(); ++n) {
    const std::string suffix = "." + std::to_string(n);
    std::string line = "order " + std::to_string(n) + ": " +
                       std::to_string(model.ngram_counts[n - 1]) + " n-grams";
    if (!model.Info("counted" + suffix).empty())
      line += " (of " + model.Info("counted" + suffix) + ")";
    if (!model.Info("gt_min" + suffix).empty()) {
      line +=
          ", gt-min " + model.Info("gt_min" + suffix) + ", gt-max " + model.Info("gt_max" + suffix);
    }
    const std::string d = model.Info("discounts" + suffix);
    if (!d.empty()) {
      if (smoothing == "mkn") {
        line += ", discounts D1 D2 D3+ = " + Rounded(d);
      } else if (smoothing == "katz") {
        line += ", discounts d1.. = " + Rounded(d);
      } else {
        line += ", discount D = " + Rounded(d);
      }
    }
    std::fprintf(stderr, "%s: %s\n", ToolName().c_str(), line.c_str());
  }
}

// Multi-value options ("--prune 0 0 1"): numbers, also separated by commas.
// A trailing value that is not a number is the COUNTS argument that the option
// swallowed; it is handed back in *rest.
bool ParseCounts(const std::vector<std::string>& tokens, const std::string& option,
                 std::vector<uint64_t>* out, std::vector<std::string>* rest, std::string* error) {
  for (const std::string& token : tokens) {
    std::stringstream parts(token);
    std::string part;
    bool number = true;
    while (std::getline(parts, part, ',')) {
      if (part.empty()) continue;
      char* end = nullptr;
      unsigned long long v = std::strtoull(part.c_str(), &end, 10);
      if (*end != '\0' || part[0] == '-') {
        number = false;
        break;
      }
      out->push_back(v);
    }
    if (!number) {
      if (!rest->empty() || out->empty() || &token != &tokens.back()) {
        *error = "--" + option + ": '" + token + "' is not a count";
        return false;
      }
      rest->push_back(token);
    }
  }
  if (out->empty()) {
    *error = "--" + option + " needs at least one value";
    return false;
  }
  return true;
}

void AddOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("output,o", po::value<std::string>()->value_name("MODEL"),
       "write the binary model file to MODEL ('-' = standard output, not a terminal)")
      ("arpa", po::value<std::string>()->value_name("FILE"),
       "write the model as ARPA text to FILE ('-' = standard output)")
      ("from-arpa", po::value<std::string>()->value_name("FILE"),
       "read an ARPA model from FILE instead of estimating one from counts")
      ("smoothing", po::value<std::string>()->value_name("METHOD")->default_value("mkn"),
       "mkn (modified Kneser-Ney), kn (Kneser-Ney), wb (Witten-Bell), abs (absolute "
       "discounting), katz (Good-Turing + Katz backoff), add (additive), mle (maximum "
       "likelihood), stupid (Stupid Backoff: scores, not probabilities)")
      ("interpolate", "interpolated form (the default for mkn, kn, wb, abs)")
      ("backoff", "backoff form (mkn, kn, wb, abs; the only form of katz, add, mle)")
      ("discount", po::value<double>()->value_name("D"),
       "abs: the discount D (0..1) of every order (default: n1 / (n1 + 2 n2) per order)")
      ("discounts", po::value<std::string>()->value_name("FILE"),
       "mkn, kn, abs: discounts by hand, line n for order n (mkn: D1 D2 D3+; kn, abs: D; "
       "'-': estimate)")
      ("gt-min", po::value<std::vector<std::string>>()->multitoken()->value_name("N..."),
       "katz: per order, leave out n-grams seen fewer than N times (default 1 1 2; the last "
       "value repeats)")
      ("gt-max", po::value<std::vector<std::string>>()->multitoken()->value_name("N..."),
       "katz: per order, discount the counts up to N (default 1 7; the last value repeats)")
      ("add-k", po::value<double>()->value_name("K"), "add: the K added to every count (default 1)")
      ("stupid-alpha", po::value<double>()->value_name("A"), "stupid: the backoff factor (default 0.4)")
      ("prune", po::value<std::vector<std::string>>()->multitoken()->value_name("T..."),
       "drop the n-grams of order n seen at most Tn times (lmplz --prune; the last value "
       "repeats, values must not decrease; order 1: the words become <unk>)")
      ("prune-entropy", po::value<double>()->value_name("THETA"),
       "relative-entropy pruning (Stolcke; SRILM -prune): drop n-grams whose removal raises "
       "perplexity by a relative amount below THETA (e.g. 1e-8)")
      ("vocab", po::value<std::string>()->value_name("FILE"),
       "limit the vocabulary to the words of FILE; other words become <unk>")
      ("max-vocab", po::value<uint64_t>()->value_name("K"),
       "limit the vocabulary to the K most frequent words; the others become <unk>")
      ("tune", po::value<std::string>()->value_name("DEV"),
       "mkn, kn (interpolated): choose the discounts that minimize the perplexity of the "
       "text DEV, and report it before and after")
      ("memory,S", po::value<std::string>()->default_value("80%")->value_name("SIZE"),
       "memory budget for estimating, e.g. 200M, 2G or 50% of the physical memory; beyond "
       "it the streaming estimator keeps its intermediate arrays in the temporary directory "
       "(the model is the same). Not with --arpa, --tune, --prune, --prune-entropy, --vocab, "
       "--max-vocab or katz, which load the counts whole")
      ("temp-dir,T", po::value<std::string>()->value_name("DIR"),
       "directory for the temporary files of -S (default: $TMPDIR, else /tmp); they are "
       "removed however grams-build ends")
      ("quiet,q", "show no progress (by default progress is shown when stderr is a terminal)")
      ("verbose,v",
       "print the method, per order the number of n-grams and the discounts, and each "
       "stage's time and the peak memory, to stderr");
  // clang-format on
  cl->AddPositional("counts", 1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-count --order 5 corpus.txt | grams-build -o corpus.lm\n"
      "  grams-build -o corpus.lm --arpa corpus.arpa corpus.counts\n"
      "  grams-build --smoothing wb --backoff -o wb.lm corpus.counts\n"
      "  grams-build --prune-entropy 1e-8 -o small.lm corpus.counts\n"
      "  grams-build --from-arpa kenlm.arpa -o kenlm.lm\n"
      "  grams-count --order 5 big.txt | grams-build -S 2G -T /scratch -o big.lm\n");
}

// The estimation options of the command line into *o. Returns kContinue, or
// the usage error's exit code. A value that a multi-value option swallowed
// (see ParseCounts) goes back to *positional.
int ParseBuildOptions(const CommandLine& cl, BuildOptions* o,
                      std::vector<std::string>* positional) {
  auto smoothing = ParseSmoothing(cl.Get<std::string>("smoothing"));
  if (!smoothing.ok()) return UsageError(smoothing.status().message());
  o->smoothing = *smoothing;
  const std::string method = SmoothingName(o->smoothing);
  if (cl.Has("interpolate") && cl.Has("backoff")) {
    return UsageError("give --interpolate or --backoff, not both");
  }
  if (cl.Has("interpolate")) o->form = SmoothingForm::kInterpolated;
  if (cl.Has("backoff")) o->form = SmoothingForm::kBackoff;
  // Options that belong to some methods only.
  const struct {
    const char* option;
    std::vector<Smoothing> methods;
  } scoped[] = {
      {"discount", {Smoothing::kAbsolute}},
      {"discounts", {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey, Smoothing::kAbsolute}},
      {"gt-min", {Smoothing::kKatz}},
      {"gt-max", {Smoothing::kKatz}},
      {"add-k", {Smoothing::kAdditive}},
      {"stupid-alpha", {Smoothing::kStupidBackoff}},
      {"tune", {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey}},
  };
  for (const auto& [option, methods] : scoped) {
    if (cl.Has(option) &&
        std::find(methods.begin(), methods.end(), o->smoothing) == methods.end()) {
      return UsageError(std::string("--") + option + " does not apply to --smoothing " + method);
    }
  }
  if (cl.Has("discount") && cl.Has("discounts")) {
    return UsageError("give --discount or --discounts, not both");
  }
  if (cl.Has("tune") && o->form == SmoothingForm::kBackoff) {
    return UsageError("--tune chooses the discounts of the interpolated form, not of --backoff");
  }
  if (cl.Has("discount")) {
    const double d = cl.Get<double>("discount");
    if (!(d >= 0 && d <= 1)) return UsageError("--discount must be between 0 and 1");
    o->discounts.assign(kMaxOrder, {d});
  }
  if (cl.Has("add-k")) o->add_k = cl.Get<double>("add-k");
  if (cl.Has("stupid-alpha")) o->stupid_alpha = cl.Get<double>("stupid-alpha");
  if (cl.Has("prune-entropy")) o->prune_entropy = cl.Get<double>("prune-entropy");
  if (cl.Has("max-vocab")) {
    o->max_vocab = cl.Get<uint64_t>("max-vocab");
    if (o->max_vocab == 0) return UsageError("--max-vocab must be at least 1");
  }
  std::vector<std::string> swallowed;
  for (const auto& [name, out] : {std::pair{"gt-min", &o->gt_min}, std::pair{"gt-max", &o->gt_max},
                                  std::pair{"prune", &o->prune}}) {
    std::string error;
    if (cl.Has(name) &&
        !ParseCounts(cl.Get<std::vector<std::string>>(name), name, out, &swallowed, &error)) {
      return UsageError(error);
    }
  }
  if (!swallowed.empty()) {
    if (!positional->empty()) return UsageError("unexpected argument '" + swallowed[0] + "'");
    *positional = swallowed;
  }
  if (Status s = CheckBuildOptions(*o); !s.ok()) return UsageError(s.message());
  return kContinue;
}

// Runs --tune, reports before and after on stderr, and sets the discounts.
int Tune(const NgramCounts& counts, const std::string& dev, BuildOptions* options) {
  auto tuned = TuneDiscounts(counts, dev, *options);
  if (!tuned.ok()) return ReportError(tuned.status());
  const TuneResult& t = *tuned;
  std::fprintf(
      stderr,
      "%s: --tune %s: perplexity (OOVs excluded, %llu tokens, %llu OOVs) %s -> %s after %d "
      "evaluations\n",
      ToolName().c_str(), dev.c_str(), static_cast<unsigned long long>(t.tokens),
      static_cast<unsigned long long>(t.oovs), FormatFixed(t.initial_perplexity, 4).c_str(),
      FormatFixed(t.perplexity, 4).c_str(), t.evaluations);
  for (size_t n = 1; n <= t.discounts.size(); ++n) {
    std::string before, after;
    for (double d : t.initial_discounts[n - 1]) before += " " + FormatFixed(d, 6);
    for (double d : t.discounts[n - 1]) after += " " + FormatFixed(d, 6);
    std::fprintf(stderr, "%s: --tune: order %zu discounts%s ->%s\n", ToolName().c_str(), n,
                 before.c_str(), after.c_str());
  }
  options->discounts = t.discounts;
  return kExitOk;
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
                 "within the memory budget -S, unless --arpa, --tune, pruning, a vocabulary\n"
                 "limit or katz needs them in memory.");
  AddOptions(&cl);
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;

  const bool to_model = cl.Has("output"), to_arpa = cl.Has("arpa");
  const std::string model_path = to_model ? cl.Get<std::string>("output") : "";
  const std::string arpa_path = to_arpa ? cl.Get<std::string>("arpa") : "";
  if (!to_model && !to_arpa)
    return UsageError("nothing to write: give -o MODEL and/or --arpa FILE");
  if ((to_model && model_path.empty()) || (to_arpa && arpa_path.empty())) {
    return UsageError("an output file name is empty ('-' means standard output)");
  }
  if (model_path == "-" && arpa_path == "-") {
    return UsageError("-o and --arpa cannot both write to standard output");
  }
  if (model_path == "-" && io::StdoutIsTerminal()) {
    return UsageError("refusing to write a binary model file to a terminal; use -o FILE");
  }
  BuildOptions options;
  std::vector<std::string> positional = cl.Positional("counts");
  if (int rc = ParseBuildOptions(cl, &options, &positional); rc != kContinue) return rc;
  const bool from_arpa = cl.Has("from-arpa");
  if (from_arpa && !positional.empty()) {
    return UsageError("give either COUNTS or --from-arpa FILE, not both");
  }
  if (from_arpa) {
    for (const char* option :
         {"smoothing", "interpolate", "backoff", "discount", "discounts", "gt-min", "gt-max",
          "add-k", "stupid-alpha", "prune", "vocab", "max-vocab", "tune"}) {
      if (cl.Has(option))
        return UsageError(std::string("--") + option + " needs COUNTS, not --from-arpa");
    }
  }
  const std::string input = from_arpa            ? cl.Get<std::string>("from-arpa")
                            : positional.empty() ? "-"
                                                 : positional[0];
  if (!from_arpa && input == "-" && isatty(0)) {
    return UsageError(
        "refusing to read a binary counts file from a terminal; give COUNTS or pipe one in");
  }

  if (int rc = ParseMemoryOptions(cl, &options.memory, &options.temp_dir); rc != kContinue)
    return rc;
  // The streaming estimator (BuildModelFile) whenever it applies: it needs
  // less memory than loading the counts, and writes the same bytes.
  std::string whole;  // why the counts are loaded whole, if they are
  if (from_arpa) {
    whole = "--from-arpa";
  } else if (to_arpa) {
    whole = "--arpa";
  } else if (cl.Has("tune")) {
    whole = "--tune";
  } else if (cl.Has("vocab") || !CanBuildModelFile(options)) {
    whole = options.smoothing == Smoothing::kKatz ? "katz"
            : !options.prune.empty()              ? "--prune"
            : options.prune_entropy > 0           ? "--prune-entropy"
            : cl.Has("vocab")                     ? "--vocab"
                                                  : "--max-vocab";
  }
  if (!whole.empty() && (cl.Has("memory") || cl.Has("temp-dir"))) {
    Warn("-S and -T do not apply with " + whole + ", which loads the whole model in memory");
  }

  if (cl.Has("discounts")) {
    auto d = ReadDiscountsFile(cl.Get<std::string>("discounts"));
    if (!d.ok()) return ReportError(d.status());
    options.discounts = std::move(d).value();
  }
  ProgressDisplay progress(cl.Has("quiet"), cl.Has("verbose"));
  options.progress = progress.callback();
  // Warnings are held back until the model is built: after an error (say,
  // empty counts) they would only bury it.
  std::vector<std::string> warnings;
  if (!from_arpa) {
    options.warn = [&warnings](const std::string& message) { warnings.push_back(message); };
  }
  if (whole.empty()) {
    auto built = BuildModelFile(input, options, model_path);
    if (!built.ok()) return ReportError(built.status());
    progress.Done();
    for (const std::string& w : warnings) Warn(w);
    if (cl.Has("verbose")) {
      PrintSummary(*built);
      if (io::TempBytesPeak() > 0) {
        std::fprintf(stderr, "%s: temporary files: peak %.1f MB\n", ToolName().c_str(),
                     static_cast<double>(io::TempBytesPeak()) / 1e6);
      }
    }
    return kExitOk;
  }
  Model model;
  if (from_arpa) {
    progress.Stage("reading " + input);
    auto read = ReadArpa(input);
    if (!read.ok()) return ReportError(read.status());
    model = std::move(read).value();
    if (options.prune_entropy > 0) {
      if (!IsProperDistribution(model))
        return ReportError(input + ": a Stupid Backoff model cannot be pruned");
      if (Status s = PruneByRelativeEntropy(&model, options.prune_entropy); !s.ok()) {
        return ReportError(s.WithContext(input));
      }
    }
  } else {
    if (cl.Has("vocab")) {
      auto words = ReadVocabularyFile(cl.Get<std::string>("vocab"));
      if (!words.ok()) return ReportError(words.status());
      options.limit_vocab = true;
      options.vocab = std::move(words).value();
    }
    progress.Stage("reading " + (input == "-" ? std::string("<stdin>") : input));
    auto counts = ReadCountsFile(input);
    if (!counts.ok()) return ReportError(counts.status());
    if (cl.Has("tune")) {
      if (int rc = Tune(*counts, cl.Get<std::string>("tune"), &options); rc != kExitOk) return rc;
      for (const std::string& w : warnings) Warn(w);
      warnings.clear();
    }
    auto built = BuildModel(std::move(*counts), options);
    if (!built.ok())
      return ReportError(built.status().WithContext(input == "-" ? "<stdin>" : input));
    for (const std::string& w : warnings) Warn(w);
    model = std::move(built).value();
    if (cl.Has("tune")) model.info.emplace_back("tuned_on_dev", "1");
  }
  progress.Done();
  if (cl.Has("verbose")) PrintSummary(Summarize(model));

  if (to_model) {
    progress.Stage("writing " + (model_path == "-" ? std::string("<stdout>") : model_path));
    if (Status s = WriteModelFile(model, model_path); !s.ok()) return ReportError(s);
  }
  if (to_arpa) {
    progress.Stage("writing " + (arpa_path == "-" ? std::string("<stdout>") : arpa_path));
    if (Status s = WriteArpa(model, arpa_path); !s.ok()) return ReportError(s);
  }
  progress.Done();
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-build", argc, argv, grams::Main); }
