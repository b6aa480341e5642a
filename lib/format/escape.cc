#include "grams/escape.h"

#include <unicode/utf8.h>

#include "grams/types.h"

namespace grams {
namespace {

bool UnsafeByte(unsigned char c) { return c < 0x21 || c == 0x7F; }

// Marks which bytes of `unit` are not part of valid UTF-8.
bool HasInvalidUtf8(std::string_view unit) {
  const char* s = unit.data();
  const int32_t n = static_cast<int32_t>(unit.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return true;
  }
  return false;
}

bool NeedsEscape(std::string_view unit) {
  if (unit.empty()) return false;
  if (unit == kBosWord || unit == kEosWord || unit == kUnkWord) return false;
  for (unsigned char c : unit)
    if (UnsafeByte(c)) return true;
  if (unit.find("<0x") != std::string_view::npos || unit == "<sp>") return true;
  if (unit.front() == '<' && unit.back() == '>') return true;
  bool ascii = true;
  for (unsigned char c : unit) ascii &= c < 0x80;
  return !ascii && HasInvalidUtf8(unit);
}

void AppendHexByte(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  out->append("<0x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
  out->push_back('>');
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void AppendEscapedUnit(std::string_view unit, std::string* out) {
  if (!NeedsEscape(unit)) {
    out->append(unit);
    return;
  }
  if (unit == " ") {
    out->append("<sp>");
    return;
  }
  const char* s = unit.data();
  const int32_t n = static_cast<int32_t>(unit.size());
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) {  // every byte of an invalid sequence
      for (int32_t k = start; k < i; ++k) AppendHexByte(static_cast<unsigned char>(s[k]), out);
    } else if (i - start == 1 &&
               (UnsafeByte(static_cast<unsigned char>(s[start])) || s[start] == '<')) {
      AppendHexByte(static_cast<unsigned char>(s[start]), out);
    } else {
      out->append(s + start, i - start);
    }
  }
}

std::string EscapeUnit(std::string_view unit) {
  std::string out;
  AppendEscapedUnit(unit, &out);
  return out;
}

bool IsValidUtf8(std::string_view text) { return !HasInvalidUtf8(text); }

// SentencePiece pieces hold no whitespace (the tokenizer splits a piece
// that does), and are written as they are, as spm_encode writes them.
bool UnitsNeedEscaping(const TokenizerSettings& settings) {
  return settings.unit != Unit::kWord && settings.unit != Unit::kSentencePiece;
}

bool IsEscapedUnit(std::string_view text) {
  return text == "<sp>" || text.find("<0x") != std::string_view::npos;
}

std::string UnescapeUnit(std::string_view text) {
  if (text == "<sp>") return " ";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (i + 6 <= text.size() && text.compare(i, 3, "<0x") == 0 && text[i + 5] == '>') {
      int hi = HexDigit(text[i + 3]), lo = HexDigit(text[i + 4]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 6;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

}  // namespace grams
