// Scoring documents: JSON Lines in, one JSON object per line holding a
// document's text in one of its fields; each document scored as its lines
// (the text split at '\n'), each a sentence, and its perplexity taken over
// all of them together, as CCNet does (10^(-sum log10 p / sum tokens)).
// ScoreJsonl streams files of such lines on one thread or several, as
// ScoreText does (grams/scorer.h). Thread-safe.
#ifndef GRAMS_DOCUMENTS_H_
#define GRAMS_DOCUMENTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/language_model.h"
#include "grams/scorer.h"
#include "grams/status.h"

namespace grams {

struct GRAMS_EXPORT JsonlOptions {
  // The member of each object that holds the document's text (a string).
  std::string field = "text";
  // A malformed line (not JSON, not an object, without the field or with a
  // field that is not a string, not UTF-8) is skipped and counted
  // (JsonlStats) instead of stopping with an error.
  bool skip_bad_lines = false;
  // Make DocumentScore::with_scores (costs a serialization per document).
  bool add_scores = true;
};

// One document, scored.
struct GRAMS_EXPORT DocumentScore {
  std::string_view line;     // the input line as read (without its '\n')
  uint64_t line_number = 0;  // 1-based, in its file
  uint64_t sentences = 0;    // lines of the text: its '\n's + 1
  double log10_prob = 0;     // the sum over its sentences
  uint64_t tokens = 0;       // units, plus one </s> per sentence (unless eos is off)
  uint64_t oovs = 0;
  // 10^(-log10_prob / tokens): CCNet's document perplexity.
  double Perplexity() const;
  // With JsonlOptions::add_scores: the object with "log10prob", "tokens",
  // "oovs" and "perplexity" set (members of those names are replaced where
  // they stand, new ones go last), written back compactly: the other
  // members keep their order and values (numbers and strings are written
  // in a canonical form: "\u00e9" as "é", 1e2 as 100.0).
  std::string_view with_scores;
};

// Turns a scored document into output text (appended to *out). Runs on the
// scoring threads, several documents at once: it must be safe to call
// concurrently.
using DocumentFormatter = std::function<void(const DocumentScore& doc, std::string* out)>;

struct GRAMS_EXPORT JsonlStats {
  uint64_t documents = 0;     // scored
  uint64_t skipped = 0;       // malformed lines skipped (skip_bad_lines)
  std::string first_skipped;  // "FILE:LINE: why" of the first skipped line
};

// Scores the documents of the JSON Lines files `paths` ("-" = stdin;
// compressed input is decompressed) with options.threads threads and
// options.sentence, hands each to `format` and the text of consecutive
// lines to `write` in input order (false stops). A malformed line is an
// error naming its file and line ("in.jsonl:7: no \"text\" field"; invalid
// UTF-8 as "in.jsonl:7: byte offset N: invalid UTF-8", N from the start of
// the input), after the output of every line before it; or with
// skip_bad_lines, skipped and counted in *stats (which may be null).
// Models with boundaries=none are refused (their text is one stream, not
// sentences).
GRAMS_EXPORT Status ScoreJsonl(const LanguageModel& model, const std::vector<std::string>& paths,
                               const ScoreTextOptions& options, const JsonlOptions& jsonl,
                               const DocumentFormatter& format, const TextCallback& write,
                               JsonlStats* stats);

}  // namespace grams

#endif  // GRAMS_DOCUMENTS_H_
