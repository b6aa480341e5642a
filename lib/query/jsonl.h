// One line of JSON Lines as ScoreJsonl takes it (grams/documents.h): parsed
// (nlohmann::ordered_json, which keeps the members' order), its text field
// split into sentences and scored, and the object written back with its
// scores. Internal: the public face is ScoreJsonl. Not thread-safe (a
// TextScorer per thread).
#ifndef GRAMS_QUERY_JSONL_H_
#define GRAMS_QUERY_JSONL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "grams/documents.h"
#include "grams/scorer.h"
#include "grams/status.h"

namespace grams::query {

// Objects and arrays nested deeper than this are refused (writing them
// back recurses once per level).
inline constexpr int kMaxJsonDepth = 512;

// The index of the first byte of `text` that does not belong to a valid
// UTF-8 sequence (overlong forms, surrogates and code points above
// U+10FFFF are invalid), or std::string_view::npos when it is all valid.
size_t FirstInvalidUtf8(std::string_view text);

// Scores the document of one line: `line` must be a JSON object with a
// string member `field`, whose text is split at '\n' into sentences scored
// by `scorer` (emptied first; its SentenceOptions apply). Fills *doc (all
// but line, line_number and with_scores) and, when `serialized` is not
// null, sets it to the object with the score members (see DocumentScore).
// A malformed line gives InvalidArgument saying why: "byte offset N:
// invalid UTF-8" or "byte offset N: not JSON (...)" (N = line_offset +
// the byte's index in the line), "not a JSON object (an array)", "no
// \"text\" field", "the \"text\" field is a number, not a string",
// "nested deeper than 512 levels".
Status ScoreJsonlLine(std::string_view line, uint64_t line_offset, const std::string& field,
                      TextScorer* scorer, DocumentScore* doc, std::string* serialized);

}  // namespace grams::query

#endif  // GRAMS_QUERY_JSONL_H_
