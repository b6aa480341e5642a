#include "common/score_options.h"

#include "common/mix_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace grams::cli {
namespace {

// The options of filter mode, with what they bound.
struct FilterOption {
  const char* name;
  bool SentenceFilter::*has;
  double SentenceFilter::*value;
};
constexpr FilterOption kFilterOptions[] = {
    {"max-perplexity", &SentenceFilter::has_max_ppl, &SentenceFilter::max_ppl},
    {"min-perplexity", &SentenceFilter::has_min_ppl, &SentenceFilter::min_ppl},
    {"max-log10prob-per-token", &SentenceFilter::has_max_mean, &SentenceFilter::max_mean},
    {"min-log10prob-per-token", &SentenceFilter::has_min_mean, &SentenceFilter::min_mean},
};

// The first of `names` given on the command line, or "".
std::string FirstGiven(const CommandLine& cl, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (cl.Has(name)) return name;
  }
  return "";
}

bool ColorByDefault() {
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org
  const char* term = std::getenv("TERM");
  return (no_color == nullptr || *no_color == '\0') &&
         !(term != nullptr && std::string(term) == "dumb") && StdoutIsTerminal();
}

// What goes with what: usage errors for options given together that do
// not go together.
int CheckCombinations(const CommandLine& cl, const ScoreJob& job) {
  const std::string formatting =
      FirstGiven(cl, {"json", "per-token", "ngram-length", "with-perplexity", "with-line", "html"});
  if (job.filter.active() && !formatting.empty()) {
    return UsageError("a filter (--max-perplexity...) prints the input lines unchanged; --" +
                      formatting + " does not go with it");
  }
  if (job.format.ngram_length && !job.format.per_token) {
    return UsageError("--ngram-length goes with --per-token");
  }
  if (job.jsonl && !formatting.empty()) {
    return UsageError("--jsonl writes the objects back with their scores; --" + formatting +
                      " does not go with it");
  }
  if (!job.jsonl) {
    if (const std::string o = FirstGiven(cl, {"field", "skip-bad-lines"}); !o.empty()) {
      return UsageError("--" + o + " goes with --jsonl");
    }
  }
  if (job.jsonl_options.field.empty()) return UsageError("--field needs a name");
  if (job.color == ColorMode::kAlways && (!job.format.per_token || job.format.json)) {
    return UsageError("--color shades the TSV fields of --per-token (without --json)");
  }
  return kContinue;
}

}  // namespace

void AddThreadsOption(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("threads,j", po::value<int>()->default_value(0)->value_name("N"),
       "scoring threads (0 = one per core); the output is the same bytes for any N");
  // clang-format on
}

int ParseThreadsOption(const CommandLine& cl, int* threads, LoadOptions* load) {
  *threads = cl.Get<int>("threads");
  if (*threads < 0 || *threads > 256) return UsageError("--threads must be between 0 and 256");
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  load->cores_busy = *threads == 0 || *threads >= cores;
  return kContinue;
}

void AddScoreOptions(CommandLine* cl) {
  AddLenientArpaOption(cl);
  AddTablesOption(cl);
  AddMixOptions(cl);
  // clang-format off
  cl->options().add_options()
      ("per-token", "append a TOKEN=LOG10 field per token, </s> last; out-of-vocabulary "
                    "words are written TOKEN=<unk>:LOG10")
      ("ngram-length", "with --per-token: also the length of the n-gram that matched each "
                       "token (TOKEN=LOG10:N; JSON \"ngram_length\"): 1 when the model fell "
                       "back to the unigram, the order when the whole context matched")
      ("json", "write one JSON object per line instead: {\"log10prob\":..,\"tokens\":..,"
               "\"oovs\":..}; with --per-token also \"tokens_detail\", one "
               "{\"token\":..,\"log10prob\":..,\"oov\":..} per token")
      ("with-perplexity", "append the sentence's perplexity, 10^(-LOG10PROB/TOKENS), after "
                          "OOVS (JSON \"perplexity\")")
      ("with-line", "append the input line itself, last, after a tab (JSON \"line\")")
      ("max-perplexity", po::value<double>()->value_name("X"),
       "filter mode: print only the input lines whose perplexity is at most X, unchanged")
      ("min-perplexity", po::value<double>()->value_name("X"),
       "filter mode: ... whose perplexity is at least X")
      ("max-log10prob-per-token", po::value<double>()->value_name("X"),
       "filter mode: ... whose log10 probability per token (LOG10PROB/TOKENS, a negative "
       "number) is at most X")
      ("min-log10prob-per-token", po::value<double>()->value_name("X"),
       "filter mode: ... whose log10 probability per token is at least X (the bounds given "
       "must all hold)")
      ("no-bos", "score each line as a fragment: no <s> before it, its first unit scored "
                 "without context (KenLM's bos=False)")
      ("no-eos", "do not score </s> after each line (KenLM's eos=False; with --no-bos, "
                 "KenLM's query -n)")
      ("jsonl", "read JSON Lines: score the text in each object's --field, its lines as "
                "sentences, and write the object back with \"log10prob\", \"tokens\", "
                "\"oovs\" and \"perplexity\" added (over all its lines, as CCNet); with a "
                "filter, print the lines that pass unchanged")
      ("field", po::value<std::string>()->default_value("text")->value_name("NAME"),
       "with --jsonl: the member that holds the text")
      ("skip-bad-lines", "with --jsonl: skip malformed lines (not a JSON object, no --field "
                         "string, not UTF-8) and count them in a warning, instead of stopping "
                         "at the first")
      ("color", po::value<std::string>()->implicit_value("always")->value_name("WHEN"),
       "shade each --per-token field by the token's surprisal (-log2 p, in bits) with ANSI "
       "colours, a legend on stderr; WHEN (--color=WHEN) is auto (the default: on a "
       "terminal), always (--color alone) or never")
      ("html", po::value<std::string>()->value_name("FILE"),
       "also write FILE, one self-contained HTML page: every sentence, its tokens shaded by "
       "surprisal with their log10 p, matched n-gram and OOV on hover, sortable by "
       "perplexity ('-': the page alone on standard output)")
      ("line-buffered", "flush the output after every line (for use as a coprocess)");
  // clang-format on
  AddThreadsOption(cl);
  cl->AddPositional("model", 1);
  cl->AddPositional("input", -1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-score corpus.lm < sentences.txt\n"
      "  grams-score --per-token corpus.lm test.txt | head\n"
      "  grams-score --json --per-token --ngram-length corpus.arpa test.txt\n"
      "  grams-score --with-perplexity --with-line corpus.lm text.txt | sort -t$'\\t' -k4,4g\n"
      "  grams-score --max-perplexity 500 corpus.lm crawl.txt > clean.txt\n"
      "  grams-score --jsonl --field content corpus.lm docs.jsonl > scored.jsonl\n"
      "  grams-score --html report.html corpus.lm test.txt > /dev/null\n"
      "  grams-score --mix-model general.lm --weights 0.7,0.3 in-domain.lm test.txt\n");
}

int ParseScoreOptions(const CommandLine& cl, ScoreJob* job) {
  job->load = ModelLoadOptions(cl);
  std::vector<std::string> model = cl.Positional("model");
  if (model.empty()) return UsageError("missing MODEL");
  job->model = model[0];
  job->inputs = cl.Positional("input");
  if (job->inputs.empty()) job->inputs.push_back("-");
  if (int rc = ParseThreadsOption(cl, &job->options.threads, &job->load); rc != kContinue) {
    return rc;
  }

  ScoreFormat& f = job->format;
  f.json = cl.Has("json");
  f.per_token = cl.Has("per-token");
  f.ngram_length = cl.Has("ngram-length");
  f.with_perplexity = cl.Has("with-perplexity");
  f.with_line = cl.Has("with-line");
  job->options.sentence.bos = !cl.Has("no-bos");
  job->options.sentence.eos = !cl.Has("no-eos");
  job->jsonl = cl.Has("jsonl");
  job->jsonl_options.field = cl.Get<std::string>("field");
  job->jsonl_options.skip_bad_lines = cl.Has("skip-bad-lines");
  if (cl.Has("html")) {
    job->html = cl.Get<std::string>("html");
    if (job->html.empty()) return UsageError("--html needs a file name");
  }
  if (cl.Has("color")) {
    const std::string when = cl.Get<std::string>("color");
    if (when == "always") {
      job->color = ColorMode::kAlways;
    } else if (when == "never") {
      job->color = ColorMode::kNever;
    } else if (when != "auto") {
      return UsageError("--color takes auto, always or never, not '" + when + "'");
    }
  }
  for (const FilterOption& o : kFilterOptions) {
    if (!cl.Has(o.name)) continue;
    const double x = cl.Get<double>(o.name);
    if (std::isnan(x)) return UsageError(std::string("--") + o.name + " needs a number");
    job->filter.*o.has = true;
    job->filter.*o.value = x;
  }

  if (int rc = CheckCombinations(cl, *job); rc != kContinue) return rc;
  f.color = job->color == ColorMode::kAlways || (job->color == ColorMode::kAuto && f.per_token &&
                                                 !f.json && job->html != "-" && ColorByDefault());
  job->line_buffered = cl.Has("line-buffered") || StdoutIsTerminal();
  // Prompt mode: no line's result waits for input that has not arrived.
  if (job->line_buffered) job->options.batch_tokens = 1;
  return kContinue;
}

bool ScoreOutput::Write(std::string_view text) {
  writer_->Write(text);
  if (line_buffered_) (void)writer_->Flush();
  return !writer_->broken_pipe();
}

int ScoreOutput::Finish(const Status& scored) {
  if (!scored.ok()) {
    (void)writer_->Flush();  // what was scored before the error
    return ReportError(scored);
  }
  if (writer_->broken_pipe()) return kExitOk;
  Status s = writer_->Commit();
  if (writer_->broken_pipe()) return kExitOk;
  if (!s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace grams::cli
