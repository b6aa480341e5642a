// Internal: streaming access to model files for loaders that build their own
// structures order by order (query/language_model.cc).
#ifndef GRAMS_FORMAT_MODEL_FILE_H_
#define GRAMS_FORMAT_MODEL_FILE_H_

#include <functional>
#include <string>

#include "grams/model.h"

namespace grams {

// Reads a model file into *model, calling per_order(model, n) as soon as
// order n (its trie level, probabilities and backoffs) is decoded. The
// callback may release what it no longer needs of orders <= n (vectors of
// model->trie.levels and model->log_prob/log_backoff): later orders are
// decoded from the file header's sizes.
Status ReadModelFile(const std::string& path,
                     const std::function<Status(Model* model, int n)>& per_order, Model* model);

}  // namespace grams

#endif  // GRAMS_FORMAT_MODEL_FILE_H_
