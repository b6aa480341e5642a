// TokenizerSettings: how text becomes units. Recorded in every counts and
// model file so that scoring applies exactly the tokenization used in training.
#ifndef GRAMS_SETTINGS_H_
#define GRAMS_SETTINGS_H_

#include <string>
#include <utility>
#include <vector>

#include "grams/export.h"
#include "grams/status.h"

namespace grams {

enum class Unit { kWord };

struct GRAMS_EXPORT TokenizerSettings {
  // word: tokens separated by ASCII whitespace (space, \t, \n, \v, \f, \r).
  Unit unit = Unit::kWord;

  // Key/value form stored in file headers ("unit" -> "word", ...).
  std::vector<std::pair<std::string, std::string>> ToKeyValues() const;
  // Parses the keys it knows; unknown keys are an error (a newer writer).
  static StatusOr<TokenizerSettings> FromKeyValues(
      const std::vector<std::pair<std::string, std::string>>& kv);

  bool operator==(const TokenizerSettings&) const = default;
};

GRAMS_EXPORT const char* UnitName(Unit unit);
GRAMS_EXPORT StatusOr<Unit> ParseUnit(const std::string& name);

}  // namespace grams

#endif  // GRAMS_SETTINGS_H_
