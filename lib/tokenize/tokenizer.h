// Tokenizer: how a line of text becomes a sequence of unit strings, by the
// TokenizerSettings recorded in counts and model files. The only place ICU
// appears (UTF-8 validation and repair, NFC/NFKC normalization, case
// folding, grapheme clusters and word-break segmentation), and SentencePiece
// (the pieces of a sentencepiece unit, after our own validation,
// normalization and case folding).
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
  class Icu;
  class Sp;

  // The steps of Tokenize, in order. Each may point *text at repaired_ or
  // normalized_.
  Status CheckUtf8(std::string_view* text);
  Status Normalize(std::string_view* text);
  Status Split(std::string_view text, std::vector<std::string_view>* tokens);
  // Split for grapheme and segment units (ICU's break iterators).
  Status SplitWithBreaks(std::string_view text, std::vector<std::string_view>* tokens);

  TokenizerSettings settings_;
  std::unique_ptr<Icu> icu_;
  std::unique_ptr<Sp> sp_;
  std::string repaired_, normalized_;
  size_t bad_offset_ = 0;
};

}  // namespace grams

#endif  // GRAMS_TOKENIZE_TOKENIZER_H_
