// grams.BuildOptions and grams.build(): grams-build from Python.
#ifndef GRAMS_PYTHON_BUILDING_H_
#define GRAMS_PYTHON_BUILDING_H_

#include "common.h"

namespace grams::python {

// REQUIRES: RegisterModel and RegisterCounting ran first (build() takes
// Counts and returns a Model).
void RegisterBuilding(py::module_& m);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_BUILDING_H_
