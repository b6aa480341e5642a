// Tokenizer: how a line of text becomes a sequence of unit strings, by the
// TokenizerSettings recorded in counts and model files. UTF-8 validation and
// repair and the word, byte and char units are its own (ICU's header-only
// UTF-8 macros); NFC/NFKC normalization, case folding, grapheme clusters and
// word-break segmentation (ICU) and the pieces of a sentencepiece unit
// (SentencePiece, after our own validation, normalization and case folding)
// come from the Unicode plugin (tokenize/unicode.h), opened only by the
// settings that need it.
//
// Not thread-safe: one Tokenizer per thread.
#ifndef GRAMS_TOKENIZE_TOKENIZER_H_
#define GRAMS_TOKENIZE_TOKENIZER_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/settings.h"
#include "grams/status.h"

struct GramsUnicodeApi;

namespace grams {

static_assert(std::endian::native == std::endian::little,
              "SplitWords reads bytes as little-endian words");

// True for the bytes KenLM treats as token separators: space, \t, \n, \v, \f, \r.
inline bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Calls f(token) for every whitespace-separated token of `line`, in order.
// A token's end is sought 8 bytes at a time: a byte below 0x21 (every
// separator is one) is found in a word without a branch per byte, and
// only such a byte is then tested for being a separator. Nothing outside
// `line` is read.
template <typename F>
inline void SplitWords(std::string_view line, F&& f) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const char* p = line.data();
  const char* end = p + line.size();
  for (;;) {
    while (p < end && IsAsciiSpace(static_cast<unsigned char>(*p))) ++p;
    if (p == end) return;
    const char* start = p;
    while (end - p >= 8) {
      uint64_t x;
      std::memcpy(&x, p, 8);
      // The high bit of each byte below 0x21, and perhaps of bytes above
      // the first such (borrows run upwards): the lowest one is exact.
      const uint64_t low = (x - 0x21 * kOnes) & ~x & kHighs;
      if (low != 0) {
        p += std::countr_zero(low) / 8;  // little-endian: byte order = bit order
        break;
      }
      p += 8;
    }
    while (p < end && !IsAsciiSpace(static_cast<unsigned char>(*p))) ++p;
    f(std::string_view(start, static_cast<size_t>(p - start)));
  }
}

// The unit that stands for a line break in a stream (boundaries=none).
inline constexpr std::string_view kNewlineUnit = "\n";

class Tokenizer {
 public:
  static StatusOr<std::unique_ptr<Tokenizer>> Create(const TokenizerSettings& settings);
  ~Tokenizer();

  // Splits `line` (without its '\n'; a trailing '\r' is dropped) into units,
  // replacing *tokens. With boundaries=none and `newline` set, a "\n" unit
  // follows the line's units (byte, char and grapheme units). The views stay
  // valid until the next call and while `line` lives.
  // Invalid UTF-8 under InvalidUtf8::kError fails with InvalidArgument;
  // bad_offset() then gives its byte offset within the line.
  Status Tokenize(std::string_view line, bool newline, std::vector<std::string_view>* tokens);
  size_t bad_offset() const { return bad_offset_; }

  const TokenizerSettings& settings() const { return settings_; }

 private:
  Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // The steps of Tokenize, in order. Each may point *text at repaired_ or
  // normalized_.
  Status CheckUtf8(std::string_view* text);
  Status Normalize(std::string_view* text);
  Status Split(std::string_view text, std::vector<std::string_view>* tokens);
  // Split for grapheme and segment units (the plugin's break iterators).
  Status SplitWithBreaks(std::string_view text, std::vector<std::string_view>* tokens);

  TokenizerSettings settings_;
  const GramsUnicodeApi* unicode_ = nullptr;  // the plugin, when the settings need it
  void* handle_ = nullptr;                    // the plugin's state for this tokenizer
  std::string repaired_, normalized_;
  size_t bad_offset_ = 0;
};

}  // namespace grams

#endif  // GRAMS_TOKENIZE_TOKENIZER_H_
