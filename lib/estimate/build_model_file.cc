// BuildModelFile: a counts file into a model file, streamed
// (estimate/streaming_build.h), for the options that need no Model.
#include <string>

#include "estimate/streaming_build.h"
#include "grams/build.h"
#include "util/alloc_guard.h"

namespace grams {

bool CanBuildModelFile(const BuildOptions& o) {
  // Count pruning streams, but not its unigram threshold, which limits the
  // vocabulary (words become <unk>, n-grams merge).
  return (o.prune.empty() || o.prune[0] == 0) && o.prune_entropy == 0 && !o.limit_vocab &&
         o.max_vocab == 0 && o.smoothing != Smoothing::kKatz;
}

StatusOr<ModelSummary> BuildModelFile(const std::string& counts_path, const BuildOptions& options,
                                      const std::string& model_path) {
  GRAMS_RETURN_IF_ERROR(CheckBuildOptions(options));
  if (!CanBuildModelFile(options)) {
    return InvalidArgument(
        "katz, relative-entropy pruning and vocabulary limits (--vocab, --max-vocab, and "
        "--prune at order 1) need the counts in memory (BuildModel), not BuildModelFile");
  }
  const std::string name = counts_path == "-" ? "<stdin>" : counts_path;
  return GuardAlloc("estimating the model of " + name, [&]() -> StatusOr<ModelSummary> {
    GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(counts_path, FileKind::kCounts));
    estimate::StreamingBuild build(options, std::move(reader));
    return build.Run(model_path);
  });
}

}  // namespace grams
