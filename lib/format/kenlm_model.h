// Internal: a KenLM binary (format/kenlm_binary.h) as grams sees it: its
// words under grams ids (<unk> = 0, <s> = 1, </s> = 2, then the other words
// in KenLM's id order), its provenance, and, for a trie, its n-grams as a
// Model (for grams-convert and LoadModel; a probing binary holds only hashes
// of its n-grams and cannot be listed).
#ifndef GRAMS_FORMAT_KENLM_MODEL_H_
#define GRAMS_FORMAT_KENLM_MODEL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/kenlm_binary.h"
#include "grams/model.h"
#include "grams/status.h"
#include "grams/types.h"
#include "io/file.h"

namespace grams {

// The two directions between grams ids and KenLM ids. A special word the
// model lacks (no <s> or no </s>) maps to KenLM's <unk>, as KenLM treats it.
struct KenlmIds {
  std::vector<uint32_t> to_kenlm;  // grams id -> KenLM id
  std::vector<WordId> to_grams;    // KenLM id -> grams id
};
KenlmIds MapKenlmIds(const KenlmBinary& file);

// The words in grams id order (views into the file).
std::vector<std::string_view> KenlmWords(const KenlmBinary& file, const KenlmIds& ids);

// The info a model read from a KenLM binary carries: source = kenlm,
// kenlm_layout, and kenlm_quantization ("P B" bits) or kenlm_pointer_bits
// when they apply (docs/FORMAT.md).
ModelInfo KenlmModelInfo(const KenlmBinary& file);

// The n-grams of a trie binary as a Model (the values it stores, quantized
// or not; n-grams build_binary added as missing contexts included).
// InvalidArgument for a probing binary; Corruption for a damaged trie.
StatusOr<Model> KenlmToModel(const KenlmBinary& file);

// Opens the KenLM binary OpenModel sniffed in *in: mapped (or read, with
// read_into_memory) by path when it is a regular uncompressed file, else
// read whole from the stream (a pipe, a compressed file).
StatusOr<std::unique_ptr<KenlmBinary>> OpenKenlmBinary(const std::string& path,
                                                       std::unique_ptr<io::InputStream> in,
                                                       bool read_into_memory);

}  // namespace grams

#endif  // GRAMS_FORMAT_KENLM_MODEL_H_
