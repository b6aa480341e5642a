#include "format/ngram_text.h"

#include "grams/escape.h"

namespace grams {

void NgramText::AppendUnit(WordId id, std::string* out) const {
  if (escape_) {
    AppendEscapedUnit(vocab_.Word(id), out);
  } else {
    out->append(vocab_.Word(id));
  }
}

void NgramText::Append(int n, EntryIndex index, std::string* out) {
  if (n > 1) {
    const EntryIndex parent = trie_.levels[n - 1].parents[index];
    if (context_order_ != n - 1 || context_ != parent) {
      context_order_ = n - 1;
      context_ = parent;
      WordId ids[256];
      trie_.Ngram(n - 1, parent, ids);
      context_text_.clear();
      for (int k = 0; k < n - 1; ++k) {
        AppendUnit(ids[k], &context_text_);
        context_text_.push_back(' ');
      }
    }
    out->append(context_text_);
  }
  AppendUnit(trie_.levels[n - 1].words[index], out);
}

}  // namespace grams
