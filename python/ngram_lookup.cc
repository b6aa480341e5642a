#include "ngram_lookup.h"

namespace grams::python {

int64_t FindNgram(const NgramTrie& trie, const WordId* ids, int n) {
  if (n < 1 || n > trie.order()) return -1;
  if (ids[0] >= trie.levels[0].size()) return -1;
  int64_t entry = ids[0];  // order 1: entry i is word i
  for (int k = 1; k < n; ++k) {
    const TrieLevel& level = trie.levels[k];
    const EntryIndex parent = static_cast<EntryIndex>(entry);
    size_t lo = 0, hi = level.size();
    while (lo < hi) {  // the first entry not before (parent, ids[k])
      const size_t mid = lo + (hi - lo) / 2;
      const bool before = level.parents[mid] < parent ||
                          (level.parents[mid] == parent && level.words[mid] < ids[k]);
      if (before) {
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

std::vector<std::string> NgramUnits(py::handle ngram) {
  std::vector<std::string> units;
  PyObject* o = ngram.ptr();
  if (PyUnicode_Check(o) || PyBytes_Check(o) || PyByteArray_Check(o)) {
    py::object holder;
    const std::string_view text = TextOf(ngram, &holder, "ngram");
    auto space = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    for (size_t p = 0; p < text.size();) {
      while (p < text.size() && space(text[p])) ++p;
      const size_t start = p;
      while (p < text.size() && !space(text[p])) ++p;
      if (p > start) units.emplace_back(text.substr(start, p - start));
    }
    return units;
  }
  if (!PySequence_Check(o)) {
    ThrowTypeError(std::string("an n-gram must be a str, bytes or a list of units, not ") +
                   Py_TYPE(o)->tp_name);
  }
  for (py::handle item : py::iter(ngram)) {
    py::object holder;
    units.emplace_back(TextOf(item, &holder, "a unit of the n-gram"));
  }
  return units;
}

}  // namespace grams::python
