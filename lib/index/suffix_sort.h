// The suffix array of an index's token stream (docs/FORMAT.md, "Corpus
// index"): the positions in the lexicographic order of their suffixes, ids
// compared as numbers, a suffix that is a prefix of another first. Internal
// to the index builder; a header of its own so that the tests can compare
// the one-thread and the two-thread sorts.
#ifndef GRAMS_INDEX_SUFFIX_SORT_H_
#define GRAMS_INDEX_SUFFIX_SORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "grams/status.h"

namespace grams::index {

// Streams this long or longer are sorted on two threads when given them.
inline constexpr uint64_t kMinParallelSuffixSort = uint64_t{1} << 20;
// Tokens past the middle that the first half's sort sees (SortSuffixes).
inline constexpr uint64_t kSuffixSortOverlap = uint64_t{1} << 16;

// The suffix array of `stream`, packed in pos_bits (index_format.h) into
// *packed. With threads >= 2 and at least `min_parallel` tokens, the two
// halves are sorted at once and merged; the bytes are the same as on one
// thread whatever the input (an input the two-thread sort cannot vouch for
// is sorted again on one).
// `overlap` and `*two_threads` (whether the two-thread sort was used) are
// for the tests.
Status SortSuffixes(const std::vector<uint32_t>& stream, int pos_bits, int threads,
                    std::string* packed, uint64_t min_parallel = kMinParallelSuffixSort,
                    uint64_t overlap = kSuffixSortOverlap, bool* two_threads = nullptr);

}  // namespace grams::index

#endif  // GRAMS_INDEX_SUFFIX_SORT_H_
