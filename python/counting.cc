// Counting from Python: Counter (lines and files in, NgramCounts out), the
// Counts it makes, and the module functions count, count_files,
// merge_counts and load_counts. The counts and the files are those of
// grams-count with the same options, byte for byte.
#include "counting.h"

#include <mutex>

#include "grams/types.h"
#include "ngram_lookup.h"
#include "self.h"

namespace grams::python {
namespace {

// The options grams-count takes, checked as it checks them.
CountOptions MakeCountOptions(int order, const std::string& unit, const std::string& normalize,
                              bool case_fold, const std::string& boundaries,
                              const std::string& invalid, int threads, py::handle memory,
                              py::handle temp_dir) {
  CountOptions options;
  if (order < 1 || order > kMaxOrder) {
    ThrowValueError("order must be between 1 and " + std::to_string(kMaxOrder) + ", not " +
                    std::to_string(order));
  }
  options.order = order;
  options.tokenizer.unit = Unwrap(ParseUnit(unit), ErrorKind::kValue);
  options.tokenizer.normalize = Unwrap(ParseNormalization(normalize), ErrorKind::kValue);
  options.tokenizer.case_fold = case_fold;
  options.tokenizer.boundaries = Unwrap(ParseBoundaries(boundaries), ErrorKind::kValue);
  options.tokenizer.invalid = Unwrap(ParseInvalidUtf8(invalid), ErrorKind::kValue);
  ParseThreads(threads);  // range check; 0 stays "one per core"
  options.threads = threads;
  options.memory = ParseMemory(memory);
  if (!temp_dir.is_none()) options.temp_dir = PathOf(temp_dir, "temp_dir");
  return options;
}

// Memory, threads and temporary directory only (merging: the order and the
// tokenization come from the files).
CountOptions MakeMergeOptions(int threads, py::handle memory, py::handle temp_dir) {
  CountOptions options;
  ParseThreads(threads);
  options.threads = threads;
  options.memory = ParseMemory(memory);
  if (!temp_dir.is_none()) options.temp_dir = PathOf(temp_dir, "temp_dir");
  return options;
}

// One path or an iterable of paths.
std::vector<std::string> PathsOf(py::handle paths, const char* what) {
  std::vector<std::string> out;
  PyObject* o = paths.ptr();
  if (PyUnicode_Check(o) || PyBytes_Check(o) || IsPathLike(paths)) {
    out.push_back(PathOf(paths, what));
    return out;
  }
  for (py::handle item : py::iter(paths)) out.push_back(PathOf(item, what));
  if (out.empty()) ThrowValueError(std::string("no ") + what + " given");
  return out;
}

void RejectSingleText(py::handle lines, const char* function) {
  PyObject* o = lines.ptr();
  if (PyUnicode_Check(o) || PyBytes_Check(o) || IsPathLike(lines)) {
    ThrowTypeError(std::string(function) +
                   " takes an iterable of lines (a list, a generator, an open file...), not a "
                   "single str, bytes or path; count files with count_files()");
  }
}

class PyCounter {
 public:
  explicit PyCounter(const CountOptions& options) : counter_(std::make_unique<Counter>(options)) {}

  // Counts every line of the iterable: each item is a line (a trailing '\n'
  // is ignored; an item holding several lines counts as those lines), as if
  // the lines were those of a file. The GIL is released while counting.
  void AddLines(py::handle lines) {
    RejectSingleText(lines, "add_lines");
    std::string buffer;
    std::vector<size_t> ends;
    auto feed = [&] {
      Status status;
      {
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(mu_);
        status = Live();
        size_t begin = 0;
        for (size_t k = 0; k < ends.size() && status.ok(); ++k) {
          ++lines_;
          status = counter_->AddLine(std::string_view(buffer).substr(begin, ends[k] - begin),
                                     "line " + std::to_string(lines_));
          begin = ends[k];
        }
      }
      Check(status, ErrorKind::kValue);
      buffer.clear();
      ends.clear();
    };
    ForEachLine(
        lines,
        [&](std::string_view line) {
          buffer.append(line);
          ends.push_back(buffer.size());
        },
        [&] {
          if (buffer.size() >= (1u << 20) || ends.size() >= 65536) feed();
        });
    feed();
  }

  void AddFiles(py::handle paths) {
    const std::vector<std::string> files = PathsOf(paths, "paths");
    Status status;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);
      status = Live();
      for (size_t i = 0; i < files.size() && status.ok(); ++i) status = counter_->AddFile(files[i]);
    }
    Check(status, ErrorKind::kValue);
  }

  void AddCounts(py::handle counts_arg, const std::string& name) {
    const PyCounts* counts = InstanceOf<PyCounts>(counts_arg);
    if (!counts) ThrowTypeError("add_counts takes a grams.Counts");
    Status status;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);
      status = Live();
      if (status.ok()) status = counter_->AddCounts(*counts->counts, name);
    }
    Check(status, ErrorKind::kValue);
  }

  PyCounts Finish() {
    std::unique_ptr<Counter> counter = Take();
    auto counts = [&] {
      py::gil_scoped_release release;
      return counter->Finish();
    }();
    return PyCounts{
        std::make_shared<const NgramCounts>(Unwrap(std::move(counts), ErrorKind::kValue))};
  }

  void FinishToFile(py::handle path) {
    const std::string file = PathOf(path, "path");
    std::unique_ptr<Counter> counter = Take();
    Status status;
    {
      py::gil_scoped_release release;
      status = counter->FinishToFile(file);
    }
    Check(status, ErrorKind::kValue);
  }

 private:
  Status Live() const {
    if (!counter_) return InvalidArgument("this Counter is finished: make a new one");
    return Status::OK();
  }
  // The Counter, which finishing spends.
  std::unique_ptr<Counter> Take() {
    std::unique_ptr<Counter> counter;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);
      counter = std::move(counter_);
    }
    if (!counter) ThrowValueError("this Counter is finished: make a new one");
    return counter;
  }

  std::mutex mu_;
  std::unique_ptr<Counter> counter_;
  uint64_t lines_ = 0;
};

PyCounts LoadCounts(py::handle path) {
  const std::string file = PathOf(path, "path");
  auto counts = [&] {
    py::gil_scoped_release release;
    return ReadCountsFile(file);
  }();
  return PyCounts{std::make_shared<const NgramCounts>(Unwrap(std::move(counts), ErrorKind::kFile))};
}

py::object CountsOrNone(std::optional<PyCounts> counts) {
  if (!counts) return py::none();
  return py::cast(std::move(*counts));
}

}  // namespace

// Long but left whole: one pybind11 table of classes, methods and their
// docstrings, read top to bottom as the module's Python API.
void RegisterCounting(py::module_& m) {
  py::class_<PyCounts>(m, "Counts",
                       "The n-gram counts of orders 1..N of a text (grams-count's counts file):\n"
                       "made by count(), count_files(), merge_counts(), load_counts() or a\n"
                       "Counter; grams.build() estimates a model from them.")
      .def_property_readonly("order", [](Self<PyCounts> c) { return c->counts->order(); })
      .def_property_readonly(
          "settings", [](Self<PyCounts> c) { return SettingsToDict(c->counts->settings); },
          "The tokenizer settings the text was counted with (a dict).")
      .def_property_readonly(
          "sentences", [](Self<PyCounts> c) { return c->counts->sentences; },
          "Sentences (lines) counted.")
      .def_property_readonly(
          "tokens", [](Self<PyCounts> c) { return c->counts->tokens; },
          "Tokens counted: units plus </s>.")
      .def_property_readonly(
          "ngram_counts",
          [](Self<PyCounts> c) {
            py::list sizes;
            for (const TrieLevel& level : c->counts->trie.levels) sizes.append(level.size());
            return sizes;
          },
          "The number of distinct n-grams of each order, from order 1.")
      .def(
          "vocab",
          [](Self<PyCounts> c) {
            const Vocabulary& vocab = c->counts->vocab;
            py::list words(vocab.size());
            for (size_t i = 0; i < vocab.size(); ++i) {
              PyList_SET_ITEM(words.ptr(), static_cast<Py_ssize_t>(i),
                              UnitToPython(vocab.Word(static_cast<WordId>(i))).release().ptr());
            }
            return words;
          },
          "The units, by id: '<unk>', '<s>', '</s>', then by descending count.")
      .def(
          "count",
          [](Self<PyCounts> c, py::handle ngram) -> Count {
            const std::vector<std::string> units = NgramUnits(ngram);
            const int n = static_cast<int>(units.size());
            if (n == 0) ThrowValueError("count: the n-gram is empty");
            if (n > c->counts->order()) return 0;
            std::vector<WordId> ids(n);
            for (int k = 0; k < n; ++k) {
              ids[k] = c->counts->vocab.Find(units[k]);
              if (ids[k] == Vocabulary::kNotFound) return 0;
            }
            const int64_t entry = c->counts->trie.Find(ids.data(), n);
            return entry < 0 ? 0 : c->counts->counts[n - 1][entry];
          },
          py::arg("ngram"),
          "How many times the n-gram was seen (0 if never). The n-gram is a str or bytes\n"
          "(units separated by whitespace) or a list of units; '<s>' and '</s>' are the\n"
          "sentence boundaries.")
      .def(
          "save",
          [](Self<PyCounts> c, py::handle path) {
            const std::string file = PathOf(path, "path");
            Status status;
            {
              py::gil_scoped_release release;
              status = WriteCountsFile(*c->counts, file);
            }
            Check(status, ErrorKind::kValue);
          },
          py::arg("path"), "Writes the counts file (as grams-count -o).")
      .def(
          "save_text",
          [](Self<PyCounts> c, py::handle path, int64_t min_count, int64_t top) {
            const std::string file = PathOf(path, "path");
            if (min_count < 0) ThrowValueError("min_count must not be negative");
            if (top < 0) ThrowValueError("top must not be negative");
            Status status;
            {
              py::gil_scoped_release release;
              status = WriteCountsText(*c->counts, file, static_cast<Count>(min_count),
                                       static_cast<size_t>(top));
            }
            Check(status, ErrorKind::kValue);
          },
          py::arg("path"), py::arg("min_count") = 0, py::arg("top") = 0,
          "Writes the counts as text, \"w1 ... wn<TAB>count\" lines (as grams-count --text;\n"
          "min_count and top as --min-count and --top, 0 for none).")
      // Counts are immutable: a copy is the object itself.
      .def("__copy__",
           [](Self<PyCounts> c) { return py::reinterpret_borrow<py::object>(c.object); })
      .def("__deepcopy__", [](Self<PyCounts> c,
                              py::handle) { return py::reinterpret_borrow<py::object>(c.object); })
      .def("__repr__", [](Self<PyCounts> c) {
        return "<grams.Counts of order " + std::to_string(c->counts->order()) + ", " +
               std::to_string(c->counts->sentences) + " sentences, " +
               std::to_string(c->counts->tokens) + " tokens>";
      });

  py::class_<PyCounter>(m, "Counter",
                        "Counts n-grams of text fed in pieces: lines from any iterable, files,\n"
                        "other Counts; finish() gives the Counts. The options are grams-count's.")
      .def(
          py::init([](int order, const std::string& unit, const std::string& normalize,
                      bool case_fold, const std::string& boundaries, const std::string& invalid,
                      int threads, py::handle memory, py::handle temp_dir) {
            return std::make_unique<PyCounter>(MakeCountOptions(
                order, unit, normalize, case_fold, boundaries, invalid, threads, memory, temp_dir));
          }),
          py::kw_only(), py::arg("order") = 3, py::arg("unit") = "word",
          py::arg("normalize") = "none", py::arg("case_fold") = false,
          py::arg("boundaries") = "line", py::arg("invalid") = "error", py::arg("threads") = 0,
          py::arg("memory") = py::none(), py::arg("temp_dir") = py::none())
      .def(
          "add_lines", [](Self<PyCounter> self, py::handle lines) { return self->AddLines(lines); },
          py::arg("lines"),
          "Counts the lines of an iterable of str or bytes, as the lines of a file (a trailing\n"
          "newline is ignored).")
      .def(
          "add_files", [](Self<PyCounter> self, py::handle paths) { return self->AddFiles(paths); },
          py::arg("paths"),
          "Counts the text files (plain or compressed) of a path or a list of paths.")
      .def(
          "add_counts",
          [](Self<PyCounter> self, py::handle counts, const std::string& name) {
            return self->AddCounts(counts, name);
          },
          py::arg("counts"), py::arg("name") = "<counts>",
          "Adds Counts made with the same order and tokenization.")
      .def(
          "finish", [](Self<PyCounter> self) { return self->Finish(); },
          "The Counts. The Counter is spent afterwards.")
      .def(
          "finish_to_file",
          [](Self<PyCounter> self, py::handle path) { return self->FinishToFile(path); },
          py::arg("path"),
          "Writes the counts file, each order as soon as it is sorted. Spends the Counter.");

  m.def(
      "count",
      [](py::handle lines, int order, const std::string& unit, const std::string& normalize,
         bool case_fold, const std::string& boundaries, const std::string& invalid, int threads,
         py::handle memory, py::handle temp_dir, py::handle output) {
        RejectSingleText(lines, "count()");
        PyCounter counter(MakeCountOptions(order, unit, normalize, case_fold, boundaries, invalid,
                                           threads, memory, temp_dir));
        counter.AddLines(lines);
        if (!output.is_none()) {
          counter.FinishToFile(output);
          return CountsOrNone(std::nullopt);
        }
        return CountsOrNone(counter.Finish());
      },
      py::arg("lines"), py::kw_only(), py::arg("order") = 3, py::arg("unit") = "word",
      py::arg("normalize") = "none", py::arg("case_fold") = false, py::arg("boundaries") = "line",
      py::arg("invalid") = "error", py::arg("threads") = 0, py::arg("memory") = py::none(),
      py::arg("temp_dir") = py::none(), py::arg("output") = py::none(),
      "Counts the n-grams of orders 1..order of the lines of an iterable (str or bytes each;\n"
      "a list, a generator, an open file), as grams-count counts a file of those lines.\n"
      "Returns the Counts, or with output=PATH writes the counts file and returns None.");

  m.def(
      "count_files",
      [](py::handle paths, int order, const std::string& unit, const std::string& normalize,
         bool case_fold, const std::string& boundaries, const std::string& invalid, int threads,
         py::handle memory, py::handle temp_dir, py::handle output) {
        const std::vector<std::string> files = PathsOf(paths, "paths");
        const CountOptions options = MakeCountOptions(order, unit, normalize, case_fold, boundaries,
                                                      invalid, threads, memory, temp_dir);
        if (!output.is_none()) {
          const std::string file = PathOf(output, "output");
          Status status;
          {
            py::gil_scoped_release release;
            status = CountFilesToFile(files, options, file);
          }
          Check(status, ErrorKind::kValue);
          return CountsOrNone(std::nullopt);
        }
        auto counts = [&] {
          py::gil_scoped_release release;
          return CountFiles(files, options);
        }();
        return CountsOrNone(PyCounts{
            std::make_shared<const NgramCounts>(Unwrap(std::move(counts), ErrorKind::kValue))});
      },
      py::arg("paths"), py::kw_only(), py::arg("order") = 3, py::arg("unit") = "word",
      py::arg("normalize") = "none", py::arg("case_fold") = false, py::arg("boundaries") = "line",
      py::arg("invalid") = "error", py::arg("threads") = 0, py::arg("memory") = py::none(),
      py::arg("temp_dir") = py::none(), py::arg("output") = py::none(),
      "grams-count: counts the text files of a path or a list of paths (plain, gzip, bzip2,\n"
      "xz or zstd). Returns the Counts, or with output=PATH writes the counts file (order by\n"
      "order, as grams-count -o) and returns None.");

  m.def(
      "merge_counts",
      [](py::handle paths, py::handle output, int threads, py::handle memory, py::handle temp_dir) {
        const std::vector<std::string> files = PathsOf(paths, "paths");
        const CountOptions options = MakeMergeOptions(threads, memory, temp_dir);
        if (!output.is_none()) {
          const std::string file = PathOf(output, "output");
          Status status;
          {
            py::gil_scoped_release release;
            status = MergeCountFilesToFile(files, file, options);
          }
          Check(status, ErrorKind::kFile);
          return CountsOrNone(std::nullopt);
        }
        auto counts = [&] {
          py::gil_scoped_release release;
          return MergeCountFiles(files, options);
        }();
        return CountsOrNone(PyCounts{
            std::make_shared<const NgramCounts>(Unwrap(std::move(counts), ErrorKind::kFile))});
      },
      py::arg("paths"), py::kw_only(), py::arg("output") = py::none(), py::arg("threads") = 0,
      py::arg("memory") = py::none(), py::arg("temp_dir") = py::none(),
      "grams-count --merge: adds counts files of the same order and tokenization. Returns\n"
      "the Counts, or with output=PATH writes the merged counts file and returns None.");

  m.def("load_counts", &LoadCounts, py::arg("path"), "Reads a counts file.");
}

}  // namespace grams::python
