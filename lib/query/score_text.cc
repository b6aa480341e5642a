// ScoreText: files streamed line by line through a TextScorer in batches,
// each line reported in input order; and ComputePerplexity, its totals.
#include "grams/scorer.h"
#include "io/file.h"
#include "io/line_reader.h"

namespace grams {
namespace {

// Scores the lines added to `scorer`, reports each and empties the batch.
// False if on_line asked to stop.
bool ScoreBatch(TextScorer* scorer, TextScorer::LineScore* score,
                const LineScoreCallback& on_line) {
  scorer->Score();
  bool go_on = true;
  for (size_t i = 0; i < scorer->size() && go_on; ++i) {
    scorer->Get(i, score);
    go_on = on_line(*score);
  }
  scorer->Clear();
  return go_on;
}

}  // namespace

Status ScoreText(const LanguageModel& model, const std::vector<std::string>& paths,
                 const ScoreTextOptions& options, const LineScoreCallback& on_line) {
  TextScorer scorer(&model);
  TextScorer::LineScore score;
  // On an input error, the lines read before it are reported first.
  auto fail = [&](const Status& status) {
    ScoreBatch(&scorer, &score, on_line);
    return status;
  };
  for (const std::string& path : paths) {
    auto in = io::InputStream::Open(path);
    if (!in.ok()) return fail(in.status());
    io::LineReader reader(in->get());
    std::string_view line;
    while (reader.Next(&line)) {
      Status added = scorer.Add(line, reader.newline(), reader.line_offset());
      if (!added.ok()) return fail(added.WithContext(reader.Where()));
      if (scorer.pending_tokens() >= options.batch_tokens &&
          !ScoreBatch(&scorer, &score, on_line)) {
        return Status::OK();
      }
    }
    if (!reader.status().ok()) return fail(reader.status());
  }
  if (options.end_stream && model.settings().boundaries == Boundaries::kNone) scorer.AddEnd();
  ScoreBatch(&scorer, &score, on_line);
  return Status::OK();
}

StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model, const std::string& path) {
  PerplexityStats stats;
  ScoreTextOptions options;
  options.end_stream = true;
  auto add = [&stats](const TextScorer::LineScore& score) {
    if (score.has_end) ++stats.sentences;
    stats.words += score.tokens - (score.has_end ? 1 : 0);
    stats.oovs += score.oovs;
    stats.log10_prob += score.log10_prob;
    for (size_t k = 0; k < score.token_log10.size(); ++k) {
      (score.token_oov[k] ? stats.oov_log10_prob : stats.iv_log10_prob) += score.token_log10[k];
    }
    return true;
  };
  GRAMS_RETURN_IF_ERROR(ScoreText(model, {path}, options, add));
  return stats;
}

}  // namespace grams
