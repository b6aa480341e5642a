// TextScorer (lines tokenized as the model was trained, scored in batches)
// and PerplexityStats, on top of LanguageModel.
#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "grams/scorer.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"

namespace grams {

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

void AddScoredLine(const TextScorer::LineScore& line, PerplexityStats* stats) {
  if (line.has_end) ++stats->sentences;
  stats->words += line.tokens - (line.has_end ? 1 : 0);
  stats->oovs += line.oovs;
  stats->log10_prob += line.log10_prob;
  for (size_t k = 0; k < line.token_log10.size(); ++k) {
    (line.token_oov[k] ? stats->oov_log10_prob : stats->iv_log10_prob) += line.token_log10[k];
  }
}

// The batch: every token of the lines added since the last Clear(), with its
// text and id; after Score(), its log10 probability.
class TextScorer::Impl {
 public:
  Impl(const LanguageModel* model, const SentenceOptions& options);
  Status Add(std::string_view line, bool newline, uint64_t line_offset);
  void AddEnd();
  void Score();
  void Get(size_t i, LineScore* out) const;
  void AddTo(PerplexityStats* stats) const;
  void Clear();

  const LanguageModel* model_;
  SentenceOptions options_;
  bool stream_;
  bool words_only_;  // units are whitespace-separated words, as they are
  std::unique_ptr<Tokenizer> tokenizer_;
  Status tokenizer_status_;
  std::vector<std::string_view> units_;
  std::string text_;                              // the units, back to back
  std::vector<std::pair<size_t, size_t>> words_;  // (offset, length) in text_, per token
  std::vector<WordId> ids_;                       // per token
  std::vector<size_t> line_token_end_;            // end of each line in ids_
  std::vector<float> log10_;                      // per token, after Score()
  std::vector<uint8_t> ngram_;                    // per token, after Score()
  size_t scored_tokens_ = 0, scored_lines_ = 0;   // what Score() has done
  std::vector<size_t> ends_;                      // Score(): line ends from the first unscored
  std::vector<WordId> history_;                   // stream: the last order-1 tokens
  std::vector<WordId> span_;
  std::vector<float> span_out_;
  std::vector<uint8_t> span_ngram_;
};

TextScorer::Impl::Impl(const LanguageModel* model, const SentenceOptions& options)
    : model_(model),
      options_(options),
      stream_(model->settings().boundaries == Boundaries::kNone),
      words_only_(model->settings().unit == Unit::kWord &&
                  model->settings().normalize == Normalization::kNone &&
                  !model->settings().case_fold) {
  auto t = Tokenizer::Create(model->settings());
  if (t.ok()) {
    tokenizer_ = std::move(t).value();
  } else {
    tokenizer_status_ = t.status();
  }
  if (stream_ && options_.bos) history_.push_back(kBosId);
}

TextScorer::TextScorer(const LanguageModel* model)
    : impl_(std::make_unique<Impl>(model, SentenceOptions())) {}
TextScorer::TextScorer(const LanguageModel* model, const SentenceOptions& options)
    : impl_(std::make_unique<Impl>(model, options)) {}

TextScorer::~TextScorer() = default;

Status TextScorer::Add(std::string_view line, bool newline, uint64_t line_offset) {
  return impl_->Add(line, newline, line_offset);
}
void TextScorer::AddEnd() { impl_->AddEnd(); }
size_t TextScorer::size() const { return impl_->line_token_end_.size(); }
size_t TextScorer::pending_tokens() const { return impl_->ids_.size(); }
void TextScorer::Score() { impl_->Score(); }
void TextScorer::Get(size_t i, LineScore* out) const { impl_->Get(i, out); }
void TextScorer::AddTo(PerplexityStats* stats) const { impl_->AddTo(stats); }
void TextScorer::Clear() { impl_->Clear(); }

Status TextScorer::Impl::Add(std::string_view line, bool newline, uint64_t line_offset) {
  GRAMS_RETURN_IF_ERROR(tokenizer_status_);
  return GuardAlloc("scoring", MemoryHint::kNone, [&]() -> Status {
    if (words_only_) {
      // A word model's units are the line's words (its trailing '\r' is a
      // separator too): split and looked up in one pass.
      units_.clear();
      model_->IndexWords(line, &units_, &ids_);
    } else {
      Status s = tokenizer_->Tokenize(line, newline, &units_);
      if (!s.ok()) {
        if (s.code() != StatusCode::kInvalidArgument) return s;
        return InvalidArgument("byte offset " +
                               std::to_string(line_offset + tokenizer_->bad_offset()) +
                               ": invalid UTF-8");
      }
      const size_t first = ids_.size();
      ids_.resize(first + units_.size());
      model_->Index(units_.data(), units_.size(), ids_.data() + first);
    }
    // The units' text: the line is copied once, and the units that lie in
    // it (all of a word model's, unless normalized) are kept as places
    // there; the others are copied after it.
    const size_t base = text_.size();
    text_.append(line);
    const uintptr_t from = reinterpret_cast<uintptr_t>(line.data()), to = from + line.size();
    for (std::string_view unit : units_) {
      const uintptr_t at = reinterpret_cast<uintptr_t>(unit.data());
      if (at >= from && at + unit.size() <= to) {
        words_.emplace_back(base + (at - from), unit.size());
      } else {
        words_.emplace_back(text_.size(), unit.size());
        text_.append(unit);
      }
    }
    if (!stream_ && options_.eos) {
      ids_.push_back(kEosId);
      words_.emplace_back(text_.size(), 0);  // keeps words_ parallel to ids_
    }
    line_token_end_.push_back(ids_.size());
    return Status::OK();
  });
}

void TextScorer::Impl::AddEnd() {
  ids_.push_back(kEosId);
  words_.emplace_back(text_.size(), 0);
  line_token_end_.push_back(ids_.size());
}

// Scores the tokens added since the last Score(): sentences of their own,
// or (a stream) one span after the stream's context.
void TextScorer::Impl::Score() {
  const size_t from = scored_tokens_;
  log10_.resize(ids_.size());
  ngram_.resize(ids_.size());
  if (!stream_) {
    ends_.clear();
    for (size_t i = scored_lines_; i < line_token_end_.size(); ++i) {
      ends_.push_back(line_token_end_[i] - from);
    }
    model_->ScoreSentences(ids_.data() + from, ends_.data(), ends_.size(), options_.bos,
                           log10_.data() + from, ngram_.data() + from);
  } else {
    span_.assign(history_.begin(), history_.end());
    span_.insert(span_.end(), ids_.begin() + from, ids_.end());
    span_out_.resize(span_.size());
    span_ngram_.resize(span_.size());
    const size_t n = span_.size();
    model_->ScoreSentences(span_.data(), &n, 1, /*bos=*/false, span_out_.data(),
                           span_ngram_.data());
    std::copy(span_out_.begin() + history_.size(), span_out_.end(), log10_.begin() + from);
    std::copy(span_ngram_.begin() + history_.size(), span_ngram_.end(), ngram_.begin() + from);
    const size_t keep = std::min<size_t>(span_.size(), std::max(0, model_->order() - 1));
    history_.assign(span_.end() - keep, span_.end());
  }
  scored_tokens_ = ids_.size();
  scored_lines_ = line_token_end_.size();
}

void TextScorer::Impl::Get(size_t i, LineScore* out) const {
  const size_t begin = i ? line_token_end_[i - 1] : 0, end = line_token_end_[i];
  const size_t n = end - begin;
  out->has_end = n > 0 && ids_[end - 1] == kEosId && words_[end - 1].second == 0;
  out->words.clear();
  for (size_t k = begin; k < end - (out->has_end ? 1 : 0); ++k) {
    out->words.emplace_back(text_.data() + words_[k].first, words_[k].second);
  }
  out->token_log10.assign(log10_.begin() + begin, log10_.begin() + end);
  out->token_ngram_length.assign(ngram_.begin() + begin, ngram_.begin() + end);
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
  out->line = {};
  out->line_number = 0;
}

void TextScorer::Impl::AddTo(PerplexityStats* stats) const {
  // One pass over the tokens, the sums in locals (a sum kept in *stats, or
  // picked by a pointer, went through memory at every token), each added
  // to in the same order as ever: the same doubles.
  double log10_prob = stats->log10_prob, iv = stats->iv_log10_prob, oov = stats->oov_log10_prob;
  uint64_t sentences = stats->sentences, words = stats->words, oovs = stats->oovs;
  for (size_t i = 0; i < line_token_end_.size(); ++i) {
    const size_t begin = i ? line_token_end_[i - 1] : 0, end = line_token_end_[i];
    const size_t n = end - begin;
    const bool has_end = n > 0 && ids_[end - 1] == kEosId && words_[end - 1].second == 0;
    double total = 0;
    for (size_t k = begin; k < end; ++k) {
      const float p = log10_[k];
      total += p;
      if (ids_[k] == kUnkId) {
        oov += p;
        ++oovs;
      } else {
        iv += p;
      }
    }
    sentences += has_end;
    words += n - (has_end ? 1 : 0);
    log10_prob += total;
  }
  stats->sentences = sentences;
  stats->words = words;
  stats->oovs = oovs;
  stats->log10_prob = log10_prob;
  stats->iv_log10_prob = iv;
  stats->oov_log10_prob = oov;
}

void TextScorer::Impl::Clear() {
  text_.clear();
  words_.clear();
  ids_.clear();
  line_token_end_.clear();
  scored_tokens_ = scored_lines_ = 0;
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

}  // namespace grams
