// Internal: the mapped model file (docs/FORMAT.md, "Mapped model file"), the
// form of a model that LanguageModel::Load maps instead of decoding: an
// uncompressed, aligned file whose query tables are probed where they lie.
// This file, mapped_layout.h, mapped_model.cc (the reader) and
// mapped_writer.cc (the writer) are the only code that knows its byte
// layout; query/ngram_hash.h knows the layout of a table's slots, and
// query/language_model.cc what the tables mean.
//
// MappedModelFile is immutable once opened; concurrent reads are safe.
#ifndef GRAMS_FORMAT_MAPPED_MODEL_H_
#define GRAMS_FORMAT_MAPPED_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/model.h"
#include "grams/status.h"
#include "grams/types.h"
#include "grams/vocabulary.h"
#include "query/packed_trie.h"
#include "util/huge_array.h"
#include "vocab/word_index.h"

namespace grams {

// "\x89GRMMAP\n": not the compressed files' magic, not any compressor's.
inline constexpr char kMappedMagic[8] = {'\x89', 'G', 'R', 'M', 'M', 'A', 'P', '\n'};
// The mapped form's own version (the compressed files have theirs).
inline constexpr uint32_t kMappedFormatVersion = 1;
// What the tables are: per order, ordered linear-probing hash tables.
inline constexpr uint32_t kMappedKindProbing = 1;
// The n-gram trie, packed (query/packed_trie.h).
inline constexpr uint32_t kMappedKindTrie = 2;
// Bytes of a unigram record: {uint64 R(w), float32 log10 prob, float32 backoff}.
inline constexpr size_t kUnigramBytes = 16;

// True if `prefix` (the first bytes of a file) starts with kMappedMagic.
bool HasMappedMagic(std::string_view prefix);

// A mapped model's contents, as views into the mapping (reading) or into
// the writer's memory (writing).
struct MappedModelParts {
  struct Shard {
    const unsigned char* slots = nullptr;
    uint64_t slot_count = 0;  // the empty sentinel included
    uint64_t homes = 1;
    uint64_t entries = 0;  // n-grams in the shard
  };
  // An order n >= 2 of the trie layout: its three sections.
  struct TrieLevel {
    const unsigned char* first = nullptr;  // query/packed_trie.h's FIRST section
    uint64_t first_bytes = 0;
    const unsigned char* words = nullptr;  // PackedBytes(entries, word_bits)
    uint32_t word_bits = 1;
    const float* values = nullptr;  // entries x (2 below the top order, else 1)
    uint64_t entries = 0;
  };
  uint32_t kind = kMappedKindProbing;
  uint32_t order = 0;
  uint64_t seed = 0;  // of the key hash (query/ngram_hash.h)
  uint64_t vocab_size = 0;
  std::vector<std::pair<std::string, std::string>> settings;  // tokenizer
  std::vector<std::pair<std::string, std::string>> info;      // provenance
  const unsigned char* unigrams = nullptr;                    // vocab_size records of kUnigramBytes
  std::vector<Shard> shards;      // kind 1: 2 per order n >= 2: shards[2 * (n - 2) + s]
  std::vector<TrieLevel> levels;  // kind 2: levels[n - 2]

  // Order n >= 2 of the trie layout, read in place. REQUIRES: levels[n - 2]
  // (and those below it) set.
  query::PackedLevel PackedOrder(int n) const;
};

// Writes `parts` (tables and unigrams as they are; the vocabulary index,
// offsets and strings built from `vocab`) to `path` ("-" = stdout) through
// a temporary file renamed into place. REQUIRES: vocab.size() ==
// parts.vocab_size; each shard's last slot is empty.
Status WriteMappedModelFile(const MappedModelParts& parts, const Vocabulary& vocab,
                            const std::string& path);

class MappedModelFile;

// The Model a mapped model of the trie layout holds: its vocabulary,
// n-grams, values, settings and info (n-grams that the ARPA file it came
// from lacked, its blanks, are n-grams of their own here, with the values
// the backoff rule gives them, as a KenLM trie binary's are). Checks what
// a Model requires and the scoring does not: the children's starts
// ascending, the words under a parent ascending and below V, the words
// distinct (kCorruption, naming the file). The probing layout holds hashes
// of the n-grams, not the n-grams: InvalidArgument.
StatusOr<Model> MappedTrieToModel(const MappedModelFile& file);

class MappedModelFile {
 public:
  struct Options {
    bool verify_checksums = false;  // check every section's CRC-32
    bool read_into_memory = false;  // read the file instead of mapping it
  };
  // Maps (or reads) `path`, a regular file, and checks it: magic, version,
  // kind, the header's CRC, the file size, every section's place, size and
  // counts, the tables' sentinels and the reserved words; with
  // verify_checksums, every section's CRC too. Errors name the file:
  // NotFound, InvalidArgument (not a regular file, not a mapped model),
  // UnsupportedVersion, Corruption (truncated, damaged).
  static StatusOr<std::unique_ptr<MappedModelFile>> Open(const std::string& path,
                                                         const Options& options);
  ~MappedModelFile();
  MappedModelFile(const MappedModelFile&) = delete;
  MappedModelFile& operator=(const MappedModelFile&) = delete;

  const std::string& name() const { return name_; }
  const MappedModelParts& parts() const { return parts_; }
  uint64_t file_size() const { return file_size_; }
  // Whether the pages are the file's own (mapped), not a private copy.
  bool mapped() const { return map_ != nullptr; }

  // The id of `word` in the vocabulary index, or Vocabulary::kNotFound.
  // Safe on a damaged file (bounds are checked; probes are bounded).
  WordId Find(std::string_view word) const;
  // The vocabulary index, for lookups of many words at once.
  const WordIndexView& index() const { return index_; }
  // Word `id` (id < vocab_size), or "" if its offsets are damaged.
  std::string_view Word(WordId id) const;

 private:
  MappedModelFile() = default;
  Status Parse(const char* header, size_t header_size, uint64_t file_size);
  Status ParseSections(const char* header, size_t header_size, uint64_t file_size, uint32_t order,
                       uint64_t vocab_size, uint32_t count);
  Status Attach(const unsigned char* base, bool verify_checksums);

  struct Section {
    uint32_t id = 0;
    uint32_t crc = 0;
    uint64_t offset = 0, size = 0, count = 0, homes = 0, items = 0;
  };

  std::string name_;
  uint64_t file_size_ = 0;
  std::vector<Section> sections_;
  MappedModelParts parts_;
  WordIndexView index_;
  const uint64_t* offsets_ = nullptr;
  const char* pool_ = nullptr;
  uint64_t pool_bytes_ = 0;
  void* map_ = nullptr;  // the file's mapping, or nullptr
  size_t map_bytes_ = 0;
  HugeArray<unsigned char> copy_;  // read_into_memory
};

}  // namespace grams

#endif  // GRAMS_FORMAT_MAPPED_MODEL_H_
