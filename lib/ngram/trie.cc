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

int64_t NgramTrie::Find(const WordId* ids, int n) const {
  if (n < 1 || n > order() || ids[0] >= levels[0].size()) return -1;
  int64_t entry = ids[0];  // order 1: entry i is word i
  for (int k = 1; k < n; ++k) {
    const TrieLevel& level = levels[k];
    const EntryIndex parent = static_cast<EntryIndex>(entry);
    size_t lo = 0, hi = level.size();
    while (lo < hi) {  // the first entry not before (parent, ids[k])
      const size_t mid = lo + (hi - lo) / 2;
      if (level.parents[mid] < parent ||
          (level.parents[mid] == parent && level.words[mid] < ids[k])) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == level.size() || level.parents[lo] != parent || level.words[lo] != ids[k]) return -1;
    entry = static_cast<int64_t>(lo);
  }
  return entry;
}

}  // namespace grams
