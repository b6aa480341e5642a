// Internal: KenLM's binary model format (build_binary's output, binary format
// version 5), read where it lies. docs/FORMAT.md, "KenLM binary models",
// says what of the format is read; this file and kenlm_binary.cc are the
// only code that knows its bytes. Written from KenLM's public description
// of its layouts, not from its code.
//
// A file is a header (magic, test values, order, layout, n-gram counts), the
// vocabulary (a hash table of word hashes for the probing layout, a sorted
// array of them for the trie layouts), the search structure, and the words
// themselves, NUL-terminated in id order. Two search structures exist:
//   probing  per order, a linear-probing hash table keyed by a hash of the
//            n-gram's word ids: n-grams cannot be listed, only looked up;
//   trie     a bit-packed trie of the n-grams read right to left (a word,
//            then the words before it), optionally with quantized values
//            (-q/-b) and array-compressed child pointers (-a).
//
// KenlmBinary checks every size and offset against the file size when it
// opens a file, and every lookup clamps what it reads from the file to the
// structure it points into, so a damaged file can give wrong scores but never
// makes a query read outside the mapping. Check() verifies everything that
// can be verified (sorted vocabulary, monotone pointers, sorted children,
// hash tables that find every key). Immutable once opened; concurrent
// queries are safe.
#ifndef GRAMS_FORMAT_KENLM_BINARY_H_
#define GRAMS_FORMAT_KENLM_BINARY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/status.h"
#include "util/huge_array.h"

namespace grams {

namespace kenlm_layout {
class Size;
}  // namespace kenlm_layout

// The layouts, numbered as KenLM numbers them in its header.
enum class KenlmLayout : uint32_t {
  kProbing = 0,
  kRestProbing = 1,  // not read
  kTrie = 2,
  kQuantTrie = 3,
  kArrayTrie = 4,
  kQuantArrayTrie = 5,
};

// "probing", "trie", "trie-quantized", "trie-compressed",
// "trie-quantized-compressed" (and "probing-rest").
const char* KenlmLayoutName(KenlmLayout layout);

// The first bytes of every KenLM binary file, whatever its version.
inline constexpr std::string_view kKenlmMagicPrefix = "mmap lm http://kheafield.com/code";

// True if `prefix` (the first bytes of a file) starts like a KenLM binary
// (any version, or one build_binary did not finish).
bool HasKenlmMagic(std::string_view prefix);

// 64-bit MurmurHash2 (MurmurHash64A) of `data` with seed 0: the hash KenLM
// keys its vocabulary with.
uint64_t KenlmWordHash(std::string_view data);

class KenlmBinary {
 public:
  struct Options {
    bool read_into_memory = false;  // read the file instead of mapping it
  };
  // Maps (or reads) `path`, a regular file, and checks its header and layout.
  // Errors name the file: NotFound, InvalidArgument (not a regular file),
  // UnsupportedVersion (another format version, the rest-cost probing
  // layout, no vocabulary strings, order above 16), Corruption (truncated,
  // damaged, or a build that did not finish).
  static StatusOr<std::unique_ptr<KenlmBinary>> Open(const std::string& path,
                                                     const Options& options);
  // The same on bytes already read (a pipe, a compressed file); `name` is
  // used in messages.
  static StatusOr<std::unique_ptr<KenlmBinary>> FromBytes(const std::string& name,
                                                          std::string bytes);
  ~KenlmBinary();
  KenlmBinary(const KenlmBinary&) = delete;
  KenlmBinary& operator=(const KenlmBinary&) = delete;

  const std::string& name() const { return name_; }
  uint64_t file_size() const { return size_; }
  bool mapped() const { return map_ != nullptr; }

  int order() const { return static_cast<int>(counts_.size()); }
  KenlmLayout layout() const { return layout_; }
  bool is_trie() const { return layout_ != KenlmLayout::kProbing; }
  // The n-gram counts of the header (of the trie: with the n-grams that
  // build_binary added as missing contexts).
  const std::vector<uint64_t>& counts() const { return counts_; }
  float probing_multiplier() const { return multiplier_; }
  // Quantization bits (0 when not quantized) and the -a bits (0 when the
  // pointers are not compressed).
  int prob_bits() const { return prob_bits_; }
  int backoff_bits() const { return backoff_bits_; }
  int pointer_bits() const { return pointer_bits_; }
  // Bytes of the header, the vocabulary, the search structure and the words.
  uint64_t header_bytes() const { return header_bytes_; }
  uint64_t vocab_bytes() const { return vocab_bytes_; }
  uint64_t search_bytes() const { return search_bytes_; }
  uint64_t strings_bytes() const { return size_ - strings_offset_; }

  // Word ids are KenLM's: [0, vocab_size()), 0 = <unk>.
  uint32_t vocab_size() const { return bound_; }
  // The id of `word`, 0 when it is not in the vocabulary (KenLM's Index).
  uint32_t Index(std::string_view word) const;
  uint32_t bos() const { return bos_; }  // 0 if the model has no <s>
  uint32_t eos() const { return eos_; }  // 0 if the model has no </s>
  // Word `id` (id < vocab_size()).
  std::string_view Word(uint32_t id) const {
    return std::string_view(strings_ + word_offsets_[id],
                            word_offsets_[id + 1] - word_offsets_[id] - 1);
  }

  // What KenLM's model returns for a word, without the backoffs of the
  // context that did not match: its log10 probability given the longest
  // n-gram found, that n-gram's length (1 = the unigram), and the length of
  // the state to carry (the longest n-gram found that longer n-grams may
  // extend). `context` holds the words before `word`, most recent first;
  // backoffs[0..matched) receive the backoffs of the n-grams ending in
  // `word`. REQUIRES: word < vocab_size(), context ids too.
  struct Match {
    float prob;
    int length;
    int state_length;
  };
  Match Score(uint32_t word, const uint32_t* context, int context_length, float* backoffs) const;

  // The unigram values of word `id`.
  float UnigramProb(uint32_t id) const;
  float UnigramBackoff(uint32_t id) const;

  // Every check that can be made on the whole file (reads all of it).
  // Corruption naming the structure at fault.
  Status Check() const;

  // Lists every n-gram of a trie, order by order: visit(n, words, probs,
  // backoffs) for n = 1 .. order(), where the n-grams of order n are
  // words[i * n .. i * n + n) (KenLM ids, in text order) with probs[i] and
  // backoffs[i] (0 at the highest order), in KenLM's order. Stops at the
  // first error visit returns. InvalidArgument for the probing layout (it
  // holds hashes of the n-grams, not the n-grams), Corruption if the trie
  // is damaged.
  using NgramVisitor =
      std::function<Status(int n, const std::vector<uint32_t>& words,
                           const std::vector<float>& probs, const std::vector<float>& backoffs)>;
  Status ListNgrams(const NgramVisitor& visit) const;

  // The error for a probing binary where its n-grams are needed.
  static Status ProbingNotListable(const std::string& name);

 private:
  KenlmBinary() = default;
  // Parse's steps, in file order (kenlm_binary.cc).
  Status Parse();
  Status CheckMagic() const;
  Status ParseParameters();
  Status ParseVocabTable(uint64_t* search_at);
  Status ParseProbingTables(kenlm_layout::Size* at);
  Status ParseTrie(kenlm_layout::Size* at);
  Status ParseTrieLevel(int n, const unsigned char* quant_base, bool array, unsigned word_bits,
                        kenlm_layout::Size* at);
  Status ParseVocabStrings();
  Status Truncated(uint64_t need) const;

  // A trie level of order n >= 2 (bit-packed records).
  struct Level {
    const unsigned char* base = nullptr;  // records
    uint64_t entries = 0;
    uint64_t next_entries = 0;  // entries of order n + 1 (0 at the highest)
    uint8_t word_bits = 0, total_bits = 0, value_bits = 0, next_bits = 0;
    uint64_t word_mask = 0, next_mask = 0;
    const unsigned char* offsets = nullptr;  // array compression: uint64 each
    uint64_t offset_count = 0;
    const unsigned char* prob_table = nullptr;     // quantized: floats
    const unsigned char* backoff_table = nullptr;  // quantized: floats
  };
  // A probing table.
  struct Table {
    const unsigned char* slots = nullptr;
    uint64_t buckets = 0;
    size_t stride = 0;
  };
  struct Range {
    uint64_t begin, end;
  };

  // Trie access.
  Range UnigramRange(uint32_t id) const;
  uint32_t LevelWord(const Level& l, uint64_t i) const;
  Range LevelNext(const Level& l, uint64_t i) const;
  float LevelProb(const Level& l, uint64_t i, bool longest) const;
  float LevelBackoff(const Level& l, uint64_t i) const;
  bool FindChild(const Level& l, Range r, uint32_t word, uint64_t* at) const;
  // Probing access: the slot holding `key`, or nullptr.
  const unsigned char* FindSlot(const Table& t, uint64_t key) const;

  Match ScoreTrie(uint32_t word, const uint32_t* context, int context_length,
                  float* backoffs) const;
  Match ScoreProbing(uint32_t word, const uint32_t* context, int context_length,
                     float* backoffs) const;
  Status CheckTrie() const;
  // CheckTrie's steps: order n's pointers and values; the children of
  // every entry of order n - 1 sorted by word.
  Status CheckTrieLevel(int n) const;
  Status CheckTrieChildrenSorted(int n) const;
  Status TrieDamaged(int n, const std::string& what) const;
  Status CheckProbing() const;

  std::string name_;
  const unsigned char* data_ = nullptr;
  uint64_t size_ = 0;
  void* map_ = nullptr;
  std::string bytes_;              // FromBytes
  HugeArray<unsigned char> copy_;  // read_into_memory

  KenlmLayout layout_ = KenlmLayout::kProbing;
  std::vector<uint64_t> counts_;
  float multiplier_ = 0;
  int prob_bits_ = 0, backoff_bits_ = 0, pointer_bits_ = 0;
  uint64_t header_bytes_ = 0, vocab_bytes_ = 0, search_bytes_ = 0, strings_offset_ = 0;

  uint32_t bound_ = 0, bos_ = 0, eos_ = 0;
  // Vocabulary: the trie's sorted hashes (bound_ - 1 of them, <unk> not
  // among them), or the probing table of {hash, id}.
  const unsigned char* sorted_vocab_ = nullptr;
  Table vocab_table_;
  // Words: strings_[word_offsets_[i] .. word_offsets_[i + 1] - 1).
  const char* strings_ = nullptr;
  std::vector<uint64_t> word_offsets_;

  // Unigrams: probing {prob, backoff} records; trie {prob, backoff, next}.
  const unsigned char* unigrams_ = nullptr;
  uint64_t unigram_count_ = 0;  // records holding values
  std::vector<Level> levels_;   // levels_[n - 2] for orders n >= 2 (trie)
  std::vector<Table> tables_;   // tables_[n - 2] for orders n >= 2 (probing)
};

}  // namespace grams

#endif  // GRAMS_FORMAT_KENLM_BINARY_H_
