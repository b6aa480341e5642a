// What the grams-* tools share: the exit codes, the message format
// ("grams-count: error: <file>[:<line>]: <why>"), option parsing with
// Boost.program_options (--help, --version, usage errors), size arguments
// ("64M") and the number/JSON formatting of their outputs.
//
// Exit codes: 0 success, 1 runtime failure, 2 usage error. --help prints to
// stdout and exits 0; a bad option prints one line ending in "(try --help)"
// to stderr and exits 2. Not thread-safe (a tool's main thread only).
#ifndef GRAMS_TOOLS_COMMON_CLI_H_
#define GRAMS_TOOLS_COMMON_CLI_H_

#include <boost/program_options.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grams/language_model.h"
#include "grams/progress.h"
#include "grams/status.h"

namespace grams::cli {

namespace po = boost::program_options;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure: I/O, bad data
inline constexpr int kExitUsage = 2;    // bad command line
// Returned by CommandLine::Parse when the tool should go on and run.
inline constexpr int kContinue = -1;

// For tools that release large arrays while they run (count, build):
// return freed memory to the system at once instead of keeping it.
void ReturnFreedMemoryEagerly();

// Shows the library's progress reports on stderr, redrawn on one line a few
// times a second, when stderr is a terminal and not `quiet`; with `verbose`,
// prints each stage's wall time and the process's peak memory when the stage
// ends (whether or not stderr is a terminal).
class ProgressDisplay {
 public:
  ProgressDisplay(bool quiet, bool verbose);
  ~ProgressDisplay();
  // Takes the progress line off the terminal (before a message).
  void ClearLine();
  // A report from the library (pass callback() to it).
  void Update(const Progress& p);
  // A stage the tool runs itself ("reading counts", "writing ...").
  void Stage(const std::string& name) { Update(Progress{name, 0, 0, "bytes"}); }
  // Ends the current stage.
  void Done();
  // Whether progress and the summary are shown (a terminal, not quiet).
  bool shown() const { return show_; }
  // The run's one-line summary, "TOOL: TEXT in T s" (T since the display
  // was made), on a terminal unless quiet: what the progress line leaves
  // behind when it goes.
  void Summary(const std::string& text);
  // "1,234,567 n-grams (1,000 1-grams, ...)" of per-order counts.
  static std::string NgramCountsText(const std::vector<uint64_t>& per_order);
  static std::string Grouped(uint64_t v);  // 1234567 -> "1,234,567"
  ProgressCallback callback() {
    return [this](const Progress& p) { Update(p); };
  }

 private:
  void EndStage();
  bool show_, verbose_;
  std::string stage_;
  double stage_start_ = 0, last_draw_ = 0, start_ = 0;
  bool drawn_ = false;
};

// Sets the name used in messages, installs the handlers that remove
// half-written outputs on SIGINT/SIGTERM/SIGHUP (and ignores SIGPIPE), then
// runs body(argc, argv). An exception escaping body (out of memory, a
// Boost error) is reported as a runtime failure rather than a crash.
int Run(const char* tool_name, int argc, char** argv, int (*body)(int, char**));

// The tool's name as set by Run(), e.g. "grams-count".
const std::string& ToolName();
// "grams-count 0.1.0 (file format 1)".
std::string VersionLine();

// Prints "<tool>: error: <message>" to stderr and returns kExitFailure.
// Library statuses already name the file (and line) they concern.
int ReportError(const Status& status);
// An error if `output` is the same file as one of `inputs` (the same device
// and inode: through another path, a hard or a symbolic link), which writing
// it would replace; OK otherwise ("" and "-" never match, nor a file that
// does not exist yet).
Status CheckOutputNotInput(const std::string& output, const std::vector<std::string>& inputs);
int ReportError(const std::string& message);
// A failure to load MODEL for the scoring tools: when the model file looks
// like text, says that MODEL and FILE may be swapped (usage: `usage`).
Status ModelLoadError(const Status& status, const std::string& usage);
// Prints "<tool>: error: <message> (try --help)" and returns kExitUsage.
int UsageError(const std::string& message);
// Prints "<tool>: warning: <message>".
void Warn(const std::string& message);

// Declares a tool's command line and parses it. --help and --version are
// added automatically.
//
//   CommandLine cl("[options] [FILE...]", "Counts n-grams ...");
//   cl.options().add_options()("order", po::value<int>()->default_value(3), "...");
//   cl.AddPositional("input", -1);
//   if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
class CommandLine {
 public:
  // `synopsis` follows the tool name in "Usage: <tool> <synopsis>";
  // `description` is printed under it by --help.
  CommandLine(std::string synopsis, std::string description);

  // The visible options (shown by --help).
  po::options_description& options() { return visible_; }
  // A positional argument: the next `max_count` bare words (-1 = all the
  // rest) are stored under the hidden option `name` (a vector<string>).
  void AddPositional(const std::string& name, int max_count);
  // Text printed at the end of --help (examples).
  void set_epilog(std::string text) { epilog_ = std::move(text); }

  // Returns kContinue if the tool should run; otherwise the exit code to
  // return at once: kExitOk after --help/--version, kExitUsage after a usage
  // error (already reported).
  int Parse(int argc, char** argv);

  bool Has(const std::string& name) const { return vm_.count(name) > 0 && !vm_[name].defaulted(); }
  template <typename T>
  T Get(const std::string& name) const {
    return vm_[name].as<T>();
  }
  // The values of a positional argument (empty if none were given).
  std::vector<std::string> Positional(const std::string& name) const;

 private:
  void PrintHelp() const;

  std::string synopsis_, description_, epilog_;
  po::options_description visible_;
  po::options_description hidden_;
  po::positional_options_description positional_;
  po::variables_map vm_;
};

// -S/--memory (ParseMemoryBudget, grams/files.h) and -T/--temp-dir of a
// CommandLine into *memory and *temp_dir (left empty when not given).
// Returns kContinue or a usage error's code.
int ParseMemoryOptions(const CommandLine& cl, uint64_t* memory, std::string* temp_dir);

// --lenient-arpa, for the tools that read ARPA files: positive log
// probabilities (IRSTLM's rounding) are clamped to 0 with one warning.
void AddLenientArpaOption(CommandLine* cl);
// --tables WHEN (LoadOptions::tables), for the tools that score.
void AddTablesOption(CommandLine* cl);
// LoadOptions for MODEL: --lenient-arpa, and warnings printed by Warn.
LoadOptions ModelLoadOptions(const CommandLine& cl);

// Number formatting for outputs.
// The shortest decimal that reads back as the same float / double
// ("-1.2345", "-inf", "nan").
std::string FormatFloat(float value);
std::string FormatDouble(double value);
// printf("%.<decimals>f"), with "inf"/"-inf"/"nan" for non-finite values.
std::string FormatFixed(double value, int decimals);

// JSON: a quoted, escaped string (control characters as \uXXXX; bytes >= 0x80
// are passed through, so valid UTF-8 stays valid; invalid UTF-8 bytes are
// replaced by U+FFFD so the output is always valid JSON).
void AppendJsonString(std::string* out, std::string_view s);
// A JSON number (shortest round trip), or null when not finite.
void AppendJsonNumber(std::string* out, double value);
// The same for a float, written as the shortest decimal that reads back as
// that float ("-0.2464443", not "-0.24644429981708527").
void AppendJsonNumber(std::string* out, float value);

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_CLI_H_
