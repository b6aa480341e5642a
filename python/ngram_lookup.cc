#include "ngram_lookup.h"

namespace grams::python {

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
