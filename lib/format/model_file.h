// Internal: order-by-order access to model files, for loaders that build
// their own structures (query/language_model.cc) and for ReadModelFile.
// This class is the one place that knows the order of a model file's
// sections: vocabulary; order 1's log probs and (if order > 1) backoffs; then
// for each order n >= 2 its child counts, words, log probs and, below the
// highest order, backoffs.
#ifndef GRAMS_FORMAT_MODEL_FILE_H_
#define GRAMS_FORMAT_MODEL_FILE_H_

#include <memory>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "grams/model.h"

namespace grams {

// Whether `path` starts like a grams model file (otherwise it is taken for
// ARPA). Standard input is refused: sniffing would consume its first bytes.
StatusOr<bool> IsModelFile(const std::string& path);

class ModelFileReader {
 public:
  static StatusOr<std::unique_ptr<ModelFileReader>> Open(const std::string& path);

  const FileHeader& header() const { return reader_->header(); }
  const std::string& name() const { return reader_->name(); }
  int order() const { return static_cast<int>(header().order); }

  // First: the vocabulary, the tokenizer settings and the provenance.
  Status ReadVocab(Vocabulary* vocab, TokenizerSettings* settings,
                   std::vector<std::pair<std::string, std::string>>* info);
  // For order n >= 2, before its values: the raw structure sections, to
  // decode with DecodeTrieLevel or VisitTrieLevel (format/trie_codec.h).
  Status ReadStructure(int n, std::string* child_counts, std::string* words);
  // Order n's log10 probabilities and, below the highest order, backoffs
  // (left empty at the highest order).
  Status ReadValues(int n, std::vector<float>* log_prob, std::vector<float>* log_backoff);
  // Last: checks the end marker.
  Status Finish() { return reader_->Finish(); }

 private:
  explicit ModelFileReader(std::unique_ptr<BinaryFileReader> r) : reader_(std::move(r)) {}
  std::unique_ptr<BinaryFileReader> reader_;
  std::string raw_;
};

}  // namespace grams

#endif  // GRAMS_FORMAT_MODEL_FILE_H_
