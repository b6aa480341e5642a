// grams.Counts, grams.Counter and the counting functions (count,
// count_files, merge_counts, load_counts): grams-count from Python.
#ifndef GRAMS_PYTHON_COUNTING_H_
#define GRAMS_PYTHON_COUNTING_H_

#include <memory>

#include "common.h"
#include "grams/counts.h"

namespace grams::python {

// Counts held by Python: immutable once made, shared by reference.
struct PyCounts {
  std::shared_ptr<const NgramCounts> counts;
};

void RegisterCounting(py::module_& m);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_COUNTING_H_
