// The command lines of grams-score and grams-perplexity: their options
// (declared for --help), parsed into a ScoreJob with the usage errors of
// each combination; and ScoreOutput, the streamed standard output both
// scoring modes write through. CLI-only.
#ifndef GRAMS_TOOLS_COMMON_SCORE_OPTIONS_H_
#define GRAMS_TOOLS_COMMON_SCORE_OPTIONS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/cli.h"
#include "common/score_format.h"
#include "grams/documents.h"
#include "grams/files.h"
#include "grams/scorer.h"

namespace grams::cli {

enum class ColorMode { kAuto, kAlways, kNever };

// What grams-score is asked to do.
struct ScoreJob {
  std::string model;
  std::vector<std::string> inputs;  // "-" when none were given
  ScoreTextOptions options;         // threads, <s>/</s>, prompt mode
  ScoreFormat format;               // format.escape is set once the model is loaded
  SentenceFilter filter;            // filter mode when active()
  bool jsonl = false;
  JsonlOptions jsonl_options;
  std::string html;            // --html FILE, or empty
  LoadOptions load;            // --lenient-arpa
  bool line_buffered = false;  // --line-buffered, or output to a terminal
  ColorMode color = ColorMode::kAuto;
};

// Declares grams-score's options, MODEL and FILE arguments, and examples.
void AddScoreOptions(CommandLine* cl);
// The command line into *job. Returns kContinue or a usage error's code.
int ParseScoreOptions(const CommandLine& cl, ScoreJob* job);

// -j/--threads, as both tools declare it, and its value (0 = one per core);
// load->cores_busy set when the threads take every core.
void AddThreadsOption(CommandLine* cl);
int ParseThreadsOption(const CommandLine& cl, int* threads, LoadOptions* load);

// Standard output as the scoring tools write it: buffered, flushed after
// every write in line-buffered mode, and quiet about a reader that went
// away (the tool then stops and exits 0).
class ScoreOutput {
 public:
  // REQUIRES: the writer opened on "-".
  ScoreOutput(std::unique_ptr<FileWriter> writer, bool line_buffered)
      : writer_(std::move(writer)), line_buffered_(line_buffered) {}
  // False once the reader has gone.
  bool Write(std::string_view text);
  // The exit code once scoring ended with `scored`: its error (after
  // flushing what was scored before it), a write error, or success.
  int Finish(const Status& scored);

 private:
  std::unique_ptr<FileWriter> writer_;
  bool line_buffered_;
};

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_SCORE_OPTIONS_H_
