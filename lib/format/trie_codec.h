// Encoding of the shared parts of counts and model files: the vocabulary and
// the trie structure of each order (docs/FORMAT.md, "Sections").
#ifndef GRAMS_FORMAT_TRIE_CODEC_H_
#define GRAMS_FORMAT_TRIE_CODEC_H_

#include <string>
#include <vector>

#include "format/binary_file.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/vocabulary.h"

namespace grams {

// Appends the vocabulary section and, for every order n >= 2, the child-count
// and word sections.
void EncodeVocabAndTrie(const Vocabulary& vocab, const NgramTrie& trie,
                        std::vector<Section>* sections);

// Finds the section `id` in `sections` (nullptr if absent).
const Section* FindSection(const std::vector<Section>& sections, uint32_t id);

// Inverse of EncodeVocabAndTrie, validating everything against `header`.
// `name` prefixes error messages.
Status DecodeVocabAndTrie(const std::string& name, const FileHeader& header,
                          const std::vector<Section>& sections, Vocabulary* vocab,
                          NgramTrie* trie);

// Varint arrays.
void EncodeVarints(const uint64_t* values, size_t n, std::string* out);
// Decodes exactly n varints; false on malformed data or leftover bytes.
bool DecodeVarints(const std::string& in, size_t n, std::vector<uint64_t>* out);

// float32 arrays as four byte planes (all low bytes, then the next...), which
// zstd compresses far better than interleaved floats.
void EncodeFloatPlanes(const std::vector<float>& values, std::string* out);
bool DecodeFloatPlanes(const std::string& in, size_t n, std::vector<float>* out);

}  // namespace grams

#endif  // GRAMS_FORMAT_TRIE_CODEC_H_
