#include "grams/settings.h"

#include <cstdio>

#include "util/coding.h"

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
  return InvalidArgument("unknown " + std::string(what) + " '" + name + "' (expected " + expected +
                         ")");
}

constexpr std::pair<const char*, Unit> kUnits[] = {
    {"word", Unit::kWord},       {"byte", Unit::kByte},
    {"char", Unit::kChar},       {"grapheme", Unit::kGrapheme},
    {"segment", Unit::kSegment}, {"sentencepiece", Unit::kSentencePiece}};
constexpr std::pair<const char*, Normalization> kNormalizations[] = {
    {"none", Normalization::kNone}, {"nfc", Normalization::kNfc}, {"nfkc", Normalization::kNfkc}};
constexpr std::pair<const char*, Boundaries> kBoundaries[] = {{"line", Boundaries::kLine},
                                                              {"none", Boundaries::kNone}};
constexpr std::pair<const char*, InvalidUtf8> kInvalid[] = {{"error", InvalidUtf8::kError},
                                                            {"replace", InvalidUtf8::kReplace},
                                                            {"skip", InvalidUtf8::kSkip}};

template <typename E, size_t N>
const char* NameOf(E e, const std::pair<const char*, E> (&table)[N]) {
  for (const auto& [n, v] : table)
    if (v == e) return n;
  return "?";
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr size_t kBase64LineLength = 76;

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Alphabet[(v >> shift) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Strict RFC 4648 decoding (padding required, nothing after it); spaces and
// tabs are ignored. False on any other character.
bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t v = 0;
  int have = 0, pad = 0;
  for (char ch : in) {
    if (ch == ' ' || ch == '\t') continue;
    int d;
    if (ch >= 'A' && ch <= 'Z') {
      d = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      d = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      d = ch - '0' + 52;
    } else if (ch == '+') {
      d = 62;
    } else if (ch == '/') {
      d = 63;
    } else if (ch == '=' && have >= 2) {
      ++pad;
      d = 0;
    } else {
      return false;
    }
    if (pad > 0 && ch != '=') return false;  // data after padding
    v = v << 6 | static_cast<uint32_t>(d);
    if (++have == 4) {
      out->push_back(static_cast<char>(v >> 16));
      if (pad < 2) out->push_back(static_cast<char>(v >> 8 & 0xFF));
      if (pad < 1) out->push_back(static_cast<char>(v & 0xFF));
      if (pad > 0) pad = 3;  // the group with padding must be the last
      v = 0;
      have = 0;
    }
  }
  return have == 0;
}

std::string SpModelSummary(std::string_view model) {
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", Crc32(model.data(), model.size()));
  return std::to_string(model.size()) + ":" + crc;
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
  std::vector<std::pair<std::string, std::string>> kv = {
      {"unit", UnitName(unit)},
      {"normalize", NormalizationName(normalize)},
      {"case_fold", case_fold ? "1" : "0"},
      {"boundaries", BoundariesName(boundaries)},
      {"invalid", InvalidUtf8Name(invalid)}};
  if (unit == Unit::kSentencePiece || !sp_model.empty()) kv.emplace_back("sp_model", sp_model);
  return kv;
}

std::vector<std::pair<std::string, std::string>> TokenizerSettings::DisplayKeyValues() const {
  auto kv = ToKeyValues();
  for (auto& [key, value] : kv)
    if (key == "sp_model") value = SpModelSummary(value);
  return kv;
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
      if (value != "0" && value != "1")
        return InvalidArgument("bad case_fold setting '" + value + "'");
      s.case_fold = value == "1";
    } else if (key == "boundaries") {
      GRAMS_ASSIGN_OR_RETURN(s.boundaries, ParseBoundaries(value));
    } else if (key == "invalid") {
      GRAMS_ASSIGN_OR_RETURN(s.invalid, ParseInvalidUtf8(value));
    } else if (key == "sp_model") {
      if (value.empty()) return InvalidArgument("empty sp_model setting");
      s.sp_model = value;
    } else {
      return UnsupportedVersion("unknown tokenizer setting '" + key +
                                "' (file written by a newer grams?)");
    }
  }
  if (s.unit == Unit::kSentencePiece && s.sp_model.empty()) {
    return InvalidArgument("unit=sentencepiece without its sp_model setting");
  }
  if (s.unit != Unit::kSentencePiece && !s.sp_model.empty()) {
    return InvalidArgument(std::string("an sp_model setting with unit=") + UnitName(s.unit) +
                           " (only unit=sentencepiece has one)");
  }
  return s;
}

std::string TokenizerSettings::SpModelArpaLines() const {
  if (sp_model.empty()) return "";
  const std::string b64 = Base64Encode(sp_model);
  std::string out;
  for (size_t i = 0; i < b64.size(); i += kBase64LineLength) {
    out += kArpaSpModelComment;
    out += ' ';
    out.append(b64, i, kBase64LineLength);
    out += '\n';
  }
  return out;
}

StatusOr<TokenizerSettings> TokenizerSettings::FromArpaKeyValues(
    const std::vector<std::pair<std::string, std::string>>& kv, std::string_view sp_model_base64) {
  std::vector<std::pair<std::string, std::string>> decoded = kv;
  bool has_model = false;
  for (auto& [key, value] : decoded) {
    if (key != "sp_model") continue;
    has_model = true;
    std::string model;
    if (sp_model_base64.empty()) {
      return InvalidArgument("sp_model=" + value + " but no " + kArpaSpModelComment +
                             " lines carry the SentencePiece model");
    }
    if (!Base64Decode(sp_model_base64, &model)) {
      return InvalidArgument(std::string("the ") + kArpaSpModelComment +
                             " lines are not valid base64 (the SentencePiece model is corrupt)");
    }
    const std::string summary = SpModelSummary(model);
    if (summary != value) {
      return InvalidArgument("the SentencePiece model of the " + std::string(kArpaSpModelComment) +
                             " lines is " + summary + " (bytes:CRC-32), but sp_model=" + value +
                             " (corrupt or truncated?)");
    }
    value = std::move(model);
  }
  if (!has_model && !sp_model_base64.empty()) {
    return InvalidArgument(std::string(kArpaSpModelComment) +
                           " lines without sp_model in the tokenizer settings");
  }
  return FromKeyValues(decoded);
}

std::string TokenizerSettings::ToString() const {
  std::string out;
  for (const auto& [k, v] : DisplayKeyValues()) {
    if (!out.empty()) out += ' ';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace grams
