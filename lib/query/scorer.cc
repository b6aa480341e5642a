// Text scoring and perplexity on top of LanguageModel.
#include <cmath>

#include "grams/scorer.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "tokenize/tokenizer.h"

namespace grams {

// Tokens scored per batch: enough to keep the prefetcher ahead, small enough
// to stay in cache.
constexpr size_t kScoreBatchTokens = 4096;

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

void TextScorer::Add(std::string_view line) {
  SplitWords(line, [&](std::string_view tok) {
    words_.emplace_back(text_.size(), tok.size());
    text_.append(tok);
    ids_.push_back(model_->Index(tok));
  });
  ids_.push_back(kEosId);
  words_.emplace_back(text_.size(), 0);  // placeholder for </s>, keeps words_ parallel to ids_
  line_token_end_.push_back(ids_.size());
}

void TextScorer::Score() {
  log10_.resize(ids_.size());
  model_->ScoreSentences(ids_.data(), line_token_end_.data(), line_token_end_.size(),
                         log10_.data());
}

void TextScorer::Get(size_t i, LineScore* out) const {
  const size_t begin = i ? line_token_end_[i - 1] : 0, end = line_token_end_[i];
  const size_t n = end - begin;
  out->words.clear();
  for (size_t k = begin; k + 1 < end; ++k) {
    out->words.emplace_back(text_.data() + words_[k].first, words_[k].second);
  }
  out->token_log10.assign(log10_.begin() + begin, log10_.begin() + end);
  out->token_oov.resize(n);
  double total = 0;
  uint64_t oovs = 0;
  for (size_t k = 0; k < n; ++k) {
    total += out->token_log10[k];
    const bool oov = ids_[begin + k] == kUnkId;
    out->token_oov[k] = oov;
    oovs += oov;
  }
  out->log10_prob = total;
  out->tokens = n;
  out->oovs = oovs;
}

void TextScorer::Clear() {
  text_.clear();
  words_.clear();
  ids_.clear();
  line_token_end_.clear();
}

void TextScorer::ScoreLine(std::string_view line, LineScore* out) {
  Clear();
  Add(line);
  Score();
  Get(0, out);
}

StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model, const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  io::LineReader reader(in.get());
  TextScorer scorer(&model);
  TextScorer::LineScore score;
  PerplexityStats stats;
  auto flush = [&] {
    scorer.Score();
    for (size_t i = 0; i < scorer.size(); ++i) {
      scorer.Get(i, &score);
      ++stats.sentences;
      stats.words += score.tokens - 1;
      stats.oovs += score.oovs;
      stats.log10_prob += score.log10_prob;
      for (size_t k = 0; score.oovs && k < score.token_log10.size(); ++k) {
        if (score.token_oov[k]) stats.oov_log10_prob += score.token_log10[k];
      }
    }
    scorer.Clear();
  };
  std::string_view line;
  while (reader.Next(&line)) {
    scorer.Add(line);
    if (scorer.pending_tokens() >= kScoreBatchTokens) flush();
  }
  flush();
  if (!reader.status().ok()) return reader.status();
  return stats;
}

}  // namespace grams
