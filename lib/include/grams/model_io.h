// The file forms of a Model: the grams model file (binary, checksummed,
// zstd-compressed; docs/FORMAT.md) and ARPA text. Every writer goes through
// a temporary file renamed into place on success ("-" = stdout, written
// directly), so a failed write never leaves a half-written file. Reentrant:
// separate calls may run on separate threads.
#ifndef GRAMS_MODEL_IO_H_
#define GRAMS_MODEL_IO_H_

#include <functional>
#include <string>

#include "grams/export.h"
#include "grams/model.h"
#include "grams/progress.h"
#include "grams/status.h"

namespace grams {

// Binary model file ("-" = stdout / stdin).
GRAMS_EXPORT Status WriteModelFile(const Model& model, const std::string& path);
GRAMS_EXPORT StatusOr<Model> ReadModelFile(const std::string& path);

// ARPA text. The writer puts each order's n-grams in trie order (grouped by
// context, contexts in the order of the lower section), which every toolkit,
// IRSTLM included, accepts.
GRAMS_EXPORT Status WriteArpa(const Model& model, const std::string& path);
GRAMS_EXPORT StatusOr<Model> ReadArpa(const std::string& path);
// As above; `warn` (may be empty) receives each warning: <unk> missing from
// the 1-grams (added with log10 probability -100), <s> missing (added as a
// context only, log10 probability -99; SRILM writes such models), context
// n-grams missing from the file (added with backed-off probabilities),
// blanks (n-grams missing from the file that end longer ones, added so that
// lookups reach those: Model::blanks), ignored backoffs on the highest order.
GRAMS_EXPORT StatusOr<Model> ReadArpa(const std::string& path,
                                      const std::function<void(const std::string&)>& warn);

// Reads a model file or an ARPA file, told apart by content; `warn` (may be
// empty) receives ReadArpa's warnings.
GRAMS_EXPORT StatusOr<Model> LoadModel(const std::string& path);
GRAMS_EXPORT StatusOr<Model> LoadModel(const std::string& path,
                                       const std::function<void(const std::string&)>& warn);
// As above; `lenient_arpa`: an ARPA file's positive log probabilities (the
// rounding of IRSTLM, 1.76602e-07 say) are clamped to 0 with one warning
// giving their number and the largest, instead of being an error.
GRAMS_EXPORT StatusOr<Model> LoadModel(const std::string& path,
                                       const std::function<void(const std::string&)>& warn,
                                       bool lenient_arpa);

// The files a model is written to; "" = not written, "-" = stdout (at most
// one of them).
struct GRAMS_EXPORT ModelOutputs {
  std::string model_path;  // the grams model file
  std::string arpa_path;   // ARPA text
};

// Writes `model` to each file `outputs` names, the model file first, each
// announced to `progress` (may be empty) as stage "writing FILE" ("<stdout>"
// for "-"). Stops at the first error.
GRAMS_EXPORT Status WriteModelOutputs(const Model& model, const ModelOutputs& outputs,
                                      const ProgressCallback& progress = {});

}  // namespace grams

#endif  // GRAMS_MODEL_IO_H_
