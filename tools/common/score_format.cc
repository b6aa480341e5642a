#include "common/score_format.h"

#include <cmath>

#include "common/cli.h"
#include "grams/escape.h"
#include "grams/types.h"

namespace grams::cli {

double SentencePerplexity(double log10_prob, uint64_t tokens) {
  return std::pow(10.0, -log10_prob / static_cast<double>(tokens));
}

bool SentenceFilter::Pass(double log10_prob, uint64_t tokens) const {
  if (tokens == 0) return false;
  const double ppl = SentencePerplexity(log10_prob, tokens);
  const double mean = log10_prob / static_cast<double>(tokens);
  if (has_max_ppl && !(ppl <= max_ppl)) return false;
  if (has_min_ppl && !(ppl >= min_ppl)) return false;
  if (has_max_mean && !(mean <= max_mean)) return false;
  if (has_min_mean && !(mean >= min_mean)) return false;
  return true;
}

std::string_view TokenText(const TextScorer::LineScore& s, size_t i) {
  return i < s.words.size() ? s.words[i] : std::string_view(kEosWord);
}

namespace {

constexpr double kBitsPerLog10 = 3.321928094887362;  // log2(10)
constexpr double kClassBounds[kSurprisalClasses - 1] = {1, 2, 4, 7, 10, 14};
constexpr const char* kLabels[kSurprisalClasses] = {"<1",   "1-2",   "2-4", "4-7",
                                                    "7-10", "10-14", ">=14"};
constexpr int kXterm[kSurprisalClasses] = {194, 157, 230, 223, 216, 210, 203};
constexpr const char* kHex[kSurprisalClasses] = {"#d7ffd7", "#afffaf", "#ffffd7", "#ffd7af",
                                                 "#ffaf87", "#ff8787", "#ff5f5f"};

// Black text on the class's background; OOVs underlined.
void AppendColorStart(int c, bool oov, std::string* out) {
  out->append("\033[38;5;16;48;5;");
  out->append(std::to_string(kXterm[c]));
  out->append(oov ? ";4m" : "m");
}
constexpr const char* kColorEnd = "\033[0m";

void FormatJson(const TextScorer::LineScore& s, const ScoreFormat& f, std::string* out) {
  out->append("{\"log10prob\":");
  AppendJsonNumber(out, s.log10_prob);
  out->append(",\"tokens\":" + std::to_string(s.tokens) + ",\"oovs\":" + std::to_string(s.oovs));
  if (f.with_perplexity) {
    out->append(",\"perplexity\":");
    AppendJsonNumber(out, SentencePerplexity(s.log10_prob, s.tokens));
  }
  if (f.per_token) {
    out->append(",\"tokens_detail\":[");
    for (size_t i = 0; i < s.token_log10.size(); ++i) {
      if (i) out->push_back(',');
      out->append("{\"token\":");
      // JSON strings hold any text; only bytes that are not UTF-8 (byte
      // models) need the <0xNN> escape to stay distinct.
      const std::string_view word = TokenText(s, i);
      AppendJsonString(out, IsValidUtf8(word) ? std::string(word) : EscapeUnit(word));
      out->append(",\"log10prob\":");
      AppendJsonNumber(out, s.token_log10[i]);
      if (f.ngram_length) {
        out->append(",\"ngram_length\":" + std::to_string(s.token_ngram_length[i]));
      }
      out->append(s.token_oov[i] ? ",\"oov\":true}" : ",\"oov\":false}");
    }
    out->push_back(']');
  }
  if (f.with_line) {
    out->append(",\"line\":");
    AppendJsonString(out, s.line);
  }
  out->append("}\n");
}

}  // namespace

int SurprisalClass(float log10_prob) {
  const double bits = -static_cast<double>(log10_prob) * kBitsPerLog10;
  int c = 0;
  while (c < kSurprisalClasses - 1 && bits >= kClassBounds[c]) ++c;
  if (std::isnan(bits)) c = kSurprisalClasses - 1;
  return c;
}

const char* SurprisalLabel(int c) { return kLabels[c]; }
int SurprisalXterm(int c) { return kXterm[c]; }
const char* SurprisalHex(int c) { return kHex[c]; }

std::string ColorLegend() {
  std::string out = "surprisal, -log2 p in bits:";
  for (int c = 0; c < kSurprisalClasses; ++c) {
    out.push_back(' ');
    AppendColorStart(c, false, &out);
    out.append(" ");
    out.append(kLabels[c]);
    out.append(" ");
    out.append(kColorEnd);
  }
  out.append("  ");
  AppendColorStart(kSurprisalClasses - 1, true, &out);
  out.append("underlined");
  out.append(kColorEnd);
  out.append(": not in the vocabulary (<unk>)\n");
  return out;
}

void FormatScore(const TextScorer::LineScore& s, const ScoreFormat& f, std::string* out) {
  if (f.json) {
    FormatJson(s, f, out);
    return;
  }
  out->append(FormatFixed(s.log10_prob, 6));
  out->push_back('\t');
  out->append(std::to_string(s.tokens));
  out->push_back('\t');
  out->append(std::to_string(s.oovs));
  if (f.with_perplexity) {
    out->push_back('\t');
    out->append(FormatFixed(SentencePerplexity(s.log10_prob, s.tokens), 4));
  }
  if (f.per_token) {
    for (size_t i = 0; i < s.token_log10.size(); ++i) {
      out->push_back('\t');
      if (f.color) AppendColorStart(SurprisalClass(s.token_log10[i]), s.token_oov[i], out);
      if (f.escape) {
        AppendEscapedUnit(TokenText(s, i), out);  // units such as "\n" or " " print as <0x0A>, <sp>
      } else {
        out->append(TokenText(s, i));
      }
      out->append(s.token_oov[i] ? "=<unk>:" : "=");
      out->append(FormatFloat(s.token_log10[i]));
      if (f.ngram_length) {
        out->push_back(':');
        out->append(std::to_string(s.token_ngram_length[i]));
      }
      if (f.color) out->append(kColorEnd);
    }
  }
  if (f.with_line) {
    out->push_back('\t');
    out->append(s.line);
  }
  out->push_back('\n');
}

void FormatFiltered(const TextScorer::LineScore& s, const SentenceFilter& filter,
                    std::string* out) {
  if (!filter.Pass(s.log10_prob, s.tokens)) return;
  out->append(s.line);
  out->push_back('\n');
}

void FormatDocument(const DocumentScore& d, const SentenceFilter& filter, std::string* out) {
  if (filter.active()) {
    if (!filter.Pass(d.log10_prob, d.tokens)) return;
    out->append(d.line);
  } else {
    out->append(d.with_scores);
  }
  out->push_back('\n');
}

}  // namespace grams::cli
