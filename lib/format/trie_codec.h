// Encoding of the parts shared by counts and model files: the vocabulary, the
// trie structure of each order, varint arrays and float byte planes
// (docs/FORMAT.md, "Sections").
#ifndef GRAMS_FORMAT_TRIE_CODEC_H_
#define GRAMS_FORMAT_TRIE_CODEC_H_

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/vocabulary.h"
#include "util/coding.h"

namespace grams {

std::string EncodeVocab(const Vocabulary& vocab);
// The same from the words in id order.
std::string EncodeVocab(const std::vector<std::string_view>& words);
// `name` prefixes error messages.
Status DecodeVocab(const std::string& name, const FileHeader& header, const std::string& raw,
                   Vocabulary* vocab);

// The child-count and word sections of order n >= 2.
void EncodeTrieLevel(const NgramTrie& trie, int n, std::string* child_counts, std::string* words);
// The same for a level on its own: `lower_size` entries at order n-1,
// encoded in slices on `threads` threads (the same bytes).
void EncodeTrieLevel(size_t lower_size, const TrieLevel& level, std::string* child_counts,
                     std::string* words, int threads = 1);
// Decodes the structure of order n >= 2, calling visit(k, parent, word) for
// its entries k = 0, 1, ... in order. Validates everything against the header
// (sizes come from it, so lower orders need not be kept). `name` prefixes
// error messages.
template <typename Visit>
Status VisitTrieLevel(const std::string& name, const FileHeader& header, int n,
                      const std::string& child_counts, const std::string& words, Visit visit) {
  auto corrupt = [&](const char* what) {
    return CorruptionError(name + ": order " + std::to_string(n) + " " + what +
                           " (the file is corrupted)");
  };
  const uint64_t V = header.vocab_size;
  const uint64_t parents = header.ngram_counts[n - 2];
  const uint64_t m = header.ngram_counts[n - 1];
  if (m > UINT32_MAX || parents > UINT32_MAX) return corrupt("is too large");
  const char* cp = child_counts.data();
  const char* cend = cp + child_counts.size();
  const char* wp = words.data();
  const char* wend = wp + words.size();
  uint64_t k = 0;
  for (uint64_t par = 0; par < parents; ++par) {
    uint64_t c;
    if (!GetVarint64(&cp, cend, &c)) return corrupt("has a malformed structure");
    if (c > m - k) return corrupt("has child counts exceeding its n-gram count");
    uint64_t w = 0;
    for (uint64_t j = 0; j < c; ++j, ++k) {
      uint64_t delta;
      if (wp < wend && static_cast<unsigned char>(*wp) < 0x80) {  // one-byte fast path
        delta = static_cast<unsigned char>(*wp++);
      } else if (!GetVarint64(&wp, wend, &delta)) {
        return corrupt("has malformed words");
      }
      if (delta >= V) return corrupt("has a word id outside the vocabulary");
      w = j == 0 ? delta : w + delta + 1;
      if (w >= V) return corrupt("has a word id outside the vocabulary");
      visit(static_cast<EntryIndex>(k), static_cast<EntryIndex>(par), static_cast<WordId>(w));
    }
  }
  if (cp != cend || wp != wend) return corrupt("has trailing bytes in its structure");
  if (k != m) return corrupt("has child counts that do not add up to its n-gram count");
  return Status::OK();
}

// Decodes order n >= 2 into trie->levels[n-1].
Status DecodeTrieLevel(const std::string& name, const FileHeader& header, int n,
                       const std::string& child_counts, const std::string& words,
                       NgramTrie* trie);

// Reads the vocabulary and the trie structure of every order from `reader`,
// calling per_order(n) after order n's structure is decoded so the caller can
// read that order's own sections in between (the file interleaves them).
Status ReadVocabAndTrie(BinaryFileReader* reader, Vocabulary* vocab, NgramTrie* trie,
                        const std::function<Status(int n)>& per_order);

// Varint arrays: value_at(i) for i in [0, n), sized exactly (two passes, no
// scratch array).
template <typename F>
std::string EncodeVarintsOf(size_t n, F value_at) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) bytes += VarintLength(value_at(i));
  std::string out(bytes, '\0');
  char* p = out.data();
  for (size_t i = 0; i < n; ++i) p = EncodeVarint64(p, value_at(i));
  return out;
}
inline std::string EncodeVarints(const uint64_t* values, size_t n) {
  return EncodeVarintsOf(n, [values](size_t i) { return values[i]; });
}
// Decodes exactly n varints; false on malformed data or leftover bytes.
bool DecodeVarints(const std::string& in, size_t n, std::vector<uint64_t>* out);

// float32 arrays as four byte planes (all low bytes, then the next...), which
// zstd compresses far better than interleaved floats.
std::string EncodeFloatPlanes(const std::vector<float>& values);
// The same layout built one value at a time, without a float array: n
// values, all `fill` until Set.
class FloatPlanes {
 public:
  explicit FloatPlanes(size_t n, float fill = 0.0f) : n_(n) {
    const uint32_t u = FloatBits(fill);
    bytes_.resize(4 * n);  // zeros
    for (int plane = 0; plane < 4 && u != 0; ++plane) {
      std::fill_n(bytes_.data() + plane * n, n, static_cast<char>((u >> (8 * plane)) & 0xff));
    }
  }
  void Set(size_t i, float value) {
    const uint32_t u = FloatBits(value);
    char* b = bytes_.data();
    b[i] = static_cast<char>(u & 0xff);
    b[n_ + i] = static_cast<char>((u >> 8) & 0xff);
    b[2 * n_ + i] = static_cast<char>((u >> 16) & 0xff);
    b[3 * n_ + i] = static_cast<char>(u >> 24);
  }
  // The planes; the object is empty afterwards.
  std::string Release() { return std::move(bytes_); }

 private:
  size_t n_;
  std::string bytes_;
};
bool DecodeFloatPlanes(const std::string& in, size_t n, std::vector<float>* out);

}  // namespace grams

#endif  // GRAMS_FORMAT_TRIE_CODEC_H_
