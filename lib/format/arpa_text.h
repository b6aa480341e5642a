// The text of ARPA files, below the level of lines: field separators, the
// numbers (log probabilities, backoffs, counts) and section headers, and
// quoting for messages. Used by the ARPA reader (format/arpa_parser.h); every
// function is inline, as the reader calls most of them for every line.
#ifndef GRAMS_FORMAT_ARPA_TEXT_H_
#define GRAMS_FORMAT_ARPA_TEXT_H_

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

namespace grams::arpa {

// Field separators: space, tab, and the other ASCII blanks but newline.
struct SpaceTable {
  bool is_space[256] = {};
  constexpr SpaceTable() {
    for (unsigned char c : {' ', '\t', '\r', '\f', '\v'}) is_space[c] = true;
  }
};
inline constexpr SpaceTable kSpaces;
inline bool IsSpace(char c) { return kSpaces.is_space[static_cast<unsigned char>(c)]; }

// The first separator in [p, e), or e. Eight bytes at a time: every separator
// is below 0x21, and (x - 0x21..) & ~x & 0x80.. flags the first such byte.
inline const char* FindSpace(const char* p, const char* e) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  while (std::endian::native == std::endian::little && e - p >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    const uint64_t low = (x - kOnes * 0x21) & ~x & kHigh;
    if (low == 0) {
      p += 8;
      continue;
    }
    p += __builtin_ctzll(low) >> 3;
    if (IsSpace(*p)) return p;
    ++p;  // another control byte, part of the word
  }
  while (p < e && !IsSpace(*p)) ++p;
  return p;
}

inline std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// For messages: the text, shortened if very long.
inline std::string Quote(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = "'";
  if (s.size() > kMax) {
    out.append(s.substr(0, kMax));
    out.append("...");
  } else {
    out.append(s);
  }
  out.push_back('\'');
  return out;
}

// Parses a whole field as a float: decimal or exponent notation, "inf",
// "-inf", "-Infinity" (any case), an optional leading '+'. Values beyond the
// float range become +-inf or +-0 / denormals. NaN is rejected.
inline bool ParseFloat(std::string_view s, float* out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') {
    ++b;
    if (b != e && *b == '-') return false;
  }
  if (b == e) return false;
  auto r = std::from_chars(b, e, *out);
  if (r.ec == std::errc::result_out_of_range && r.ptr == e) {
    double d;
    auto rd = std::from_chars(b, e, d);
    if (rd.ptr != e) return false;
    if (rd.ec == std::errc::result_out_of_range) {
      // Beyond even double: the sign and whether the exponent is negative
      // tell overflow from underflow.
      const bool neg = *b == '-';
      const char* x = std::find_if(b, e, [](char c) { return c == 'e' || c == 'E'; });
      const bool tiny = x != e && x + 1 != e && x[1] == '-';
      d = tiny ? (neg ? -0.0 : 0.0)
               : (neg ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity());
    } else if (rd.ec != std::errc()) {
      return false;
    }
    *out = static_cast<float>(d);
    return true;
  }
  if (r.ec != std::errc() || r.ptr != e) return false;
  return !std::isnan(*out);
}

inline bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "\N-grams:" -> N; 0 if the line is not such a header.
inline uint64_t SectionOrder(std::string_view t) {
  constexpr std::string_view kSuffix = "-grams:";
  if (t.size() < 2 + kSuffix.size() || t[0] != '\\' ||
      t.substr(t.size() - kSuffix.size()) != kSuffix) {
    return 0;
  }
  uint64_t n = 0;
  if (!ParseUint(t.substr(1, t.size() - 1 - kSuffix.size()), &n)) return 0;
  return n;
}

}  // namespace grams::arpa

#endif  // GRAMS_FORMAT_ARPA_TEXT_H_
