// What grams-score writes for a scored sentence: the TSV line (log10 p,
// tokens, OOVs; optionally the sentence's perplexity, per-token fields with
// the matched n-gram's length, ANSI colours by surprisal, the input line),
// the JSON line, or in filter mode the input line itself when it passes.
// CLI-only: presentation of the library's scores. The functions are
// thread-safe (grams-score formats on its scoring threads).
#ifndef GRAMS_TOOLS_COMMON_SCORE_FORMAT_H_
#define GRAMS_TOOLS_COMMON_SCORE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "grams/documents.h"
#include "grams/scorer.h"

namespace grams::cli {

struct ScoreFormat {
  bool json = false;             // JSON objects instead of TSV
  bool per_token = false;        // a field (an object) per token
  bool ngram_length = false;     // each token's matched n-gram length too
  bool with_perplexity = false;  // the sentence's perplexity after OOVS
  bool with_line = false;        // the input line, last
  bool escape = false;           // units other than words print escaped (grams/escape.h)
  bool color = false;            // ANSI background per token by surprisal (TSV --per-token)
};

// Bounds a sentence (or document) must meet to be printed in filter mode;
// only the bounds given apply. Perplexity is 10^(-log10p / tokens); the
// mean is log10p / tokens. A line with no token (possible with --no-eos)
// has neither and fails every bound.
struct SentenceFilter {
  bool has_max_ppl = false, has_min_ppl = false, has_max_mean = false, has_min_mean = false;
  double max_ppl = 0, min_ppl = 0, max_mean = 0, min_mean = 0;

  bool active() const { return has_max_ppl || has_min_ppl || has_max_mean || has_min_mean; }
  bool Pass(double log10_prob, uint64_t tokens) const;
};

// 10^(-log10_prob / tokens): NaN for no token, inf for -inf.
double SentencePerplexity(double log10_prob, uint64_t tokens);

// Appends the output line (with its '\n') for one scored sentence.
void FormatScore(const TextScorer::LineScore& s, const ScoreFormat& f, std::string* out);

// Filter mode: appends s.line and '\n' if the sentence passes.
void FormatFiltered(const TextScorer::LineScore& s, const SentenceFilter& filter, std::string* out);

// --jsonl: the object with its scores, or in filter mode the line as read
// if the document passes.
void FormatDocument(const DocumentScore& d, const SentenceFilter& filter, std::string* out);

// The token at index i of a scored line: a unit, or </s> after the last.
std::string_view TokenText(const TextScorer::LineScore& s, size_t i);

// Surprisal classes shared by --color and --html: -log2 p in bits, below
// 1, 2, 4, 7, 10, 14, and above (class 6; also -inf and NaN log10 p).
inline constexpr int kSurprisalClasses = 7;
int SurprisalClass(float log10_prob);
// The classes' bounds, "<1" ... ">=14", and colours: xterm-256 background
// numbers and their "#rrggbb".
const char* SurprisalLabel(int c);
int SurprisalXterm(int c);
const char* SurprisalHex(int c);
// The one-line legend of --color, coloured, ending in '\n'.
std::string ColorLegend();

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_SCORE_FORMAT_H_
