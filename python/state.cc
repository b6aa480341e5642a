#include "state.h"

#include <new>

#include "grams/grams.h"
#include "grams/types.h"
#include "model.h"

namespace grams::python {
namespace {

// ------------------------------------------------------------------ State

struct StateObject {
  PyObject_HEAD State state;
};

PyTypeObject* g_state_type = nullptr;
PyTypeObject* g_full_score_type = nullptr;

bool IsState(PyObject* o) { return PyObject_TypeCheck(o, g_state_type); }
State& StateOf(PyObject* o) { return reinterpret_cast<StateObject*>(o)->state; }

PyObject* NewState(PyTypeObject* type) {
  PyObject* self = type->tp_alloc(type, 0);  // zero-filled: length 0
  if (self) new (&StateOf(self)) State();
  return self;
}

PyObject* StateNew(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  if (PyTuple_GET_SIZE(args) != 0 || (kwargs && PyDict_GET_SIZE(kwargs) != 0)) {
    PyErr_SetString(PyExc_TypeError, "State() takes no arguments");
    return nullptr;
  }
  return NewState(type);
}

// KenLM's order: by length, then by the words, most recent first. Only the
// words count: equal words make equal backoffs.
int Compare(const State& a, const State& b) {
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  for (int k = 0; k < a.length; ++k) {
    if (a.words[k] != b.words[k]) return a.words[k] < b.words[k] ? -1 : 1;
  }
  return 0;
}

PyObject* StateRichCompare(PyObject* a, PyObject* b, int op) {
  if (!IsState(a) || !IsState(b)) Py_RETURN_NOTIMPLEMENTED;
  const int c = Compare(StateOf(a), StateOf(b));
  Py_RETURN_RICHCOMPARE(c, 0, op);
}

Py_hash_t StateHash(PyObject* self) {
  const State& s = StateOf(self);
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.length;
  for (int k = 0; k < s.length; ++k) {
    h ^= s.words[k];
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
  }
  const Py_hash_t out = static_cast<Py_hash_t>(h);
  return out == -1 ? -2 : out;
}

PyObject* StateRepr(PyObject* self) {
  return PyUnicode_FromFormat("<grams.State of %d words>", static_cast<int>(StateOf(self).length));
}

PyObject* StateCopy(PyObject* self, PyObject*) {
  PyObject* copy = NewState(Py_TYPE(self));
  if (copy) StateOf(copy) = StateOf(self);
  return copy;
}

PyObject* StateGetState(PyObject* self, PyObject*) {
  const State& s = StateOf(self);
  PyObject* words = PyList_New(s.length);
  PyObject* backoffs = PyList_New(s.length);
  if (!words || !backoffs) {
    Py_XDECREF(words);
    Py_XDECREF(backoffs);
    return nullptr;
  }
  for (int k = 0; k < s.length; ++k) {
    PyList_SET_ITEM(words, k, PyLong_FromUnsignedLong(s.words[k]));
    PyList_SET_ITEM(backoffs, k, PyFloat_FromDouble(s.backoff[k]));
  }
  return Py_BuildValue("(NN)", words, backoffs);
}

PyObject* StateSetState(PyObject* self, PyObject* arg) {
  auto bad = [] {
    PyErr_SetString(PyExc_ValueError, "not a pickled grams.State");
    return nullptr;
  };
  if (!PyTuple_Check(arg) || PyTuple_GET_SIZE(arg) != 2) return bad();
  PyObject* words = PyTuple_GET_ITEM(arg, 0);
  PyObject* backoffs = PyTuple_GET_ITEM(arg, 1);
  if (!PyList_Check(words) || !PyList_Check(backoffs)) return bad();
  const Py_ssize_t n = PyList_GET_SIZE(words);
  if (n != PyList_GET_SIZE(backoffs) || n > kMaxStateWords) return bad();
  State s;
  for (Py_ssize_t k = 0; k < n; ++k) {
    const unsigned long w = PyLong_AsUnsignedLong(PyList_GET_ITEM(words, k));
    const double b = PyFloat_AsDouble(PyList_GET_ITEM(backoffs, k));
    if (PyErr_Occurred() || w > UINT32_MAX) {
      PyErr_Clear();
      return bad();
    }
    s.words[k] = static_cast<WordId>(w);
    s.backoff[k] = static_cast<float>(b);
  }
  s.length = static_cast<uint8_t>(n);
  StateOf(self) = s;
  Py_RETURN_NONE;
}

PyObject* StateReduce(PyObject* self, PyObject*) {
  PyObject* state = StateGetState(self, nullptr);
  if (!state) return nullptr;
  return Py_BuildValue("(O()N)", reinterpret_cast<PyObject*>(Py_TYPE(self)), state);
}

PyObject* StateLength(PyObject* self, void*) { return PyLong_FromLong(StateOf(self).length); }

PyMethodDef kStateMethods[] = {
    {"__copy__", StateCopy, METH_NOARGS, nullptr},
    {"__deepcopy__", StateCopy, METH_O, nullptr},
    {"__getstate__", StateGetState, METH_NOARGS, nullptr},
    {"__setstate__", StateSetState, METH_O, nullptr},
    {"__reduce__", StateReduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef kStateGetSet[] = {
    {"length", StateLength, nullptr, "The number of context words the State holds.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

const char kStateDoc[] =
    "State()\n--\n\n"
    "The context a decoder carries between words (KenLM's State): the last words\n"
    "that can still matter. A new State is empty (NullContextWrite's); Model's\n"
    "BeginSentenceWrite, BaseScore and BaseFullScore fill it. States compare equal\n"
    "when they hold the same words; they are hashable, ordered, copyable and\n"
    "picklable.";

PyType_Slot kStateSlots[] = {
    {Py_tp_new, reinterpret_cast<void*>(StateNew)},
    {Py_tp_richcompare, reinterpret_cast<void*>(StateRichCompare)},
    {Py_tp_hash, reinterpret_cast<void*>(StateHash)},
    {Py_tp_repr, reinterpret_cast<void*>(StateRepr)},
    {Py_tp_methods, kStateMethods},
    {Py_tp_getset, kStateGetSet},
    {Py_tp_doc, const_cast<char*>(kStateDoc)},
    {0, nullptr},
};

PyType_Spec kStateSpec = {"grams.State", sizeof(StateObject), 0, Py_TPFLAGS_DEFAULT, kStateSlots};

// -------------------------------------------------------- FullScoreReturn

PyStructSequence_Field kFullScoreFields[] = {
    {"log_prob", "log10 p(word | context)"},
    {"ngram_length", "the length of the n-gram that matched, the word included (1: the unigram)"},
    {"oov", "whether the word is out of the vocabulary"},
    {nullptr, nullptr},
};

PyStructSequence_Desc kFullScoreDesc = {
    "grams.FullScoreReturn",
    "What BaseFullScore returns (KenLM's FullScoreReturn): log_prob, ngram_length and\n"
    "oov, by name or as a 3-tuple.",
    kFullScoreFields, 3};

// ------------------------------------------------ the fast Model methods

// The PyModel of a grams.Model instance (the method descriptor has checked
// the type). nullptr with TypeError if __init__ did not run.
PyModel* ModelOf(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  py::detail::value_and_holder vh = inst->get_value_and_holder();
  if (!vh.holder_constructed() || !vh.value_ptr()) {
    PyErr_SetString(PyExc_TypeError, "the Model is not initialized");
    return nullptr;
  }
  return vh.value_ptr<PyModel>();
}

// Runs body() and turns a C++ exception into the Python error; nullptr then.
template <typename F>
PyObject* Guarded(F&& body) {
  try {
    return body();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

// Binds the positional and keyword arguments of a METH_FASTCALL |
// METH_KEYWORDS call to names[0..n) in out[] (nullptr = not given). At
// least `required` must be given. TypeError (and false) otherwise.
bool BindArgs(const char* function, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
              const char* const* names, int n, int required, PyObject** out) {
  for (int k = 0; k < n; ++k) out[k] = nullptr;
  if (nargs > n) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", function, n,
                 nargs);
    return false;
  }
  for (Py_ssize_t k = 0; k < nargs; ++k) out[k] = args[k];
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, i);
    int k = 0;
    while (k < n && PyUnicode_CompareWithASCIIString(key, names[k]) != 0) ++k;
    if (k == n) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", function, key);
      return false;
    }
    if (out[k]) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", function,
                   names[k]);
      return false;
    }
    out[k] = args[nargs + i];
  }
  for (int k = 0; k < required; ++k) {
    if (!out[k]) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", function, names[k]);
      return false;
    }
  }
  return true;
}

// A State argument, or nullptr with TypeError.
State* StateArg(PyObject* o, const char* name) {
  if (!IsState(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be a grams.State, not %s", name, Py_TYPE(o)->tp_name);
    return nullptr;
  }
  return &StateOf(o);
}

// A State from Python must hold ids of this model's vocabulary: a State made
// by another model (or unpickled from junk) must not index out of bounds.
void CheckState(const PyModel& model, const State& s, const char* name) {
  const size_t vocab = model.lm().vocab().size();
  if (s.length > kMaxStateWords) ThrowValueError(std::string(name) + " is not a valid State");
  for (int k = 0; k < s.length; ++k) {
    if (s.words[k] >= vocab) {
      ThrowValueError(std::string(name) +
                      " holds words this model does not have (a State of another model?)");
    }
  }
}

PyObject* FastScore(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const kNames[] = {"sentence", "bos", "eos"};
  PyObject* a[3];
  if (!BindArgs("score", args, nargs, kwnames, kNames, 3, 1, a)) return nullptr;
  PyModel* model = ModelOf(self);
  if (!model) return nullptr;
  const int bos = a[1] ? PyObject_IsTrue(a[1]) : 1;
  const int eos = a[2] ? PyObject_IsTrue(a[2]) : 1;
  if (bos < 0 || eos < 0) return nullptr;
  return Guarded([&] {
    py::object holder;
    const std::string_view text = TextOf(a[0], &holder, "sentence");
    return PyFloat_FromDouble(model->Score(text, bos, eos));
  });
}

PyObject* WriteState(PyObject* self, PyObject* state_arg, bool begin) {
  PyModel* model = ModelOf(self);
  if (!model) return nullptr;
  State* state = StateArg(state_arg, "state");
  if (!state) return nullptr;
  return Guarded([&]() -> PyObject* {
    model->RequireStateApi();
    *state = begin ? model->lm().BeginSentenceState() : model->lm().NullContextState();
    Py_RETURN_NONE;
  });
}

template <bool kBegin>
PyObject* FastWriteState(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                         PyObject* kwnames) {
  static const char* const kNames[] = {"state"};
  PyObject* a[1];
  if (!BindArgs(kBegin ? "BeginSentenceWrite" : "NullContextWrite", args, nargs, kwnames, kNames, 1,
                1, a)) {
    return nullptr;
  }
  return WriteState(self, a[0], kBegin);
}

template <bool kFull>
PyObject* FastBaseScore(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) {
  static const char* const kNames[] = {"in_state", "word", "out_state"};
  PyObject* a[3];
  if (!BindArgs(kFull ? "BaseFullScore" : "BaseScore", args, nargs, kwnames, kNames, 3, 3, a)) {
    return nullptr;
  }
  PyModel* model = ModelOf(self);
  if (!model) return nullptr;
  State* in = StateArg(a[0], "in_state");
  State* out = in ? StateArg(a[2], "out_state") : nullptr;
  if (!out) return nullptr;
  return Guarded([&]() -> PyObject* {
    model->RequireStateApi();
    CheckState(*model, *in, "in_state");
    py::object holder;
    const WordId word = model->lm().Index(TextOf(a[1], &holder, "word"));
    const FullScoreResult r = model->lm().FullScore(*in, word, out);  // in may be out
    if (!kFull) return PyFloat_FromDouble(r.log_prob);
    PyObject* result = PyStructSequence_New(g_full_score_type);
    if (!result) return nullptr;
    PyStructSequence_SET_ITEM(result, 0, PyFloat_FromDouble(r.log_prob));
    PyStructSequence_SET_ITEM(result, 1, PyLong_FromLong(r.ngram_length));
    PyStructSequence_SET_ITEM(result, 2, PyBool_FromLong(r.oov));
    return result;
  });
}

template <typename F>
PyCFunction AsCFunction(F* f) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

PyMethodDef kModelMethods[] = {
    {"score", AsCFunction(FastScore), METH_FASTCALL | METH_KEYWORDS,
     "score($self, /, sentence, bos=True, eos=True)\n--\n\n"
     "log10 p(sentence </s> | <s>): the sum of the log10 probabilities of the\n"
     "sentence's units and of </s> (eos=False leaves it out), after <s> (bos=False:\n"
     "no context). The sentence (str or bytes) is split into units as the model's\n"
     "training text was: at ASCII whitespace for a word model, as kenlm does."},
    {"BeginSentenceWrite", AsCFunction(FastWriteState<true>), METH_FASTCALL | METH_KEYWORDS,
     "BeginSentenceWrite($self, /, state)\n--\n\nSets `state` to the context after <s>."},
    {"NullContextWrite", AsCFunction(FastWriteState<false>), METH_FASTCALL | METH_KEYWORDS,
     "NullContextWrite($self, /, state)\n--\n\nSets `state` to the empty context."},
    {"BaseScore", AsCFunction(FastBaseScore<false>), METH_FASTCALL | METH_KEYWORDS,
     "BaseScore($self, /, in_state, word, out_state)\n--\n\n"
     "log10 p(word | in_state); writes the context after the word into out_state\n"
     "(which may be in_state). The word is a unit as the vocabulary holds it."},
    {"BaseFullScore", AsCFunction(FastBaseScore<true>), METH_FASTCALL | METH_KEYWORDS,
     "BaseFullScore($self, /, in_state, word, out_state)\n--\n\n"
     "As BaseScore, giving a FullScoreReturn (log_prob, ngram_length, oov)."},
};

}  // namespace

void RegisterState(py::module_& m, py::handle model_class) {
  PyObject* state_type = PyType_FromSpec(&kStateSpec);
  if (!state_type) throw py::error_already_set();
  g_state_type = reinterpret_cast<PyTypeObject*>(state_type);
  m.add_object("State", state_type);  // steals the reference

  g_full_score_type = PyStructSequence_NewType(&kFullScoreDesc);
  if (!g_full_score_type) throw py::error_already_set();
  m.add_object("FullScoreReturn", reinterpret_cast<PyObject*>(g_full_score_type));

  auto* type = reinterpret_cast<PyTypeObject*>(model_class.ptr());
  for (PyMethodDef& def : kModelMethods) {
    PyObject* descriptor = PyDescr_NewMethod(type, &def);
    if (!descriptor) throw py::error_already_set();
    const int rc = PyObject_SetAttrString(model_class.ptr(), def.ml_name, descriptor);
    Py_DECREF(descriptor);
    if (rc < 0) throw py::error_already_set();
  }
}

}  // namespace grams::python
