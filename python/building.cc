// Estimation from Python: BuildOptions (grams-build's options) and build(),
// which estimates a model from Counts or a counts file, writes the model
// and/or ARPA file, and gives the model as a grams.Model without touching
// the disk.
#include "building.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <optional>

#include "counting.h"
#include "grams/grams.h"
#include "grams/types.h"
#include "model.h"
#include "self.h"

namespace grams::python {
namespace {

// grams-build's estimation options, as Python values; None = the default.
struct PyBuildOptions {
  std::string smoothing = "mkn";
  std::optional<std::string> form;    // "interpolated" or "backoff"
  py::object discounts = py::none();  // a path, or a list (per order) of lists
  std::optional<double> discount;
  std::optional<std::vector<uint64_t>> gt_min, gt_max;
  std::optional<double> add_k, stupid_alpha;
  std::optional<std::vector<uint64_t>> prune;
  double prune_entropy = 0;
  py::object vocab = py::none();  // a path, or a list of words
  uint64_t max_vocab = 0;
  py::object tune = py::none();  // a path
  py::object memory = py::none();
  py::object temp_dir = py::none();
  int threads = 0;
};

const char* const kFields[] = {"smoothing", "form",          "discounts", "discount",
                               "gt_min",    "gt_max",        "add_k",     "stupid_alpha",
                               "prune",     "prune_entropy", "vocab",     "max_vocab",
                               "tune",      "memory",        "temp_dir",  "threads"};

// What build() does besides the BuildOptions.
struct Plan {
  BuildOptions options;
  std::optional<std::string> tune;  // the development text
};

SmoothingForm ParseForm(const std::optional<std::string>& form) {
  if (!form) return SmoothingForm::kDefault;
  if (*form == "interpolated" || *form == "interpolate") return SmoothingForm::kInterpolated;
  if (*form == "backoff") return SmoothingForm::kBackoff;
  ThrowValueError("form must be 'interpolated', 'backoff' or None, not '" + *form + "'");
}

// The options that apply to some methods only, and their combinations.
void CheckScopes(const PyBuildOptions& p, const BuildOptions& o) {
  const struct {
    const char* option;
    bool given;
    std::vector<Smoothing> methods;
  } scoped[] = {
      {"discount", p.discount.has_value(), {Smoothing::kAbsolute}},
      {"discounts",
       !p.discounts.is_none(),
       {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey, Smoothing::kAbsolute}},
      {"gt_min", p.gt_min.has_value(), {Smoothing::kKatz}},
      {"gt_max", p.gt_max.has_value(), {Smoothing::kKatz}},
      {"add_k", p.add_k.has_value(), {Smoothing::kAdditive}},
      {"stupid_alpha", p.stupid_alpha.has_value(), {Smoothing::kStupidBackoff}},
      {"tune", !p.tune.is_none(), {Smoothing::kModifiedKneserNey, Smoothing::kKneserNey}},
  };
  for (const auto& s : scoped) {
    if (s.given && std::find(s.methods.begin(), s.methods.end(), o.smoothing) == s.methods.end()) {
      ThrowValueError(std::string(s.option) + " does not apply to smoothing '" +
                      SmoothingName(o.smoothing) + "'");
    }
  }
  if (p.discount && !p.discounts.is_none()) ThrowValueError("give discount or discounts, not both");
  if (!p.tune.is_none() && o.form == SmoothingForm::kBackoff) {
    ThrowValueError("tune chooses the discounts of the interpolated form, not of the backoff form");
  }
}

// discounts: a file (as grams-build --discounts), or one entry per order: a
// list of numbers, or None (or []) to estimate that order.
std::vector<std::vector<double>> DiscountsOf(const py::object& discounts) {
  PyObject* d = discounts.ptr();
  if (PyUnicode_Check(d) || PyBytes_Check(d) || IsPathLike(discounts)) {
    return Unwrap(ReadDiscountsFile(PathOf(discounts, "discounts")), ErrorKind::kValue);
  }
  std::vector<std::vector<double>> out;
  for (py::handle order : py::iter(discounts)) {
    out.push_back(order.is_none() ? std::vector<double>() : order.cast<std::vector<double>>());
  }
  return out;
}

// vocab: a file (as grams-build --vocab), or the words.
std::vector<std::string> VocabOf(const py::object& vocab) {
  PyObject* v = vocab.ptr();
  if (PyUnicode_Check(v) || PyBytes_Check(v) || IsPathLike(vocab)) {
    return Unwrap(ReadVocabularyFile(PathOf(vocab, "vocab")), ErrorKind::kValue);
  }
  std::vector<std::string> out;
  for (py::handle word : py::iter(vocab)) {
    py::object holder;
    out.emplace_back(TextOf(word, &holder, "a word of vocab"));
  }
  return out;
}

// Checks the options as grams-build checks its command line, and reads the
// files they name.
Plan MakePlan(const PyBuildOptions& p) {
  Plan plan;
  BuildOptions& o = plan.options;
  o.smoothing = Unwrap(ParseSmoothing(p.smoothing), ErrorKind::kValue);
  o.form = ParseForm(p.form);
  CheckScopes(p, o);
  if (p.discount) {
    if (!(*p.discount >= 0 && *p.discount <= 1))
      ThrowValueError("discount must be between 0 and 1");
    o.discounts.assign(kMaxOrder, {*p.discount});
  }
  if (!p.discounts.is_none()) o.discounts = DiscountsOf(p.discounts);
  if (p.gt_min) o.gt_min = *p.gt_min;
  if (p.gt_max) o.gt_max = *p.gt_max;
  if (p.add_k) o.add_k = *p.add_k;
  if (p.stupid_alpha) o.stupid_alpha = *p.stupid_alpha;
  if (p.prune) {
    if (p.prune->empty()) ThrowValueError("prune needs at least one value");
    o.prune = *p.prune;
  }
  o.prune_entropy = p.prune_entropy;
  if (!p.vocab.is_none()) {
    o.vocab = VocabOf(p.vocab);
    o.limit_vocab = true;
  }
  o.max_vocab = p.max_vocab;
  if (!p.tune.is_none()) plan.tune = PathOf(p.tune, "tune");
  o.memory = ParseMemory(p.memory);
  if (!p.temp_dir.is_none()) o.temp_dir = PathOf(p.temp_dir, "temp_dir");
  if (p.threads < 0 || p.threads > 64) ThrowValueError("threads must be between 0 and 64");
  o.threads = p.threads;
  Check(CheckBuildOptions(o), ErrorKind::kValue);
  return plan;
}

// Estimates in memory, as grams-build does when it loads the counts.
Status Estimate(const NgramCounts& counts, Plan* plan, Model* out) {
  if (plan->tune) {
    GRAMS_ASSIGN_OR_RETURN(TuneResult tuned, TuneDiscounts(counts, *plan->tune, plan->options));
    plan->options.discounts = tuned.discounts;
  }
  GRAMS_ASSIGN_OR_RETURN(*out, BuildModel(counts, plan->options));
  if (plan->tune) out->info.emplace_back("tuned_on_dev", "1");
  return Status::OK();
}

// A copy of `options_arg` (or the defaults), then the keywords set on it.
py::object OptionsWithKeywords(py::handle options_arg, const py::kwargs& kwargs) {
  py::object options = options_arg.is_none()
                           ? py::module_::import("grams").attr("BuildOptions")()
                           : py::module_::import("copy").attr("copy")(options_arg);
  if (!InstanceOf<PyBuildOptions>(options)) ThrowTypeError("options must be a grams.BuildOptions");
  for (const auto& [key, value] : kwargs) {
    const std::string name = py::str(key);
    if (std::find_if(std::begin(kFields), std::end(kFields),
                     [&](const char* f) { return name == f; }) == std::end(kFields)) {
      ThrowTypeError("build() got an unexpected keyword argument '" + name + "'");
    }
    options.attr(key) = value;
  }
  return options;
}

// In memory: the counts (given, or read from counts_path) estimated into
// *model, which goes to the files asked for. Without the GIL; each step's
// Status apart: reading (OSError), estimating (ValueError), writing (OSError).
void BuildInMemory(const PyCounts* counts, const std::string& counts_path, Plan* plan,
                   const std::optional<std::string>& model_path,
                   const std::optional<std::string>& arpa_path, Model* model) {
  Status read_status, status, write_status;
  {
    py::gil_scoped_release release;
    if (counts) {
      status = Estimate(*counts->counts, plan, model);
    } else {
      auto read = ReadCountsFile(counts_path);
      read_status = read.status();
      if (read_status.ok()) status = Estimate(*read, plan, model);
      if (!status.ok()) status = status.WithContext(counts_path);
    }
    if (read_status.ok() && status.ok() && model_path) {
      write_status = WriteModelFile(*model, *model_path);
    }
    if (write_status.ok() && read_status.ok() && status.ok() && arpa_path) {
      write_status = WriteArpa(*model, *arpa_path);
    }
  }
  Check(read_status, ErrorKind::kFile);
  Check(status, ErrorKind::kValue);
  Check(write_status, ErrorKind::kFile);
}

py::object Build(py::handle counts_arg, py::handle options_arg, py::handle output, py::handle arpa,
                 bool load, const py::kwargs& kwargs) {
  const py::object options = OptionsWithKeywords(options_arg, kwargs);
  Plan plan = MakePlan(*InstanceOf<PyBuildOptions>(options));
  const std::optional<std::string> model_path =
      output.is_none() ? std::nullopt : std::optional<std::string>(PathOf(output, "output"));
  const std::optional<std::string> arpa_path =
      arpa.is_none() ? std::nullopt : std::optional<std::string>(PathOf(arpa, "arpa"));
  if (!load && !model_path && !arpa_path) {
    ThrowValueError("nothing to do: give output and/or arpa, or load=True");
  }

  std::vector<std::string> warnings;
  plan.options.warn = [&warnings](const std::string& message) { warnings.push_back(message); };
  auto warn = [&] {
    for (const std::string& w : warnings) {
      if (PyErr_WarnEx(PyExc_RuntimeWarning, w.c_str(), 1) < 0) throw py::error_already_set();
    }
  };
  const PyCounts* counts = InstanceOf<PyCounts>(counts_arg);
  const std::string counts_path = counts ? std::string() : PathOf(counts_arg, "counts");

  // A counts file to a model file only: the streaming estimator, as
  // grams-build, then the file is loaded if asked.
  if (!counts && model_path && !arpa_path && !plan.tune && !plan.options.limit_vocab &&
      CanBuildModelFile(plan.options)) {
    Status status;
    {
      py::gil_scoped_release release;
      auto built = BuildModelFile(counts_path, plan.options, *model_path);
      status = built.status();
    }
    Check(status, ErrorKind::kFile);
    warn();
    if (!load) return py::none();
    return py::cast(PyModel::Load(output));
  }
  auto model = std::make_shared<Model>();
  BuildInMemory(counts, counts_path, &plan, model_path, arpa_path, model.get());
  warn();
  if (!load) return py::none();
  return py::cast(PyModel::FromModel(std::move(model)));
}

}  // namespace

// Long but left whole: one pybind11 table of classes, methods and their
// docstrings, read top to bottom as the module's Python API.
void RegisterBuilding(py::module_& m) {
  py::class_<PyBuildOptions> options(
      m, "BuildOptions",
      "grams-build's estimation options; None (or the default) leaves each as grams-build\n"
      "leaves it. smoothing: 'mkn' (default), 'kn', 'wb', 'abs', 'katz', 'add', 'mle' or\n"
      "'stupid'; form: None, 'interpolated' or 'backoff'; discount (abs); discounts (mkn, kn,\n"
      "abs: a file, or a list per order of [D1, D2, D3+] or [D], None to estimate an order);\n"
      "gt_min, gt_max (katz: lists); add_k; stupid_alpha; prune (a list of counts per order,\n"
      "as --prune); prune_entropy; vocab (a file or a list of words); max_vocab; tune (a\n"
      "development text: mkn, kn); memory, temp_dir and threads (the streaming estimator's\n"
      "-S, -T and -j; the model is the same for any threads).");
  options
      .def(py::init([](const py::kwargs& kwargs) {
        py::object o = py::cast(PyBuildOptions());
        for (const auto& [key, value] : kwargs) {
          const std::string name = py::str(key);
          if (std::find_if(std::begin(kFields), std::end(kFields),
                           [&](const char* f) { return name == f; }) == std::end(kFields)) {
            ThrowTypeError("BuildOptions() got an unexpected keyword argument '" + name + "'");
          }
          o.attr(key) = value;
        }
        return o.cast<PyBuildOptions>();
      }))
      .def("__copy__", [](Self<PyBuildOptions> o) { return PyBuildOptions(*o); })
      .def("__deepcopy__",
           [](Self<PyBuildOptions> o, py::handle memo) {
             PyBuildOptions copy = *o;
             py::object deepcopy = py::module_::import("copy").attr("deepcopy");
             for (py::object* member :
                  {&copy.discounts, &copy.vocab, &copy.tune, &copy.memory, &copy.temp_dir}) {
               *member = deepcopy(*member, memo);
             }
             return copy;
           })
      .def("__repr__", [](Self<PyBuildOptions> self) {
        std::string out = "grams.BuildOptions(";
        bool first = true;
        for (const char* field : kFields) {
          out += (first ? "" : ", ") + std::string(field) + "=" +
                 py::repr(self.object.attr(field)).cast<std::string>();
          first = false;
        }
        return out + ")";
      });

  ReadWrite(options, "smoothing", &PyBuildOptions::smoothing);
  ReadWrite(options, "form", &PyBuildOptions::form);
  ReadWrite(options, "discounts", &PyBuildOptions::discounts);
  ReadWrite(options, "discount", &PyBuildOptions::discount);
  ReadWrite(options, "gt_min", &PyBuildOptions::gt_min);
  ReadWrite(options, "gt_max", &PyBuildOptions::gt_max);
  ReadWrite(options, "add_k", &PyBuildOptions::add_k);
  ReadWrite(options, "stupid_alpha", &PyBuildOptions::stupid_alpha);
  ReadWrite(options, "prune", &PyBuildOptions::prune);
  ReadWrite(options, "prune_entropy", &PyBuildOptions::prune_entropy);
  ReadWrite(options, "vocab", &PyBuildOptions::vocab);
  ReadWrite(options, "max_vocab", &PyBuildOptions::max_vocab);
  ReadWrite(options, "tune", &PyBuildOptions::tune);
  ReadWrite(options, "memory", &PyBuildOptions::memory);
  ReadWrite(options, "temp_dir", &PyBuildOptions::temp_dir);
  ReadWrite(options, "threads", &PyBuildOptions::threads);

  m.def("build", &Build, py::arg("counts"), py::arg("options") = py::none(), py::kw_only(),
        py::arg("output") = py::none(), py::arg("arpa") = py::none(), py::arg("load") = true,
        "grams-build: estimates a model from Counts or a counts file with the BuildOptions\n"
        "`options` and/or their fields as keywords (build(counts, smoothing='wb', prune=[0, 1])).\n"
        "Writes the model file `output` and/or the ARPA file `arpa` when given, and returns\n"
        "the model as a grams.Model (None with load=False). A Model built in memory keeps\n"
        "the estimated model, for save(), save_arpa() and exact lookup().");
}

}  // namespace grams::python
