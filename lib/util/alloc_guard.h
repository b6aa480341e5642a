// GuardAlloc: where an allocation failure becomes a Status. Every exported
// entry point that allocates in proportion to its input runs its body
// through it, so no std::bad_alloc (nor any other exception) crosses the API
// (grams/status.h) and the tools print a clean message and exit 1.
//
// Code below the entry points throws: a std::bad_alloc from the standard
// library, or an AllocationFailure, which also says how much was asked for,
// from HugeArray and from the readers that allocate from sizes they read
// (SizedAllocation). Threads carry theirs to the caller (util/threads.h).
// Thread-safe: nothing here has state.
#ifndef GRAMS_UTIL_ALLOC_GUARD_H_
#define GRAMS_UTIL_ALLOC_GUARD_H_

#include <cstddef>
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "grams/status.h"

namespace grams {

// A std::bad_alloc that knows how much was asked for. HugeArray and the
// readers throw it; GuardAlloc reports the size.
class AllocationFailure : public std::bad_alloc {
 public:
  explicit AllocationFailure(size_t bytes) : bytes_(bytes) {}
  size_t bytes() const { return bytes_; }
  const char* what() const noexcept override { return "allocation failure"; }

 private:
  size_t bytes_;
};

// Runs alloc(), which asks for about `bytes` (a resize or reserve sized from
// the input), and turns a std::bad_alloc from it into AllocationFailure(bytes)
// so that the message can say how much it was.
template <typename F>
void SizedAllocation(size_t bytes, F&& alloc) {
  try {
    alloc();
  } catch (const AllocationFailure&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw AllocationFailure(bytes);
  } catch (const std::length_error&) {  // more than a vector can hold
    throw AllocationFailure(bytes);
  }
}

// What an out-of-memory message advises.
enum class MemoryHint {
  kBudget,  // the work keeps to a memory budget (-S): a smaller one spills more to disk
  kNone,    // the work needs its data in memory: only more memory helps
};

// "out of memory (asking for 1.2 GB) while <what>; <advice>": the message
// of a std::bad_alloc caught at the API's edge. The size is left out when
// unknown (0), " while <what>" when `what` is empty. Never throws: if even
// the message cannot be made, it is "out of memory".
inline Status OutOfMemory(std::string_view what, size_t bytes,
                          MemoryHint hint = MemoryHint::kBudget) noexcept {
  try {
    std::string message = "out of memory";
    if (bytes > 0) {
      char buf[64];
      const double b = static_cast<double>(bytes);
      if (b >= 1e9) {
        std::snprintf(buf, sizeof buf, " (asking for %.1f GB)", b / 1e9);
      } else {
        std::snprintf(buf, sizeof buf, " (asking for %.1f MB)", b / 1e6);
      }
      message += buf;
    }
    if (!what.empty()) message.append(" while ").append(what);
    message += hint == MemoryHint::kBudget
                   ? "; give a smaller memory budget (-S) so more goes to temporary files, "
                     "or free memory"
                   : "; free memory or use a machine with more";
    return ResourceExhausted(std::move(message));
  } catch (...) {
    return ResourceExhausted("out of memory");  // short enough to need no allocation
  }
}

// Runs body() (returning Status or StatusOr<T>) and turns an exception
// thrown inside it, on this thread or carried from a worker by RunOnThreads,
// into a Status naming `what` (e.g. "counting", "loading x.lm"): a
// std::bad_alloc (or a std::length_error: a vector asked for more than it
// can hold) becomes ResourceExhausted with the advice of `hint`; any other
// exception, which would be a bug, InternalError.
template <typename F>
auto GuardAlloc(std::string_view what, MemoryHint hint, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const AllocationFailure& e) {
    return OutOfMemory(what, e.bytes(), hint);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(what, 0, hint);
  } catch (const std::length_error&) {
    return OutOfMemory(what, 0, hint);
  } catch (const std::exception& e) {
    try {
      return InternalError("internal error while " + std::string(what) + ": " + e.what());
    } catch (...) {
      return InternalError("internal error");
    }
  } catch (...) {
    return InternalError("internal error: unknown exception");
  }
}
template <typename F>
auto GuardAlloc(std::string_view what, F&& body) -> decltype(body()) {
  return GuardAlloc(what, MemoryHint::kBudget, std::forward<F>(body));
}

}  // namespace grams

#endif  // GRAMS_UTIL_ALLOC_GUARD_H_
