// Self<T>: the `self` argument of a bound method, checked. pybind11 (2.10)
// lets a method run on an instance whose C++ value was never constructed
// (made by cls.__new__(cls), or by copy.copy through __reduce_ex__), handing
// the method raw memory: a crash. Every method of this module takes its self
// as Self<T>, whose caster raises TypeError for such an instance, and for an
// object that is not a T at all (Model.order.fget(42)).
#ifndef GRAMS_PYTHON_SELF_H_
#define GRAMS_PYTHON_SELF_H_

#include <pybind11/pybind11.h>

#include <string>
#include <typeinfo>
#include <utility>

namespace grams::python {

template <typename T>
struct Self {
  T* ptr = nullptr;
  pybind11::handle object;  // the Python object
  T& operator*() const { return *ptr; }
  T* operator->() const { return ptr; }
};

// The T held by `obj`: nullptr if obj is not a T; TypeError if it is one
// whose __init__ never ran.
template <typename T>
T* InstanceOf(pybind11::handle obj);

// A read-only property for a data member, through Self.
template <typename T, typename Class, typename M>
void ReadOnly(Class& c, const char* name, M T::*member, const char* doc = "") {
  c.def_property_readonly(
      name, [member](Self<T> self) { return (*self).*member; }, doc);
}

// A read-write property for a data member, through Self.
template <typename T, typename Class, typename M>
void ReadWrite(Class& c, const char* name, M T::*member, const char* doc = "") {
  c.def_property(
      name, [member](Self<T> self) { return (*self).*member; },
      [member](Self<T> self, M value) { (*self).*member = std::move(value); }, doc);
}

}  // namespace grams::python

namespace pybind11::detail {

template <typename T>
struct type_caster<grams::python::Self<T>> {
  PYBIND11_TYPE_CASTER(grams::python::Self<T>, make_caster<T>::name);

  bool load(handle src, bool /*convert*/) {
    const type_info* info = get_type_info(typeid(T));
    if (!info || !PyObject_TypeCheck(src.ptr(), info->type)) return false;
    value_and_holder vh = reinterpret_cast<instance*>(src.ptr())->get_value_and_holder(info, false);
    if (!vh || !vh.holder_constructed() || !vh.value_ptr()) {
      throw type_error(std::string(info->type->tp_name) +
                       " object is not initialized (its __init__ never ran)");
    }
    value.ptr = vh.value_ptr<T>();
    value.object = src;
    return true;
  }

  static handle cast(const grams::python::Self<T>&, return_value_policy, handle) {
    throw cast_error("Self<T> is an argument type only");
  }
};

}  // namespace pybind11::detail

namespace grams::python {

template <typename T>
T* InstanceOf(pybind11::handle obj) {
  pybind11::detail::make_caster<Self<T>> caster;
  if (!caster.load(obj, false)) return nullptr;
  return pybind11::detail::cast_op<Self<T>&>(caster).ptr;
}

}  // namespace grams::python

#endif  // GRAMS_PYTHON_SELF_H_
