#include "common/html_report.h"

#include "common/cli.h"
#include "common/score_format.h"
#include "grams/escape.h"

namespace grams::cli {
namespace {

// Text for the page: valid UTF-8 (units that are not are escaped, as
// --per-token writes them), entities for markup.
void AppendText(std::string_view text, bool escape_unit, std::string* out) {
  if (escape_unit || !IsValidUtf8(text)) {
    AppendHtmlEscaped(EscapeUnit(text), out);
  } else {
    AppendHtmlEscaped(text, out);
  }
}

const char kStyle[] = R"(<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#111;background:#fff}
h1{font-size:1.3em;margin:0 0 .3em}
p.meta{color:#444;margin:.2em 0}
.legend span{padding:1px 6px;margin-right:2px;border-radius:3px}
table{border-collapse:collapse;margin-top:1em}
th,td{padding:3px 8px;border-bottom:1px solid #ddd;vertical-align:top;text-align:right}
th{cursor:pointer;background:#f2f2f2;position:sticky;top:0;user-select:none}
th:hover{background:#e4e4e4}
th.sorted::after{content:" \25B2"}
th.sorted.descending::after{content:" \25BC"}
td.sentence,th.sentence{text-align:left;cursor:default}
td.sentence{line-height:1.9}
.t{padding:1px 3px;border-radius:3px;white-space:pre}
.t.oov{text-decoration:underline wavy #900}
.t.end{color:#555}
)";

const char kScript[] = R"(<script>
(function () {
  var tbody = document.querySelector('#sentences tbody');
  function value(row, key) {
    var v = parseFloat(row.getAttribute('data-' + key));
    return isNaN(v) ? Infinity : v;
  }
  function sortRows(key, descending) {
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = value(a, key), y = value(b, key);
      if (x === y) return value(a, 'line') - value(b, 'line');
      return (x < y) === descending ? 1 : -1;
    });
    rows.forEach(function (row) { tbody.appendChild(row); });
    document.body.setAttribute('data-sorted', (descending ? '-' : '') + key);
    Array.prototype.forEach.call(document.querySelectorAll('th[data-key]'), function (th) {
      th.className = th.getAttribute('data-key') === key ? (descending ? 'sorted descending' : 'sorted') : '';
    });
  }
  function sortFromHash() {
    var m = /^#sort=(-?)(line|ppl|lp|tokens|oovs)$/.exec(location.hash);
    if (m) sortRows(m[2], m[1] === '-');
  }
  Array.prototype.forEach.call(document.querySelectorAll('th[data-key]'), function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-key');
      var again = document.body.getAttribute('data-sorted') === key;
      location.hash = 'sort=' + (again ? '-' : '') + key;
    });
  });
  window.addEventListener('hashchange', sortFromHash);
  sortFromHash();
})();
</script>
)";

}  // namespace

void AppendHtmlEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

StatusOr<std::unique_ptr<HtmlReport>> HtmlReport::Open(const std::string& path,
                                                       const std::string& title, bool escape) {
  std::unique_ptr<HtmlReport> r(new HtmlReport());
  GRAMS_ASSIGN_OR_RETURN(r->out_, FileWriter::Open(path));
  r->escape_ = escape;
  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  AppendText(title, false, &head);
  head += "</title>\n";
  head += kStyle;
  for (int c = 0; c < kSurprisalClasses; ++c) {
    head += ".s" + std::to_string(c) + "{background:" + SurprisalHex(c) + "}\n";
  }
  head += "</style>\n</head>\n<body>\n<h1>";
  AppendText(title, false, &head);
  head += "</h1>\n<p class=\"legend\">Surprisal, -log2 p in bits:";
  for (int c = 0; c < kSurprisalClasses; ++c) {
    head += " <span class=\"s" + std::to_string(c) + "\">";
    AppendHtmlEscaped(SurprisalLabel(c), &head);
    head += "</span>";
  }
  head +=
      " <span class=\"t oov\">underlined</span>: not in the vocabulary (&lt;unk&gt;). "
      "Hover over a token for its log10 p and the n-gram that matched; click a column "
      "head to sort.</p>\n"
      "<table id=\"sentences\">\n<thead><tr><th data-key=\"line\">#</th>"
      "<th data-key=\"ppl\">perplexity</th><th data-key=\"lp\">log10 p</th>"
      "<th data-key=\"tokens\">tokens</th><th data-key=\"oovs\">OOVs</th>"
      "<th class=\"sentence\">sentence</th></tr></thead>\n<tbody>\n";
  r->out_->Write(head);
  return r;
}

void HtmlReport::Add(const TextScorer::LineScore& s) {
  ++rows_;
  const double ppl = SentencePerplexity(s.log10_prob, s.tokens);
  std::string& row = row_;
  row.clear();
  const std::string n = std::to_string(rows_);
  row += "<tr data-line=\"" + n + "\" data-ppl=\"" + FormatDouble(ppl) + "\" data-lp=\"" +
         FormatDouble(s.log10_prob) + "\" data-tokens=\"" + std::to_string(s.tokens) +
         "\" data-oovs=\"" + std::to_string(s.oovs) + "\"><td>" + n + "</td><td>" +
         FormatFixed(ppl, 2) + "</td><td>" + FormatFixed(s.log10_prob, 4) + "</td><td>" +
         std::to_string(s.tokens) + "</td><td>" + std::to_string(s.oovs) +
         "</td><td class=\"sentence\">";
  for (size_t i = 0; i < s.token_log10.size(); ++i) {
    const bool oov = s.token_oov[i];
    const bool end = i >= s.words.size();
    const std::string lp = FormatFloat(s.token_log10[i]);
    const std::string ngram = std::to_string(s.token_ngram_length[i]);
    if (i) row.push_back(' ');
    row += "<span class=\"t s" + std::to_string(SurprisalClass(s.token_log10[i]));
    if (oov) row += " oov";
    if (end) row += " end";
    row += "\" data-lp=\"" + lp + "\" data-ngram=\"" + ngram + "\" data-oov=\"" +
           (oov ? "1" : "0") + "\" title=\"log10 p = " + lp + "&#10;" + ngram + "-gram" +
           (oov ? "&#10;OOV (scored as &lt;unk&gt;)" : "") + "\">";
    AppendText(TokenText(s, i), escape_ && !end, &row);
    row += "</span>";
  }
  row += "</td></tr>\n";
  out_->Write(row);
}

Status HtmlReport::Commit() {
  out_->Write("</tbody>\n</table>\n<p class=\"meta\">" + std::to_string(rows_) +
              " sentences, scored by " + VersionLine() + ".</p>\n" + kScript +
              "</body>\n</html>\n");
  return out_->Commit();
}

}  // namespace grams::cli
