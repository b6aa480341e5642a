// grams.State and grams.FullScoreReturn as plain CPython types, and the
// decoder methods of grams.Model (BeginSentenceWrite, NullContextWrite,
// BaseScore, BaseFullScore) and its score() as METH_FASTCALL methods: a
// decoder calls them once per word and per hypothesis, so they cost what
// KenLM's Cython methods cost, with none of pybind11's dispatch.
#ifndef GRAMS_PYTHON_STATE_H_
#define GRAMS_PYTHON_STATE_H_

#include "common.h"

namespace grams::python {

// Adds State and FullScoreReturn to the module, and the fast methods to the
// Model class (a pybind11 class of PyModel held by std::shared_ptr).
void RegisterState(py::module_& m, py::handle model_class);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_STATE_H_
