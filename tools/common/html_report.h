// grams-score --html: one self-contained HTML page (inline CSS and script,
// nothing fetched) with every scored sentence as a table row: its
// perplexity, log10 p, tokens and OOVs, and its tokens, each a <span>
// shaded by surprisal (the classes of score_format.h) with a tooltip
// (log10 p, the matched n-gram's length, OOV) and the same values as data
// attributes (data-lp, data-ngram, data-oov). A click on a column head, or
// a URL ending in #sort=ppl (#sort=-ppl descending; also line, lp, tokens,
// oovs), sorts the rows. Written through a temporary file renamed by
// Commit(). CLI-only. Not thread-safe.
#ifndef GRAMS_TOOLS_COMMON_HTML_REPORT_H_
#define GRAMS_TOOLS_COMMON_HTML_REPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "grams/files.h"
#include "grams/scorer.h"
#include "grams/status.h"

namespace grams::cli {

class HtmlReport {
 public:
  // Opens `path` ("-" = stdout) and writes the page's head. `title` names
  // the model and inputs; `escape`: units print escaped (grams/escape.h).
  static StatusOr<std::unique_ptr<HtmlReport>> Open(const std::string& path,
                                                    const std::string& title, bool escape);
  // One sentence, in input order.
  void Add(const TextScorer::LineScore& s);
  // Writes the end of the page and renames it into place; the first error.
  Status Commit();
  bool broken_pipe() const { return out_->broken_pipe(); }

 private:
  HtmlReport() = default;
  std::unique_ptr<FileWriter> out_;
  bool escape_ = false;
  uint64_t rows_ = 0;
  std::string row_;
};

// Appends `text` with &, <, >, " and ' written as entities.
void AppendHtmlEscaped(std::string_view text, std::string* out);

}  // namespace grams::cli

#endif  // GRAMS_TOOLS_COMMON_HTML_REPORT_H_
