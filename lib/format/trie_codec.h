// Encoding of the parts shared by counts and model files: the vocabulary, the
// trie structure of every order (through format/order_sections.h, which
// knows the bytes of an order's sections) and float byte planes
// (docs/FORMAT.md, "Sections").
#ifndef GRAMS_FORMAT_TRIE_CODEC_H_
#define GRAMS_FORMAT_TRIE_CODEC_H_

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "format/order_sections.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/vocabulary.h"
#include "util/coding.h"

namespace grams {

std::string EncodeVocab(const Vocabulary& vocab);
// The same from the words in id order.
std::string EncodeVocab(const std::vector<std::string_view>& words);
// `name` prefixes error messages.
Status DecodeVocab(const std::string& name, const FileHeader& header, std::string_view raw,
                   Vocabulary* vocab);
// The words alone, in id order (views into `raw`), the reserved words
// checked but not the others' uniqueness: for a reader that adds them to
// a vocabulary of its own (the merge), which finds duplicates as it does.
Status DecodeVocabWords(const std::string& name, const FileHeader& header, std::string_view raw,
                        std::vector<std::string_view>* words);

// Reads the vocabulary and the trie structure of every order from `reader`,
// calling per_order(n) after order n's structure is decoded so the caller can
// read that order's own sections in between (the file interleaves them).
Status ReadVocabAndTrie(BinaryFileReader* reader, Vocabulary* vocab, NgramTrie* trie,
                        const std::function<Status(int n)>& per_order);

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
bool DecodeFloatPlanes(std::string_view in, size_t n, std::vector<float>* out);
// The bits of values first .. first + count - 1 of the n in the planes at
// `planes` (4 n bytes), into out[0, count).
inline void PlaneBits(const unsigned char* planes, size_t n, size_t first, size_t count,
                      uint32_t* out) {
  const unsigned char* b0 = planes + first;
  const unsigned char* b1 = b0 + n;
  const unsigned char* b2 = b1 + n;
  const unsigned char* b3 = b2 + n;
  for (size_t i = 0; i < count; ++i) {
    out[i] = static_cast<uint32_t>(b0[i]) | (static_cast<uint32_t>(b1[i]) << 8) |
             (static_cast<uint32_t>(b2[i]) << 16) | (static_cast<uint32_t>(b3[i]) << 24);
  }
}
// Value i of the n in the planes at `planes` (4 n bytes).
inline float PlaneFloat(const unsigned char* planes, size_t n, size_t i) {
  return BitsFloat(static_cast<uint32_t>(planes[i]) | (static_cast<uint32_t>(planes[n + i]) << 8) |
                   (static_cast<uint32_t>(planes[2 * n + i]) << 16) |
                   (static_cast<uint32_t>(planes[3 * n + i]) << 24));
}

}  // namespace grams

#endif  // GRAMS_FORMAT_TRIE_CODEC_H_
