// BuildModelFromCounts and ConvertArpa: a counts file (or an ARPA model) to
// the model's files, choosing between the streaming estimator and the one
// that holds the counts in memory.
#include <memory>
#include <utility>

#include "format/binary_file.h"
#include "format/count_file.h"
#include "format/model_file.h"
#include "grams/build.h"
#include "grams/files.h"
#include "util/alloc_guard.h"

namespace grams {
namespace {

void Stage(const BuildOptions& options, const std::string& name) {
  if (options.progress) options.progress(Progress{name});
}

// The in-memory path: read the counts, tune, build, then write.
StatusOr<ModelSummary> BuildInMemory(const std::string& counts_path, BuildOptions options,
                                     const ModelOutputs& outputs) {
  Stage(options, "reading " + InputName(counts_path));
  // The header first: a slice of a partitioned merge is refused as such.
  GRAMS_ASSIGN_OR_RETURN(
      auto reader, GuardAlloc("reading " + InputName(counts_path), MemoryHint::kNone,
                              [&]() -> StatusOr<std::unique_ptr<BinaryFileReader>> {
                                GRAMS_ASSIGN_OR_RETURN(
                                    auto r, BinaryFileReader::Open(counts_path, FileKind::kCounts));
                                GRAMS_RETURN_IF_ERROR(RefuseCountSlice(r->header(), r->name()));
                                return r;
                              }));
  GRAMS_ASSIGN_OR_RETURN(NgramCounts counts, ReadCountsFile(std::move(reader)));
  const bool tune = !options.tune_text.empty();
  if (tune) {
    GRAMS_ASSIGN_OR_RETURN(TuneResult tuned, TuneDiscounts(counts, options.tune_text, options));
    if (options.on_tuned) options.on_tuned(tuned);
    options.discounts = std::move(tuned.discounts);
  }
  auto built = BuildModel(std::move(counts), options);
  if (!built.ok()) return built.status().WithContext(InputName(counts_path));
  Model model = std::move(built).value();
  if (tune) model.info.emplace_back("tuned_on_dev", "1");
  ModelSummary summary = Summarize(model);
  if (options.on_built) options.on_built(summary);
  GRAMS_RETURN_IF_ERROR(WriteModelOutputs(model, outputs, options.progress));
  return summary;
}

}  // namespace

WholeCountsReason WhyCountsLoadedWhole(const BuildOptions& options, const ModelOutputs& outputs) {
  if (!outputs.arpa_path.empty()) return WholeCountsReason::kArpaOutput;
  if (!options.tune_text.empty()) return WholeCountsReason::kTune;
  if (options.smoothing == Smoothing::kKatz) return WholeCountsReason::kKatz;
  if (!options.prune.empty() && options.prune[0] > 0) return WholeCountsReason::kCountPruning;
  if (options.prune_entropy > 0) return WholeCountsReason::kEntropyPruning;
  if (options.limit_vocab) return WholeCountsReason::kVocabularyList;
  if (options.max_vocab > 0) return WholeCountsReason::kVocabularySize;
  return WholeCountsReason::kNone;
}

StatusOr<ModelSummary> BuildModelFromCounts(const std::string& counts_path,
                                            const BuildOptions& options,
                                            const ModelOutputs& outputs) {
  if (outputs.model_path.empty() && outputs.arpa_path.empty()) {
    return InvalidArgument("no output file to write the model to");
  }
  if (WhyCountsLoadedWhole(options, outputs) != WholeCountsReason::kNone) {
    return BuildInMemory(counts_path, options, outputs);
  }
  GRAMS_ASSIGN_OR_RETURN(ModelSummary summary,
                         BuildModelFile(counts_path, options, outputs.model_path));
  if (options.on_built) options.on_built(summary);
  return summary;
}

StatusOr<ModelSummary> ConvertArpa(const std::string& arpa_path, const BuildOptions& options,
                                   const ModelOutputs& outputs) {
  if (outputs.model_path.empty() && outputs.arpa_path.empty()) {
    return InvalidArgument("no output file to write the model to");
  }
  Stage(options, "reading " + arpa_path);
  std::unique_ptr<io::InputStream> in;
  GRAMS_ASSIGN_OR_RETURN(ModelFormat format, OpenModel(arpa_path, &in));
  switch (format) {
    case ModelFormat::kKenlm:
      return InvalidArgument(in->name() +
                             ": is a KenLM binary model, not ARPA: the scoring tools read it "
                             "directly, and grams-convert --to model (or --to arpa) converts a "
                             "trie binary");
    case ModelFormat::kModelFile:
      return InvalidArgument(in->name() + ": is already a grams model file, not ARPA");
    case ModelFormat::kMapped:
      return InvalidArgument(in->name() + ": is a mapped grams model, not ARPA");
    case ModelFormat::kArpa:
      break;
  }
  GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(in.get(), options.warn, options.lenient_arpa));
  if (options.prune_entropy > 0) {
    if (!IsProperDistribution(model)) {
      return InvalidArgument(arpa_path + ": a Stupid Backoff model cannot be pruned");
    }
    Status pruned = PruneByRelativeEntropy(&model, options.prune_entropy);
    if (!pruned.ok()) return pruned.WithContext(arpa_path);
  }
  ModelSummary summary = Summarize(model);
  if (options.on_built) options.on_built(summary);
  GRAMS_RETURN_IF_ERROR(WriteModelOutputs(model, outputs, options.progress));
  return summary;
}

}  // namespace grams
