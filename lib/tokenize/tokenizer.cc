#include "tokenize/tokenizer.h"

#include <algorithm>

#include <unicode/utf8.h>  // the UTF-8 macros only: no ICU library is linked

#include "io/file.h"
#include "tokenize/unicode.h"

namespace grams {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// The plugin's message buffer.
constexpr size_t kErrorBytes = 1024;

}  // namespace

StatusOr<std::string> ReadSentencePieceModel(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
  GRAMS_ASSIGN_OR_RETURN(std::string bytes, io::ReadAll(in.get()));
  if (bytes.empty()) return InvalidArgument(path + ": empty file, expected a SentencePiece model");
  GRAMS_ASSIGN_OR_RETURN(const GramsUnicodeApi* unicode, UnicodePlugin());
  char err[kErrorBytes] = "";
  if (unicode->check_sp_model(bytes.data(), bytes.size(), err, sizeof(err)) != 0) {
    return InvalidArgument(path + ": not a valid SentencePiece model (" + err + ")");
  }
  return bytes;
}

Tokenizer::~Tokenizer() {
  if (handle_) unicode_->destroy(handle_);
}

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Create(const TokenizerSettings& settings) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->settings_ = settings;
  const bool sp = settings.unit == Unit::kSentencePiece;
  if (sp && settings.sp_model.empty()) {
    return InvalidArgument("the sentencepiece unit needs a SentencePiece model");
  }
  const int segment = settings.unit == Unit::kGrapheme  ? 1
                      : settings.unit == Unit::kSegment ? 2
                                                        : 0;
  const int normalize = settings.normalize == Normalization::kNfc    ? 1
                        : settings.normalize == Normalization::kNfkc ? 2
                                                                     : 0;
  if (!sp && segment == 0 && normalize == 0 && !settings.case_fold) return t;
  GRAMS_ASSIGN_OR_RETURN(t->unicode_, UnicodePlugin());
  char err[kErrorBytes] = "";
  const int rc = t->unicode_->create(
      normalize, settings.case_fold, segment, sp ? settings.sp_model.data() : nullptr,
      sp ? settings.sp_model.size() : 0, &t->handle_, err, sizeof(err));
  if (rc == 1) {
    return CorruptionError("the SentencePiece model in the tokenizer settings is corrupt (" +
                           std::string(err) + ")");
  }
  if (rc != 0) return InternalError(err);
  return t;
}

Status Tokenizer::Tokenize(std::string_view line, bool newline,
                           std::vector<std::string_view>* tokens) {
  tokens->clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view text = line;
  if (settings_.NeedsUtf8() && !IsAscii(text)) GRAMS_RETURN_IF_ERROR(CheckUtf8(&text));
  if (settings_.normalize != Normalization::kNone || settings_.case_fold) {
    GRAMS_RETURN_IF_ERROR(Normalize(&text));
  }
  GRAMS_RETURN_IF_ERROR(Split(text, tokens));
  if (newline && settings_.boundaries == Boundaries::kNone && settings_.unit != Unit::kWord &&
      settings_.unit != Unit::kSegment && settings_.unit != Unit::kSentencePiece) {
    tokens->push_back(kNewlineUnit);
  }
  return Status::OK();
}

namespace {

// ICU's U8_ macros index with int32_t; a line may hold 2^31 bytes or more.
// A sequence is at most 4 bytes, so a window of 4 decodes (and advances
// over a bad sequence) exactly as the whole text would.
inline UChar32 NextUtf8(const char* s, size_t* i, size_t n) {
  int32_t j = 0;
  const int32_t m = static_cast<int32_t>(std::min<size_t>(n - *i, 4));
  UChar32 c;
  U8_NEXT(s + *i, j, m, c);
  *i += static_cast<size_t>(j);
  return c;
}

inline void ForwardUtf8(const char* s, size_t* i, size_t n) {
  int32_t j = 0;
  const int32_t m = static_cast<int32_t>(std::min<size_t>(n - *i, 4));
  U8_FWD_1(s + *i, j, m);
  *i += static_cast<size_t>(j);
}

}  // namespace

// Validates *text, repairing it per settings_.invalid.
Status Tokenizer::CheckUtf8(std::string_view* text) {
  const char* s = text->data();
  const size_t n = text->size();
  bool clean = true;
  for (size_t i = 0; i < n && clean;) {
    const size_t start = i;
    const UChar32 c = NextUtf8(s, &i, n);
    if (c >= 0) continue;
    if (settings_.invalid == InvalidUtf8::kError) {
      bad_offset_ = static_cast<size_t>(start);
      return InvalidArgument("invalid UTF-8");
    }
    clean = false;
  }
  if (clean) return Status::OK();
  // Second pass builds the repaired text (rare: only for bad input).
  repaired_.clear();
  for (size_t i = 0; i < n;) {
    const size_t start = i;
    const UChar32 c = NextUtf8(s, &i, n);
    if (c >= 0) {
      repaired_.append(s + start, i - start);
    } else if (settings_.invalid == InvalidUtf8::kReplace) {
      repaired_.append("\xEF\xBF\xBD");
    }
  }
  *text = repaired_;
  return Status::OK();
}

// NFC or NFKC, then case folding, as the settings ask (the plugin's work
// unless the text is ASCII).
Status Tokenizer::Normalize(std::string_view* text) {
  if (IsAscii(*text)) {
    // ASCII is invariant under NFC and NFKC; folding it is lowercasing.
    if (settings_.case_fold) {
      normalized_.assign(*text);
      for (char& c : normalized_)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      *text = normalized_;
    }
    return Status::OK();
  }
  const char* out = nullptr;
  size_t out_size = 0;
  char err[kErrorBytes] = "";
  if (unicode_->normalize(handle_, text->data(), text->size(), &out, &out_size, err, sizeof(err)) !=
      0) {
    return InternalError(err);
  }
  *text = std::string_view(out, out_size);
  return Status::OK();
}

Status Tokenizer::Split(std::string_view text, std::vector<std::string_view>* tokens) {
  switch (settings_.unit) {
    case Unit::kWord:
      SplitWords(text, [tokens](std::string_view t) { tokens->push_back(t); });
      break;
    case Unit::kByte:
      for (size_t i = 0; i < text.size(); ++i) tokens->push_back(text.substr(i, 1));
      break;
    case Unit::kChar: {
      const char* s = text.data();
      const size_t n = text.size();
      for (size_t i = 0; i < n;) {
        const size_t start = i;
        ForwardUtf8(s, &i, n);
        tokens->push_back(std::string_view(s + start, i - start));
      }
      break;
    }
    case Unit::kGrapheme:
    case Unit::kSegment:
      return SplitWithBreaks(text, tokens);
    case Unit::kSentencePiece: {
      // The pieces as spm_encode writes them. A piece never holds ASCII
      // whitespace unless the model keeps spaces as they are (its
      // normalizer's escape_whitespaces is false); it is then split there,
      // as a word reader of spm_encode's output would: the units are always
      // those of `spm_encode | grams-count`.
      const char* pieces = nullptr;
      const size_t* ends = nullptr;
      size_t count = 0;
      char err[kErrorBytes] = "";
      if (unicode_->encode(handle_, text.data(), text.size(), &pieces, &ends, &count, err,
                           sizeof(err)) != 0) {
        return InternalError(err);
      }
      for (size_t i = 0; i < count; ++i) {
        const size_t from = i ? ends[i - 1] : 0;
        SplitWords(std::string_view(pieces + from, ends[i] - from),
                   [tokens](std::string_view t) { tokens->push_back(t); });
      }
      break;
    }
  }
  return Status::OK();
}

// Grapheme clusters and word-break segments, from the plugin.
Status Tokenizer::SplitWithBreaks(std::string_view text, std::vector<std::string_view>* tokens) {
  if (text.empty()) return Status::OK();
  const size_t* bounds = nullptr;
  size_t count = 0;
  char err[kErrorBytes] = "";
  if (unicode_->segment(handle_, text.data(), text.size(), &bounds, &count, err, sizeof(err)) !=
      0) {
    return InternalError(err);
  }
  for (size_t i = 0; i < count; ++i) {
    tokens->push_back(text.substr(bounds[2 * i], bounds[2 * i + 1] - bounds[2 * i]));
  }
  return Status::OK();
}

}  // namespace grams
