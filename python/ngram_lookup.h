// The n-gram arguments of Model.lookup and Counts.count.
#ifndef GRAMS_PYTHON_NGRAM_LOOKUP_H_
#define GRAMS_PYTHON_NGRAM_LOOKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "grams/trie.h"
#include "grams/types.h"

namespace grams::python {

// The units of an n-gram argument: a str or bytes is split at ASCII
// whitespace (as a sentence of a word model); a list or tuple (any
// sequence but str and bytes) gives its items, str or bytes, as the units.
std::vector<std::string> NgramUnits(py::handle ngram);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_NGRAM_LOOKUP_H_
