// NgramText: the text of trie entries ("w1 w2 ... wn"), for ARPA and counts
// text output. Consecutive entries share their context (the trie is sorted by
// parent), so the context's text is built once and reused.
#ifndef GRAMS_FORMAT_NGRAM_TEXT_H_
#define GRAMS_FORMAT_NGRAM_TEXT_H_

#include <string>

#include "grams/trie.h"
#include "grams/vocabulary.h"

namespace grams {

class NgramText {
 public:
  // `escape`: write units escaped (grams/escape.h), as non-word models do.
  NgramText(const NgramTrie& trie, const Vocabulary& vocab, bool escape)
      : trie_(trie), vocab_(vocab), escape_(escape) {}

  // Appends the units of entry `index` of order n, separated by spaces.
  void Append(int n, EntryIndex index, std::string* out);

 private:
  void AppendUnit(WordId id, std::string* out) const;

  const NgramTrie& trie_;
  const Vocabulary& vocab_;
  const bool escape_;
  int context_order_ = 0;  // order of the cached context, 0 = none
  EntryIndex context_ = 0;
  std::string context_text_;  // "w1 ... w(n-1) "
};

}  // namespace grams

#endif  // GRAMS_FORMAT_NGRAM_TEXT_H_
