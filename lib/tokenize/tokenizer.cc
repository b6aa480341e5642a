#include "tokenize/tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <sentencepiece_processor.h>

#include "io/file.h"

namespace grams {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

Status IcuError(const char* what, UErrorCode code) {
  return InternalError(std::string("ICU: ") + what + ": " + u_errorName(code));
}

// A SentencePiece error for our messages. A model that does not parse gets
// the source line of the failed check; say it in words instead.
std::string SpMessage(const sentencepiece::util::Status& s) {
  const std::string m = s.ToString();
  if (m.find("ParseFromArray") != std::string::npos) return "it does not parse as a model";
  return "SentencePiece: " + m;
}

}  // namespace

// The SentencePiece processor of a sentencepiece unit, and the pieces of the
// last line (the units are views into them).
class Tokenizer::Sp {
 public:
  sentencepiece::SentencePieceProcessor processor;
  std::vector<std::string> pieces;
};

StatusOr<std::string> ReadSentencePieceModel(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
  GRAMS_ASSIGN_OR_RETURN(std::string bytes, io::ReadAll(in.get()));
  if (bytes.empty()) return InvalidArgument(path + ": empty file, expected a SentencePiece model");
  sentencepiece::SentencePieceProcessor processor;
  const auto s = processor.LoadFromSerializedProto(bytes);
  if (!s.ok()) {
    return InvalidArgument(path + ": not a valid SentencePiece model (" + SpMessage(s) + ")");
  }
  return bytes;
}

// The ICU objects a Tokenizer needs, created once.
class Tokenizer::Icu {
 public:
  const icu::Normalizer2* normalizer = nullptr;  // owned by ICU
  std::unique_ptr<icu::BreakIterator> breaker;   // grapheme or word
  UText text = UTEXT_INITIALIZER;
  icu::UnicodeString buffer;

  ~Icu() { utext_close(&text); }
};

Tokenizer::~Tokenizer() = default;

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Create(const TokenizerSettings& settings) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->settings_ = settings;
  if (settings.unit == Unit::kSentencePiece) {
    if (settings.sp_model.empty()) {
      return InvalidArgument("the sentencepiece unit needs a SentencePiece model");
    }
    t->sp_ = std::make_unique<Sp>();
    const auto s = t->sp_->processor.LoadFromSerializedProto(settings.sp_model);
    if (!s.ok()) {
      return CorruptionError("the SentencePiece model in the tokenizer settings is corrupt (" +
                             SpMessage(s) + ")");
    }
  }
  if (!settings.NeedsUtf8()) return t;
  t->icu_ = std::make_unique<Icu>();
  UErrorCode status = U_ZERO_ERROR;
  if (settings.normalize == Normalization::kNfc) {
    t->icu_->normalizer = icu::Normalizer2::getNFCInstance(status);
  } else if (settings.normalize == Normalization::kNfkc) {
    t->icu_->normalizer = icu::Normalizer2::getNFKCInstance(status);
  }
  if (U_FAILURE(status)) return IcuError("cannot load the normalization data", status);
  if (settings.unit == Unit::kGrapheme) {
    t->icu_->breaker.reset(
        icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  } else if (settings.unit == Unit::kSegment) {
    t->icu_->breaker.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  }
  if (U_FAILURE(status)) return IcuError("cannot load the break rules", status);
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

// Validates *text, repairing it per settings_.invalid.
Status Tokenizer::CheckUtf8(std::string_view* text) {
  const char* s = text->data();
  const int32_t n = static_cast<int32_t>(text->size());
  bool clean = true;
  for (int32_t i = 0; i < n && clean;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
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
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c >= 0) {
      repaired_.append(s + start, i - start);
    } else if (settings_.invalid == InvalidUtf8::kReplace) {
      repaired_.append("\xEF\xBF\xBD");
    }
  }
  *text = repaired_;
  return Status::OK();
}

// NFC or NFKC, then case folding, as the settings ask.
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
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString us = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text->data(), static_cast<int32_t>(text->size())));
  if (icu_->normalizer) {
    icu_->buffer.remove();
    icu_->normalizer->normalize(us, icu_->buffer, status);
    if (U_FAILURE(status)) return IcuError("normalization failed", status);
    us = icu_->buffer;
  }
  if (settings_.case_fold) us.foldCase();
  normalized_.clear();
  us.toUTF8String(normalized_);
  *text = normalized_;
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
      const int32_t n = static_cast<int32_t>(text.size());
      for (int32_t i = 0; i < n;) {
        const int32_t start = i;
        U8_FWD_1(s, i, n);
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
      const auto s = sp_->processor.Encode(text, &sp_->pieces);
      if (!s.ok()) return InternalError(SpMessage(s));
      for (const std::string& piece : sp_->pieces)
        SplitWords(piece, [tokens](std::string_view t) { tokens->push_back(t); });
      break;
    }
  }
  return Status::OK();
}

Status Tokenizer::SplitWithBreaks(std::string_view text, std::vector<std::string_view>* tokens) {
  if (text.empty()) return Status::OK();
  UErrorCode status = U_ZERO_ERROR;
  utext_openUTF8(&icu_->text, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) return IcuError("cannot open text", status);
  icu_->breaker->setText(&icu_->text, status);
  if (U_FAILURE(status)) return IcuError("cannot segment text", status);
  int32_t start = icu_->breaker->first();
  for (int32_t end = icu_->breaker->next(); end != icu::BreakIterator::DONE;
       start = end, end = icu_->breaker->next()) {
    std::string_view unit = text.substr(start, end - start);
    if (settings_.unit == Unit::kSegment) {
      // Drop whitespace-only segments; keep words and punctuation.
      bool space = true;
      const char* s = unit.data();
      const int32_t n = static_cast<int32_t>(unit.size());
      for (int32_t i = 0; i < n && space;) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        space = c >= 0 && u_isUWhiteSpace(c);
      }
      if (space) continue;
    }
    tokens->push_back(unit);
  }
  return Status::OK();
}

}  // namespace grams
