// Progress reports from long-running library calls (counting, estimation),
// for tools to show. The library never prints; it calls the callback, if
// any, from the calling thread, a few times a second at most per stage step.
#ifndef GRAMS_PROGRESS_H_
#define GRAMS_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "grams/export.h"

namespace grams {

struct GRAMS_EXPORT Progress {
  std::string stage;           // "counting corpus.txt", "sorting", "estimating"...
  uint64_t done = 0;           // work done in this stage, in `unit`s
  uint64_t total = 0;          // the stage's whole work, or 0 if unknown
  const char* unit = "bytes";  // "bytes" or "orders"
};

using ProgressCallback = std::function<void(const Progress&)>;

}  // namespace grams

#endif  // GRAMS_PROGRESS_H_
