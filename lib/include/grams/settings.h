// TokenizerSettings: how text becomes units. Recorded in every counts and
// model file so that scoring applies exactly the tokenization used in
// training: a user never repeats these options and cannot mismatch them.
#ifndef GRAMS_SETTINGS_H_
#define GRAMS_SETTINGS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/export.h"
#include "grams/status.h"

namespace grams {

enum class Unit {
  kWord,           // tokens separated by ASCII whitespace (KenLM, SRILM)
  kByte,           // every byte; any input is valid, NUL included
  kChar,           // every Unicode code point of the UTF-8 text
  kGrapheme,       // every extended grapheme cluster (ICU)
  kSegment,        // ICU word-break segments, whitespace dropped, punctuation kept
  kSentencePiece,  // the pieces of a SentencePiece model (sp_model), as
                   // spm_encode writes them ("▁the")
};

enum class Normalization { kNone, kNfc, kNfkc };

enum class Boundaries {
  kLine,  // each line is a sentence wrapped in <s> ... </s>
  kNone,  // the input is one stream: windows slide across lines, and the
          // newline is a unit of its own (byte, char, grapheme units)
};

enum class InvalidUtf8 {
  kError,    // stop with the file, line and byte offset
  kReplace,  // each invalid sequence becomes U+FFFD
  kSkip,     // invalid bytes are dropped
};

struct GRAMS_EXPORT TokenizerSettings {
  Unit unit = Unit::kWord;
  Normalization normalize = Normalization::kNone;  // applied before segmentation
  bool case_fold = false;                          // ICU full case folding
  Boundaries boundaries = Boundaries::kLine;
  InvalidUtf8 invalid = InvalidUtf8::kError;
  // Unit::kSentencePiece only: the serialized SentencePiece model (the bytes
  // of spm_train's FILE.model, see ReadSentencePieceModel); empty otherwise.
  // It is stored in counts and model files with the other settings, so a
  // model scores raw text with no other file.
  std::string sp_model;

  // True if the settings need UTF-8 text (any unit but word and byte, or
  // normalization or case folding).
  bool NeedsUtf8() const;

  // Key/value form stored in file headers ("unit" -> "char", ...). With a
  // SentencePiece unit the last key is "sp_model", whose value is the
  // model's bytes.
  std::vector<std::pair<std::string, std::string>> ToKeyValues() const;
  // Parses the keys it knows; unknown keys are an error (a newer writer).
  // Missing keys keep their defaults. unit=sentencepiece needs sp_model, and
  // sp_model needs unit=sentencepiece.
  static StatusOr<TokenizerSettings> FromKeyValues(
      const std::vector<std::pair<std::string, std::string>>& kv);
  // ToKeyValues() for people: sp_model is summarized as "LENGTH:CRC32" (the
  // model's size in bytes and the CRC-32 of its bytes, 8 hex digits).
  std::vector<std::pair<std::string, std::string>> DisplayKeyValues() const;
  // "unit=char normalize=nfc ...", from DisplayKeyValues(): for messages,
  // --verbose and the ARPA "# grams-tokenizer:" line.
  std::string ToString() const;

  // ARPA comment lines cannot hold the raw bytes of a SentencePiece model.
  // The "# grams-tokenizer:" line holds ToString() (sp_model=LENGTH:CRC32),
  // and the model follows in base64 (RFC 4648, padded), 76 characters per
  // line, each line starting with kArpaSpModelComment (docs/FORMAT.md, ARPA).
  // Those lines ("" without a SentencePiece model), each ending in '\n':
  std::string SpModelArpaLines() const;
  // The inverse: `kv` are the items of a "# grams-tokenizer:" line, and
  // `sp_model_base64` the concatenated text after kArpaSpModelComment of
  // the lines that followed (spaces ignored). The decoded model must match
  // the LENGTH:CRC32 of the sp_model item.
  static StatusOr<TokenizerSettings> FromArpaKeyValues(
      const std::vector<std::pair<std::string, std::string>>& kv, std::string_view sp_model_base64);

  bool operator==(const TokenizerSettings&) const = default;
};

GRAMS_EXPORT const char* UnitName(Unit unit);
GRAMS_EXPORT StatusOr<Unit> ParseUnit(const std::string& name);
GRAMS_EXPORT const char* NormalizationName(Normalization n);
GRAMS_EXPORT StatusOr<Normalization> ParseNormalization(const std::string& name);
GRAMS_EXPORT const char* BoundariesName(Boundaries b);
GRAMS_EXPORT StatusOr<Boundaries> ParseBoundaries(const std::string& name);
GRAMS_EXPORT const char* InvalidUtf8Name(InvalidUtf8 i);
GRAMS_EXPORT StatusOr<InvalidUtf8> ParseInvalidUtf8(const std::string& name);

// The prefix of the ARPA comment lines that carry a SentencePiece model.
inline constexpr const char* kArpaSpModelComment = "# grams-sp-model:";

// Reads a SentencePiece model file (spm_train's FILE.model) for
// TokenizerSettings::sp_model, and checks that SentencePiece loads it: a
// missing, empty or corrupt file is an error naming it.
GRAMS_EXPORT StatusOr<std::string> ReadSentencePieceModel(const std::string& path);

}  // namespace grams

#endif  // GRAMS_SETTINGS_H_
