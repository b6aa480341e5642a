// The trie merge: counts files merged as sorted streams, with no hashing of
// n-grams and no sorting, when every file numbers its words in one common
// order: the canonical order of the merge, or with options.shared_vocab its
// order. That is the case of the shards of a corpus counted with the
// vocabulary of the whole (CountOptions::shared_vocab, grams-count
// --shared-vocab): each shard's vocabulary is then a subsequence of the
// merged one, so mapping a shard's word ids to the merged ones keeps its
// trie order, and the merged trie is a k-way merge of the shards', order by
// order (docs/SCALING.md).
//
// Order n of the output is made from order n of every file at once: the
// merged entries of order n-1 are visited in order, each with the files
// that have it (its "sources", recorded while order n-1 was merged), and
// each source gives its children from its own sections, read front to
// back. One source: its children's bytes pass through (their words
// renumbered beforehand), a run of such parents of one file at once. More:
// their children are gathered, sorted by word and added up. Each file's next order is read, decompressed and
// renumbered on another thread while one merges; an order merges in two
// ranges of its parents on two threads; the output's sections are
// compressed on other threads while the next order merges, and kept in a
// temporary file (options.temp_dir) until the header's n-gram counts are
// known, then copied after it. Memory: the merged vocabulary, two orders
// of every file decompressed, one order of output and the sources of two
// orders (a byte per file that has an entry, two with over 128 files):
// about 5 bytes per n-gram of the files at the peak.
//
// The output is the bytes of the general merge (count/merge_counts.cc).
// Files that do not qualify (their vocabularies not in one order, a slice,
// standard input, different settings, more than kMaxTrieMergeFiles of them,
// or an estimate over options.memory) are left to it: nothing is written
// and *applied is false.
#ifndef GRAMS_COUNT_TRIE_MERGE_H_
#define GRAMS_COUNT_TRIE_MERGE_H_

#include <string>
#include <vector>

#include "grams/counts.h"

namespace grams::count {

// Files open at once (each holds a descriptor).
inline constexpr size_t kMaxTrieMergeFiles = 1000;

// An order is merged on two threads (options.threads permitting) when the
// files have at least this many entries of the order below (default 65536);
// tests set it low. Not for use while a merge runs.
void SetTrieMergeSplitForTesting(size_t entries);

// Merges the counts files `paths` into the counts file `out` when they
// qualify (*applied set); otherwise writes nothing and clears *applied.
// Errors name the file. options: threads (two at most are used by the
// merge, besides the reading and the compression), memory (the merge is
// declined when its estimate exceeds it), progress and shared_vocab.
Status TrieMergeToFile(const std::vector<std::string>& paths, const std::string& out,
                       const CountOptions& options, bool* applied);

}  // namespace grams::count

#endif  // GRAMS_COUNT_TRIE_MERGE_H_
