// The `grams` Python module: KenLM's Python API on grams models, and counting
// and estimation (grams-count, grams-build) from Python. docs/PYTHON.md.
#include "building.h"
#include "common.h"
#include "counting.h"
#include "grams/version.h"
#include "model.h"

PYBIND11_MODULE(grams, m) {
  m.doc() =
      "grams: n-gram language models. A drop-in for the kenlm module (Model, State,\n"
      "BaseScore, full_scores...), with counting (count, count_files, merge_counts, Counter)\n"
      "and estimation (build) too. See docs/PYTHON.md.";
  grams::python::RegisterModel(m);
  grams::python::RegisterCounting(m);
  grams::python::RegisterBuilding(m);
  m.attr("__version__") = GRAMS_VERSION_STRING;
}
