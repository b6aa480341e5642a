// ScoreJsonl (grams/documents.h) and the line it is made of (query/jsonl.h):
// JSON Lines documents parsed with nlohmann::ordered_json, scored sentence
// by sentence, written back with their scores, on the batches of
// query/score_batches.h. The only user of nlohmann-json.
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>

#include <nlohmann/json.hpp>

#include "grams/documents.h"
#include "query/jsonl.h"
#include "query/score_batches.h"
#include "util/alloc_guard.h"

namespace grams {

using Json = nlohmann::ordered_json;

double DocumentScore::Perplexity() const {
  return std::pow(10.0, -log10_prob / static_cast<double>(tokens));
}

namespace query {
namespace {

// Whether a structure opens deeper than kMaxJsonDepth (brackets inside
// strings do not count). REQUIRES: valid UTF-8.
bool TooDeep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// nlohmann's reason without its prefixes ("[json.exception.parse_error.101]
// parse error at line 1, column 5: "): "syntax error while parsing value -
// invalid literal; last read: 'x'", "number overflow parsing '1e400'".
std::string ParseErrorReason(const std::string& what) {
  size_t p = what.find("column ");
  if (p != std::string::npos) {
    p = what.find(": ", p);
    if (p != std::string::npos) return what.substr(p + 2);
  }
  p = what.find("] ");
  return p == std::string::npos ? what : what.substr(p + 2);
}

// "an array", "a number", "null": a JSON value's type for messages.
std::string Describe(const Json& value) {
  const std::string type = value.type_name();
  if (type == "null") return type;
  return (type == "array" || type == "object" ? "an " : "a ") + type;
}

Status ByteOffset(uint64_t offset, const std::string& why) {
  return InvalidArgument("byte offset " + std::to_string(offset) + ": " + why);
}

}  // namespace

size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Eight ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

Status ScoreJsonlLine(std::string_view line, uint64_t line_offset, const std::string& field,
                      TextScorer* scorer, DocumentScore* doc, std::string* serialized) {
  const size_t bad = FirstInvalidUtf8(line);
  if (bad != std::string_view::npos) return ByteOffset(line_offset + bad, "invalid UTF-8");
  if (TooDeep(line)) {
    return InvalidArgument("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  Json object;
  try {
    object = Json::parse(line.begin(), line.end());
  } catch (const Json::parse_error& e) {
    return ByteOffset(line_offset + (e.byte > 0 ? e.byte - 1 : 0),
                      "not JSON (" + ParseErrorReason(e.what()) + ")");
  } catch (const Json::exception& e) {  // a number beyond a double's range
    return InvalidArgument("not JSON (" + ParseErrorReason(e.what()) + ")");
  }
  if (!object.is_object()) return InvalidArgument("not a JSON object (" + Describe(object) + ")");
  auto it = object.find(field);
  if (it == object.end()) return InvalidArgument("no \"" + field + "\" field");
  if (!it->is_string()) {
    return InvalidArgument("the \"" + field + "\" field is " + Describe(*it) + ", not a string");
  }
  const std::string& text = it->get_ref<const std::string&>();

  scorer->Clear();
  size_t scored = 0;
  for (size_t begin = 0;;) {
    size_t end = text.find('\n', begin);
    const bool last = end == std::string::npos;
    if (last) end = text.size();
    Status added = scorer->Add(std::string_view(text).substr(begin, end - begin));
    if (!added.ok()) return InvalidArgument("the \"" + field + "\" field: " + added.message());
    if (scorer->pending_tokens() - scored >= 4096) {
      scorer->Score();
      scored = scorer->pending_tokens();
    }
    if (last) break;
    begin = end + 1;
  }
  scorer->Score();
  TextScorer::LineScore sentence;
  *doc = DocumentScore();
  for (size_t k = 0; k < scorer->size(); ++k) {
    scorer->Get(k, &sentence);
    ++doc->sentences;
    doc->log10_prob += sentence.log10_prob;
    doc->tokens += sentence.tokens;
    doc->oovs += sentence.oovs;
  }
  if (serialized) {
    object["log10prob"] = doc->log10_prob;
    object["tokens"] = doc->tokens;
    object["oovs"] = doc->oovs;
    object["perplexity"] = doc->Perplexity();
    *serialized = object.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return Status::OK();
}

}  // namespace query

Status ScoreJsonl(const LanguageModel& model, const std::vector<std::string>& paths,
                  const ScoreTextOptions& options, const JsonlOptions& jsonl,
                  const DocumentFormatter& format, const TextCallback& write, JsonlStats* stats) {
  if (model.settings().boundaries == Boundaries::kNone) {
    return InvalidArgument(
        "JSON Lines documents are scored line by line, as sentences; this model reads its "
        "text as one stream (--boundaries none)");
  }
  JsonlStats totals;
  auto work = [&](query::Batch* b, const std::vector<std::string>& names) {
    DocumentScore doc;
    std::string serialized;
    size_t i = 0;
    for (; i < b->lines.size(); ++i) {
      const query::BatchLine& l = b->lines[i];
      Status s = query::ScoreJsonlLine(b->Line(i), l.offset, jsonl.field, b->scorer.get(), &doc,
                                       jsonl.add_scores ? &serialized : nullptr);
      if (!s.ok()) {
        s = s.WithContext(b->Where(i, names));
        if (!jsonl.skip_bad_lines) {
          b->error = s;
          break;
        }
        if (b->skipped++ == 0) b->first_skipped = s;
        continue;
      }
      doc.line = b->Line(i);
      doc.line_number = l.number;
      doc.with_scores = serialized;
      format(doc, &b->output);
    }
    b->good_lines = i;
  };
  auto emit = [&](query::Batch& b) {
    totals.documents += b.good_lines - b.skipped;
    if (b.skipped > 0 && totals.skipped == 0) totals.first_skipped = b.first_skipped.message();
    totals.skipped += b.skipped;
    return b.output.empty() || write(b.output);
  };
  query::BatchOptions batch;
  batch.threads = query::ScoringThreads(options.threads);
  batch.prompt = options.batch_tokens <= 1;
  const SentenceOptions sentence = options.sentence;
  auto make_scorer = [&model, sentence] { return std::make_unique<TextScorer>(&model, sentence); };
  Status status = GuardAlloc("scoring documents", [&] {
    return query::RunBatches(paths, batch, make_scorer, work, emit);
  });
  if (stats) *stats = totals;
  return status;
}

}  // namespace grams
