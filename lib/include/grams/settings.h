// TokenizerSettings: how text becomes units. Recorded in every counts and
// model file so that scoring applies exactly the tokenization used in
// training: a user never repeats these options and cannot mismatch them.
#ifndef GRAMS_SETTINGS_H_
#define GRAMS_SETTINGS_H_

#include <string>
#include <utility>
#include <vector>

#include "grams/export.h"
#include "grams/status.h"

namespace grams {

enum class Unit {
  kWord,      // tokens separated by ASCII whitespace (KenLM, SRILM)
  kByte,      // every byte; any input is valid, NUL included
  kChar,      // every Unicode code point of the UTF-8 text
  kGrapheme,  // every extended grapheme cluster (ICU)
  kSegment,   // ICU word-break segments, whitespace dropped, punctuation kept
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

  // True if the settings need UTF-8 text (any unit but word and byte, or
  // normalization or case folding).
  bool NeedsUtf8() const;

  // Key/value form stored in file headers ("unit" -> "char", ...).
  std::vector<std::pair<std::string, std::string>> ToKeyValues() const;
  // Parses the keys it knows; unknown keys are an error (a newer writer).
  // Missing keys keep their defaults.
  static StatusOr<TokenizerSettings> FromKeyValues(
      const std::vector<std::pair<std::string, std::string>>& kv);
  // "unit=char normalize=nfc ...", for messages and --verbose.
  std::string ToString() const;

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

}  // namespace grams

#endif  // GRAMS_SETTINGS_H_
