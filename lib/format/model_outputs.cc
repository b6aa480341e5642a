// WriteModelOutputs: one model to its model file and/or ARPA file.
#include "grams/files.h"
#include "grams/model_io.h"

namespace grams {

Status WriteModelOutputs(const Model& model, const ModelOutputs& outputs,
                         const ProgressCallback& progress) {
  auto stage = [&progress](const std::string& path) {
    if (progress) progress(Progress{"writing " + OutputName(path)});
  };
  if (!outputs.model_path.empty()) {
    stage(outputs.model_path);
    GRAMS_RETURN_IF_ERROR(WriteModelFile(model, outputs.model_path));
  }
  if (!outputs.arpa_path.empty()) {
    stage(outputs.arpa_path);
    GRAMS_RETURN_IF_ERROR(WriteArpa(model, outputs.arpa_path));
  }
  return Status::OK();
}

}  // namespace grams
