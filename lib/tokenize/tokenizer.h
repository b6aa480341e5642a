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

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/settings.h"
#include "grams/status.h"

struct GramsUnicodeApi;

namespace grams {

// True for the bytes KenLM treats as token separators: space, \t, \n, \v, \f, \r.
inline bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Calls f(token) for every whitespace-separated token of `line`, in order.
template <typename F>
inline void SplitWords(std::string_view line, F&& f) {
  const char* p = line.data();
  const char* end = p + line.size();
  for (;;) {
    while (p < end && IsAsciiSpace(static_cast<unsigned char>(*p))) ++p;
    if (p == end) return;
    const char* start = p;
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

  TokenizerSettings settings_;
  const GramsUnicodeApi* unicode_ = nullptr;  // the plugin, when the settings need it
  void* handle_ = nullptr;                    // the plugin's state for this tokenizer
  std::string repaired_, normalized_;
  size_t bad_offset_ = 0;
};

}  // namespace grams

#endif  // GRAMS_TOKENIZE_TOKENIZER_H_
