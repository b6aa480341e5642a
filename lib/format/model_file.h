// Internal: order-by-order access to model files, for loaders that build
// their own structures (query/language_model.cc) and for ReadModelFile, and
// order-by-order writing, for WriteModelFile and the streaming estimator
// (estimate/streaming_build.h). These two classes are the one place that
// knows the order of a model file's sections: vocabulary; order 1's log
// probs and (if order > 1) backoffs; then for each order n >= 2 its child
// counts, words, log probs and, below the highest order, backoffs; then,
// for a model read from an ARPA file that lacked some suffixes, its blanks.
#ifndef GRAMS_FORMAT_MODEL_FILE_H_
#define GRAMS_FORMAT_MODEL_FILE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "grams/model.h"
#include "io/file.h"

namespace grams {

// The forms a model comes in, told apart by their first bytes.
enum class ModelFormat {
  kModelFile,  // the compressed model file (kFileMagic)
  kMapped,     // the mapped model file (format/mapped_model.h, kMappedMagic)
  kKenlm,      // a KenLM binary model (format/kenlm_binary.h)
  kArpa,       // anything else is taken for ARPA text
};

// Opens `path` ("-" = standard input; gzip, bzip2, xz or zstd input is
// decompressed) and tells its form from its first bytes without consuming
// them: *in reads the whole input. Works on pipes and FIFOs (nothing is
// opened twice). A mapped model is only sniffed here: it is mapped by path
// (MappedModelFile), so *in is then of no further use.
StatusOr<ModelFormat> OpenModel(const std::string& path, std::unique_ptr<io::InputStream>* in);

// Whether *in, as OpenModel left it, is the regular uncompressed file that a
// mapped model must be.
bool IsRegularFile(const io::InputStream& in);

// The error for a mapped model of the probing layout given where a Model is
// read (LoadModel, grams-convert): its tables hold hashes of the n-grams,
// not the n-grams.
Status MappedModelNotReadable(const std::string& name);
// The error for a mapped model given as a pipe or a compressed file.
Status MappedModelNotAFile(const std::string& name);

// ReadModelFile and ReadArpa on a stream OpenModel opened (ReadArpa's is
// defined in arpa_reader.cc).
StatusOr<Model> ReadModelFile(std::unique_ptr<io::InputStream> in);
// `lenient`: positive log probabilities are clamped to 0 with one warning
// (IRSTLM's rounding) instead of being an error.
StatusOr<Model> ReadArpa(io::InputStream* in, const std::function<void(const std::string&)>& warn,
                         bool lenient = false);

// The header of a model file: sentences and tokens are 0, the settings are
// written in their canonical form (all keys, in order).
FileHeader ModelFileHeader(uint64_t vocab_size, const std::vector<uint64_t>& ngram_counts,
                           const TokenizerSettings& settings,
                           const std::vector<std::pair<std::string, std::string>>& info);

// Writes a model file whose sections the caller encodes: AddVocab, then
// AddLogProbs(1) and (order > 1) AddLogBackoffs(1), then for each order
// n >= 2 AddStructure(n), AddLogProbs(n) and, below the highest order,
// AddLogBackoffs(n); last, for a model that has blanks, AddBlanks. Calls
// out of that order are bugs (asserted). As with BinaryFileWriter, errors
// surface in Finish(), and nothing is left behind without it.
class ModelFileWriter {
 public:
  static StatusOr<std::unique_ptr<ModelFileWriter>> Open(const std::string& path,
                                                         const FileHeader& header);
  // EncodeVocab's bytes.
  void AddVocab(std::string vocab);
  // EncodeTrieLevel's bytes (format/order_sections.h).
  void AddStructure(int n, std::string child_counts, std::string words);
  // Float byte planes (EncodeFloatPlanes, FloatPlanes).
  void AddLogProbs(int n, std::string planes);
  void AddLogBackoffs(int n, std::string planes);
  // EncodeBlanks' bytes.
  void AddBlanks(std::string blanks);
  Status Finish();

 private:
  ModelFileWriter(std::unique_ptr<BinaryFileWriter> w, int order)
      : writer_(std::move(w)), order_(order) {}
  void Add(uint32_t id, std::string raw, int zstd_level);
  std::unique_ptr<BinaryFileWriter> writer_;
  [[maybe_unused]] int order_;  // for the asserts that sections come in order
  size_t next_ = 0;             // index of the next section in file order
};

class ModelFileReader {
 public:
  static StatusOr<std::unique_ptr<ModelFileReader>> Open(const std::string& path);
  static StatusOr<std::unique_ptr<ModelFileReader>> Open(std::unique_ptr<io::InputStream> in);

  const FileHeader& header() const { return reader_->header(); }
  const std::string& name() const { return reader_->name(); }
  int order() const { return static_cast<int>(header().order); }

  // First: the vocabulary, the tokenizer settings and the provenance.
  Status ReadVocab(Vocabulary* vocab, TokenizerSettings* settings,
                   std::vector<std::pair<std::string, std::string>>* info);
  // For order n >= 2, before its values: the raw structure sections, to
  // decode with DecodeTrieLevel, VisitTrieLevel or a TrieLevelCursor
  // (format/order_sections.h).
  Status ReadStructure(int n, std::string* child_counts, std::string* words);
  // Order n's log10 probabilities and, below the highest order, backoffs
  // (left empty at the highest order).
  Status ReadValues(int n, std::vector<float>* log_prob, std::vector<float>* log_backoff);
  // After the last order: the blanks (Model::blanks), from the optional
  // BLANKS section; left empty when the file has none.
  Status ReadBlanks(std::vector<std::vector<EntryIndex>>* blanks);
  // Last: checks the end marker (skipping the blanks unless read).
  Status Finish();

  // Instead of the Read* calls above, for a loader that decompresses
  // sections on threads of its own: section i, read but not decompressed,
  // for i = 0, 1, ..., SectionCount() - 1 in turn, the sections in file
  // order (SectionIdAt). Finish() still comes last.
  size_t SectionCount() const { return static_cast<size_t>(4 * order() - 2); }
  static uint32_t SectionIdAt(int order, size_t i);
  Status ReadStored(size_t i, StoredSection* out);
  // The error for order n's log probs (kLogProb) or backoffs (kLogBackoff)
  // when their section is not 4 bytes an n-gram.
  Status MalformedValues(SectionType type, int n) const;

 private:
  explicit ModelFileReader(std::unique_ptr<BinaryFileReader> r) : reader_(std::move(r)) {}
  std::unique_ptr<BinaryFileReader> reader_;
  std::string raw_;
  bool blanks_read_ = false;
};

// The BLANKS section of a model whose orders have `ngram_counts` entries
// (docs/FORMAT.md, "Blanks"), and its checked decoding.
std::string EncodeBlanks(const std::vector<std::vector<EntryIndex>>& blanks);
Status DecodeBlanks(const std::string& name, const std::vector<uint64_t>& ngram_counts,
                    const std::string& raw, std::vector<std::vector<EntryIndex>>* blanks);

}  // namespace grams

#endif  // GRAMS_FORMAT_MODEL_FILE_H_
