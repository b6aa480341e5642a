#include "common/cli.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>

#include "grams/files.h"
#include "grams/version.h"

namespace grams::cli {
namespace {

std::string g_tool_name = "grams";
// Whether the tool took a memory budget (-S), which an out-of-memory message
// then suggests lowering.
bool g_memory_budget = false;

}  // namespace

namespace {
double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string HumanBytes(double b) {
  char buf[32];
  if (b >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.2f GB", b / 1e9);
  } else if (b >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.1f MB", b / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f kB", b / 1e3);
  }
  return buf;
}
}  // namespace

// The display whose line is on the terminal, which messages clear first.
static ProgressDisplay* g_progress = nullptr;

ProgressDisplay::ProgressDisplay(bool quiet, bool verbose)
    : show_(!quiet && isatty(2) == 1), verbose_(verbose), start_(Now()) {
  g_progress = this;
}

ProgressDisplay::~ProgressDisplay() {
  Done();
  if (g_progress == this) g_progress = nullptr;
}

void ProgressDisplay::ClearLine() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }
}

void ProgressDisplay::Update(const Progress& p) {
  const double now = Now();
  if (p.stage != stage_) {
    EndStage();
    stage_ = p.stage;
    stage_start_ = now;
    last_draw_ = 0;
  }
  if (!show_ || now - last_draw_ < 0.2) return;
  last_draw_ = now;
  std::string line = "\r\033[K" + g_tool_name + ": " + p.stage;
  const double elapsed = now - stage_start_;
  if (std::string(p.unit) == "orders") {
    if (p.total) line += ": order " + std::to_string(p.done + 1) + " of " + std::to_string(p.total);
  } else if (p.done > 0) {
    line += ": " + HumanBytes(static_cast<double>(p.done));
    if (p.total) {
      line += " of " + HumanBytes(static_cast<double>(p.total)) + " (" +
              std::to_string(p.done * 100 / p.total) + "%)";
    }
    if (elapsed > 0.05) {
      const double rate = static_cast<double>(p.done) / elapsed;
      line += ", " + HumanBytes(rate) + "/s";
      if (p.total > p.done && rate > 0) {
        line +=
            ", ETA " + std::to_string(static_cast<long>((p.total - p.done) / rate + 0.5)) + " s";
      }
    }
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressDisplay::EndStage() {
  ClearLine();
  if (verbose_ && !stage_.empty()) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::fprintf(stderr, "%s: %s: %.3f s, peak RSS so far %.1f MB\n", g_tool_name.c_str(),
                 stage_.c_str(), Now() - stage_start_, static_cast<double>(ru.ru_maxrss) / 1024.0);
  }
  stage_.clear();
}

void ProgressDisplay::Done() { EndStage(); }

void ProgressDisplay::Summary(const std::string& text) {
  EndStage();
  if (!show_) return;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.1f", Now() - start_);
  std::fprintf(stderr, "%s: %s in %s s\n", g_tool_name.c_str(), text.c_str(), seconds);
}

std::string ProgressDisplay::Grouped(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string ProgressDisplay::NgramCountsText(const std::vector<uint64_t>& per_order) {
  uint64_t total = 0;
  std::string each;
  for (size_t n = 0; n < per_order.size(); ++n) {
    total += per_order[n];
    each += (n ? ", " : "") + Grouped(per_order[n]) + " " + std::to_string(n + 1) + "-grams";
  }
  return Grouped(total) + " n-grams (" + each + ")";
}

void ReturnFreedMemoryEagerly() {
  // glibc raises its mmap threshold after big frees, after which large
  // arrays come from the heap and stay mapped when released. count and build
  // free whole orders' arrays as they go; a fixed threshold hands that memory
  // back, which keeps their peak RSS near the live data.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1 << 20);
}

int Run(const char* tool_name, int argc, char** argv, int (*body)(int, char**)) {
  g_tool_name = tool_name;
  InstallCleanupHandlers();
  // The last resort: library calls return a Status, even out of memory (the
  // library's GuardAlloc gives the size asked for), so nothing should get
  // here. If something does, unwinding to this point has removed the
  // half-written outputs, and the exit status is still 1, not a crash.
  auto out_of_memory = [] {
    return std::string("out of memory") +
           (g_memory_budget ? "; give a smaller memory budget (-S) so more goes to temporary "
                              "files, or free memory"
                            : "; free memory or use a machine with more");
  };
  try {
    return body(argc, argv);
  } catch (const std::bad_alloc&) {
    return ReportError(out_of_memory());
  } catch (const std::exception& e) {
    return ReportError(std::string("internal error: ") + e.what());
  } catch (...) {
    return ReportError("internal error: unknown exception");
  }
}

const std::string& ToolName() { return g_tool_name; }

std::string VersionLine() {
  return g_tool_name + " " + GRAMS_VERSION_STRING + " (file format " +
         std::to_string(GRAMS_FORMAT_VERSION) + ")";
}

void AddLenientArpaOption(CommandLine* cl) {
  cl->options().add_options()(
      "lenient-arpa",
      "an ARPA model's positive log probabilities (the rounding of IRSTLM, e.g. 1.76602e-07) "
      "are clamped to 0 with one warning giving their number and the largest, instead of "
      "being an error");
}

void AddTablesOption(CommandLine* cl) {
  cl->options().add_options()(
      "tables", po::value<std::string>()->value_name("WHEN")->notifier([](const std::string& when) {
        if (when != "background" && when != "first" && when != "never") {
          throw po::validation_error(po::validation_error::invalid_option_value, "tables", when);
        }
      }),
      "when a model file's hash tables are built (the compressed form: a mapped model or an "
      "ARPA file has them ready): 'background' (default: queries are answered from the "
      "model's trie as soon as it is read, and the tables, built meanwhile on a thread of "
      "their own, take over when ready; with -j taking every core, only once the trie has "
      "answered twice as many tokens as the model has n-grams), 'first' (before the first "
      "query: the load takes longer), or 'never' (less memory, slower on long texts). The "
      "scores are the same");
}

LoadOptions ModelLoadOptions(const CommandLine& cl) {
  LoadOptions options;
  options.lenient_arpa = cl.Has("lenient-arpa");
  if (cl.Has("tables")) {
    const std::string when = cl.Get<std::string>("tables");
    options.tables = when == "first"   ? LoadOptions::Tables::kBeforeReturning
                     : when == "never" ? LoadOptions::Tables::kNever
                                       : LoadOptions::Tables::kInBackground;
  }
  options.warn = [](const std::string& w) { Warn(w); };
  return options;
}

Status ModelLoadError(const Status& status, const std::string& usage) {
  if (status.message().find("it looks like text") == std::string::npos) return status;
  return Status(
      status.code(),
      status.message() + ": a text file where a model is expected? The order is " + usage);
}

int ReportError(const Status& status) { return ReportError(status.message()); }

int ReportError(const std::string& message) {
  std::fflush(stdout);
  if (g_progress) g_progress->ClearLine();
  std::fprintf(stderr, "%s: error: %s\n", g_tool_name.c_str(), message.c_str());
  return kExitFailure;
}

int UsageError(const std::string& message) {
  if (g_progress) g_progress->ClearLine();
  std::fprintf(stderr, "%s: error: %s (try --help)\n", g_tool_name.c_str(), message.c_str());
  return kExitUsage;
}

void Warn(const std::string& message) {
  if (g_progress) g_progress->ClearLine();
  std::fprintf(stderr, "%s: warning: %s\n", g_tool_name.c_str(), message.c_str());
}

CommandLine::CommandLine(std::string synopsis, std::string description)
    : synopsis_(std::move(synopsis)),
      description_(std::move(description)),
      visible_("Options", 80, 40) {
  // clang-format off
  visible_.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit");
  // clang-format on
}

void CommandLine::AddPositional(const std::string& name, int max_count) {
  hidden_.add_options()(name.c_str(), po::value<std::vector<std::string>>());
  positional_.add(name.c_str(), max_count);
}

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Habits from other toolkits that Boost would silently read as something
// else: SRILM's single-dash long options ("-order 3" is "-o rder") and
// lmplz's "-o 5" (the order there, the output file here). Returns the
// message for the first one found, or "".
std::string CheckForeignHabits(int argc, char** argv, const po::options_description& all) {
  const bool has_order = all.find_nothrow("order", false) != nullptr;
  const po::option_description* o = all.find_nothrow("-o", false);
  const bool o_is_output = o != nullptr && o->long_name() == "output";
  bool order_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--order" || a.substr(0, 8) == "--order=") order_given = true;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") break;
    if (a.size() > 2 && a[0] == '-' && a[1] != '-') {
      const std::string_view name = a.substr(1, a.find('=') - 1);
      if (name.size() > 1 && all.find_nothrow(std::string(name), false) != nullptr) {
        return "'" + std::string(a) + "' reads as '-" + std::string(a.substr(1, 1)) + " " +
               std::string(a.substr(2)) + "'; long options take two dashes: '--" +
               std::string(a.substr(1)) + "'";
      }
    }
    if (has_order && o_is_output && !order_given) {
      std::string_view value;
      if (a == "-o" && i + 1 < argc) value = argv[i + 1];
      if (a.size() > 2 && a.substr(0, 2) == "-o") value = a.substr(2);
      if (AllDigits(value)) {
        return "-o is the output file here, not the order (as in lmplz): for order " +
               std::string(value) + " write '--order " + std::string(value) +
               "'; to write a file named " + std::string(value) + ", use '-o ./" +
               std::string(value) + "'";
      }
    }
  }
  return "";
}

}  // namespace

int CommandLine::Parse(int argc, char** argv) {
  po::options_description all;
  all.add(visible_).add(hidden_);
  if (std::string habit = CheckForeignHabits(argc, argv, all); !habit.empty()) {
    return UsageError(habit);
  }
  try {
    po::store(
        po::command_line_parser(argc, argv)
            .options(all)
            .positional(positional_)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run(),
        vm_);
    if (vm_.count("help")) {
      PrintHelp();
      return kExitOk;
    }
    if (vm_.count("version")) {
      std::printf("%s\n", VersionLine().c_str());
      return kExitOk;
    }
    po::notify(vm_);
  } catch (const po::error& e) {
    return UsageError(e.what());
  }
  return kContinue;
}

std::vector<std::string> CommandLine::Positional(const std::string& name) const {
  if (!vm_.count(name)) return {};
  return vm_[name].as<std::vector<std::string>>();
}

void CommandLine::PrintHelp() const {
  std::cout << "Usage: " << g_tool_name << " " << synopsis_ << "\n\n"
            << description_ << "\n\n"
            << visible_;
  if (!epilog_.empty()) std::cout << "\n" << epilog_;
  std::cout.flush();
}

int ParseMemoryOptions(const CommandLine& cl, uint64_t* memory, std::string* temp_dir) {
  auto budget = ParseMemoryBudget(cl.Get<std::string>("memory"));
  if (!budget.ok()) return UsageError("--memory: " + budget.status().message());
  *memory = *budget;
  g_memory_budget = true;
  if (cl.Has("temp-dir")) {
    *temp_dir = cl.Get<std::string>("temp-dir");
    if (temp_dir->empty()) return UsageError("--temp-dir needs a directory");
  }
  return kContinue;
}

std::string FormatFloat(float value) {
  char buf[48];
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, r.ptr);
}

std::string FormatDouble(double value) {
  char buf[48];
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, r.ptr);
}

std::string FormatFixed(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t len;
  uint32_t min;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint32_t cp = c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

void AppendJsonNumber(std::string* out, double value) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  out->append(FormatDouble(value));
}

void AppendJsonNumber(std::string* out, float value) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  out->append(FormatFloat(value));
}

Status CheckOutputNotInput(const std::string& output, const std::vector<std::string>& inputs) {
  struct stat out;
  if (output.empty() || output == "-" || ::stat(output.c_str(), &out) != 0 ||
      !S_ISREG(out.st_mode)) {
    return Status::OK();
  }
  for (const std::string& input : inputs) {
    struct stat in;
    if (input == "-" || ::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      const std::string as = input == output ? "" : " (" + input + ")";
      return InvalidArgument(output + ": the output is also an input" + as +
                             ", which writing it would replace; write the output to another file");
    }
  }
  return Status::OK();
}

}  // namespace grams::cli
