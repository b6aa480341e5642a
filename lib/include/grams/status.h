// Status and StatusOr<T>: how every fallible libgrams call reports errors.
// No exception crosses the library's API. Thread-safe as values.
#ifndef GRAMS_STATUS_H_
#define GRAMS_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

#include "grams/export.h"

namespace grams {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad option or bad input data
  kNotFound,            // missing file
  kIOError,             // read/write failure
  kCorruption,          // damaged or truncated file
  kUnsupportedVersion,  // file written by an incompatible format version
  kResourceExhausted,   // out of memory / limits
  kInternal,            // a bug
};

// A Status is OK or holds an error code and a human-readable message.
class [[nodiscard]] GRAMS_EXPORT Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(const std::string& context) const;
  // "OK" or the message.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
inline Status CorruptionError(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
inline Status UnsupportedVersion(std::string m) {
  return {StatusCode::kUnsupportedVersion, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Holds a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) { assert(!status_.ok()); }
  StatusOr(T value) : value_(std::move(value)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace grams

#define GRAMS_CONCAT_INNER_(a, b) a##b
#define GRAMS_CONCAT_(a, b) GRAMS_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` is not OK.
#define GRAMS_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::grams::Status grams_status_ = (expr);        \
    if (!grams_status_.ok()) return grams_status_; \
  } while (0)

// `lhs = value of expr` or return its error.
#define GRAMS_ASSIGN_OR_RETURN(lhs, expr)                     \
  auto GRAMS_CONCAT_(grams_statusor_, __LINE__) = (expr);     \
  if (!GRAMS_CONCAT_(grams_statusor_, __LINE__).ok())         \
    return GRAMS_CONCAT_(grams_statusor_, __LINE__).status(); \
  lhs = std::move(GRAMS_CONCAT_(grams_statusor_, __LINE__)).value()

#endif  // GRAMS_STATUS_H_
