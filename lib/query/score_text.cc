// ScoreText and ScoreAndFormatText: files streamed line by line through
// TextScorers in batches (query/score_batches.h), on one thread or several,
// each line reported in input order; and ComputePerplexity, their totals.
#include <memory>

#include "grams/scorer.h"
#include "query/score_batches.h"
#include "util/alloc_guard.h"

namespace grams {
namespace {

// Tokens scored at once in prompt mode, where the reader cuts the batches.
constexpr size_t kPartTokens = 4096;

query::BatchOptions BatchOptionsFor(const LanguageModel& model, const ScoreTextOptions& options) {
  query::BatchOptions batch;
  // A stream's lines depend on the lines before them: one thread.
  batch.threads =
      model.settings().boundaries == Boundaries::kNone ? 1 : query::ScoringThreads(options.threads);
  batch.prompt = options.batch_tokens <= 1;
  batch.settings = &model.settings();
  return batch;
}

// The work stage of text: every line tokenized and scored (in parts of
// batch_tokens tokens); a stream's closing </s> after the last line; then,
// with a formatter, every line formatted into the batch's output.
query::BatchWork TextWork(const LanguageModel& model, const ScoreTextOptions& options,
                          const LineFormatter* format) {
  const size_t part = options.batch_tokens <= 1 ? kPartTokens : options.batch_tokens;
  const bool end_stream = options.end_stream && model.settings().boundaries == Boundaries::kNone;
  return [part, end_stream, format](query::Batch* b, const std::vector<std::string>& names) {
    TextScorer& scorer = *b->scorer;
    size_t scored = 0;
    size_t i = 0;
    for (; i < b->lines.size(); ++i) {
      const query::BatchLine& l = b->lines[i];
      Status added = scorer.Add(b->Line(i), l.newline, l.offset);
      if (!added.ok()) {
        b->error = added.WithContext(b->Where(i, names));
        break;
      }
      if (scorer.pending_tokens() - scored >= part) {
        scorer.Score();
        scored = scorer.pending_tokens();
      }
    }
    b->good_lines = i;
    if (b->last && b->error.ok() && b->read_error.ok() && end_stream) scorer.AddEnd();
    scorer.Score();
    if (!format) return;
    for (size_t k = 0; k < scorer.size(); ++k) {
      scorer.Get(k, &b->score);
      if (k < b->lines.size()) {
        b->score.line = b->Line(k);
        b->score.line_number = b->lines[k].number;
      }
      (*format)(b->score, &b->output);
    }
  };
}

std::function<std::unique_ptr<TextScorer>()> ScorerMaker(const LanguageModel& model,
                                                         const ScoreTextOptions& options) {
  const SentenceOptions sentence = options.sentence;
  return [&model, sentence] { return std::make_unique<TextScorer>(&model, sentence); };
}

}  // namespace

Status ScoreText(const LanguageModel& model, const std::vector<std::string>& paths,
                 const ScoreTextOptions& options, const LineScoreCallback& on_line) {
  TextScorer::LineScore score;
  auto emit = [&](query::Batch& b) {
    const TextScorer& scorer = *b.scorer;
    for (size_t k = 0; k < scorer.size(); ++k) {
      scorer.Get(k, &score);
      if (k < b.lines.size()) {
        score.line = b.Line(k);
        score.line_number = b.lines[k].number;
      }
      if (!on_line(score)) return false;
    }
    return true;
  };
  return GuardAlloc("scoring", [&] {
    return query::RunBatches(paths, BatchOptionsFor(model, options), ScorerMaker(model, options),
                             TextWork(model, options, nullptr), emit);
  });
}

Status ScoreAndFormatText(const LanguageModel& model, const std::vector<std::string>& paths,
                          const ScoreTextOptions& options, const LineFormatter& format,
                          const TextCallback& write) {
  auto emit = [&](query::Batch& b) {
    if (b.output.empty()) return true;
    return write(b.output);
  };
  return GuardAlloc("scoring", [&] {
    return query::RunBatches(paths, BatchOptionsFor(model, options), ScorerMaker(model, options),
                             TextWork(model, options, &format), emit);
  });
}

StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model, const std::string& path,
                                            const ScoreTextOptions& options) {
  PerplexityStats stats;
  ScoreTextOptions o = options;
  o.end_stream = true;
  // In input order, token by token, as with one thread: the same sums.
  auto add = [&stats](query::Batch& b) {
    b.scorer->AddTo(&stats);
    return true;
  };
  GRAMS_RETURN_IF_ERROR(GuardAlloc("scoring", [&] {
    return query::RunBatches({path}, BatchOptionsFor(model, o), ScorerMaker(model, o),
                             TextWork(model, o, nullptr), add);
  }));
  return stats;
}

StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model, const std::string& path) {
  return ComputePerplexity(model, path, ScoreTextOptions());
}

}  // namespace grams
