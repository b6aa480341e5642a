// Packing a trie's arrays into the sections of the trie layout
// (query/packed_trie.h).
#include "query/packed_trie.h"

namespace grams::query {

void PackBits(const uint32_t* v, uint64_t n, uint32_t bits, std::vector<unsigned char>* out) {
  const size_t start = out->size();
  out->resize(start + PackedBytes(n, bits), 0);
  unsigned char* const p = out->data() + start;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t bit = i * bits;
    uint64_t word;
    std::memcpy(&word, p + (bit >> 3), 8);
    word |= static_cast<uint64_t>(v[i]) << (bit & 7);
    std::memcpy(p + (bit >> 3), &word, 8);
  }
}

bool PackedLevel::DirectoryOk() const {
  const uint64_t count = lower_ + 1, blocks = (count + kFirstBlock - 1) / kFirstBlock;
  for (uint64_t b = 0; b < blocks; ++b) {
    const Block k = BlockOf(b * kFirstBlock);
    const uint64_t values = std::min(kFirstBlock, count - b * kFirstBlock);
    // The last 8-byte load of the block starts at offset + 4 + this.
    const uint64_t last = ((values - 1) * k.width) >> 3;
    if (k.width > 32 || k.offset > limit_ || 4 + last > limit_ - k.offset) return false;
  }
  return true;
}

void PackFirst(const uint32_t* first, uint64_t count, std::vector<unsigned char>* out) {
  const uint64_t blocks = (count + kFirstBlock - 1) / kFirstBlock;
  out->assign(blocks * 8, 0);
  std::vector<unsigned char> data;
  std::vector<uint32_t> delta(kFirstBlock);
  for (uint64_t b = 0; b < blocks; ++b) {
    const uint64_t lo = b * kFirstBlock, k = std::min(kFirstBlock, count - lo);
    const uint32_t base = first[lo];
    const uint32_t bits = BitWidth(first[lo + k - 1] - base);
    const uint64_t entry = static_cast<uint64_t>(data.size()) << 6 | bits;
    std::memcpy(out->data() + b * 8, &entry, 8);
    for (uint64_t i = 0; i < k; ++i) delta[i] = first[lo + i] - base;
    data.push_back(static_cast<unsigned char>(base));
    data.push_back(static_cast<unsigned char>(base >> 8));
    data.push_back(static_cast<unsigned char>(base >> 16));
    data.push_back(static_cast<unsigned char>(base >> 24));
    PackBits(delta.data(), k, bits, &data);
    data.resize(data.size() - kPackedPad);  // the pad only once, at the end
  }
  data.resize(data.size() + kPackedPad, 0);
  out->insert(out->end(), data.begin(), data.end());
}

}  // namespace grams::query
