// Tokenization: how a line of text becomes a sequence of unit strings.
// Today: word units split at ASCII whitespace, as KenLM and SRILM do.
#ifndef GRAMS_TOKENIZE_TOKENIZER_H_
#define GRAMS_TOKENIZE_TOKENIZER_H_

#include <string_view>

#include "grams/settings.h"

namespace grams {

// True for the bytes KenLM treats as token separators: space, \t, \n, \v, \f, \r.
inline bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

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

}  // namespace grams

#endif  // GRAMS_TOKENIZE_TOKENIZER_H_
