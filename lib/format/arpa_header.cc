// The start of an ARPA file: the lines before \data\ (free text, and grams'
// own comment lines: the tokenizer settings of a non-word model with its
// SentencePiece model, the mark that units are escaped, and provenance
// items), then the \data\ section's "ngram N=count" lines.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/arpa_parser.h"
#include "format/arpa_text.h"
#include "grams/escape.h"

namespace grams::arpa {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// How much free text (other than grams' comment lines) may precede \data\.
constexpr uint64_t kMaxPreambleBytes = 65536;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Appends the items of "k1=v1 k2=v2 ..." (separated by ASCII blanks) to
// *items. False, with the offending item in *bad, if one has no '='.
bool SplitItems(std::string_view rest, KeyValues* items, std::string_view* bad) {
  while (!(rest = Trim(rest)).empty()) {
    size_t end = 0;
    while (end < rest.size() && !IsSpace(rest[end])) ++end;
    const std::string_view item = rest.substr(0, end);
    rest = rest.substr(end);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      *bad = item;
      return false;
    }
    items->emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
  }
  return true;
}

}  // namespace

Status ArpaParser::EndOfInput(const std::string& where) const {
  if (!reader_.status().ok()) return reader_.status();
  return CorruptionError(name_ + ":" + std::to_string(reader_.line_number()) +
                         ": unexpected end of file " + where +
                         ", no \\end\\ line (file truncated?)");
}

Status ArpaParser::ReadHeader(std::string_view* first_section) {
  GRAMS_RETURN_IF_ERROR(ReadComments());
  return ReadCounts(first_section);
}

Status ArpaParser::ReadComments() {
  // The tokenizer line's items, applied at \data\ with the base64 text of
  // the "# grams-sp-model:" lines (a SentencePiece model) that follow it.
  KeyValues tokenizer_kv;
  uint64_t tokenizer_line = 0;
  std::string sp_model_base64;
  std::string_view line;
  bool found = false;
  // Free text before \data\ is allowed, but not without bound: a text file
  // given where a model is expected must fail fast, not be read through.
  // grams' own comment lines (which carry a SentencePiece model) do not count.
  uint64_t free_bytes = 0;
  bool bounded = false, text = true;
  while (reader_.Next(&line)) {
    const std::string_view t = Trim(line);
    if (t == "\\data\\") {
      found = true;
      break;
    }
    if (!StartsWith(t, "# grams")) {
      free_bytes += line.size() + 1;
      for (unsigned char c : line) text = text && (c >= 0x20 || c == '\t' || c == '\r');
      if (free_bytes > kMaxPreambleBytes) {
        bounded = true;
        break;
      }
    }
    std::string_view bad;
    // grams' own comment lines (grams/escape.h): the tokenization of a
    // non-word model, and the mark that its units are escaped.
    if (StartsWith(t, kArpaSpModelComment)) {
      sp_model_base64 += t.substr(std::string_view(kArpaSpModelComment).size());
      if (tokenizer_line == 0) tokenizer_line = reader_.line_number();
    } else if (StartsWith(t, kArpaTokenizerComment)) {
      KeyValues kv;  // the last tokenizer line counts
      if (!SplitItems(t.substr(std::string_view(kArpaTokenizerComment).size()), &kv, &bad)) {
        return ErrHere("malformed tokenizer setting " + Quote(bad));
      }
      tokenizer_kv = std::move(kv);
      tokenizer_line = reader_.line_number();
    } else if (StartsWith(t, kArpaEscapeComment)) {
      escaped_units_ = true;
    } else if (StartsWith(t, kArpaModelComment)) {
      // Provenance a grams writer kept (e.g. smoothing=stupid).
      if (!SplitItems(t.substr(std::string_view(kArpaModelComment).size()), &model_info_, &bad)) {
        return ErrHere("malformed model comment item " + Quote(bad));
      }
    }
  }
  if (!found) {
    if (!reader_.status().ok()) return reader_.status();
    return Err(
        reader_.line_number(),
        std::string("no \\data\\ line") +
            (bounded ? " in the first " + std::to_string(kMaxPreambleBytes) + " bytes" : "") +
            ": not an ARPA file" + (text ? "; it looks like text" : ""));
  }
  if (tokenizer_line != 0) {
    auto parsed = TokenizerSettings::FromArpaKeyValues(tokenizer_kv, sp_model_base64);
    if (!parsed.ok()) return Err(tokenizer_line, parsed.status().message());
    settings_ = std::move(parsed).value();
  }
  return Status::OK();
}

Status ArpaParser::ReadCounts(std::string_view* first_section) {
  const uint64_t data_line = reader_.line_number();
  std::vector<uint64_t> counts, lines;  // by order - 1; lines[i] == 0: not declared
  std::string_view line;
  for (;;) {
    if (!reader_.Next(&line)) return EndOfInput("in the \\data\\ section");
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (t[0] == '\\') {
      *first_section = t;
      break;
    }
    uint64_t n = 0, c = 0;
    GRAMS_RETURN_IF_ERROR(ParseCountLine(t, &n, &c));
    if (n > counts.size()) {
      counts.resize(n, 0);
      lines.resize(n, 0);
    }
    if (lines[n - 1] != 0) {
      return ErrHere("order " + std::to_string(n) + " declared twice (first at line " +
                     std::to_string(lines[n - 1]) + ")");
    }
    counts[n - 1] = c;
    lines[n - 1] = reader_.line_number();
  }
  if (counts.empty()) return Err(data_line, "\\data\\ declares no 'ngram N=count' lines");
  for (size_t i = 0; i < counts.size(); ++i) {
    if (lines[i] == 0) {
      return Err(data_line, "\\data\\ declares no count for order " + std::to_string(i + 1) +
                                " but declares order " + std::to_string(counts.size()));
    }
  }
  order_ = static_cast<int>(counts.size());
  levels_.resize(order_);
  for (int n = 1; n <= order_; ++n) {
    levels_[n - 1].declared = counts[n - 1];
    levels_[n - 1].declared_line = lines[n - 1];
  }
  batch_word_.resize(kBatch * order_);
  batch_has_bo_.resize(kBatch);
  batch_ids_.resize(kBatch * order_);
  batch_prob_.resize(kBatch);
  batch_bo_.resize(kBatch);
  batch_line_.resize(kBatch);
  batch_ctx_.resize(kBatch);
  batch_home_.resize(kBatch);
  batch_found_.resize(kBatch);
  return Status::OK();
}

// "ngram N=count" -> N, count: the order in range, the count below kMaxEntries.
Status ArpaParser::ParseCountLine(std::string_view t, uint64_t* order, uint64_t* count) const {
  constexpr std::string_view kNgram = "ngram";
  if (!StartsWith(t, kNgram)) {
    return ErrHere("expected 'ngram N=count' in the \\data\\ section, found " + Quote(t));
  }
  std::string_view rest = t.substr(kNgram.size());
  const size_t eq = rest.find('=');
  if (rest.empty() || !IsSpace(rest[0]) || eq == std::string_view::npos ||
      !ParseUint(Trim(rest.substr(0, eq)), order) || !ParseUint(Trim(rest.substr(eq + 1)), count)) {
    return ErrHere("malformed line " + Quote(t) + ", expected 'ngram N=count'");
  }
  if (*order < 1 || *order > static_cast<uint64_t>(kMaxOrder)) {
    return ErrHere("order " + std::to_string(*order) + " out of range (1.." +
                   std::to_string(kMaxOrder) + ")");
  }
  if (*count > kMaxEntries) {
    return ErrHere("too many " + std::to_string(*order) + "-grams (" + std::to_string(*count) +
                   "; at most " + std::to_string(kMaxEntries) + " per order)");
  }
  return Status::OK();
}

}  // namespace grams::arpa
