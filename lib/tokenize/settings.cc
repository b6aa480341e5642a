#include "grams/settings.h"

namespace grams {
namespace {

template <typename E, size_t N>
StatusOr<E> ParseName(const std::string& name, const char* what,
                      const std::pair<const char*, E> (&table)[N]) {
  std::string expected;
  for (const auto& [n, e] : table) {
    if (name == n) return e;
    expected += expected.empty() ? n : std::string("|") + n;
  }
  return InvalidArgument("unknown " + std::string(what) + " '" + name + "' (expected " + expected + ")");
}

constexpr std::pair<const char*, Unit> kUnits[] = {{"word", Unit::kWord},
                                                   {"byte", Unit::kByte},
                                                   {"char", Unit::kChar},
                                                   {"grapheme", Unit::kGrapheme},
                                                   {"segment", Unit::kSegment}};
constexpr std::pair<const char*, Normalization> kNormalizations[] = {
    {"none", Normalization::kNone}, {"nfc", Normalization::kNfc}, {"nfkc", Normalization::kNfkc}};
constexpr std::pair<const char*, Boundaries> kBoundaries[] = {{"line", Boundaries::kLine},
                                                              {"none", Boundaries::kNone}};
constexpr std::pair<const char*, InvalidUtf8> kInvalid[] = {
    {"error", InvalidUtf8::kError}, {"replace", InvalidUtf8::kReplace}, {"skip", InvalidUtf8::kSkip}};

template <typename E, size_t N>
const char* NameOf(E e, const std::pair<const char*, E> (&table)[N]) {
  for (const auto& [n, v] : table)
    if (v == e) return n;
  return "?";
}

}  // namespace

const char* UnitName(Unit unit) { return NameOf(unit, kUnits); }
StatusOr<Unit> ParseUnit(const std::string& name) { return ParseName(name, "unit", kUnits); }
const char* NormalizationName(Normalization n) { return NameOf(n, kNormalizations); }
StatusOr<Normalization> ParseNormalization(const std::string& name) {
  return ParseName(name, "normalization", kNormalizations);
}
const char* BoundariesName(Boundaries b) { return NameOf(b, kBoundaries); }
StatusOr<Boundaries> ParseBoundaries(const std::string& name) {
  return ParseName(name, "boundaries", kBoundaries);
}
const char* InvalidUtf8Name(InvalidUtf8 i) { return NameOf(i, kInvalid); }
StatusOr<InvalidUtf8> ParseInvalidUtf8(const std::string& name) {
  return ParseName(name, "invalid-UTF-8 handling", kInvalid);
}

bool TokenizerSettings::NeedsUtf8() const {
  return (unit != Unit::kWord && unit != Unit::kByte) || normalize != Normalization::kNone ||
         case_fold;
}

std::vector<std::pair<std::string, std::string>> TokenizerSettings::ToKeyValues() const {
  return {{"unit", UnitName(unit)},
          {"normalize", NormalizationName(normalize)},
          {"case_fold", case_fold ? "1" : "0"},
          {"boundaries", BoundariesName(boundaries)},
          {"invalid", InvalidUtf8Name(invalid)}};
}

StatusOr<TokenizerSettings> TokenizerSettings::FromKeyValues(
    const std::vector<std::pair<std::string, std::string>>& kv) {
  TokenizerSettings s;
  for (const auto& [key, value] : kv) {
    if (key == "unit") {
      GRAMS_ASSIGN_OR_RETURN(s.unit, ParseUnit(value));
    } else if (key == "normalize") {
      GRAMS_ASSIGN_OR_RETURN(s.normalize, ParseNormalization(value));
    } else if (key == "case_fold") {
      if (value != "0" && value != "1") return InvalidArgument("bad case_fold setting '" + value + "'");
      s.case_fold = value == "1";
    } else if (key == "boundaries") {
      GRAMS_ASSIGN_OR_RETURN(s.boundaries, ParseBoundaries(value));
    } else if (key == "invalid") {
      GRAMS_ASSIGN_OR_RETURN(s.invalid, ParseInvalidUtf8(value));
    } else {
      return UnsupportedVersion("unknown tokenizer setting '" + key +
                                "' (file written by a newer grams?)");
    }
  }
  return s;
}

std::string TokenizerSettings::ToString() const {
  std::string out;
  for (const auto& [k, v] : ToKeyValues()) {
    if (!out.empty()) out += ' ';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace grams
