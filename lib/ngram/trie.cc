// NgramTrie (grams/trie.h): the sorted n-grams that counts, models, the file
// formats and the queries share. It lives in ngram/, beside no pipeline
// stage, so that format/ and the public types depend on no stage.
#include "grams/trie.h"

namespace grams {

void NgramTrie::Ngram(int n, EntryIndex index, WordId* out) const {
  for (int k = n - 1; k >= 0; --k) {
    const TrieLevel& level = levels[k];
    out[k] = level.words[index];
    if (k > 0) index = level.parents[index];
  }
}

std::vector<EntryIndex> NgramTrie::ChildOffsets(int n) const {
  const TrieLevel& level = levels[n - 1];
  std::vector<EntryIndex> offsets(levels[n - 2].size() + 1, 0);
  for (EntryIndex p : level.parents) ++offsets[p + 1];
  for (size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
  return offsets;
}

}  // namespace grams
