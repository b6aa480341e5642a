#include "common.h"

#include <exception>
#include <thread>

#include "grams/files.h"

namespace grams::python {

void ThrowStatus(const Status& status, ErrorKind kind) {
  PyObject* type = PyExc_OSError;
  switch (status.code()) {
    case StatusCode::kNotFound:
      type = PyExc_FileNotFoundError;
      break;
    case StatusCode::kInvalidArgument:
      type = kind == ErrorKind::kFile ? PyExc_OSError : PyExc_ValueError;
      break;
    case StatusCode::kResourceExhausted:
      type = PyExc_MemoryError;
      break;
    case StatusCode::kInternal:
    case StatusCode::kOk:  // not an error: a bug of the caller
      type = PyExc_RuntimeError;
      break;
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
    case StatusCode::kUnsupportedVersion:
      type = PyExc_OSError;
      break;
  }
  PyErr_SetString(type, status.message().c_str());
  throw py::error_already_set();
}

void ThrowValueError(const std::string& message) {
  PyErr_SetString(PyExc_ValueError, message.c_str());
  throw py::error_already_set();
}

void ThrowTypeError(const std::string& message) {
  PyErr_SetString(PyExc_TypeError, message.c_str());
  throw py::error_already_set();
}

std::string_view TextOf(py::handle obj, py::object* holder, const char* what) {
  PyObject* o = obj.ptr();
  if (PyUnicode_Check(o)) {
    Py_ssize_t size = 0;
    // UTF-8 is cached in the str object (and is the object's own data for
    // ASCII), so this copies nothing after the first call.
    if (const char* data = PyUnicode_AsUTF8AndSize(o, &size)) {
      return std::string_view(data, static_cast<size_t>(size));
    }
    PyErr_Clear();  // lone surrogates: the bytes they stand for
    PyObject* bytes = PyUnicode_AsEncodedString(o, "utf-8", "surrogateescape");
    if (!bytes) throw py::error_already_set();
    *holder = py::reinterpret_steal<py::object>(bytes);
    return std::string_view(PyBytes_AS_STRING(bytes), static_cast<size_t>(PyBytes_GET_SIZE(bytes)));
  }
  if (PyBytes_Check(o)) {
    return std::string_view(PyBytes_AS_STRING(o), static_cast<size_t>(PyBytes_GET_SIZE(o)));
  }
  if (PyByteArray_Check(o)) {
    // A copy: a bytearray can be resized while the GIL is released.
    PyObject* bytes = PyBytes_FromObject(o);
    if (!bytes) throw py::error_already_set();
    *holder = py::reinterpret_steal<py::object>(bytes);
    return std::string_view(PyBytes_AS_STRING(bytes), static_cast<size_t>(PyBytes_GET_SIZE(bytes)));
  }
  ThrowTypeError(std::string(what) + " must be str or bytes, not " + Py_TYPE(o)->tp_name);
}

bool IsPathLike(py::handle obj) {
  PyObject* o = obj.ptr();
  return !PyUnicode_Check(o) && !PyBytes_Check(o) && PyObject_HasAttrString(o, "__fspath__");
}

std::string PathOf(py::handle obj, const char* what) {
  PyObject* o = obj.ptr();
  if (!PyUnicode_Check(o) && !PyBytes_Check(o) && !PyObject_HasAttrString(o, "__fspath__")) {
    ThrowTypeError(std::string(what) + " must be str, bytes or os.PathLike, not " +
                   Py_TYPE(o)->tp_name);
  }
  py::object fspath = py::reinterpret_steal<py::object>(PyOS_FSPath(o));
  if (!fspath) throw py::error_already_set();
  py::object bytes = fspath;
  if (PyUnicode_Check(fspath.ptr())) {
    bytes = py::reinterpret_steal<py::object>(PyUnicode_EncodeFSDefault(fspath.ptr()));
    if (!bytes) throw py::error_already_set();
  }
  std::string path(PyBytes_AS_STRING(bytes.ptr()),
                   static_cast<size_t>(PyBytes_GET_SIZE(bytes.ptr())));
  if (path.find('\0') != std::string::npos)
    ThrowValueError(std::string(what) + ": embedded null byte");
  if (path.empty()) ThrowValueError(std::string(what) + " is empty");
  return path;
}

py::str UnitToPython(std::string_view unit) {
  PyObject* s =
      PyUnicode_DecodeUTF8(unit.data(), static_cast<Py_ssize_t>(unit.size()), "surrogateescape");
  if (!s) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

void ForEachLine(py::handle iterable, const std::function<void(std::string_view)>& line_fn,
                 const std::function<void()>& item_done) {
  for (py::handle item : py::iter(iterable)) {
    py::object holder;
    std::string_view text = TextOf(item, &holder, "line");
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    for (size_t start = 0;;) {
      size_t newline = text.find('\n', start);
      if (newline == std::string_view::npos) newline = text.size();
      line_fn(text.substr(start, newline - start));
      if (newline == text.size()) break;
      start = newline + 1;
    }
    item_done();
  }
}

uint64_t ParseMemory(py::handle value) {
  if (value.is_none()) {
    // grams-count's and grams-build's default; no limit when the machine's
    // memory is unknown.
    if (PhysicalMemory() == 0) return 0;
    return Unwrap(ParseMemoryBudget("80%"), ErrorKind::kValue);
  }
  std::string text;
  if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
    const long long v = value.cast<long long>();
    if (v < 0) ThrowValueError("memory must not be negative");
    text = std::to_string(v);
  } else if (PyUnicode_Check(value.ptr())) {
    text = value.cast<std::string>();
  } else {
    ThrowTypeError(std::string("memory must be None, an int or a str such as '2G', not ") +
                   Py_TYPE(value.ptr())->tp_name);
  }
  auto bytes = ParseMemoryBudget(text);
  if (!bytes.ok()) ThrowValueError("memory: " + bytes.status().message());
  return *bytes;
}

int ParseThreads(int threads) {
  if (threads < 0 || threads > 64) ThrowValueError("threads must be between 0 and 64");
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return threads;
}

py::dict SettingsToDict(const TokenizerSettings& settings) {
  py::dict d;
  for (const auto& [key, value] : settings.ToKeyValues()) {
    if (key == "case_fold") {
      d[py::str(key)] = py::bool_(value == "1");
    } else {
      d[py::str(key)] = UnitToPython(value);
    }
  }
  return d;
}

void ParallelFor(size_t n, int threads, const std::function<void(int, size_t, size_t)>& body) {
  if (threads > 1 && static_cast<size_t>(threads) > n)
    threads = static_cast<int>(std::max<size_t>(n, 1));
  if (threads <= 1) {
    body(0, 0, n);
    return;
  }
  std::vector<std::exception_ptr> errors(threads);
  auto run = [&](int t) {
    const size_t begin = n * t / threads, end = n * (t + 1) / threads;
    try {
      body(t, begin, end);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(run, t);
  } catch (...) {
    // Could not start a thread: the threads started finish their ranges,
    // the rest run here.
    for (int t = static_cast<int>(pool.size()) + 1; t < threads; ++t) run(t);
  }
  run(0);
  for (auto& thread : pool) thread.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace grams::python
