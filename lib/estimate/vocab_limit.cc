// Vocabulary limits (--vocab, --max-vocab, and --prune at order 1): words
// outside the allowed set become <unk>, and the n-grams that become equal are
// merged, their counts added, before any estimation.
#include <algorithm>
#include <numeric>

#include "estimate/estimate_internal.h"
#include "util/radix_sort.h"
#include "vocab/canonical_order.h"

namespace grams::estimate {

namespace {

// The words after the limits, in id order, with their counts, and the map
// from old ids to new ones (dropped words to <unk>). The texts are views
// into the old vocabulary and `extra`.
struct NewWords {
  std::vector<std::string_view> texts;
  std::vector<Count> counts;
  std::vector<WordId> map;
};

// The new words: reserved, kept, extra; then canonical order.
NewWords ChooseWords(const Vocabulary& old_vocab, const std::vector<Count>& c1,
                     const std::vector<uint8_t>& keep_word, const std::vector<std::string>& extra) {
  const size_t V = old_vocab.size();
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
  NewWords out;
  out.texts = {kUnkWord, kBosWord, kEosWord};
  out.counts = {unk, c1[kBosId], c1[kEosId]};
  out.map.assign(V, kUnkId);
  out.map[kBosId] = kBosId;
  out.map[kEosId] = kEosId;
  for (const Word& w : words) {
    if (w.old < V) out.map[w.old] = static_cast<WordId>(out.texts.size());
    out.texts.push_back(w.text);
    out.counts.push_back(w.count);
  }
  return out;
}

// Order n of `level` with counts `c` under the new parents and words (pmap,
// wmap): its entries sorted by (new parent, new word), equal keys merged
// and their counts added, into *out and *out_c; *emap gets each old entry's
// new index.
void MergeOrder(const TrieLevel& level, const std::vector<Count>& c,
                const std::vector<EntryIndex>& pmap, const std::vector<WordId>& wmap,
                TrieLevel* out, std::vector<Count>* out_c, std::vector<EntryIndex>* emap) {
  const size_t m = level.size();
  std::vector<KeyValue> keys(m);
  for (size_t i = 0; i < m; ++i) {
    keys[i] = {(uint64_t{pmap[level.parents[i]]} << 32) | wmap[level.words[i]],
               static_cast<uint32_t>(i)};
  }
  RadixSortByKey(&keys);
  emap->assign(m, 0);
  uint64_t last = UINT64_MAX;
  for (const KeyValue& kv : keys) {
    if (kv.key != last) {
      out->parents.push_back(static_cast<EntryIndex>(kv.key >> 32));
      out->words.push_back(static_cast<WordId>(kv.key & 0xffffffffu));
      out_c->push_back(0);
      last = kv.key;
    }
    out_c->back() += c[kv.value];
    (*emap)[kv.value] = static_cast<EntryIndex>(out->words.size() - 1);
  }
}

}  // namespace

Status LimitVocabulary(NgramCounts* counts, const std::vector<uint8_t>& keep_word,
                       const std::vector<std::string>& extra) {
  const int N = counts->order();
  NewWords words = ChooseWords(counts->vocab, counts->counts[0], keep_word, extra);
  Vocabulary vocab;
  if (words.texts.size() > Vocabulary::max_words()) {  // the words of the list added
    return ResourceExhausted("the vocabulary with the listed words (--limit-vocab) has " +
                             Vocabulary::TooManyWords());
  }
  if (!Vocabulary::FromWords(words.texts, &vocab))
    return InternalError("vocabulary limit: duplicate words");

  NgramTrie trie;
  trie.levels.resize(N);
  trie.levels[0].words.resize(words.texts.size());
  std::iota(trie.levels[0].words.begin(), trie.levels[0].words.end(), 0);
  std::vector<std::vector<Count>> new_counts(N);
  new_counts[0] = std::move(words.counts);

  // Order by order, each under the map of the order below.
  std::vector<EntryIndex> pmap(words.map.begin(), words.map.end()), emap;
  for (int n = 2; n <= N; ++n) {
    MergeOrder(counts->trie.levels[n - 1], counts->counts[n - 1], pmap, words.map,
               &trie.levels[n - 1], &new_counts[n - 1], &emap);
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
