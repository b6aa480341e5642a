// Vocabulary limits (--vocab, --max-vocab, and --prune at order 1): words
// outside the allowed set become <unk>, and the n-grams that become equal are
// merged, their counts added, before any estimation.
#include <algorithm>
#include <numeric>

#include "estimate/estimate_internal.h"
#include "util/radix_sort.h"
#include "vocab/canonical_order.h"

namespace grams::estimate {

Status LimitVocabulary(NgramCounts* counts, const std::vector<uint8_t>& keep_word,
                       const std::vector<std::string>& extra) {
  const int N = counts->order();
  const Vocabulary& old_vocab = counts->vocab;
  const size_t V = old_vocab.size();
  const std::vector<Count>& c1 = counts->counts[0];

  // The new words: reserved, kept, extra; then canonical order.
  struct Word {
    std::string_view text;
    Count count;
    WordId old;  // V for an extra word
  };
  std::vector<Word> words;
  Count unk = c1[kUnkId];
  for (WordId w = kEosId + 1; w < V; ++w) {
    if (keep_word[w]) {
      words.push_back({old_vocab.Word(w), c1[w], w});
    } else {
      unk += c1[w];
    }
  }
  for (const std::string& e : extra) {
    if (old_vocab.Find(e) == Vocabulary::kNotFound) words.push_back({e, 0, static_cast<WordId>(V)});
  }
  {
    const std::vector<uint32_t> order = SortCanonically(
        words.size(), [&words](size_t i) { return words[i].count; },
        [&words](size_t i) { return words[i].text; });
    std::vector<Word> sorted(words.size());
    for (size_t i = 0; i < order.size(); ++i) sorted[i] = words[order[i]];
    words.swap(sorted);
  }
  words.erase(std::unique(words.begin(), words.end(),
                          [](const Word& a, const Word& b) { return a.text == b.text; }),
              words.end());
  std::vector<std::string_view> texts = {kUnkWord, kBosWord, kEosWord};
  std::vector<Count> new_c1 = {unk, c1[kBosId], c1[kEosId]};
  std::vector<WordId> wmap(V, kUnkId);
  wmap[kBosId] = kBosId;
  wmap[kEosId] = kEosId;
  for (const Word& w : words) {
    if (w.old < V) wmap[w.old] = static_cast<WordId>(texts.size());
    texts.push_back(w.text);
    new_c1.push_back(w.count);
  }
  Vocabulary vocab;
  if (!Vocabulary::FromWords(texts, &vocab))
    return InternalError("vocabulary limit: duplicate words");

  NgramTrie trie;
  trie.levels.resize(N);
  trie.levels[0].words.resize(texts.size());
  std::iota(trie.levels[0].words.begin(), trie.levels[0].words.end(), 0);
  std::vector<std::vector<Count>> new_counts(N);
  new_counts[0] = std::move(new_c1);

  // Order n: sort the entries by (new parent, new word) and merge equal keys.
  std::vector<EntryIndex> pmap(wmap.begin(), wmap.end()), emap;
  for (int n = 2; n <= N; ++n) {
    const TrieLevel& level = counts->trie.levels[n - 1];
    const std::vector<Count>& c = counts->counts[n - 1];
    const size_t m = level.size();
    std::vector<KeyValue> keys(m);
    for (size_t i = 0; i < m; ++i) {
      keys[i] = {(uint64_t{pmap[level.parents[i]]} << 32) | wmap[level.words[i]],
                 static_cast<uint32_t>(i)};
    }
    RadixSortByKey(&keys);
    TrieLevel& out = trie.levels[n - 1];
    std::vector<Count>& out_c = new_counts[n - 1];
    emap.assign(m, 0);
    uint64_t last = UINT64_MAX;
    for (const KeyValue& kv : keys) {
      if (kv.key != last) {
        out.parents.push_back(static_cast<EntryIndex>(kv.key >> 32));
        out.words.push_back(static_cast<WordId>(kv.key & 0xffffffffu));
        out_c.push_back(0);
        last = kv.key;
      }
      out_c.back() += c[kv.value];
      emap[kv.value] = static_cast<EntryIndex>(out.words.size() - 1);
    }
    pmap.swap(emap);
    // The old order's arrays are no longer needed.
    counts->trie.levels[n - 2] = TrieLevel();
    std::vector<Count>().swap(counts->counts[n - 2]);
  }
  counts->vocab = std::move(vocab);
  counts->trie = std::move(trie);
  counts->counts = std::move(new_counts);
  return Status::OK();
}

}  // namespace grams::estimate
