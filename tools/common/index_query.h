// grams-index's queries: their options (QueryJob, parsed from the command
// line) and how they are answered, one line of input at a time, against a
// CorpusIndex, optionally interpolated with an n-gram model. CLI-only.
#ifndef GRAMS_TOOLS_COMMON_INDEX_QUERY_H_
#define GRAMS_TOOLS_COMMON_INDEX_QUERY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/status.h"

namespace grams::cli {

enum class Mode { kCount, kNext, kProb, kPpl, kWhere, kLeak };

struct QueryJob {
  Mode mode = Mode::kCount;
  bool units = false;  // query lines are printed units, not text
  bool json = false;
  bool timing = false;  // per-query times to stderr
  std::string model;    // prob/ppl: interpolate with this n-gram model
  // The infinity-gram's weights, for sparse estimates and for the others
  // (< 0: not given).
  double lambda_sparse = -1, lambda = -1;
  std::string tune_dev;  // or tuned on this text
  size_t top = 10;
  size_t limit = 10;
  std::string input = "-", output = "-";
};

// --query MODE and the query options into *job, for the INDEX... in `files`.
// Returns kContinue, or the usage error's exit code.
int ParseIndexQuery(const CommandLine& cl, const std::vector<std::string>& files, QueryJob* job);

// Answers the queries of job.input on the indexes at index_paths, queried
// as one (every checksum verified first with `check`), writing to
// job.output.
Status RunIndexQueries(const std::vector<std::string>& index_paths, const QueryJob& job,
                       bool check);

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_INDEX_QUERY_H_
