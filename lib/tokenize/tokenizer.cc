#include "tokenize/tokenizer.h"

#include "grams/settings.h"

namespace grams {

const char* UnitName(Unit unit) {
  switch (unit) {
    case Unit::kWord:
      return "word";
  }
  return "?";
}

StatusOr<Unit> ParseUnit(const std::string& name) {
  if (name == "word") return Unit::kWord;
  return InvalidArgument("unknown unit '" + name + "' (expected: word)");
}

std::vector<std::pair<std::string, std::string>> TokenizerSettings::ToKeyValues() const {
  return {{"unit", UnitName(unit)}};
}

StatusOr<TokenizerSettings> TokenizerSettings::FromKeyValues(
    const std::vector<std::pair<std::string, std::string>>& kv) {
  TokenizerSettings s;
  for (const auto& [key, value] : kv) {
    if (key == "unit") {
      GRAMS_ASSIGN_OR_RETURN(s.unit, ParseUnit(value));
    } else {
      return UnsupportedVersion("unknown tokenizer setting '" + key +
                                "' (file written by a newer grams?)");
    }
  }
  return s;
}

}  // namespace grams
