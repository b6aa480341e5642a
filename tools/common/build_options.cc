// grams-build's options: see build_options.h.
#include "common/build_options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace grams::cli {
namespace {

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

// The method, its form and the options that belong to some methods only
// (another method's option is a usage error). Returns kContinue or the exit
// code.
int ParseMethod(const CommandLine& cl, BuildOptions* o) {
  auto smoothing = ParseSmoothing(cl.Get<std::string>("smoothing"));
  if (!smoothing.ok()) return UsageError(smoothing.status().message());
  o->smoothing = *smoothing;
  const std::string method = SmoothingName(o->smoothing);
  if (cl.Has("interpolate") && cl.Has("backoff")) {
    return UsageError("give --interpolate or --backoff, not both");
  }
  if (cl.Has("interpolate")) o->form = SmoothingForm::kInterpolated;
  if (cl.Has("backoff")) o->form = SmoothingForm::kBackoff;
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
  return kContinue;
}

}  // namespace

// A table of declarations, hence its length.
void AddBuildOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("output,o", po::value<std::string>()->value_name("MODEL"),
       "write the binary model file to MODEL ('-' = standard output, not a terminal)")
      ("arpa", po::value<std::string>()->value_name("FILE"),
       "write the model as ARPA text to FILE ('-' = standard output)")
      ("from-arpa", po::value<std::string>()->value_name("FILE"),
       "read an ARPA model from FILE instead of estimating one from counts")
      ("lenient-arpa", "with --from-arpa: positive log probabilities (the rounding of "
                       "IRSTLM, e.g. 1.76602e-07) are clamped to 0 with one warning giving "
                       "their number and the largest, instead of being an error")
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
      ("threads,j", po::value<int>()->default_value(0)->value_name("N"),
       "estimating threads of the streaming estimator (0 = one per core); the model is "
       "the same bytes for any N")
      ("quiet,q", "show no progress nor summary (by default both are shown when stderr is a terminal)")
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

int ParseBuildOptions(const CommandLine& cl, BuildOptions* o,
                      std::vector<std::string>* positional) {
  if (int rc = ParseMethod(cl, o); rc != kContinue) return rc;
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

const char* WholeCountsOption(WholeCountsReason reason) {
  switch (reason) {
    case WholeCountsReason::kNone:
      return "";
    case WholeCountsReason::kArpaOutput:
      return "--arpa";
    case WholeCountsReason::kTune:
      return "--tune";
    case WholeCountsReason::kKatz:
      return "katz";
    case WholeCountsReason::kCountPruning:
      return "--prune at order 1";
    case WholeCountsReason::kEntropyPruning:
      return "--prune-entropy";
    case WholeCountsReason::kVocabularyList:
      return "--vocab";
    case WholeCountsReason::kVocabularySize:
      return "--max-vocab";
  }
  return "";
}

void PrintTuneReport(const std::string& dev, const TuneResult& t) {
  std::fprintf(
      stderr,
      "%s: --tune %s: perplexity (OOVs excluded, %llu tokens, %llu OOVs) %s -> %s after %d "
      "evaluations\n",
      ToolName().c_str(), dev.c_str(), static_cast<unsigned long long>(t.tokens),
      static_cast<unsigned long long>(t.oovs), FormatFixed(t.initial_perplexity, 4).c_str(),
      FormatFixed(t.perplexity, 4).c_str(), t.evaluations);
  for (size_t n = 1; n <= t.discounts.size(); ++n) {
    std::string before, after;
    for (double d : t.initial_discounts[n - 1]) before.append(" ").append(FormatFixed(d, 6));
    for (double d : t.discounts[n - 1]) after.append(" ").append(FormatFixed(d, 6));
    std::fprintf(stderr, "%s: --tune: order %zu discounts%s ->%s\n", ToolName().c_str(), n,
                 before.c_str(), after.c_str());
  }
}

}  // namespace grams::cli
