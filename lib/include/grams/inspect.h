// Inspecting a file without using it (grams-info): what it is, its shape and
// provenance, whether it checks out, its vocabulary, and one n-gram's values.
// Every kind of file grams reads: a counts file, a model file, a mapped model
// file, an ARPA file (plain or compressed) and a KenLM binary model. The
// functions are reentrant; each opens the file itself ("-" = standard input,
// for the kinds that can be read from a pipe).
#ifndef GRAMS_INSPECT_H_
#define GRAMS_INSPECT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/export.h"
#include "grams/model.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/types.h"

namespace grams {

// What InspectFile found.
struct GRAMS_EXPORT FileSummary {
  // "counts", "model" (the compressed model file), "mapped", "arpa" or "kenlm".
  std::string kind;
  // In words: "grams counts file", "grams model file", "grams mapped model",
  // "ARPA model", "KenLM binary model (trie, quantized)".
  std::string description;
  // The version of the kind's format (grams' file format, the mapped
  // form's, KenLM's binary format); 0 for ARPA, which has none.
  uint32_t format_version = 0;
  int order = 0;
  std::vector<uint64_t> ngram_counts;  // element n-1: n-grams of order n
  uint64_t vocab_size = 0;             // words, <unk> <s> </s> included
  uint64_t sentences = 0;              // counts files: lines counted
  uint64_t tokens = 0;                 // counts files: words + </s> counted
  // The tokenizer settings (TokenizerSettings::ToKeyValues; the defaults for
  // an ARPA file without them and for a KenLM binary).
  std::vector<std::pair<std::string, std::string>> settings;
  ModelInfo info;           // models: provenance (smoothing, discounts, pruning, source)
  uint64_t file_bytes = 0;  // as stored (compressed, for a compressed ARPA)
  // Named parts of the file and their bytes, where the kind has them (the
  // mapped form's tables, a KenLM binary's vocabulary and search structure).
  std::vector<std::pair<std::string, uint64_t>> parts;
  // True when the whole file was read and every checksum (of a KenLM
  // binary, every structure) verified: InspectOptions::check, and always
  // for ARPA, which is only understood by reading it all.
  bool checked = false;
};

struct GRAMS_EXPORT InspectOptions {
  // Read the whole file and verify every checksum or structure (default:
  // only what describing it needs: the header, checked as loading checks it).
  bool check = false;
};

// Describes `path`. Errors name the file: NotFound, InvalidArgument (a
// directory, a text file that is not ARPA), Corruption (damaged, truncated;
// with check, any checksum mismatch), UnsupportedVersion.
GRAMS_EXPORT StatusOr<FileSummary> InspectFile(const std::string& path,
                                               const InspectOptions& options = {});

// Calls visit(id, word) for every word of the file's vocabulary, in id
// order (a KenLM binary: <unk>, <s>, </s>, then its own order). Words are
// as stored; UnitsNeedEscaping(settings) tells whether to escape them for
// printing. The file's tokenizer settings go to *settings (may be null)
// before the first word is visited.
GRAMS_EXPORT Status ListVocabulary(const std::string& path,
                                   const std::function<void(WordId, std::string_view)>& visit,
                                   TokenizerSettings* settings = nullptr);

// One n-gram's values: of a model, its log10 probability and backoff (0 at
// the highest order); of a counts file, its count.
struct GRAMS_EXPORT NgramValues {
  bool found = false;      // the file has the n-gram (every word in the vocabulary)
  bool is_counts = false;  // count is set, not log_prob / log_backoff
  uint64_t count = 0;
  float log_prob = 0;
  float log_backoff = 0;
};

// Looks up the n-gram of `units` (its units in text order, as ARPA and
// ListVocabulary's printers write them: escaped when the file's units are
// not words, UnitsNeedEscaping) in `path`, read once. InvalidArgument if
// units is empty or longer than the file's order.
GRAMS_EXPORT StatusOr<NgramValues> LookupNgram(const std::string& path,
                                               const std::vector<std::string>& units);

}  // namespace grams

#endif  // GRAMS_INSPECT_H_
