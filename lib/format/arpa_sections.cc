// The n-gram sections of an ARPA file: each line split into fields, its
// numbers parsed, its words looked up; the 1-grams make the vocabulary, and
// the lines of higher orders go through batches (format/arpa_parser.h).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "format/arpa_parser.h"
#include "format/arpa_text.h"
#include "util/alloc_guard.h"

namespace grams::arpa {

Status ArpaParser::SplitFields(int n, std::string_view line, size_t* count) {
  const size_t max_fields = static_cast<size_t>(n) + 2;
  size_t nf = 0;
  const char* p = line.data();
  const char* e = p + line.size();
  for (;;) {
    while (p < e && IsSpace(*p)) ++p;
    if (p == e) break;
    const char* s = p;
    p = FindSpace(p, e);
    if (nf == max_fields) {
      return ErrHere("too many fields for a " + std::to_string(n) +
                     "-gram: expected a log probability, " + std::to_string(n) +
                     (n == 1 ? " word" : " words") + " and an optional backoff");
    }
    fields_[nf++] = std::string_view(s, static_cast<size_t>(p - s));
  }
  if (nf < static_cast<size_t>(n) + 1) {
    return ErrHere("too few fields for a " + std::to_string(n) + "-gram (" + std::to_string(nf) +
                   "): expected a log probability, " + std::to_string(n) +
                   (n == 1 ? " word" : " words") + " and an optional backoff");
  }
  *count = nf;
  return Status::OK();
}

void ArpaParser::ReserveSection(int n) {
  PendingLevel& level = levels_[n - 1];
  const uint64_t reserve = std::min(
      level.declared, input_size_ >= 0 ? static_cast<uint64_t>(input_size_) / (2 * n + 1) + 1
                                       : kMaxReserveUnknownSize);
  // About 48 bytes per 1-gram (its text, offset, hash slots and values);
  // 12 or 16 bytes per n-gram, plus the context map's below the highest order.
  if (n == 1) {
    SizedAllocation(reserve * 48, [&] {
      vocab_.Reserve(reserve + kNumReservedWords, reserve * 8);
      prob1_.reserve(reserve + kNumReservedWords);
      bo1_.reserve(reserve + kNumReservedWords);
      uni_pos_.reserve(reserve + kNumReservedWords);
    });
  } else {
    SizedAllocation(reserve * (n < order_ ? 16 : 12), [&] {
      level.words.reserve(reserve);
      level.parents.reserve(reserve);
      level.prob.reserve(reserve);
      if (n < order_) level.backoff.reserve(reserve);
    });
    if (n < order_) level.map.Reset(reserve);
  }
}

Status ArpaParser::ReadSection(int n, std::string_view* next_header) {
  PendingLevel& level = levels_[n - 1];
  level.header_line = reader_.line_number();
  const uint64_t declared = level.declared;
  ReserveSection(n);
  // An error stops reading after the lines batched before it are appended,
  // which may find an earlier error.
  auto fail = [&](Status error) {
    if (n > 1) GRAMS_RETURN_IF_ERROR(FlushBatch(n));
    return error;
  };
  std::string_view line;
  for (;;) {
    if (!reader_.Next(&line)) {
      return fail(EndOfInput("in the \\" + std::to_string(n) + "-grams: section after " +
                             std::to_string(level.in_file) + " of " + std::to_string(declared) +
                             " n-grams"));
    }
    // Fast check for the common case of a data line.
    const char c = line.empty() ? ' ' : line[0];
    if (c == '\\') {
      *next_header = Trim(line);
      break;
    }
    if (IsSpace(c)) {
      std::string_view t = Trim(line);
      if (t.empty()) {
        level.empty_lines.push_back(level.in_file);
        continue;
      }
      if (t[0] == '\\') {
        *next_header = t;
        break;
      }
    }
    if (level.in_file == declared) {
      return fail(ErrHere("more n-grams in the \\" + std::to_string(n) +
                          "-grams: section than the " + std::to_string(declared) +
                          " declared in \\data\\ (line " + std::to_string(level.declared_line) +
                          ")"));
    }
    if (n == 1) {
      GRAMS_RETURN_IF_ERROR(ParseUnigram(line));
    } else {
      Status s = ParseNgram(n, line);
      if (!s.ok()) return fail(std::move(s));
      if (batch_size_ == kBatch) GRAMS_RETURN_IF_ERROR(FlushBatch(n));
    }
    ++level.in_file;
  }
  if (n > 1) GRAMS_RETURN_IF_ERROR(FlushBatch(n));
  if (level.in_file != declared) {
    return ErrHere("the \\" + std::to_string(n) + "-grams: section has " +
                   std::to_string(level.in_file) + " n-grams but \\data\\ declares " +
                   std::to_string(declared) + " (line " + std::to_string(level.declared_line) +
                   ")");
  }
  return Status::OK();
}

Status ArpaParser::PositiveLogProb(std::string_view field, float* prob) {
  if (!lenient_) {
    return ErrHere("positive log probability " + Quote(field) +
                   " (--lenient-arpa clamps such values, IRSTLM's rounding, to 0)");
  }
  if (clamped_++ == 0 || *prob > worst_clamped_) {
    worst_clamped_ = *prob;
    worst_clamped_text_ = std::string(field);
    worst_clamped_line_ = reader_.line_number();
  }
  *prob = 0.0f;
  return Status::OK();
}

Status ArpaParser::ParseUnigram(std::string_view line) {
  size_t nf;
  GRAMS_RETURN_IF_ERROR(SplitFields(1, line, &nf));
  float prob, bo = 0.0f;
  if (!ParseFloat(fields_[0], &prob)) {
    return ErrHere("malformed log probability " + Quote(fields_[0]));
  }
  if (prob > 0.0f) GRAMS_RETURN_IF_ERROR(PositiveLogProb(fields_[0], &prob));
  if (nf == 3 && !ParseFloat(fields_[2], &bo)) {
    return ErrHere("malformed backoff " + Quote(fields_[2]));
  }
  if (bo == std::numeric_limits<float>::infinity()) {
    return ErrHere("infinite backoff " + Quote(fields_[2]));
  }
  if (nf == 3 && order_ == 1) {
    if (top_backoffs_++ == 0) first_top_backoff_line_ = reader_.line_number();
  }
  const std::string_view word = fields_[1];
  const size_t before = vocab_.size();
  const WordId id = vocab_.FindOrInsert(word, Vocabulary::Hash(word));
  static_assert(Vocabulary::kMaxWords == kMaxEntries);
  if (id == Vocabulary::kNotFound) {  // full
    return ResourceExhausted(name_ + ":" + std::to_string(reader_.line_number()) + ": " +
                             Vocabulary::TooManyWords());
  }
  if (id < before) {
    if (id < static_cast<WordId>(kNumReservedWords) && !reserved_seen_[id]) {
      reserved_seen_[id] = true;
    } else {
      return ErrHere("duplicate 1-gram " + Quote(word) + " (first at line " +
                     std::to_string(LineOf(1, uni_pos_[id])) + ")");
    }
  }
  if (id >= prob1_.size()) {
    prob1_.resize(id + 1, 0.0f);
    bo1_.resize(id + 1, 0.0f);
    uni_pos_.resize(id + 1, 0);
  }
  prob1_[id] = prob;
  bo1_[id] = bo;
  uni_pos_[id] = static_cast<uint32_t>(levels_[0].in_file);
  return Status::OK();
}

Status ArpaParser::FinishUnigrams() {
  if (!reserved_seen_[kEosId]) {
    return ErrHere("the 1-grams have no </s> (every ARPA model needs it)");
  }
  if (prob1_.size() < vocab_.size()) {
    prob1_.resize(vocab_.size(), 0.0f);
    bo1_.resize(vocab_.size(), 0.0f);
    uni_pos_.resize(vocab_.size(), 0);
  }
  // SRILM writes models without <s> (e.g. pruned ones): add it as a context
  // only, never predicted (log10 probability -99, as the writers give it).
  if (!reserved_seen_[kBosId]) {
    prob1_[kBosId] = -99.0f;
    bo1_[kBosId] = 0.0f;
    Warn(name_ + ": the 1-grams have no <s>; added it as a context only (log10 probability -99)");
  }
  words_.Build(vocab_, reserved_seen_[kUnkId]);
  if (!reserved_seen_[kUnkId]) {
    prob1_[kUnkId] = -100.0f;
    bo1_[kUnkId] = 0.0f;
    Warn(name_ + ": the 1-grams have no <unk>; added it with log10 probability -100");
  }
  return Status::OK();
}

Status ArpaParser::ParseNgram(int n, std::string_view line) {
  size_t nf;
  GRAMS_RETURN_IF_ERROR(SplitFields(n, line, &nf));
  const size_t b = batch_size_;
  float prob, bo = 0.0f;
  if (!ParseFloat(fields_[0], &prob)) {
    return ErrHere("malformed log probability " + Quote(fields_[0]));
  }
  if (prob > 0.0f) GRAMS_RETURN_IF_ERROR(PositiveLogProb(fields_[0], &prob));
  const bool has_backoff = nf == static_cast<size_t>(n) + 2;
  if (has_backoff && !ParseFloat(fields_[n + 1], &bo)) {
    return ErrHere("malformed backoff " + Quote(fields_[n + 1]));
  }
  // A backoff weight of 10^+inf would make every backed-off probability
  // infinite; -inf (weight 0) is as legal as a log10 probability of -inf.
  if (bo == std::numeric_limits<float>::infinity()) {
    return ErrHere("infinite backoff " + Quote(fields_[n + 1]));
  }
  // The words are looked up when the batch is flushed; keep their text.
  if (batch_text_.size() + line.size() > UINT32_MAX) return ErrHere("line too long");
  const size_t base = batch_text_.size();
  batch_text_.append(line);
  WordRef* refs = &batch_word_[b * n];
  for (int i = 0; i < n; ++i) {
    const std::string_view word = fields_[1 + i];
    const uint64_t hash = WordIndex::Hash(word.data(), word.size());
    words_.Prefetch(hash);
    refs[i] = WordRef{static_cast<uint32_t>(base + static_cast<size_t>(word.data() - line.data())),
                      static_cast<uint32_t>(word.size()), hash};
  }
  batch_has_bo_[b] = has_backoff;
  if (n == order_ && has_backoff) {
    if (top_backoffs_++ == 0) first_top_backoff_line_ = reader_.line_number();
  }
  batch_prob_[b] = prob;
  batch_bo_[b] = bo;
  batch_line_[b] = reader_.line_number();
  batch_size_ = b + 1;
  return Status::OK();
}

Status ArpaParser::FlushBatch(int n) {
  size_t size = batch_size_;
  batch_size_ = 0;
  if (size == 0) return Status::OK();
  // Word ids. A word not in the 1-grams ends the batch: the lines before it
  // are appended (they may hold an earlier error), then it is reported.
  WordId* ids = batch_ids_.data();
  batch_text_.append(WordIndex::kPadding, '\0');
  size_t unknown_word = SIZE_MAX;
  for (size_t j = 0; j < size * n; ++j) {
    const WordRef& r = batch_word_[j];
    ids[j] = words_.Find(batch_text_.data() + r.offset, r.size, r.hash);
    if (ids[j] == Vocabulary::kNotFound) {
      unknown_word = j;
      size = j / n;
      break;
    }
  }
  if (unknown_word != SIZE_MAX) {
    GRAMS_RETURN_IF_ERROR(AppendBatch(n, size));
    const size_t b = unknown_word / n;
    const int i = static_cast<int>(unknown_word % n);
    const WordRef& r = batch_word_[unknown_word];
    const std::string_view word(batch_text_.data() + r.offset, r.size);
    std::string msg =
        "word " + Quote(word) + " of this " + std::to_string(n) + "-gram is not in the 1-grams";
    float ignored;
    if (i == n - 1 && !batch_has_bo_[b] && ParseFloat(word, &ignored)) {
      msg += " (or the line has " + std::to_string(n - 1) + " words and a backoff, not " +
             std::to_string(n) + " words)";
    }
    batch_text_.clear();
    return Err(batch_line_[b], msg);
  }
  batch_text_.clear();
  return AppendBatch(n, size);
}

Status ArpaParser::AppendBatch(int n, size_t size) {
  if (size == 0) return Status::OK();
  const WordId* ids = batch_ids_.data();
  uint32_t* ctx = batch_ctx_.data();
  size_t* home = batch_home_.data();
  uint8_t* found = batch_found_.data();
  for (size_t b = 0; b < size; ++b) {
    ctx[b] = ids[b * n];
    found[b] = 1;
  }
  // One order at a time: prefetch every line's slot, then look them up.
  for (int k = 2; k <= n - 1; ++k) {
    const ContextMap& map = levels_[k - 1].map;
    for (size_t b = 0; b < size; ++b) {
      if (!found[b]) continue;
      home[b] = map.Home(Key(ctx[b], ids[b * n + k - 1]));
      map.Prefetch(home[b]);
    }
    for (size_t b = 0; b < size; ++b) {
      if (!found[b]) continue;
      const uint32_t index = map.FindFrom(home[b], Key(ctx[b], ids[b * n + k - 1]));
      if (index == kNone) {
        found[b] = 0;
      } else {
        ctx[b] = index;
      }
    }
  }
  PendingLevel& level = levels_[n - 1];
  const bool keep_map = n < order_;
  if (keep_map) {
    for (size_t b = 0; b < size; ++b) {
      if (found[b]) level.map.Prefetch(level.map.Home(Key(ctx[b], ids[b * n + n - 1])));
    }
  }
  for (size_t b = 0; b < size; ++b) {
    const WordId* w = ids + b * n;
    // Not found: a context is missing, or was added by an earlier line.
    if (!found[b]) GRAMS_RETURN_IF_ERROR(ResolveContext(n, w, batch_line_[b], &ctx[b]));
    const uint32_t index = static_cast<uint32_t>(level.words.size());
    if (keep_map) {
      const uint32_t first = level.map.Insert(Key(ctx[b], w[n - 1]), index);
      if (first != kNone) {
        return Err(batch_line_[b], "duplicate " + std::to_string(n) + "-gram " +
                                       Quote(NgramText(n, w)) + " (first at line " +
                                       std::to_string(LineOf(n, first)) + ")");
      }
      level.backoff.push_back(batch_bo_[b]);
    }
    level.words.push_back(w[n - 1]);
    level.parents.push_back(ctx[b]);
    level.prob.push_back(batch_prob_[b]);
  }
  return Status::OK();
}

}  // namespace grams::arpa
