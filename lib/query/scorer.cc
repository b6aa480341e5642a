// Text scoring and perplexity on top of LanguageModel.
#include <cmath>

#include "grams/scorer.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "tokenize/tokenizer.h"

namespace grams {

double PerplexityStats::Perplexity() const {
  return std::pow(10.0, -log10_prob / static_cast<double>(tokens()));
}

double PerplexityStats::PerplexityExcludingOovs() const {
  return std::pow(10.0, -(log10_prob - oov_log10_prob) / static_cast<double>(tokens() - oovs));
}

double PerplexityStats::SrilmPpl() const {
  return std::pow(10.0, -(log10_prob - oov_log10_prob) /
                            static_cast<double>(words - oovs + sentences));
}

double PerplexityStats::SrilmPpl1() const {
  return std::pow(10.0, -(log10_prob - oov_log10_prob) / static_cast<double>(words - oovs));
}

void PerplexityStats::Add(const PerplexityStats& o) {
  sentences += o.sentences;
  words += o.words;
  oovs += o.oovs;
  log10_prob += o.log10_prob;
  oov_log10_prob += o.oov_log10_prob;
}

TextScorer::TextScorer(const LanguageModel* model) : model_(model) {}

void TextScorer::ScoreLine(std::string_view line, LineScore* out) {
  out->words.clear();
  ids_.clear();
  SplitWords(line, [&](std::string_view tok) {
    out->words.push_back(tok);
    ids_.push_back(model_->Index(tok));
  });
  ids_.push_back(kEosId);
  const size_t n = ids_.size();
  out->token_log10.resize(n);
  model_->ScoreSentence(ids_.data(), n, out->token_log10.data());
  out->token_oov.assign(n, false);
  double total = 0;
  uint64_t oovs = 0;
  for (size_t i = 0; i < n; ++i) {
    total += out->token_log10[i];
    if (ids_[i] == kUnkId) {
      out->token_oov[i] = true;
      ++oovs;
    }
  }
  out->log10_prob = total;
  out->tokens = n;
  out->oovs = oovs;
}

StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model, const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  io::LineReader reader(in.get());
  TextScorer scorer(&model);
  TextScorer::LineScore score;
  PerplexityStats stats;
  std::string_view line;
  while (reader.Next(&line)) {
    scorer.ScoreLine(line, &score);
    ++stats.sentences;
    stats.words += score.tokens - 1;
    stats.oovs += score.oovs;
    stats.log10_prob += score.log10_prob;
    if (score.oovs) {
      for (size_t i = 0; i < score.token_log10.size(); ++i)
        if (score.token_oov[i]) stats.oov_log10_prob += score.token_log10[i];
    }
  }
  if (!reader.status().ok()) return reader.status();
  return stats;
}

}  // namespace grams
