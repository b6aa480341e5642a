// Helpers shared by the bindings of the `grams` Python module: grams::Status
// to Python exceptions, Python text and paths to bytes, unit strings back to
// Python, option parsing, and a fork-join over threads that carries a
// worker's exception to the caller.
//
// Only the installed public headers (grams/*.h) are used, so the module
// builds against an installed libgrams as well as in the tree.
#ifndef GRAMS_PYTHON_COMMON_H_
#define GRAMS_PYTHON_COMMON_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "grams/settings.h"
#include "grams/status.h"

namespace grams::python {

namespace py = pybind11;

// How a Status becomes an exception.
enum class ErrorKind {
  // Reading or writing a file (a model, counts, text): every error is an
  // OSError, as KenLM's Model raises IOError; a missing file is
  // FileNotFoundError (a subclass).
  kFile,
  // An operation on values: bad arguments and bad input text raise
  // ValueError; file problems still raise OSError.
  kValue,
};

// Raises the Python exception for a non-OK `status`: see ErrorKind. Whatever
// the kind, kResourceExhausted is MemoryError and kInternal RuntimeError.
[[noreturn]] void ThrowStatus(const Status& status, ErrorKind kind);
inline void Check(const Status& status, ErrorKind kind) {
  if (!status.ok()) ThrowStatus(status, kind);
}
template <typename T>
T Unwrap(StatusOr<T>&& result, ErrorKind kind) {
  if (!result.ok()) ThrowStatus(result.status(), kind);
  return std::move(result).value();
}

// [[noreturn]] raisers for the common Python exception types.
[[noreturn]] void ThrowValueError(const std::string& message);
[[noreturn]] void ThrowTypeError(const std::string& message);

// The UTF-8 bytes of a str (lone surrogates, as os.fsdecode or
// 'surrogateescape' make them, become the bytes they stand for), or the
// bytes of a bytes or bytearray object. *holder keeps alive any object the
// view points into. TypeError for anything else; `what` names the argument.
std::string_view TextOf(py::handle obj, py::object* holder, const char* what = "text");
// Calls line_fn for every line of the iterable's items, as TextOf gives
// them: each item is a line (a trailing '\n' is ignored), and an item
// holding several lines counts as those lines; after each item, item_done().
void ForEachLine(py::handle iterable, const std::function<void(std::string_view)>& line_fn,
                 const std::function<void()>& item_done);

// A file system path from str, bytes or os.PathLike, as os.fsencode gives it.
std::string PathOf(py::handle obj, const char* what = "path");
// True if obj is a path-like object (os.PathLike) other than str and bytes.
bool IsPathLike(py::handle obj);

// A unit of a vocabulary as a Python str: UTF-8 decoded, with bytes that are
// not UTF-8 (units of byte models) as lone surrogates ('surrogateescape'),
// so that TextOf() gives the same bytes back.
py::str UnitToPython(std::string_view unit);

// A memory budget: None (80% of the physical memory, grams-count's and
// grams-build's default), an int number of bytes, or a string as -S takes it:
// "200M", "2G", "50%". At least 16M. ValueError otherwise.
uint64_t ParseMemory(py::handle value);

// Threads for a pool: 0 means one per core. ValueError below 0 or above 64.
int ParseThreads(int threads);

// The tokenizer settings as a dict whose keys are count()'s keyword names:
// unit, normalize, case_fold (a bool), boundaries, invalid (and any other
// key/value of the settings, as a str).
py::dict SettingsToDict(const TokenizerSettings& settings);

// Runs body(thread, begin, end) over [0, n) split into `threads` contiguous
// ranges, one thread each (the calling thread takes the first), and rethrows
// the first exception a worker threw. threads <= 1 runs inline. The caller
// must not hold the GIL when `body` needs none and `threads` > 1.
void ParallelFor(size_t n, int threads, const std::function<void(int, size_t, size_t)>& body);

}  // namespace grams::python

#endif  // GRAMS_PYTHON_COMMON_H_
