// grams-index: builds a suffix-array index of a corpus (tokenized as
// grams-count tokenizes it), and answers queries on it read from standard
// input: counts of n-grams of any length, continuations, infinity-gram
// probabilities and perplexity, where n-grams occur, and the longest span of
// each test line found in the corpus (a leak check).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/cli.h"
#include "grams/escape.h"
#include "grams/files.h"
#include "grams/index.h"
#include "grams/language_model.h"
#include "grams/scorer.h"
#include "grams/settings.h"

namespace grams {
namespace {

using namespace cli;

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

int ParseTokenizer(const CommandLine& cl, TokenizerSettings* t) {
  auto unit = ParseUnit(cl.Get<std::string>("unit"));
  if (!unit.ok()) return UsageError("--unit: " + unit.status().message());
  t->unit = unit.value();
  auto normalize = ParseNormalization(cl.Get<std::string>("normalize"));
  if (!normalize.ok()) return UsageError("--normalize: " + normalize.status().message());
  t->normalize = normalize.value();
  t->case_fold = cl.Has("case-fold");
  auto boundaries = ParseBoundaries(cl.Get<std::string>("boundaries"));
  if (!boundaries.ok()) return UsageError("--boundaries: " + boundaries.status().message());
  t->boundaries = boundaries.value();
  auto invalid = ParseInvalidUtf8(cl.Get<std::string>("invalid"));
  if (!invalid.ok()) return UsageError("--invalid: " + invalid.status().message());
  t->invalid = invalid.value();
  if ((t->unit == Unit::kSentencePiece) != cl.Has("sp-model")) {
    return UsageError(cl.Has("sp-model") ? "--sp-model applies to --unit sentencepiece only"
                                         : "--unit sentencepiece needs --sp-model FILE");
  }
  if (cl.Has("sp-model")) {
    auto sp_model = ReadSentencePieceModel(cl.Get<std::string>("sp-model"));
    if (!sp_model.ok()) return ReportError(sp_model.status());
    t->sp_model = std::move(sp_model).value();
  }
  return kContinue;
}

// The answers to the queries of job.input, one line (or, for prob, one line
// per unit) per query.
class Answerer {
 public:
  Answerer(CorpusIndex* index, const QueryJob& job, TextScorer* scorer, double lambda_sparse,
           double lambda)
      : index_(index),
        job_(job),
        escape_(UnitsNeedEscaping(index->settings())),
        scorer_(scorer),
        lambda_sparse_(lambda_sparse),
        lambda_(lambda) {}

  std::string Unit(WordId id) const {
    const std::string_view w = index_->Word(id);
    return escape_ ? EscapeUnit(w) : std::string(w);
  }
  std::string Units(const std::vector<WordId>& ids, size_t begin, size_t n) const {
    std::string s;
    for (size_t i = begin; i < begin + n; ++i) {
      if (i > begin) s += ' ';
      s += Unit(ids[i]);
    }
    return s;
  }

  Status Answer(uint64_t line_no, std::string_view query, const std::vector<WordId>& ids,
                std::string* out) {
    const std::string q(query);
    switch (job_.mode) {
      case Mode::kCount: {
        const Count c = index_->CountNgram(ids);
        if (job_.json) {
          out->append("{\"query\":");
          AppendJsonString(out, q);
          out->append(",\"count\":" + std::to_string(c) + "}\n");
        } else {
          out->append(q + "\t" + std::to_string(c) + "\n");
        }
        break;
      }
      case Mode::kNext: {
        std::vector<CorpusIndex::Continuation> next;
        uint64_t distinct = 0;
        const Count total = index_->Continuations(ids, job_.top, &next, &distinct);
        if (job_.json) {
          out->append("{\"query\":");
          AppendJsonString(out, q);
          out->append(",\"total\":" + std::to_string(total) +
                      ",\"distinct\":" + std::to_string(distinct) + ",\"next\":[");
          for (size_t i = 0; i < next.size(); ++i) {
            if (i) out->push_back(',');
            out->append("{\"unit\":");
            AppendJsonString(out, index_->Word(next[i].word));
            out->append(",\"count\":" + std::to_string(next[i].count) + "}");
          }
          out->append("]}\n");
        } else {
          out->append(q + "\t" + std::to_string(total) + "\t" + std::to_string(distinct));
          for (const auto& c : next)
            out->append("\t" + Unit(c.word) + " " + std::to_string(c.count));
          out->push_back('\n');
        }
        break;
      }
      case Mode::kProb:
      case Mode::kPpl: {
        index_->InfinigramProbabilities(ids, &probs_);
        if (scorer_ != nullptr) GRAMS_RETURN_IF_ERROR(NgramLog10(query, probs_.size(), &ngram_));
        const bool eos = probs_.size() > ids.size();
        for (size_t i = 0; i < probs_.size(); ++i) {
          const auto& p = probs_[i];
          ++scored_;
          if (p.probability > 0) {
            log10_sum_ += std::log10(p.probability);
          } else {
            ++zeros_;
          }
          double mixed = 0;
          if (scorer_ != nullptr) {
            const double l = p.sparse ? lambda_sparse_ : lambda_;
            mixed = std::log10(l * p.probability +
                               (1 - l) * std::pow(10.0, static_cast<double>(ngram_[i])));
            mixed_sum_ += mixed;
          }
          if (job_.mode == Mode::kPpl) continue;
          const std::string unit =
              i < ids.size()
                  ? (ids[i] == CorpusIndex::kUnknownUnit ? std::string("<unk>") : Unit(ids[i]))
                  : std::string(eos ? "</s>" : "");
          const double l10 = p.probability > 0 ? std::log10(p.probability) : -INFINITY;
          if (job_.json) {
            out->append("{\"line\":" + std::to_string(line_no) + ",\"unit\":");
            AppendJsonString(out, unit);
            out->append(",\"prob\":");
            AppendJsonNumber(out, p.probability);
            out->append(",\"log10prob\":");
            AppendJsonNumber(out, l10);
            out->append(",\"suffix\":" + std::to_string(p.suffix) +
                        ",\"count\":" + std::to_string(p.count) +
                        ",\"context_count\":" + std::to_string(p.context_count));
            if (scorer_ != nullptr) {
              out->append(",\"ngram_log10prob\":");
              AppendJsonNumber(out, ngram_[i]);
              out->append(",\"interpolated_log10prob\":");
              AppendJsonNumber(out, mixed);
            }
            out->append("}\n");
          } else {
            out->append(std::to_string(line_no) + "\t" + unit + "\t" + FormatDouble(p.probability) +
                        "\t" + FormatFixed(l10, 6) + "\t" + std::to_string(p.suffix) + "\t" +
                        std::to_string(p.count) + "\t" + std::to_string(p.context_count));
            if (scorer_ != nullptr) {
              out->append("\t" + FormatFixed(ngram_[i], 6) + "\t" + FormatFixed(mixed, 6));
            }
            out->push_back('\n');
          }
        }
        break;
      }
      case Mode::kWhere: {
        std::vector<uint64_t> lines;
        const Count c = index_->Where(ids, job_.limit, &lines);
        if (job_.json) {
          out->append("{\"query\":");
          AppendJsonString(out, q);
          out->append(",\"count\":" + std::to_string(c) + ",\"lines\":[");
        } else {
          out->append(q + "\t" + std::to_string(c) + "\t");
        }
        for (size_t i = 0; i < lines.size(); ++i) {
          if (i) out->push_back(',');
          out->append(std::to_string(lines[i]));
        }
        out->append(job_.json ? "]}\n" : "\n");
        break;
      }
      case Mode::kLeak: {
        const CorpusIndex::Span s = index_->LongestSpan(ids);
        const std::string span = Units(ids, s.begin, s.length);
        if (job_.json) {
          out->append("{\"line\":" + std::to_string(line_no) +
                      ",\"units\":" + std::to_string(ids.size()) +
                      ",\"length\":" + std::to_string(s.length) + ",\"span\":");
          AppendJsonString(out, span);
          out->append(",\"count\":" + std::to_string(s.count) +
                      ",\"corpus_line\":" + std::to_string(s.line) + "}\n");
        } else {
          out->append(std::to_string(line_no) + "\t" + std::to_string(ids.size()) + "\t" +
                      std::to_string(s.length) + "\t" + span + "\t" + std::to_string(s.count) +
                      "\t" + std::to_string(s.line) + "\n");
        }
        break;
      }
    }
    return Status::OK();
  }

  // The n-gram model's log10 probabilities of the line's tokens into *out;
  // `n` of them, as the index scores it.
  Status NgramLog10(std::string_view line, size_t n, std::vector<float>* out) {
    GRAMS_RETURN_IF_ERROR(scorer_->ScoreLine(line, &line_score_));
    if (line_score_.token_log10.size() != n) {
      return InternalError("the model and the index split the line differently");
    }
    *out = line_score_.token_log10;
    return Status::OK();
  }

  // --query ppl: the summary after the last line.
  std::string Summary() const {
    const uint64_t seen = scored_ - zeros_;
    const double ppl = seen > 0 ? std::pow(10.0, -log10_sum_ / static_cast<double>(seen)) : NAN;
    if (job_.json) {
      std::string out = "{\"tokens\":" + std::to_string(scored_) +
                        ",\"zero_probability\":" + std::to_string(zeros_) + ",\"log10prob\":";
      AppendJsonNumber(&out, log10_sum_);
      out.append(",\"perplexity_nonzero\":");
      AppendJsonNumber(&out, ppl);
      if (scorer_ != nullptr && scored_ > 0) {
        out.append(",\"lambda_sparse\":");
        AppendJsonNumber(&out, lambda_sparse_);
        out.append(",\"lambda\":");
        AppendJsonNumber(&out, lambda_);
        out.append(",\"interpolated_perplexity\":");
        AppendJsonNumber(&out, std::pow(10.0, -mixed_sum_ / static_cast<double>(scored_)));
      }
      out.append("}\n");
      return out;
    }
    std::string out = "tokens\t" + std::to_string(scored_) + "\nzero_probability\t" +
                      std::to_string(zeros_) + "\nlog10prob\t" + FormatFixed(log10_sum_, 4) +
                      "\nperplexity_nonzero\t" + FormatFixed(ppl, 4) + "\nperplexity\t" +
                      (zeros_ > 0 ? std::string("inf") : FormatFixed(ppl, 4)) + "\n";
    if (scorer_ != nullptr && scored_ > 0) {
      out += "lambda_sparse\t" + FormatFixed(lambda_sparse_, 4) + "\nlambda\t" +
             FormatFixed(lambda_, 4) + "\ninterpolated_log10prob\t" + FormatFixed(mixed_sum_, 4) +
             "\ninterpolated_perplexity\t" +
             FormatFixed(std::pow(10.0, -mixed_sum_ / static_cast<double>(scored_)), 4) + "\n";
    }
    return out;
  }

 private:
  CorpusIndex* index_;
  const QueryJob& job_;
  bool escape_;
  TextScorer* scorer_;
  double lambda_sparse_, lambda_;
  std::vector<CorpusIndex::TokenProbability> probs_;
  std::vector<float> ngram_;
  TextScorer::LineScore line_score_;
  uint64_t scored_ = 0, zeros_ = 0;
  double log10_sum_ = 0, mixed_sum_ = 0;
};

// The weight of the infinity-gram in its interpolation with the model that
// maximizes the likelihood of the text `dev`, in [0, 0.999].
Status TuneLambdas(CorpusIndex* index, TextScorer* scorer, const std::string& dev,
                   double* lambda_sparse, double* lambda) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, TextReader::Open(dev));
  std::vector<double> inf[2], ngram[2];  // [1]: sparse estimates
  std::vector<WordId> ids;
  std::vector<CorpusIndex::TokenProbability> probs;
  TextScorer::LineScore score;
  std::string_view line;
  while (reader->Next(&line)) {
    Status s = index->Tokenize(line, false, &ids);
    if (s.ok()) s = scorer->ScoreLine(line, &score);
    if (!s.ok()) return InvalidArgument(reader->Where() + ": " + s.message());
    index->InfinigramProbabilities(ids, &probs);
    if (probs.size() != score.token_log10.size()) {
      return InternalError(reader->Where() +
                           ": the model and the index split the line differently");
    }
    for (size_t i = 0; i < probs.size(); ++i) {
      const int k = probs[i].sparse ? 1 : 0;
      inf[k].push_back(probs[i].probability);
      ngram[k].push_back(std::pow(10.0, static_cast<double>(score.token_log10[i])));
    }
  }
  GRAMS_RETURN_IF_ERROR(reader->status());
  // The log-likelihood of each kind of token is concave in its lambda (a
  // sum of logs of linear functions): a ternary search finds its maximum on
  // [0, 0.999].
  for (int k = 0; k < 2; ++k) {
    auto likelihood = [&](double l) {
      double ll = 0;
      for (size_t i = 0; i < inf[k].size(); ++i) {
        ll += std::log(l * inf[k][i] + (1 - l) * ngram[k][i]);
      }
      return ll;
    };
    double lo = 0, hi = 0.999;
    for (int step = 0; step < 60; ++step) {
      const double a = lo + (hi - lo) / 3, b = hi - (hi - lo) / 3;
      if (likelihood(a) < likelihood(b)) {
        lo = a;
      } else {
        hi = b;
      }
    }
    const double best = likelihood(0) >= likelihood((lo + hi) / 2) ? 0.0 : (lo + hi) / 2;
    *(k == 1 ? lambda_sparse : lambda) = best;
  }
  return Status::OK();
}

Status RunQueries(const std::string& index_path, const QueryJob& job, bool check) {
  CorpusIndex::OpenOptions open;
  open.verify_checksums = check;
  GRAMS_ASSIGN_OR_RETURN(auto index, CorpusIndex::Open(index_path, open));
  std::unique_ptr<LanguageModel> lm;
  std::unique_ptr<TextScorer> scorer;
  double lambda_sparse = job.lambda_sparse, lambda = job.lambda;
  if (!job.model.empty()) {
    GRAMS_ASSIGN_OR_RETURN(lm, LanguageModel::Load(job.model));
    if (!(lm->settings() == index->settings()) ||
        index->settings().boundaries != Boundaries::kLine) {
      return InvalidArgument(
          job.model + ": the model and " + index_path +
          " must tokenize alike, with boundaries=line (model: " + lm->settings().ToString() +
          "; index: " + index->settings().ToString() + ")");
    }
    scorer = std::make_unique<TextScorer>(lm.get());
    if (!job.tune_dev.empty()) {
      GRAMS_RETURN_IF_ERROR(
          TuneLambdas(index.get(), scorer.get(), job.tune_dev, &lambda_sparse, &lambda));
      std::fprintf(stderr,
                   "%s: lambda %.4f for sparse estimates, %.4f for the others (tuned on %s)\n",
                   ToolName().c_str(), lambda_sparse, lambda, job.tune_dev.c_str());
    }
  }
  GRAMS_ASSIGN_OR_RETURN(auto reader, TextReader::Open(job.input));
  GRAMS_ASSIGN_OR_RETURN(auto writer, FileWriter::Open(job.output));
  Answerer answerer(index.get(), job, scorer.get(), lambda_sparse, lambda);
  std::vector<WordId> ids;
  std::string out;
  std::string_view line;
  const bool interactive = StdinIsTerminal() && job.input == "-";
  std::vector<double> micros;
  while (reader->Next(&line)) {
    const auto start = std::chrono::steady_clock::now();
    Status s = index->Tokenize(line, job.units, &ids);
    if (!s.ok()) return InvalidArgument(reader->Where() + ": " + s.message());
    s = answerer.Answer(reader->line_number(), line, ids, &out);
    if (!s.ok()) return InvalidArgument(reader->Where() + ": " + s.message());
    if (job.timing) {
      micros.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
    }
    if (out.size() > (1 << 16) || interactive) {
      writer->Write(out);
      out.clear();
      if (interactive) GRAMS_RETURN_IF_ERROR(writer->Flush());
    }
    if (writer->broken_pipe()) return Status::OK();
  }
  GRAMS_RETURN_IF_ERROR(reader->status());
  if (job.timing && !micros.empty()) {
    std::sort(micros.begin(), micros.end());
    auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
    std::fprintf(stderr, "%s: %zu queries: median %.2f us, p90 %.2f us, p99 %.2f us, max %.2f us\n",
                 ToolName().c_str(), micros.size(), at(0.5), at(0.9), at(0.99), micros.back());
  }
  if (job.mode == Mode::kPpl) out += answerer.Summary();
  writer->Write(out);
  if (writer->broken_pipe()) return Status::OK();
  return writer->Commit();
}

int Main(int argc, char** argv) {
  cli::ReturnFreedMemoryEagerly();
  CommandLine cl(
      "[options] -o INDEX [FILE...]  |  --query MODE [options] INDEX",
      "Builds a suffix-array index of the text of FILE... (one sentence per line;\n"
      "compressed input is read directly; no FILE or '-' reads standard input),\n"
      "tokenized exactly as grams-count tokenizes it (the settings are recorded in the\n"
      "index), or answers queries on an index, one per line of standard input (or\n"
      "--input), TSV out (--json: JSON Lines). MODE is:\n"
      "  count  the count of each n-gram, of any length (QUERY, COUNT)\n"
      "  next   the units that follow each context (QUERY, TOTAL, DISTINCT, then the\n"
      "         --top most frequent as 'UNIT COUNT' fields)\n"
      "  prob   the infinity-gram probability of each unit of each line and of its </s>\n"
      "         (LINE, UNIT, PROB, LOG10PROB, SUFFIX, COUNT, CONTEXT_COUNT): the longest\n"
      "         suffix of the context seen in the corpus, SUFFIX units long\n"
      "  ppl    the same, summed: tokens, zero-probability tokens, log10 probability,\n"
      "         perplexity over the nonzero ones, and perplexity\n"
      "  where  the count and up to --limit lines (1-based) where each n-gram occurs\n"
      "  leak   for each line: its units, its longest span found in the corpus (length,\n"
      "         span, count, a corpus line holding it)\n"
      "Units never seen return 0 counts. Queries are text tokenized by the index's\n"
      "settings, or with --units printed units as grams-count --text writes them\n"
      "(<s> first and </s> last are allowed).");
  // clang-format off
  cl.options().add_options()
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "build: the index file to write; queries: where answers go (default standard output)")
      ("query", po::value<std::string>()->value_name("MODE"),
       "answer queries on INDEX: count, next, prob, ppl, where or leak")
      ("input,i", po::value<std::string>()->value_name("FILE"),
       "queries: read them from FILE instead of standard input")
      ("units", "queries are space-separated units as grams-count --text prints them")
      ("json", "queries: JSON Lines out instead of TSV")
      ("top", po::value<int64_t>()->default_value(10)->value_name("K"),
       "next: the K most frequent continuations (0 = all)")
      ("limit", po::value<int64_t>()->default_value(10)->value_name("N"),
       "where: at most N line numbers per n-gram")
      ("model", po::value<std::string>()->value_name("MODEL"),
       "prob, ppl: interpolate with this n-gram model (any model grams-perplexity takes, "
       "tokenizing as the index): LAMBDA x infinity-gram + (1 - LAMBDA) x model")
      ("lambda", po::value<std::string>()->value_name("L[,LS]"),
       "with --model: the infinity-gram's weight, 0 <= L < 1; LS, for its sparse estimates "
       "(contexts always followed by the same unit), is L unless given")
      ("tune", po::value<std::string>()->value_name("DEV"),
       "with --model: choose LAMBDA maximizing the likelihood of the text DEV")
      ("timing", "queries: print the median, p90 and p99 time per query (tokenizing, "
                 "searching, formatting) to stderr")
      ("check", "queries: verify every section's checksum first (reads the whole index)")
      ("unit", po::value<std::string>()->default_value("word")->value_name("UNIT"),
       "build: word, byte, char, grapheme, segment or sentencepiece, as grams-count")
      ("sp-model", po::value<std::string>()->value_name("FILE"),
       "build, with --unit sentencepiece: the SentencePiece model")
      ("normalize", po::value<std::string>()->default_value("none")->value_name("FORM"),
       "build: Unicode normalization: none, nfc or nfkc")
      ("case-fold", "build: fold case before segmentation")
      ("boundaries", po::value<std::string>()->default_value("line")->value_name("MODE"),
       "build: line (each line a sentence; no match spans two lines) or none (one stream)")
      ("invalid", po::value<std::string>()->default_value("error")->value_name("ACTION"),
       "build: invalid UTF-8 with a Unicode unit: error, replace or skip")
      ("quiet,q", "show no progress")
      ("verbose,v", "print each stage's time and the peak memory to stderr");
  // clang-format on
  cl.AddPositional("input-files", -1);
  cl.set_epilog(
      "Examples:\n"
      "  grams-index -o train.idx train.txt\n"
      "  echo 'of the' | grams-index --query count train.idx\n"
      "  echo 'in the' | grams-index --query next --top 5 train.idx\n"
      "  grams-index --query ppl --input test.txt train.idx\n"
      "  grams-index --query leak --input test.txt train.idx | sort -t$'\\t' -k3,3nr | head\n");
  if (int rc = cl.Parse(argc, argv); rc != kContinue) return rc;
  const std::vector<std::string> files = cl.Positional("input-files");
  ProgressDisplay progress(cl.Has("quiet"), cl.Has("verbose"));
  if (cl.Has("query")) {
    QueryJob job;
    const std::string mode = cl.Get<std::string>("query");
    const std::pair<const char*, Mode> modes[] = {{"count", Mode::kCount}, {"next", Mode::kNext},
                                                  {"prob", Mode::kProb},   {"ppl", Mode::kPpl},
                                                  {"where", Mode::kWhere}, {"leak", Mode::kLeak}};
    bool found = false;
    for (const auto& [name, m] : modes) {
      if (mode == name) job.mode = m, found = true;
    }
    if (!found) return UsageError("--query: unknown mode '" + mode + "'");
    if (files.size() != 1) return UsageError("--query needs exactly one INDEX");
    for (const char* opt :
         {"unit", "sp-model", "normalize", "case-fold", "boundaries", "invalid"}) {
      if (cl.Has(opt)) {
        return UsageError(std::string("--") + opt + " applies to building; the index has its own");
      }
    }
    const int64_t top = cl.Get<int64_t>("top"), limit = cl.Get<int64_t>("limit");
    if (top < 0) return UsageError("--top must not be negative");
    if (limit < 1) return UsageError("--limit must be at least 1");
    job.top = static_cast<size_t>(top);
    job.limit = static_cast<size_t>(limit);
    job.units = cl.Has("units");
    job.json = cl.Has("json");
    job.timing = cl.Has("timing");
    if (cl.Has("model")) {
      if (job.mode != Mode::kProb && job.mode != Mode::kPpl) {
        return UsageError("--model applies to --query prob and ppl only");
      }
      if (cl.Has("lambda") == cl.Has("tune")) {
        return UsageError("--model needs one of --lambda and --tune");
      }
      job.model = cl.Get<std::string>("model");
      if (cl.Has("lambda")) {
        const std::string text = cl.Get<std::string>("lambda");
        const size_t comma = text.find(',');
        auto parse = [](const std::string& t, double* v) {
          char* end = nullptr;
          *v = std::strtod(t.c_str(), &end);
          return !t.empty() && end == t.c_str() + t.size() && *v >= 0 && *v < 1;
        };
        if (!parse(text.substr(0, comma), &job.lambda) ||
            !parse(comma == std::string::npos ? text.substr(0, comma) : text.substr(comma + 1),
                   &job.lambda_sparse)) {
          return UsageError("--lambda: '" + text + "' is not L or L,LS with 0 <= L, LS < 1");
        }
      }
      if (cl.Has("tune")) job.tune_dev = cl.Get<std::string>("tune");
    } else if (cl.Has("lambda") || cl.Has("tune")) {
      return UsageError("--lambda and --tune need --model");
    }
    if (cl.Has("input")) job.input = cl.Get<std::string>("input");
    if (cl.Has("output")) job.output = cl.Get<std::string>("output");
    if (Status s = RunQueries(files[0], job, cl.Has("check")); !s.ok()) return ReportError(s);
    return kExitOk;
  }
  for (const char* opt :
       {"input", "units", "json", "top", "limit", "check", "timing", "model", "lambda", "tune"}) {
    if (cl.Has(opt)) return UsageError(std::string("--") + opt + " applies to --query only");
  }
  if (!cl.Has("output") || cl.Get<std::string>("output").empty()) {
    return UsageError("building an index needs -o INDEX");
  }
  const std::string output = cl.Get<std::string>("output");
  if (output == "-") return UsageError("an index is mapped, not streamed: -o needs a file name");
  IndexBuildOptions options;
  if (int rc = ParseTokenizer(cl, &options.tokenizer); rc != kContinue) return rc;
  options.progress = progress.callback();
  std::vector<std::string> inputs = files;
  if (inputs.empty()) inputs.push_back("-");
  if (Status s = BuildIndex(inputs, options, output); !s.ok()) return ReportError(s);
  progress.Done();
  return kExitOk;
}

}  // namespace
}  // namespace grams

int main(int argc, char** argv) { return grams::cli::Run("grams-index", argc, argv, grams::Main); }
