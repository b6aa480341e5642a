// grams-count's command line: its options (declared for --help) and their
// parsing into CountOptions and the output choices, with the usage errors of
// each. CLI-only.
#ifndef GRAMS_TOOLS_COMMON_COUNT_OPTIONS_H_
#define GRAMS_TOOLS_COMMON_COUNT_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/counts.h"

namespace grams::cli {

// What grams-count is asked to do, beyond the CountOptions.
struct CountJob {
  CountOptions options;
  std::vector<std::string> inputs;  // text files, or counts files with --merge
  std::string output = "-";
  bool merge = false;         // add counts files together instead of counting text
  MergeSlice slice;           // --partition I/K: the slice of the merge to write
  bool join = false;          // --join: the inputs are the slices of a partitioned merge
  bool from_text = false;     // read counts text ("w1 ... wn<TAB>count") instead of text
  bool order_given = false;   // --order was given (with from_text: the highest order kept)
  bool text = false;          // write the text form
  CountsTextOptions listing;  // text form: which n-grams, in what order
};

// Declares grams-count's options and its FILE arguments, with the examples.
void AddCountOptions(CommandLine* cl);

// The command line into *job. Returns kContinue, or the usage error's exit
// code.
int ParseCountOptions(const CommandLine& cl, CountJob* job);

// The tokenizer options (--unit, --normalize, --case-fold, --boundaries,
// --invalid, --sp-model, declared as grams-count declares them) into *t;
// grams-index takes the same. Returns kContinue, or the usage error's exit
// code.
int ParseTokenizerSettings(const CommandLine& cl, TokenizerSettings* t);

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_COUNT_OPTIONS_H_
