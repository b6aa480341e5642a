// ARPA output. Each order's n-grams are written in trie order: grouped by
// context, contexts in the order of the section below, so the file is what
// every reader, IRSTLM's included, expects. The blanks a model read from
// ARPA holds (Model::blanks) are not written: the file says what the one
// it came from said.
#include <charconv>
#include <limits>

#include "format/ngram_text.h"
#include "grams/escape.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "util/alloc_guard.h"

namespace grams {
namespace {
// Shortest text that reads back as the same float; log10(0) is ARPA's -99.
void AppendFloat(std::string* out, float f) {
  if (f == -std::numeric_limits<float>::infinity()) {
    out->append("-99");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), f);
  out->append(buf, r.ptr);
}

// A word model with the default tokenization is plain ARPA. Anything else
// a reader needs is recorded in comment lines before \data\ (a reader that
// does not skip them can drop them: sed '/^#/d'): other tokenizer settings,
// escaped units (every unit but word), and a Stupid Backoff model's
// smoothing (its scores are not probabilities). Those lines, and the empty
// line after them.
std::string CommentLines(const Model& model) {
  std::string lines;
  if (!(model.settings == TokenizerSettings())) {
    lines += std::string(kArpaTokenizerComment) + " " + model.settings.ToString() + "\n";
    lines += model.settings.SpModelArpaLines();  // a SentencePiece model, in base64
  }
  if (UnitsNeedEscaping(model.settings)) {
    lines += std::string(kArpaEscapeComment) + " <0xNN> is the byte NN, <sp> a space\n";
  }
  if (!IsProperDistribution(model)) {
    lines += std::string(kArpaModelComment) + " smoothing=stupid\n";
  }
  if (!lines.empty()) lines += "\n";
  return lines;
}

Status WriteArpaImpl(const Model& model, const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto out, io::OutputFile::Open(path));
  const int N = model.order();
  const bool escape = UnitsNeedEscaping(model.settings);
  std::string line = CommentLines(model);
  line += "\\data\\\n";
  // Blanks are left out: a reader that needs them adds them back.
  static const std::vector<EntryIndex> kNone;
  auto blanks = [&](int n) -> const std::vector<EntryIndex>& {
    return static_cast<size_t>(n) <= model.blanks.size() ? model.blanks[n - 1] : kNone;
  };
  for (int n = 1; n <= N; ++n) {
    line += "ngram " + std::to_string(n) + "=" +
            std::to_string(model.trie.levels[n - 1].size() - blanks(n).size()) + "\n";
  }
  out->Write(line);
  NgramText text(model.trie, model.vocab, escape);
  for (int n = 1; n <= N && !out->broken_pipe(); ++n) {
    out->Write("\n\\" + std::to_string(n) + "-grams:\n");
    const TrieLevel& level = model.trie.levels[n - 1];
    const std::vector<float>& lp = model.log_prob[n - 1];
    const std::vector<float>* lbo = n < N ? &model.log_backoff[n - 1] : nullptr;
    const std::vector<EntryIndex>& skip = blanks(n);
    auto next_blank = skip.begin();
    for (EntryIndex i = 0; i < level.size(); ++i) {
      if (next_blank != skip.end() && *next_blank == i) {
        ++next_blank;
        continue;
      }
      line.clear();
      AppendFloat(&line, lp[i]);
      line.push_back('\t');
      text.Append(n, i, &line);
      if (lbo) {
        line.push_back('\t');
        AppendFloat(&line, (*lbo)[i]);
      }
      line.push_back('\n');
      out->Write(line);
    }
  }
  out->Write("\n\\end\\\n");
  Status s = out->Commit();
  if (out->broken_pipe()) return Status::OK();
  return s;
}

}  // namespace

Status WriteArpa(const Model& model, const std::string& path) {
  return GuardAlloc("writing " + (path == "-" ? std::string("<stdout>") : path), MemoryHint::kNone,
                    [&] { return WriteArpaImpl(model, path); });
}

}  // namespace grams
