// Text scoring and perplexity on top of LanguageModel.
#include <cmath>

#include "grams/scorer.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"

namespace grams {

// Tokens scored per batch: enough to keep the prefetcher ahead, small enough
// to stay in cache.
constexpr size_t kScoreBatchTokens = 4096;

double PerplexityStats::Perplexity() const {
  return std::pow(10.0, -log10_prob / static_cast<double>(tokens()));
}

double PerplexityStats::PerplexityExcludingOovs() const {
  return std::pow(10.0, -iv_log10_prob / static_cast<double>(tokens() - oovs));
}

double PerplexityStats::SrilmPpl() const {
  return std::pow(10.0, -iv_log10_prob / static_cast<double>(words - oovs + sentences));
}

double PerplexityStats::SrilmPpl1() const {
  return std::pow(10.0, -iv_log10_prob / static_cast<double>(words - oovs));
}

double PerplexityStats::BitsPerToken() const {
  return -log10_prob / static_cast<double>(tokens()) * std::log2(10.0);
}

void PerplexityStats::Add(const PerplexityStats& o) {
  sentences += o.sentences;
  words += o.words;
  oovs += o.oovs;
  log10_prob += o.log10_prob;
  oov_log10_prob += o.oov_log10_prob;
  iv_log10_prob += o.iv_log10_prob;
}

TextScorer::TextScorer(const LanguageModel* model)
    : model_(model), stream_(model->settings().boundaries == Boundaries::kNone) {
  auto t = Tokenizer::Create(model->settings());
  if (t.ok()) {
    tokenizer_ = std::move(t).value();
  } else {
    tokenizer_status_ = t.status();
  }
  if (stream_) history_.push_back(kBosId);
}

TextScorer::~TextScorer() = default;

Status TextScorer::Add(std::string_view line, bool newline, uint64_t line_offset) {
  GRAMS_RETURN_IF_ERROR(tokenizer_status_);
  return GuardAlloc("scoring", MemoryHint::kNone, [&]() -> Status {
    Status s = tokenizer_->Tokenize(line, newline, &units_);
    if (!s.ok()) {
      if (s.code() != StatusCode::kInvalidArgument) return s;
      return InvalidArgument("byte offset " + std::to_string(line_offset + tokenizer_->bad_offset()) +
                             ": invalid UTF-8");
    }
    for (std::string_view unit : units_) {
      words_.emplace_back(text_.size(), unit.size());
      text_.append(unit);
      ids_.push_back(model_->Index(unit));
    }
    if (!stream_) {
      ids_.push_back(kEosId);
      words_.emplace_back(text_.size(), 0);  // keeps words_ parallel to ids_
    }
    line_token_end_.push_back(ids_.size());
    return Status::OK();
  });
}

void TextScorer::AddEnd() {
  ids_.push_back(kEosId);
  words_.emplace_back(text_.size(), 0);
  line_token_end_.push_back(ids_.size());
}

void TextScorer::Score() {
  log10_.resize(ids_.size());
  if (!stream_) {
    model_->ScoreSentences(ids_.data(), line_token_end_.data(), line_token_end_.size(),
                           log10_.data());
    return;
  }
  // One span: the stream's context, then this batch.
  span_.assign(history_.begin(), history_.end());
  span_.insert(span_.end(), ids_.begin(), ids_.end());
  span_out_.resize(span_.size());
  model_->ScoreSpan(span_.data(), span_.size(), span_out_.data());
  std::copy(span_out_.begin() + history_.size(), span_out_.end(), log10_.begin());
  const size_t keep = std::min<size_t>(span_.size(), std::max(0, model_->order() - 1));
  history_.assign(span_.end() - keep, span_.end());
}

void TextScorer::Get(size_t i, LineScore* out) const {
  const size_t begin = i ? line_token_end_[i - 1] : 0, end = line_token_end_[i];
  const size_t n = end - begin;
  out->has_end = n > 0 && ids_[end - 1] == kEosId && words_[end - 1].second == 0;
  out->words.clear();
  for (size_t k = begin; k < end - (out->has_end ? 1 : 0); ++k) {
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

Status TextScorer::ScoreLine(std::string_view line, LineScore* out) {
  return GuardAlloc("scoring", MemoryHint::kNone, [&]() -> Status {
    Clear();
    GRAMS_RETURN_IF_ERROR(Add(line));
    Score();
    Get(0, out);
    return Status::OK();
  });
}

namespace {

StatusOr<PerplexityStats> ComputePerplexityImpl(const LanguageModel& model, const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  io::LineReader reader(in.get());
  TextScorer scorer(&model);
  TextScorer::LineScore score;
  PerplexityStats stats;
  const bool stream = model.settings().boundaries == Boundaries::kNone;
  auto flush = [&] {
    scorer.Score();
    for (size_t i = 0; i < scorer.size(); ++i) {
      scorer.Get(i, &score);
      if (score.has_end) ++stats.sentences;
      stats.words += score.tokens - (score.has_end ? 1 : 0);
      stats.oovs += score.oovs;
      stats.log10_prob += score.log10_prob;
      for (size_t k = 0; k < score.token_log10.size(); ++k) {
        (score.token_oov[k] ? stats.oov_log10_prob : stats.iv_log10_prob) += score.token_log10[k];
      }
    }
    scorer.Clear();
  };
  std::string_view line;
  while (reader.Next(&line)) {
    Status s = scorer.Add(line, reader.newline(), reader.line_offset());
    if (!s.ok()) return s.WithContext(reader.Where());
    if (scorer.pending_tokens() >= kScoreBatchTokens) flush();
  }
  if (!reader.status().ok()) return reader.status();
  if (stream) scorer.AddEnd();
  flush();
  return stats;
}

}  // namespace

StatusOr<PerplexityStats> ComputePerplexity(const LanguageModel& model, const std::string& path) {
  return GuardAlloc("scoring " + (path == "-" ? std::string("<stdin>") : path), MemoryHint::kNone,
                    [&] { return ComputePerplexityImpl(model, path); });
}

}  // namespace grams
