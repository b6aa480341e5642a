// Estimation: a Model from n-gram counts with one smoothing method
// (interpolated modified Kneser-Ney by default), vocabulary limits, count and
// relative-entropy pruning, discount tuning; in memory (BuildModel) or
// streamed from a counts file to a model file (BuildModelFile), and the
// choice between the two (BuildModelFromCounts). docs/ESTIMATION.md gives
// every formula. The functions are reentrant: separate calls may run on
// separate threads; callbacks are called from the calling thread.
#ifndef GRAMS_BUILD_H_
#define GRAMS_BUILD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "grams/counts.h"
#include "grams/export.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "grams/progress.h"
#include "grams/status.h"

namespace grams {

// Smoothing methods (docs/ESTIMATION.md gives each one's formulas).
enum class Smoothing {
  kModifiedKneserNey,  // "mkn": three discounts per order (Chen & Goodman 1998), the default
  kKneserNey,          // "kn": one discount per order
  kWittenBell,         // "wb"
  kAbsolute,           // "abs": absolute discounting
  kKatz,               // "katz": Good-Turing discounting with Katz backoff
  kAdditive,           // "add": additive (Laplace for k = 1)
  kMaximumLikelihood,  // "mle": unsmoothed relative frequencies
  kStupidBackoff,      // "stupid": Brants et al. 2007; scores, not probabilities
};

// How a method combines an order with the one below it.
enum class SmoothingForm {
  kDefault,       // the method's usual form: interpolated for mkn, kn, wb, abs; backoff otherwise
  kInterpolated,  // p(w|h) = alpha(w|h) + gamma(h) p(w|h') for every w (mkn, kn, wb, abs)
  kBackoff,       // p(w|h) = alpha(w|h) if h w was seen, else bow(h) p(w|h')
};

// "mkn", "kn", "wb", "abs", "katz", "add", "mle", "stupid".
GRAMS_EXPORT const char* SmoothingName(Smoothing smoothing);
GRAMS_EXPORT StatusOr<Smoothing> ParseSmoothing(const std::string& name);
// Whether the method has an interpolated form (mkn, kn, wb, abs).
GRAMS_EXPORT bool HasInterpolatedForm(Smoothing smoothing);

struct TuneResult;

struct GRAMS_EXPORT BuildOptions {
  // Called with each warning (e.g. fallback discounts). May be empty.
  std::function<void(const std::string&)> warn;
  // ConvertArpa: positive log probabilities in the ARPA file (IRSTLM's
  // rounding) are clamped to 0 with one warning instead of being an error.
  bool lenient_arpa = false;
  // Called as each order is estimated (stage "estimating", orders), and by
  // BuildModelFromCounts and ConvertArpa as they read and write files
  // (stages "reading FILE", "writing FILE"). May be empty.
  ProgressCallback progress;

  Smoothing smoothing = Smoothing::kModifiedKneserNey;
  SmoothingForm form = SmoothingForm::kDefault;

  // Discounts given by hand instead of estimated, per order: discounts[n-1]
  // holds D1 D2 D3+ for mkn and one D for kn and abs; an empty entry (or a
  // vector shorter than the order) leaves that order estimated.
  std::vector<std::vector<double>> discounts;
  // katz: Good-Turing count limits per order (element n-1 for order n; the
  // last value repeats for higher orders). n-grams (n >= 2) seen fewer than
  // gt_min times are left out, counts up to gt_max are discounted. Empty:
  // SRILM's defaults, gt_min 1 1 2 2 ... and gt_max 1 7 7 ...
  std::vector<uint64_t> gt_min;
  std::vector<uint64_t> gt_max;
  double add_k = 1.0;         // add: the K added to every count
  double stupid_alpha = 0.4;  // stupid: the backoff factor

  // Count pruning, as lmplz --prune: n-grams of order n seen at most
  // prune[n-1] times are dropped (the last value repeats for higher orders;
  // the values must not decrease). At order 1 the words become <unk>.
  std::vector<uint64_t> prune;
  // Relative-entropy pruning (Stolcke 1998, SRILM's -prune): n-grams whose
  // removal raises the model's perplexity by a relative amount below this
  // are removed. 0: none.
  double prune_entropy = 0;
  // Vocabulary limits; words outside become <unk>. `vocab` (if
  // `limit_vocab`) is the allowed list: its words not in the counts join the
  // vocabulary with count 0. `max_vocab` keeps the K most frequent words (0:
  // no limit). <unk>, <s> and </s> are always kept and not counted in K.
  bool limit_vocab = false;
  std::vector<std::string> vocab;
  size_t max_vocab = 0;

  // BuildModelFile only. The memory budget in bytes (0 = no limit): when
  // its arrays would not fit, the streaming estimator keeps what waits
  // between its two passes in temporary files instead of memory. When even
  // that needs more (a figure from the counts file's header, before
  // anything is read), the build is refused with ResourceExhausted giving
  // the figure, or with `refuse_over_budget` false, warns and goes on
  // (everything that can go to a file does: a budget of 1 byte forces that).
  // `temp_dir` is where those files go ("" = $TMPDIR or /tmp); when given,
  // it must be a writable directory. The files are unlinked when created,
  // so nothing is left behind.
  uint64_t memory = 0;
  bool refuse_over_budget = true;
  std::string temp_dir;
  // BuildModelFile only. Threads for the suffix links and the per-context
  // arithmetic (0 = one per core, at most 64). The model file is the same
  // bytes whatever the number: each context is estimated whole on one
  // thread, with the same operations in the same order.
  int threads = 0;

  // BuildModelFromCounts only. `tune_text`: a development text ("" = none);
  // the mkn or kn discounts are first tuned to minimize its perplexity
  // (TuneDiscounts), then the model is built with them and records
  // "tuned_on_dev". `on_tuned` (may be empty) receives the tuning's result
  // before the model is built.
  std::string tune_text;
  std::function<void(const TuneResult&)> on_tuned;
  // BuildModelFromCounts and ConvertArpa: called once with the model's
  // summary as soon as it exists; when the model is built in memory that is
  // before any file is written, when it is streamed (BuildModelFile) the
  // model file is already written. May be empty.
  std::function<void(const ModelSummary&)> on_built;
};

// Checks the options on their own (forms the method has, parameter ranges,
// non-decreasing pruning thresholds...): InvalidArgument with the reason.
// BuildModel checks them too; tools call this to report usage errors early.
GRAMS_EXPORT Status CheckBuildOptions(const BuildOptions& options);

// Reads a discounts file for BuildOptions::discounts: line n holds the
// discounts of order n (D1 D2 D3+ for mkn, one D for kn and abs), numbers
// separated by blanks. Empty lines and '#' comments are ignored; a line "-"
// leaves that order estimated.
GRAMS_EXPORT StatusOr<std::vector<std::vector<double>>> ReadDiscountsFile(const std::string& path);
// Reads a vocabulary list (whitespace-separated words) for BuildOptions::vocab.
GRAMS_EXPORT StatusOr<std::vector<std::string>> ReadVocabularyFile(const std::string& path);

// The discounts used when they cannot be estimated from the count-of-counts
// (too little data, or a zero count-of-count): D1, D2, D3+.
inline constexpr std::array<double, 3> kFallbackDiscounts = {0.5, 1.0, 1.5};

// Estimates a model from raw counts with options.smoothing (default:
// interpolated modified Kneser-Ney, Chen & Goodman 1998, exactly as KenLM's
// lmplz does by default), then applies the vocabulary limits and pruning of
// the options. See docs/ESTIMATION.md.
GRAMS_EXPORT StatusOr<Model> BuildModel(const NgramCounts& counts, const BuildOptions& options);
// The same, consuming the counts: their trie and vocabulary move into the
// model and each order's counts are released once used (less peak memory).
GRAMS_EXPORT StatusOr<Model> BuildModel(NgramCounts&& counts, const BuildOptions& options);

// Relative-entropy pruning (Stolcke 1998) of a backoff model, as SRILM's
// ngram -prune THRESHOLD: from the highest order down, removes each n-gram
// (order >= 2) whose removal alone raises the perplexity by a relative amount
// below `threshold`, and recomputes the backoff weights of the contexts
// touched so every distribution still sums to one. n-grams that are contexts
// or suffixes of kept longer n-grams stay. Records "prune_entropy" in info.
GRAMS_EXPORT Status PruneByRelativeEntropy(Model* model, double threshold);

// --tune: the interpolated modified Kneser-Ney (or kn) discounts that
// minimize the perplexity of a development text.
struct GRAMS_EXPORT TuneResult {
  std::vector<std::vector<double>> initial_discounts, discounts;  // per order
  // Perplexity of the development text, OOVs excluded (the quantity tuned),
  // with the initial and the tuned discounts.
  double initial_perplexity = 0, perplexity = 0;
  uint64_t tokens = 0, oovs = 0;  // of the development text
  int evaluations = 0;
};
// Chooses discounts for `options.smoothing` (mkn or kn, interpolated),
// starting from the estimated ones (or options.discounts), by coordinate
// descent on the perplexity of the text in `dev_path` (tokenized with the
// counts' settings). Honors options.prune. Pass the result's discounts in
// BuildOptions::discounts to build the model.
GRAMS_EXPORT StatusOr<TuneResult> TuneDiscounts(const NgramCounts& counts,
                                                const std::string& dev_path,
                                                const BuildOptions& options);

// Whether BuildModelFile can build with these options: not with katz (its
// gt_min leaves n-grams out), relative-entropy pruning or vocabulary limits
// (options.vocab, max_vocab, and a count-pruning threshold above 0 at order
// 1), which need BuildModel's counts in memory. Count pruning of orders >= 2
// streams.
GRAMS_EXPORT bool CanBuildModelFile(const BuildOptions& options);

// Estimates the model of the counts file `counts_path` ("-" = stdin) and
// writes the model file `model_path` ("-" = stdout), both streamed: the
// bytes are those of WriteModelFile(BuildModel(ReadCountsFile(counts_path),
// options)), but the counts are never all in memory. A first pass reads the
// counts order by order, computing the suffix links and the method's counts
// of each order and the method's parameters (discounts); a second writes
// the model order by order. What waits in between stays in memory, or with
// options.memory too small for that, in temporary files in options.temp_dir.
// A budget below what the estimator needs even then draws a warning
// (options.warn) with the size needed. Progress: stages "reading <counts>"
// and "estimating", in orders. REQUIRES: CanBuildModelFile(options)
// (InvalidArgument otherwise).
GRAMS_EXPORT StatusOr<ModelSummary> BuildModelFile(const std::string& counts_path,
                                                   const BuildOptions& options,
                                                   const std::string& model_path);

// Why BuildModelFromCounts loads the counts whole (BuildModel) instead of
// streaming them (BuildModelFile), the first reason that applies, in this
// order. With any reason but kNone, options.memory and temp_dir are unused.
enum class WholeCountsReason {
  kNone,            // streamed: BuildModelFile
  kArpaOutput,      // an ARPA file is written (from the model in memory)
  kTune,            // options.tune_text: tuning reads the counts
  kKatz,            // katz (its gt_min leaves n-grams out)
  kCountPruning,    // options.prune with a threshold above 0 at order 1
  kEntropyPruning,  // options.prune_entropy
  kVocabularyList,  // options.limit_vocab
  kVocabularySize,  // options.max_vocab
};
GRAMS_EXPORT WholeCountsReason WhyCountsLoadedWhole(const BuildOptions& options,
                                                    const ModelOutputs& outputs);

// Estimates the model of the counts file `counts_path` ("-" = stdin) and
// writes it to `outputs`: streamed by BuildModelFile when
// WhyCountsLoadedWhole() is kNone (the least memory), otherwise by
// ReadCountsFile, TuneDiscounts (options.tune_text), BuildModel and
// WriteModelOutputs. The files are the same bytes either way. Calls
// options.on_tuned and options.on_built as documented there. Returns the
// model's summary; errors name the file concerned. Fails with
// InvalidArgument when `outputs` names no file.
GRAMS_EXPORT StatusOr<ModelSummary> BuildModelFromCounts(const std::string& counts_path,
                                                         const BuildOptions& options,
                                                         const ModelOutputs& outputs);

// Converts the ARPA model `arpa_path` ("-" = stdin) to `outputs`,
// entropy-pruned first when options.prune_entropy > 0 (InvalidArgument for a
// Stupid Backoff model). Uses only options.prune_entropy, warn (ARPA
// warnings, see ReadArpa), progress and on_built.
GRAMS_EXPORT StatusOr<ModelSummary> ConvertArpa(const std::string& arpa_path,
                                                const BuildOptions& options,
                                                const ModelOutputs& outputs);

}  // namespace grams

#endif  // GRAMS_BUILD_H_
