// The container shared by counts and model files (docs/FORMAT.md):
// a fixed prelude, a CRC-protected header, then zstd-compressed sections read
// strictly in sequence, so a file streams through a pipe. Only this file and
// binary_file.cc know the container's byte layout; count_file.cc and
// model_file.cc know what goes in the sections.
#ifndef GRAMS_FORMAT_BINARY_FILE_H_
#define GRAMS_FORMAT_BINARY_FILE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grams/status.h"

namespace grams {

enum class FileKind : uint32_t { kCounts = 1, kModel = 2 };

inline constexpr char kFileMagic[8] = {'\x89', 'G', 'R', 'M', '\r', '\n', '\x1a', '\n'};

struct FileHeader {
  FileKind kind = FileKind::kCounts;
  uint32_t order = 0;
  uint64_t vocab_size = 0;
  std::vector<uint64_t> ngram_counts;  // per order
  uint64_t sentences = 0;
  uint64_t tokens = 0;
  std::vector<std::pair<std::string, std::string>> settings;  // tokenizer
  std::vector<std::pair<std::string, std::string>> info;      // provenance
};

// Section ids: (type << 16) | order (order 0 for the vocabulary).
enum class SectionType : uint32_t {
  kVocab = 1,       // words in id order, each length-prefixed
  kChildCounts = 2, // per entry of order n-1: number of children at order n
  kWords = 3,       // per entry of order n: word id delta within its parent
  kCounts = 4,      // per entry: count
  kLogProb = 5,     // per entry: float32 log10 probability, byte planes
  kLogBackoff = 6,  // per entry: float32 log10 backoff, byte planes
};

inline uint32_t SectionId(SectionType type, uint32_t order) {
  return (static_cast<uint32_t>(type) << 16) | order;
}

struct Section {
  uint32_t id = 0;
  std::string data;  // uncompressed bytes
};

// Compresses the sections (in parallel) and writes the file atomically.
Status WriteBinaryFile(const std::string& path, const FileHeader& header,
                       const std::vector<Section>& sections, int zstd_level);

// Reads a whole file of the expected kind, checking magic, version, CRC and
// every frame's checksum. Sections come back decompressed, in file order.
Status ReadBinaryFile(const std::string& path, FileKind expected, FileHeader* header,
                      std::vector<Section>* sections);

// True if `prefix` (the first bytes of a file) starts with kFileMagic.
bool HasBinaryMagic(const std::string& prefix);

}  // namespace grams

#endif  // GRAMS_FORMAT_BINARY_FILE_H_
