// grams-build's command line: its options (declared for --help) and their
// parsing into BuildOptions, with the usage errors of each. CLI-only: the
// checks that are the library's (CheckBuildOptions) stay there.
#ifndef GRAMS_TOOLS_COMMON_BUILD_OPTIONS_H_
#define GRAMS_TOOLS_COMMON_BUILD_OPTIONS_H_

#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/build.h"

namespace grams::cli {

// Declares grams-build's options and its COUNTS argument, with the examples.
void AddBuildOptions(CommandLine* cl);

// The estimation options of the command line into *o. Returns kContinue, or
// the usage error's exit code. A value that a multi-value option swallowed
// ("--prune 0 1 corpus.counts") goes back to *positional.
int ParseBuildOptions(const CommandLine& cl, BuildOptions* o, std::vector<std::string>* positional);

// The grams-build option behind each reason to load the counts whole
// ("--arpa", "katz"...; "" for kNone), for the -S/-T warning.
const char* WholeCountsOption(WholeCountsReason reason);

// Prints --tune's report to stderr: the development text's perplexity before
// and after, and each order's discounts before and after.
void PrintTuneReport(const std::string& dev, const TuneResult& t);

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_BUILD_OPTIONS_H_
