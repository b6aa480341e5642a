// The reversible escape that keeps units printable in ARPA files and text
// output whatever the unit (docs/FORMAT.md, "Escaped units").
//
// A unit is written as is unless it holds a byte below 0x21 or 0x7F, bytes
// that are not UTF-8, the text "<0x", or is "<sp>" or starts with '<' and
// ends with '>' (other than <s>, </s>, <unk>, which stand for themselves).
// Such a unit is written with every one of those bytes, and every '<', as
// <0xNN> (two upper-case hex digits); a unit that is a single space is
// written <sp>. So "\n" is <0x0A>, a NUL byte <0x00>, and a word "<b>" is
// <0x3C>b>. UnescapeUnit reverses it exactly.
#ifndef GRAMS_ESCAPE_H_
#define GRAMS_ESCAPE_H_

#include <string>
#include <string_view>

#include "grams/export.h"
#include "grams/settings.h"

namespace grams {

// Appends the printable form of `unit` to *out.
GRAMS_EXPORT void AppendEscapedUnit(std::string_view unit, std::string* out);
GRAMS_EXPORT std::string EscapeUnit(std::string_view unit);
// The unit a printable form stands for. Text that is not an escape comes
// back unchanged.
GRAMS_EXPORT std::string UnescapeUnit(std::string_view text);
// True if `text` contains an escape (so UnescapeUnit would change it).
GRAMS_EXPORT bool IsEscapedUnit(std::string_view text);

// True if `text` is valid UTF-8.
GRAMS_EXPORT bool IsValidUtf8(std::string_view text);

// Whether ARPA and text output escape the units of a model or counts made
// with `settings`: every unit but word (words never hold whitespace, and a
// word model stays plain ARPA with its words as KenLM and SRILM print them).
GRAMS_EXPORT bool UnitsNeedEscaping(const TokenizerSettings& settings);

// The comment lines an ARPA file may start with, before \data\: the
// tokenizer settings when they are not the defaults ("# grams-tokenizer:
// unit=char ..."), the mark that its units are escaped (non-word units;
// readers unescape only marked files), and the smoothing of a model whose
// scores are not probabilities ("# grams-model: smoothing=stupid").
inline constexpr const char* kArpaTokenizerComment = "# grams-tokenizer:";
inline constexpr const char* kArpaEscapeComment = "# grams-escaped-units:";
inline constexpr const char* kArpaModelComment = "# grams-model:";

}  // namespace grams

#endif  // GRAMS_ESCAPE_H_
