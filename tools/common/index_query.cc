// grams-index's queries: see index_query.h.
#include "common/index_query.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include "grams/escape.h"
#include "grams/files.h"
#include "grams/index.h"
#include "grams/language_model.h"
#include "grams/scorer.h"
#include "grams/settings.h"

namespace grams::cli {
namespace {

// The answers to the queries of job.input, one line (or, for prob, one line
// per unit) per query.
class Answerer {
 public:
  Answerer(IndexSet* index, const QueryJob& job, TextScorer* scorer, double lambda_sparse,
           double lambda)
      : index_(index),
        job_(job),
        escape_(UnitsNeedEscaping(index->settings())),
        scorer_(scorer),
        lambda_sparse_(lambda_sparse),
        lambda_(lambda) {}

  std::string Unit(std::string_view w) const { return escape_ ? EscapeUnit(w) : std::string(w); }
  std::string Units(const IndexSet::Query& q, size_t begin, size_t n) const {
    std::string s;
    for (size_t i = begin; i < begin + n; ++i) {
      if (i > begin) s += ' ';
      s += Unit(q.units[i]);
    }
    return s;
  }

  Status Answer(uint64_t line_no, std::string_view query, const IndexSet::Query& ids,
                std::string* out) {
    switch (job_.mode) {
      case Mode::kCount:
        AnswerCount(std::string(query), ids, out);
        break;
      case Mode::kNext:
        AnswerNext(std::string(query), ids, out);
        break;
      case Mode::kProb:
      case Mode::kPpl:
        return AnswerProbabilities(line_no, query, ids, out);
      case Mode::kWhere:
        AnswerWhere(std::string(query), ids, out);
        break;
      case Mode::kLeak:
        AnswerLeak(line_no, ids, out);
        break;
    }
    return Status::OK();
  }

  // --query count: the query and its count.
  void AnswerCount(const std::string& q, const IndexSet::Query& ids, std::string* out) const {
    const Count c = index_->CountNgram(ids);
    if (job_.json) {
      out->append("{\"query\":");
      AppendJsonString(out, q);
      out->append(",\"count\":" + std::to_string(c) + "}\n");
    } else {
      out->append(q + "\t" + std::to_string(c) + "\n");
    }
  }

  // --query next: the total and distinct continuations, then the top ones.
  void AnswerNext(const std::string& q, const IndexSet::Query& ids, std::string* out) const {
    std::vector<IndexSet::Continuation> next;
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
        AppendJsonString(out, next[i].unit);
        out->append(",\"count\":" + std::to_string(next[i].count) + "}");
      }
      out->append("]}\n");
    } else {
      out->append(q + "\t" + std::to_string(total) + "\t" + std::to_string(distinct));
      for (const auto& c : next) {
        out->push_back('\t');
        out->append(Unit(c.unit));
        out->push_back(' ');
        out->append(std::to_string(c.count));
      }
      out->push_back('\n');
    }
  }

  // --query prob and ppl: the ∞-gram probability of each unit (with the
  // n-gram model's and the interpolation where a model is given); ppl only
  // adds them up for the summary.
  Status AnswerProbabilities(uint64_t line_no, std::string_view query, const IndexSet::Query& ids,
                             std::string* out) {
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
      const std::string unit = i < ids.size()
                                   ? (ids.known(i) ? Unit(ids.units[i]) : std::string("<unk>"))
                                   : std::string(eos ? "</s>" : "");
      AppendProbability(line_no, unit, p, i, mixed, out);
    }
    return Status::OK();
  }

  // One unit's line of --query prob: the ∞-gram probability and what it
  // came from, then the model's and the interpolated log10 where a model is
  // given.
  void AppendProbability(uint64_t line_no, const std::string& unit,
                         const CorpusIndex::TokenProbability& p, size_t i, double mixed,
                         std::string* out) const {
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
        out->push_back('\t');
        out->append(FormatFixed(ngram_[i], 6));
        out->push_back('\t');
        out->append(FormatFixed(mixed, 6));
      }
      out->push_back('\n');
    }
  }

  // --query where: the count and the first lines holding the n-gram.
  void AnswerWhere(const std::string& q, const IndexSet::Query& ids, std::string* out) const {
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
  }

  // --query leak: the longest span of the line found in the corpus.
  void AnswerLeak(uint64_t line_no, const IndexSet::Query& ids, std::string* out) const {
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
                  std::to_string(s.length) + "\t" + span + "\t" + std::to_string(s.count) + "\t" +
                  std::to_string(s.line) + "\n");
    }
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
  IndexSet* index_;
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
Status TuneLambdas(IndexSet* index, TextScorer* scorer, const std::string& dev,
                   double* lambda_sparse, double* lambda) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, TextReader::Open(dev));
  std::vector<double> inf[2], ngram[2];  // [1]: sparse estimates
  IndexSet::Query ids;
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

}  // namespace

int ParseIndexQuery(const CommandLine& cl, const std::vector<std::string>& files, QueryJob* out) {
  QueryJob& job = *out;
  const std::string mode = cl.Get<std::string>("query");
  const std::pair<const char*, Mode> modes[] = {{"count", Mode::kCount}, {"next", Mode::kNext},
                                                {"prob", Mode::kProb},   {"ppl", Mode::kPpl},
                                                {"where", Mode::kWhere}, {"leak", Mode::kLeak}};
  bool found = false;
  for (const auto& [name, m] : modes) {
    if (mode == name) job.mode = m, found = true;
  }
  if (!found) return UsageError("--query: unknown mode '" + mode + "'");
  if (files.empty()) return UsageError("--query needs an INDEX (or several, queried as one)");
  for (const char* opt : {"unit", "sp-model", "normalize", "case-fold", "boundaries", "invalid"}) {
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
  return kContinue;
}

Status RunIndexQueries(const std::vector<std::string>& index_paths, const QueryJob& job,
                       bool check) {
  CorpusIndex::OpenOptions open;
  open.verify_checksums = check;
  GRAMS_ASSIGN_OR_RETURN(auto index, IndexSet::Open(index_paths, open));
  std::unique_ptr<LanguageModel> lm;
  std::unique_ptr<TextScorer> scorer;
  double lambda_sparse = job.lambda_sparse, lambda = job.lambda;
  if (!job.model.empty()) {
    GRAMS_ASSIGN_OR_RETURN(lm, LanguageModel::Load(job.model));
    if (!(lm->settings() == index->settings()) ||
        index->settings().boundaries != Boundaries::kLine) {
      return InvalidArgument(
          job.model + ": the model and " + index_paths[0] +
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
  IndexSet::Query ids;
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
      if (interactive) {
        const Status flushed = writer->Flush();
        if (writer->broken_pipe()) return Status::OK();  // the reader is gone: done, quietly
        GRAMS_RETURN_IF_ERROR(flushed);
      }
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
  // The last of the output may meet the closed pipe only as it is flushed.
  const Status committed = writer->Commit();
  if (writer->broken_pipe()) return Status::OK();
  return committed;
}

}  // namespace grams::cli
