#include "grams/model.h"
namespace grams {
StatusOr<Model> ReadArpa(const std::string& path) { return InternalError("ARPA reader not written yet: " + path); }
}
