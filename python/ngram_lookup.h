// N-gram lookup in an NgramTrie (a Model's or an NgramCounts'), and the
// n-gram arguments of Model.lookup and Counts.count.
#ifndef GRAMS_PYTHON_NGRAM_LOOKUP_H_
#define GRAMS_PYTHON_NGRAM_LOOKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "grams/trie.h"
#include "grams/types.h"

namespace grams::python {

// The index of the n-gram ids[0..n) among the entries of order n of `trie`,
// or -1 if the trie does not hold it. Binary search, level by level: each
// level is sorted by (parent, word).
int64_t FindNgram(const NgramTrie& trie, const WordId* ids, int n);

// The units of an n-gram argument: a str or bytes is split at ASCII
// whitespace (as a sentence of a word model); a list or tuple (any
// sequence but str and bytes) gives its items, str or bytes, as the units.
std::vector<std::string> NgramUnits(py::handle ngram);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_NGRAM_LOOKUP_H_
