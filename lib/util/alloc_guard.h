// GuardAlloc: where an allocation failure becomes a Status. Every exported
// entry point that allocates in proportion to its input runs its body
// through it, so no std::bad_alloc crosses the API (grams/status.h) and the
// tools print a clean message and exit 1.
#ifndef GRAMS_UTIL_ALLOC_GUARD_H_
#define GRAMS_UTIL_ALLOC_GUARD_H_

#include <cstddef>
#include <cstdio>
#include <new>
#include <string>
#include <type_traits>

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

// "out of memory (asking for 1.2 GB) in <what>; ...": the message of a
// std::bad_alloc caught at the API's edge.
inline Status OutOfMemory(const std::string& what, size_t bytes) {
  std::string size;
  if (bytes > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (asking for %.1f MB)", static_cast<double>(bytes) / 1e6);
    size = buf;
  }
  return ResourceExhausted("out of memory" + size + " in " + what +
                           "; give a smaller memory budget (-S) so more goes to temporary files, "
                           "or free memory");
}

// Runs body() (returning Status or StatusOr<T>) and turns a std::bad_alloc
// thrown inside it, on this thread or carried from a worker by RunOnThreads,
// into ResourceExhausted naming `what` (e.g. "counting", "loading x.lm").
template <typename F>
auto GuardAlloc(const std::string& what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const AllocationFailure& e) {
    return OutOfMemory(what, e.bytes());
  } catch (const std::bad_alloc&) {
    return OutOfMemory(what, 0);
  }
}

}  // namespace grams

#endif  // GRAMS_UTIL_ALLOC_GUARD_H_
