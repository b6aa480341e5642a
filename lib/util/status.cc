#include "grams/status.h"

namespace grams {

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

std::string Status::ToString() const { return ok() ? "OK" : message_; }

}  // namespace grams
