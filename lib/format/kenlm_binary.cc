// Reading KenLM binary models (format version 5); see kenlm_binary.h and
// docs/FORMAT.md, "KenLM binary models".
//
// Every multi-byte value is read with memcpy (the file is little-endian, as
// build_binary wrote it on x86-64 and ARM64; alignment never matters), and
// bit-packed fields are read 8 bytes at a time from their first byte, which
// the 8 bytes of padding after every bit-packed array keep inside it.
#include "format/kenlm_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "io/fd.h"

static_assert(std::endian::native == std::endian::little,
              "KenLM binaries are read as the little-endian machines that write them");

namespace grams {
namespace {

// The header: a "sanity" block of test values, then the fixed parameters,
// then one uint64 count per order, padded to a multiple of 8 bytes.
constexpr char kMagicV5[] = "mmap lm http://kheafield.com/code format version 5\n";
constexpr std::string_view kMagicVersionPrefix = "mmap lm http://kheafield.com/code format version";
constexpr std::string_view kMagicIncomplete = "mmap lm http://kheafield.com/code incomplete\n";
constexpr size_t kMagicBytes = 56;   // the magic string, NUL-padded
constexpr size_t kSanityBytes = 88;  // magic + 3 floats + 3 uint32 + uint64
constexpr size_t kFixedBytes = 20;   // order, multiplier, layout, has words, search version
constexpr uint32_t kMaxOrder = 16;   // grams' State carries up to 15 words

// Sub-structure versions KenLM records.
constexpr uint32_t kProbingVocabVersion = 0;
constexpr uint8_t kQuantVersion = 2;
constexpr uint8_t kArrayPointerVersion = 0;

// Slot sizes of the probing layout: vocabulary {hash, id}, middle orders
// {hash, prob, backoff}, highest order {hash, prob}; unigrams {prob, backoff}.
constexpr size_t kVocabSlot = 12;
constexpr size_t kMiddleSlot = 16;
constexpr size_t kLongestSlot = 12;
constexpr size_t kProbingUnigram = 8;
// Trie unigram records: {prob, backoff, uint64 first child}.
constexpr size_t kTrieUnigram = 16;

constexpr uint32_t kSignBit = 0x80000000u;

uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t Load32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
float LoadF(const unsigned char* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
float FromBits(uint32_t bits) { return std::bit_cast<float>(bits); }
uint32_t ToBits(float f) { return std::bit_cast<uint32_t>(f); }

// `length` (<= 57) bits at bit offset `bit` of `base`, least significant
// first.
uint64_t ReadBits(const unsigned char* base, uint64_t bit, unsigned length) {
  const uint64_t v = Load64(base + (bit >> 3)) >> (bit & 7);
  return length >= 64 ? v : v & ((uint64_t{1} << length) - 1);
}

// A zero backoff stored as -0.0 marks an n-gram that no longer n-gram
// extends: the state after it can be shorter. Any other value, +0.0
// included, keeps it.
bool HasExtension(float backoff) { return ToBits(backoff) != ToBits(-0.0f); }

// Bits to store every integer up to `max_value`.
unsigned RequiredBits(uint64_t max_value) {
  return max_value == 0 ? 0 : static_cast<unsigned>(std::bit_width(max_value));
}

// The bucket count of a probing table for `entries` keys.
uint64_t ProbingBuckets(uint64_t entries, float multiplier) {
  const float scaled = multiplier * static_cast<float>(entries);
  return std::max<uint64_t>(entries + 1, static_cast<uint64_t>(scaled));
}

// Array pointer compression: how many high bits of a next pointer are
// "chopped" off into the offsets array: the number (up to the -a setting)
// that minimizes the array's size minus the bits saved.
unsigned ChopBits(uint64_t max_offset, uint64_t max_next, unsigned max_chop) {
  const unsigned required = RequiredBits(max_next);
  unsigned best = 0;
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (unsigned chop = 0; chop <= std::min(required, max_chop); ++chop) {
    const uint64_t table_bits = (max_next >> (required - chop)) * 64;
    const int64_t change = static_cast<int64_t>(table_bits - max_offset * chop);
    if (change < lowest) {
      lowest = change;
      best = chop;
    }
  }
  return best;
}
uint64_t ArrayCount(uint64_t max_offset, uint64_t max_next, unsigned max_chop) {
  const unsigned required = RequiredBits(max_next);
  return (max_next >> (required - ChopBits(max_offset, max_next, max_chop))) + 1;
}

// Bytes of a bit-packed array of entries + 1 records of `bits` bits, with 8
// bytes of padding.
uint64_t PackedBytes(uint64_t entries, uint64_t bits) { return ((1 + entries) * bits + 7) / 8 + 8; }

using io::ErrnoText;
using io::Fd;
using io::ReadAt;

// Sizes summed without overflow: saturates at UINT64_MAX, which no file
// reaches, so a damaged count always ends in "truncated".
class Size {
 public:
  Size& Add(uint64_t v) {
    value_ = value_ > UINT64_MAX - v ? UINT64_MAX : value_ + v;
    return *this;
  }
  static uint64_t Mul(uint64_t a, uint64_t b) {
    if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
    return a * b;
  }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

std::string Plural(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

const char* KenlmLayoutName(KenlmLayout layout) {
  switch (layout) {
    case KenlmLayout::kProbing:
      return "probing";
    case KenlmLayout::kRestProbing:
      return "probing-rest";
    case KenlmLayout::kTrie:
      return "trie";
    case KenlmLayout::kQuantTrie:
      return "trie-quantized";
    case KenlmLayout::kArrayTrie:
      return "trie-compressed";
    case KenlmLayout::kQuantArrayTrie:
      return "trie-quantized-compressed";
  }
  return "unknown";
}

bool HasKenlmMagic(std::string_view prefix) {
  if (prefix.size() < 8) return false;
  const size_t n = std::min(prefix.size(), kKenlmMagicPrefix.size());
  return prefix.substr(0, n) == kKenlmMagicPrefix.substr(0, n);
}

// MurmurHash64A (Austin Appleby's MurmurHash2, 64-bit version), seed 0:
// 8-byte little-endian blocks are each scrambled (multiply, xor-shift 47,
// multiply) and folded in (xor, multiply); the 1-7 trailing bytes are
// xored in as one little-endian word and multiplied; then a final
// xor-shift, multiply, xor-shift.
uint64_t KenlmWordHash(std::string_view data) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ULL;
  constexpr int kShift = 47;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t n = data.size();
  uint64_t h = static_cast<uint64_t>(n) * kMul;  // seed 0
  const size_t blocks = n / 8;
  for (size_t b = 0; b < blocks; ++b) {
    uint64_t k = Load64(p + 8 * b);
    k *= kMul;
    k ^= k >> kShift;
    k *= kMul;
    h ^= k;
    h *= kMul;
  }
  const size_t tail = n & 7;
  if (tail) {
    uint64_t t = 0;
    for (size_t i = 0; i < tail; ++i) t |= static_cast<uint64_t>(p[blocks * 8 + i]) << (8 * i);
    h ^= t;
    h *= kMul;
  }
  h ^= h >> kShift;
  h *= kMul;
  h ^= h >> kShift;
  return h;
}

Status KenlmBinary::ProbingNotListable(const std::string& name) {
  return InvalidArgument(name +
                         ": is a KenLM binary in the probing layout, which can be scored but not "
                         "converted: its hash tables hold hashes of the n-grams, not the n-grams; "
                         "use the ARPA it was made from, or a trie binary (build_binary trie)");
}

KenlmBinary::~KenlmBinary() {
  if (map_) munmap(map_, size_);
}

StatusOr<std::unique_ptr<KenlmBinary>> KenlmBinary::Open(const std::string& path,
                                                         const Options& options) {
  std::unique_ptr<KenlmBinary> f(new KenlmBinary());
  f->name_ = path;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(path + ": no such file");
    return IOError(path + ": cannot open: " + ErrnoText(err));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return IOError(path + ": cannot stat: " + ErrnoText(errno));
  if (S_ISDIR(st.st_mode)) return InvalidArgument(path + ": is a directory");
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(path + ": a KenLM binary is mapped, so it must be a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0) return CorruptionError(path + ": empty file, expected a KenLM binary");
  if (options.read_into_memory) {
    f->copy_.Reset(size);
    const int64_t got = ReadAt(fd.get(), f->copy_.data(), size, 0);
    if (got < 0) return IOError(path + ": read failed: " + ErrnoText(static_cast<int>(-got)));
    if (static_cast<uint64_t>(got) != size) {
      return CorruptionError(path + ": truncated (the file shrank while being read)");
    }
    f->data_ = f->copy_.data();
  } else {
    void* base = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
    if (base == MAP_FAILED) return IOError(path + ": cannot map: " + ErrnoText(errno));
    f->map_ = base;
    f->data_ = static_cast<const unsigned char*>(base);
    // The size again, now that the mapping exists: a file cut short between
    // the stat and the mapping is caught here rather than by SIGBUS later.
    if (fstat(fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != size) {
      f->size_ = size;
      return CorruptionError(path + ": the file changed size while being loaded");
    }
  }
  f->size_ = size;
  GRAMS_RETURN_IF_ERROR(f->Parse());
  return f;
}

StatusOr<std::unique_ptr<KenlmBinary>> KenlmBinary::FromBytes(const std::string& name,
                                                              std::string bytes) {
  std::unique_ptr<KenlmBinary> f(new KenlmBinary());
  f->name_ = name;
  f->bytes_ = std::move(bytes);
  f->data_ = reinterpret_cast<const unsigned char*>(f->bytes_.data());
  f->size_ = f->bytes_.size();
  if (f->size_ == 0) return CorruptionError(name + ": empty file, expected a KenLM binary");
  GRAMS_RETURN_IF_ERROR(f->Parse());
  return f;
}

Status KenlmBinary::Parse() {
  const std::string& name = name_;
  const std::string_view head(reinterpret_cast<const char*>(data_),
                              std::min<uint64_t>(size_, kSanityBytes));
  if (head.substr(0, kMagicIncomplete.size()) == kMagicIncomplete) {
    return CorruptionError(name +
                           ": a KenLM binary that build_binary did not finish writing; "
                           "build it again");
  }
  if (!HasKenlmMagic(head)) return CorruptionError(name + ": not a KenLM binary (bad magic bytes)");
  if (head.size() > kMagicVersionPrefix.size() &&
      head.substr(0, kMagicVersionPrefix.size()) == kMagicVersionPrefix) {
    // " 5\n": the version, written in decimal after the prefix.
    const std::string_view rest = head.substr(kMagicVersionPrefix.size());
    size_t p = 0;
    while (p < rest.size() && rest[p] == ' ') ++p;
    uint64_t version = 0;
    size_t digits = 0;
    while (p < rest.size() && rest[p] >= '0' && rest[p] <= '9' && digits < 9) {
      version = version * 10 + static_cast<uint64_t>(rest[p++] - '0');
      ++digits;
    }
    if (digits > 0 && version != 5) {
      return UnsupportedVersion(name + ": KenLM binary format version " + std::to_string(version) +
                                ", but grams reads version 5; build it again from its ARPA with "
                                "a current build_binary");
    }
  }
  if (size_ < kSanityBytes + kFixedBytes) {
    return CorruptionError(name + ": truncated KenLM binary (" + std::to_string(size_) +
                           " bytes, shorter than its header)");
  }
  // The test values: the magic, NUL-padded; 0.0f, 1.0f, -0.5f; uint32 1,
  // UINT32_MAX, 0; uint64 1. They fail on a file written by a 32-bit build
  // or a big-endian machine, or damaged.
  unsigned char sanity[kSanityBytes] = {0};
  std::memcpy(sanity, kMagicV5, sizeof(kMagicV5) - 1);
  const float floats[3] = {0.0f, 1.0f, -0.5f};
  std::memcpy(sanity + kMagicBytes, floats, sizeof(floats));
  const uint32_t ints[3] = {1, UINT32_MAX, 0};
  std::memcpy(sanity + kMagicBytes + 12, ints, sizeof(ints));
  const uint64_t one = 1;
  std::memcpy(sanity + kMagicBytes + 24, &one, sizeof(one));
  if (std::memcmp(data_, sanity, kMagicBytes) != 0) {
    return CorruptionError(name + ": damaged KenLM binary header (the magic string)");
  }
  if (std::memcmp(data_ + kMagicBytes, sanity + kMagicBytes, kSanityBytes - kMagicBytes) != 0) {
    return CorruptionError(name +
                           ": the KenLM binary's test values do not match (written by a "
                           "32-bit or big-endian build, or damaged); build it again here");
  }

  const unsigned char* fixed = data_ + kSanityBytes;
  const uint32_t order = fixed[0];
  multiplier_ = LoadF(fixed + 4);
  const uint32_t layout = Load32(fixed + 8);
  const uint8_t has_words = fixed[12];
  const uint32_t search_version = Load32(fixed + 16);
  if (layout > static_cast<uint32_t>(KenlmLayout::kQuantArrayTrie)) {
    return CorruptionError(name + ": unknown KenLM layout " + std::to_string(layout) +
                           " (the file is damaged)");
  }
  layout_ = static_cast<KenlmLayout>(layout);
  if (layout_ == KenlmLayout::kRestProbing) {
    return UnsupportedVersion(name +
                              ": a KenLM binary with rest costs (build_binary rest_probing) "
                              "is not read; build a probing or trie binary");
  }
  const uint32_t want_version = is_trie() ? 1 : 0;
  if (search_version != want_version) {
    return UnsupportedVersion(name + ": KenLM " + KenlmLayoutName(layout_) + " version " +
                              std::to_string(search_version) + ", but grams reads version " +
                              std::to_string(want_version));
  }
  if (order < 2 || order > kMaxOrder) {
    if (order > kMaxOrder) {
      return UnsupportedVersion(name + ": a KenLM model of order " + std::to_string(order) +
                                "; grams reads orders up to " + std::to_string(kMaxOrder));
    }
    return CorruptionError(name + ": KenLM binary of order " + std::to_string(order) +
                           " (the file is damaged)");
  }
  if (!(multiplier_ >= 1.0f && multiplier_ <= 1024.0f)) {
    return CorruptionError(name + ": KenLM binary with probing multiplier " +
                           std::to_string(multiplier_) + " (the file is damaged)");
  }
  if (has_words > 1) {
    return CorruptionError(name + ": damaged KenLM binary header (vocabulary flag)");
  }
  if (!has_words) {
    return UnsupportedVersion(name +
                              ": a KenLM binary without its vocabulary strings is not "
                              "read; build it again with them (build_binary's default)");
  }
  header_bytes_ = (kSanityBytes + kFixedBytes + 8 * order + 7) / 8 * 8;
  if (size_ < header_bytes_) {
    return CorruptionError(name + ": truncated KenLM binary (" + std::to_string(size_) +
                           " bytes, shorter than its header)");
  }
  counts_.resize(order);
  for (uint32_t n = 0; n < order; ++n) {
    counts_[n] = Load64(fixed + kFixedBytes + 8 * n);
    // Counts so large that no file holds them are damage; the bound keeps
    // every size computation below far from overflow.
    if (counts_[n] > (uint64_t{1} << 40)) {
      return CorruptionError(name + ": KenLM binary claims " + std::to_string(counts_[n]) + " " +
                             std::to_string(n + 1) + "-grams (the file is damaged)");
    }
  }
  if (counts_[0] == 0 || counts_[0] >= UINT32_MAX) {
    return CorruptionError(name + ": KenLM binary with " + Plural(counts_[0], "word") +
                           " (the file is damaged)");
  }

  auto truncated = [&](uint64_t need) {
    return CorruptionError(name + ": truncated KenLM binary: " + std::to_string(size_) +
                           " bytes, but its header says it takes at least " + std::to_string(need));
  };

  // Vocabulary.
  const uint64_t vocab_at = header_bytes_;
  if (is_trie()) {
    vocab_bytes_ = Size().Add(8).Add(Size::Mul(8, counts_[0])).value();
  } else {
    vocab_bytes_ =
        Size().Add(8).Add(Size::Mul(kVocabSlot, ProbingBuckets(counts_[0], multiplier_))).value();
  }
  const uint64_t search_at = Size().Add(vocab_at).Add(vocab_bytes_).value();
  if (search_at > size_) return truncated(search_at);
  const unsigned char* vocab = data_ + vocab_at;
  if (is_trie()) {
    const uint64_t stored = Load64(vocab);
    if (stored + 1 != counts_[0]) {
      return CorruptionError(name + ": the KenLM vocabulary holds " + std::to_string(stored + 1) +
                             " words but the header counts " + std::to_string(counts_[0]) +
                             " (the file is damaged)");
    }
    bound_ = static_cast<uint32_t>(counts_[0]);
    sorted_vocab_ = vocab + 8;
  } else {
    const uint32_t version = Load32(vocab);
    bound_ = Load32(vocab + 4);
    if (version != kProbingVocabVersion) {
      return UnsupportedVersion(name + ": KenLM probing vocabulary version " +
                                std::to_string(version) + ", but grams reads version 0");
    }
    if (bound_ == 0 || bound_ > counts_[0] + 1) {
      return CorruptionError(name + ": the KenLM vocabulary holds " + Plural(bound_, "word") +
                             " for " + std::to_string(counts_[0]) +
                             " unigrams (the file is damaged)");
    }
    vocab_table_.slots = vocab + 8;
    vocab_table_.buckets = ProbingBuckets(counts_[0], multiplier_);
    vocab_table_.stride = kVocabSlot;
  }

  // Search structure.
  const int N = static_cast<int>(order);
  Size at;
  at.Add(search_at);
  if (!is_trie()) {
    unigrams_ = data_ + search_at;
    unigram_count_ = counts_[0] + 1;
    at.Add(Size::Mul(kProbingUnigram, unigram_count_));
    tables_.resize(N - 1);
    for (int n = 2; n <= N; ++n) {
      Table& t = tables_[n - 2];
      t.buckets = ProbingBuckets(counts_[n - 1], multiplier_);
      t.stride = n == N ? kLongestSlot : kMiddleSlot;
      if (at.value() > size_) return truncated(at.value());
      t.slots = data_ + at.value();
      at.Add(Size::Mul(t.stride, t.buckets));
    }
  } else {
    const bool quant =
        layout_ == KenlmLayout::kQuantTrie || layout_ == KenlmLayout::kQuantArrayTrie;
    const bool array =
        layout_ == KenlmLayout::kArrayTrie || layout_ == KenlmLayout::kQuantArrayTrie;
    const unsigned char* quant_base = nullptr;
    uint64_t quant_bytes = 0;
    if (quant) {
      if (Size().Add(search_at).Add(8).value() > size_) return truncated(search_at + 8);
      quant_base = data_ + search_at;
      if (quant_base[0] != kQuantVersion) {
        return UnsupportedVersion(name + ": KenLM quantization version " +
                                  std::to_string(quant_base[0]) + ", but grams reads version " +
                                  std::to_string(kQuantVersion));
      }
      prob_bits_ = quant_base[1];
      backoff_bits_ = quant_base[2];
      if (prob_bits_ < 1 || prob_bits_ > 25 || backoff_bits_ < 1 || backoff_bits_ > 25) {
        return CorruptionError(name + ": KenLM quantization with " + std::to_string(prob_bits_) +
                               " probability and " + std::to_string(backoff_bits_) +
                               " backoff bits (the file is damaged)");
      }
      const uint64_t longest_table = (uint64_t{1} << prob_bits_) * 4;
      const uint64_t middle_table = (uint64_t{1} << backoff_bits_) * 4 + longest_table;
      quant_bytes = static_cast<uint64_t>(N - 2) * middle_table + longest_table + 8;
    }
    at.Add(quant_bytes);
    if (at.value() > size_) return truncated(at.value());
    unigrams_ = data_ + at.value();
    unigram_count_ = counts_[0];
    at.Add(Size::Mul(kTrieUnigram, counts_[0] + 2));
    if (array && N > 2) {
      if (Size().Add(at.value()).Add(2).value() > size_) return truncated(at.value() + 2);
      const unsigned char* head_bytes = data_ + at.value();
      if (head_bytes[0] != kArrayPointerVersion) {
        return UnsupportedVersion(name + ": KenLM pointer compression version " +
                                  std::to_string(head_bytes[0]) + ", but grams reads version 0");
      }
      pointer_bits_ = head_bytes[1];
    }
    const unsigned word_bits = RequiredBits(counts_[0]);
    levels_.resize(N - 1);
    for (int n = 2; n <= N; ++n) {
      Level& l = levels_[n - 2];
      const bool longest = n == N;
      l.entries = counts_[n - 1];
      l.next_entries = longest ? 0 : counts_[n];
      l.word_bits = static_cast<uint8_t>(word_bits);
      l.word_mask = (uint64_t{1} << word_bits) - 1;
      if (quant) {
        l.value_bits = static_cast<uint8_t>(longest ? prob_bits_ : prob_bits_ + backoff_bits_);
        const uint64_t table_floats = (uint64_t{1} << prob_bits_) + (uint64_t{1} << backoff_bits_);
        l.prob_table = quant_base + 8 + 4 * table_floats * static_cast<uint64_t>(n - 2);
        l.backoff_table = longest ? nullptr : l.prob_table + 4 * (uint64_t{1} << prob_bits_);
      } else {
        l.value_bits = longest ? 31 : 63;
      }
      uint64_t array_bytes = 0;
      if (!longest) {
        const uint64_t max_offset = l.entries + 1, max_next = l.next_entries;
        if (array) {
          const unsigned chop =
              ChopBits(max_offset, max_next, static_cast<unsigned>(pointer_bits_));
          l.next_bits = static_cast<uint8_t>(RequiredBits(max_next) - chop);
          l.offset_count = ArrayCount(max_offset, max_next, static_cast<unsigned>(pointer_bits_));
          array_bytes = 8 * (1 + l.offset_count) + 7;
          // The offsets start 8 bytes after the first multiple of 8 at or
          // after the array's start (file offsets: the search structure
          // starts at a multiple of 8 in the file and in memory alike).
          const uint64_t start = at.value();
          const uint64_t aligned = Size().Add(start).Add(7).value() / 8 * 8;
          if (Size().Add(aligned).Add(8).Add(Size::Mul(8, l.offset_count)).value() > size_) {
            return truncated(Size().Add(start).Add(array_bytes).value());
          }
          l.offsets = data_ + aligned + 8;
          if (Load64(l.offsets) != 0) {
            return CorruptionError(name + ": damaged KenLM pointer array of order " +
                                   std::to_string(n) + " (its first offset is not 0)");
          }
        } else {
          l.next_bits = static_cast<uint8_t>(RequiredBits(max_next));
        }
        l.next_mask = (uint64_t{1} << l.next_bits) - 1;
      }
      const unsigned total = word_bits + l.value_bits + l.next_bits;
      if (l.next_bits > 57 || total > 255) {
        return CorruptionError(name + ": KenLM trie records of " + std::to_string(total) +
                               " bits (the file is damaged)");
      }
      l.total_bits = static_cast<uint8_t>(total);
      at.Add(array_bytes);
      if (at.value() > size_) return truncated(at.value());
      l.base = data_ + at.value();
      at.Add(PackedBytes(l.entries, total));
    }
  }
  strings_offset_ = at.value();
  if (strings_offset_ > size_) return truncated(strings_offset_);
  search_bytes_ = strings_offset_ - search_at;
  GRAMS_RETURN_IF_ERROR(ParseVocabStrings());
  bos_ = Index("<s>");
  eos_ = Index("</s>");
  return Status::OK();
}

// The words, NUL-terminated in id order, from the end of the search
// structure to the end of the file, <unk> first.
Status KenlmBinary::ParseVocabStrings() {
  const char* p = reinterpret_cast<const char*>(data_ + strings_offset_);
  const uint64_t n = size_ - strings_offset_;
  if (n < 6 || std::memcmp(p, "<unk>", 6) != 0) {
    return CorruptionError(name_ +
                           ": the KenLM vocabulary words are missing or misplaced "
                           "(truncated or damaged file)");
  }
  strings_ = p;
  word_offsets_.clear();
  word_offsets_.reserve(static_cast<size_t>(bound_) + 1);
  word_offsets_.push_back(0);
  const char* end = p + n;
  for (const char* q = p; q < end;) {
    const void* nul = std::memchr(q, '\0', static_cast<size_t>(end - q));
    if (!nul) {
      return CorruptionError(name_ +
                             ": the KenLM vocabulary words end without a NUL "
                             "(truncated or damaged file)");
    }
    q = static_cast<const char*>(nul) + 1;
    if (word_offsets_.size() > bound_) break;
    word_offsets_.push_back(static_cast<uint64_t>(q - p));
  }
  const uint64_t words = word_offsets_.size() - 1;
  if (words != bound_ || word_offsets_.back() != n) {
    return CorruptionError(
        name_ + ": the KenLM binary ends with " +
        (words == bound_ ? "more than " + Plural(bound_, "word") : Plural(words, "word")) +
        " but its vocabulary has " + Plural(bound_, "word") + " (truncated or damaged file)");
  }
  return Status::OK();
}

uint32_t KenlmBinary::Index(std::string_view word) const {
  const uint64_t h = KenlmWordHash(word);
  if (is_trie()) {
    // Interpolation search over the sorted hashes (uniform by nature).
    uint64_t lo = 0, hi = static_cast<uint64_t>(bound_) - 1;  // [lo, hi)
    uint64_t lo_v = 0, hi_v = UINT64_MAX;
    while (lo < hi) {
      if (h < lo_v || h > hi_v) return 0;
      __extension__ typedef unsigned __int128 Wide;
      const Wide span = static_cast<Wide>(hi_v - lo_v) + 1;
      const uint64_t pivot =
          lo + static_cast<uint64_t>(static_cast<Wide>(h - lo_v) * (hi - lo) / span);
      const uint64_t v = Load64(sorted_vocab_ + 8 * pivot);
      if (v < h) {
        lo = pivot + 1;
        lo_v = v + 1;
      } else if (v > h) {
        hi = pivot;
        hi_v = v - 1;
      } else {
        return static_cast<uint32_t>(pivot + 1);
      }
    }
    return 0;
  }
  const unsigned char* slot = FindSlot(vocab_table_, h);
  if (!slot) return 0;
  const uint32_t id = Load32(slot + 8);
  return id < bound_ ? id : 0;
}

const unsigned char* KenlmBinary::FindSlot(const Table& t, uint64_t key) const {
  uint64_t i = key % t.buckets;
  // Bounded by the bucket count: a damaged table with no empty slot ends.
  for (uint64_t probes = 0; probes < t.buckets; ++probes) {
    const unsigned char* s = t.slots + i * t.stride;
    const uint64_t k = Load64(s);
    if (k == key) return s;
    if (k == 0) return nullptr;
    if (++i == t.buckets) i = 0;
  }
  return nullptr;
}

float KenlmBinary::UnigramProb(uint32_t id) const {
  if (is_trie()) return LoadF(unigrams_ + kTrieUnigram * id);
  // The probing layout keeps "extends left" in the sign bit: the
  // probability is the value with its sign set.
  return FromBits(Load32(unigrams_ + kProbingUnigram * id) | kSignBit);
}

float KenlmBinary::UnigramBackoff(uint32_t id) const {
  return LoadF(unigrams_ + (is_trie() ? kTrieUnigram : kProbingUnigram) * id + 4);
}

KenlmBinary::Range KenlmBinary::UnigramRange(uint32_t id) const {
  const uint64_t limit = levels_[0].entries;
  uint64_t end = std::min(Load64(unigrams_ + kTrieUnigram * (id + 1) + 8), limit);
  uint64_t begin = std::min(Load64(unigrams_ + kTrieUnigram * id + 8), end);
  return Range{begin, end};
}

uint32_t KenlmBinary::LevelWord(const Level& l, uint64_t i) const {
  return static_cast<uint32_t>(ReadBits(l.base, i * l.total_bits, l.word_bits));
}

KenlmBinary::Range KenlmBinary::LevelNext(const Level& l, uint64_t i) const {
  const uint64_t off = static_cast<uint64_t>(l.word_bits) + l.value_bits;
  uint64_t begin = ReadBits(l.base, i * l.total_bits + off, l.next_bits);
  uint64_t end = ReadBits(l.base, (i + 1) * l.total_bits + off, l.next_bits);
  if (l.offsets) {
    // The high bits of record j's pointer: how many offsets after the
    // first are <= j (the offsets are the first records of each run of
    // equal high bits).
    auto high = [&](uint64_t j) {
      uint64_t lo = 1, hi = l.offset_count;  // first offset > j in [1, count)
      while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (Load64(l.offsets + 8 * mid) <= j) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo - 1;
    };
    begin |= high(i) << l.next_bits;
    end |= high(i + 1) << l.next_bits;
  }
  end = std::min(end, l.next_entries);
  begin = std::min(begin, end);
  return Range{begin, end};
}

float KenlmBinary::LevelProb(const Level& l, uint64_t i, bool longest) const {
  const uint64_t bit = i * l.total_bits + l.word_bits;
  if (l.prob_table) {
    const uint64_t at = longest ? bit : bit + static_cast<uint64_t>(backoff_bits_);
    return LoadF(l.prob_table + 4 * ReadBits(l.base, at, static_cast<unsigned>(prob_bits_)));
  }
  // 31 bits: the probability without its sign, which is always set.
  return FromBits(static_cast<uint32_t>(ReadBits(l.base, bit, 31)) | kSignBit);
}

float KenlmBinary::LevelBackoff(const Level& l, uint64_t i) const {
  const uint64_t bit = i * l.total_bits + l.word_bits;
  if (l.backoff_table) {
    return LoadF(l.backoff_table + 4 * ReadBits(l.base, bit, static_cast<unsigned>(backoff_bits_)));
  }
  return FromBits(static_cast<uint32_t>(ReadBits(l.base, bit + 31, 32)));
}

// Children are sorted by word id and their ids spread evenly (the trie's ids
// are hash order): interpolation search, as bounded as binary search on
// damaged data (each step leaves a strictly smaller range).
bool KenlmBinary::FindChild(const Level& l, Range r, uint32_t word, uint64_t* at) const {
  uint64_t lo = r.begin, hi = r.end;
  uint64_t lo_v = 0, hi_v = bound_;
  while (lo < hi) {
    if (word < lo_v || word > hi_v) return false;
    __extension__ typedef unsigned __int128 Wide;
    const uint64_t pivot = lo + static_cast<uint64_t>(static_cast<Wide>(word - lo_v) * (hi - lo) /
                                                      (static_cast<Wide>(hi_v - lo_v) + 1));
    const uint32_t v = LevelWord(l, pivot);
    if (v < word) {
      lo = pivot + 1;
      lo_v = static_cast<uint64_t>(v) + 1;
    } else if (v > word) {
      hi = pivot;
      hi_v = static_cast<uint64_t>(v) - 1;
    } else {
      *at = pivot;
      return true;
    }
  }
  return false;
}

KenlmBinary::Match KenlmBinary::Score(uint32_t word, const uint32_t* context, int context_length,
                                      float* backoffs) const {
  return is_trie() ? ScoreTrie(word, context, context_length, backoffs)
                   : ScoreProbing(word, context, context_length, backoffs);
}

// KenLM's query: the unigram, then longer and longer n-grams ending in the
// word, one context word at a time, until one is missing or cannot be
// extended further (no longer n-gram ends in it); the highest order has no
// backoff and never extends.
KenlmBinary::Match KenlmBinary::ScoreTrie(uint32_t word, const uint32_t* context,
                                          int context_length, float* backoffs) const {
  const int N = order();
  Match m{UnigramProb(word), 1, 0};
  backoffs[0] = UnigramBackoff(word);
  if (HasExtension(backoffs[0])) m.state_length = 1;
  Range node = UnigramRange(word);
  for (int i = 0; i < context_length && node.begin < node.end; ++i) {
    const Level& l = levels_[i];
    uint64_t at;
    if (!FindChild(l, node, context[i], &at)) break;
    if (i + 2 == N) {
      m.prob = LevelProb(l, at, /*longest=*/true);
      m.length = N;
      break;
    }
    node = LevelNext(l, at);
    backoffs[i + 1] = LevelBackoff(l, at);
    m.prob = LevelProb(l, at, /*longest=*/false);
    m.length = i + 2;
    if (HasExtension(backoffs[i + 1])) m.state_length = i + 2;
  }
  return m;
}

KenlmBinary::Match KenlmBinary::ScoreProbing(uint32_t word, const uint32_t* context,
                                             int context_length, float* backoffs) const {
  const int N = order();
  const uint32_t raw = Load32(unigrams_ + kProbingUnigram * word);
  Match m{FromBits(raw | kSignBit), 1, 0};
  backoffs[0] = UnigramBackoff(word);
  if (HasExtension(backoffs[0])) m.state_length = 1;
  // The sign bit of a stored probability set: no longer n-gram ends in it.
  bool independent = (raw & kSignBit) != 0;
  uint64_t key = word;
  for (int i = 0; i < context_length && !independent; ++i) {
    // The hash of the n-gram, extended one word to the left.
    key = (key * 8978948897894561157ULL) ^
          ((static_cast<uint64_t>(context[i]) + 1) * 17894857484156487943ULL);
    const unsigned char* slot = FindSlot(tables_[i], key);
    if (!slot) break;
    if (i + 2 == N) {
      m.prob = LoadF(slot + 8);
      m.length = N;
      break;
    }
    const uint32_t p = Load32(slot + 8);
    backoffs[i + 1] = LoadF(slot + 12);
    m.prob = FromBits(p | kSignBit);
    m.length = i + 2;
    if (HasExtension(backoffs[i + 1])) m.state_length = i + 2;
    independent = (p & kSignBit) != 0;
  }
  return m;
}

Status KenlmBinary::Check() const {
  auto fail = [&](const std::string& what) {
    return CorruptionError(name_ + ": damaged KenLM binary: " + what);
  };
  // Vocabulary: every word finds its own id.
  if (is_trie()) {
    for (uint64_t i = 1; i + 1 < bound_; ++i) {
      if (Load64(sorted_vocab_ + 8 * (i - 1)) >= Load64(sorted_vocab_ + 8 * i)) {
        return fail("the vocabulary hashes are not sorted (at word " + std::to_string(i + 1) + ")");
      }
    }
  }
  for (uint32_t id = 1; id < bound_; ++id) {
    if (Index(Word(id)) != id) {
      return fail("word " + std::to_string(id) + " ('" + std::string(Word(id).substr(0, 40)) +
                  "') is not found in the vocabulary index");
    }
  }
  for (uint32_t id = 0; id < bound_; ++id) {
    const float p = UnigramProb(id), b = UnigramBackoff(id);
    if (std::isnan(p) || p > 0 || std::isnan(b)) {
      return fail("unigram " + std::to_string(id) + " has log10 probability " + std::to_string(p) +
                  " and backoff " + std::to_string(b));
    }
  }
  return is_trie() ? CheckTrie() : CheckProbing();
}

Status KenlmBinary::CheckProbing() const {
  const int N = order();
  for (int n = 2; n <= N; ++n) {
    const Table& t = tables_[n - 2];
    uint64_t used = 0;
    for (uint64_t i = 0; i < t.buckets; ++i) {
      const unsigned char* s = t.slots + i * t.stride;
      const uint64_t key = Load64(s);
      if (key == 0) continue;
      ++used;
      if (FindSlot(t, key) != s) {
        return CorruptionError(name_ + ": damaged KenLM binary: the " + std::to_string(n) +
                               "-gram hash table does not find its slot " + std::to_string(i));
      }
      const float p = LoadF(s + 8);
      if (std::isnan(p) || (n == N && p > 0) || (n < N && std::isnan(LoadF(s + 12)))) {
        return CorruptionError(name_ + ": damaged KenLM binary: a " + std::to_string(n) +
                               "-gram has an invalid value");
      }
    }
    // Below the highest order, build_binary may add context n-grams the
    // ARPA lacked; the highest order holds exactly the counted ones.
    if (used >= t.buckets || used < counts_[n - 1] || (n == N && used != counts_[n - 1])) {
      return CorruptionError(name_ + ": damaged KenLM binary: the " + std::to_string(n) +
                             "-gram hash table holds " + std::to_string(used) + " n-grams for " +
                             std::to_string(counts_[n - 1]) + " counted");
    }
  }
  return Status::OK();
}

Status KenlmBinary::CheckTrie() const {
  const int N = order();
  auto fail = [&](int n, const std::string& what) {
    return CorruptionError(name_ + ": damaged KenLM binary: order " + std::to_string(n) + ": " +
                           what);
  };
  // Unigram pointers: from 0, never decreasing, to the bigram count.
  uint64_t prev = 0;
  for (uint64_t id = 0; id <= counts_[0]; ++id) {
    const uint64_t next = Load64(unigrams_ + kTrieUnigram * id + 8);
    if (next < prev || (id == 0 && next != 0)) return fail(1, "child pointers out of order");
    prev = next;
  }
  if (prev != levels_[0].entries) return fail(1, "child pointers do not end at the 2-grams");
  for (int n = 2; n <= N; ++n) {
    const Level& l = levels_[n - 2];
    if (l.offsets) {
      for (uint64_t j = 1; j < l.offset_count; ++j) {
        if (Load64(l.offsets + 8 * j) < Load64(l.offsets + 8 * (j - 1))) {
          return fail(n, "compressed pointer array out of order");
        }
      }
    }
    if (n < N) {
      uint64_t last = 0;
      for (uint64_t i = 0; i <= l.entries; ++i) {
        uint64_t v = ReadBits(l.base, i * l.total_bits + l.word_bits + l.value_bits, l.next_bits);
        if (l.offsets) {
          uint64_t lo = 1, hi = l.offset_count;
          while (lo < hi) {
            const uint64_t mid = lo + (hi - lo) / 2;
            if (Load64(l.offsets + 8 * mid) <= i) {
              lo = mid + 1;
            } else {
              hi = mid;
            }
          }
          v |= (lo - 1) << l.next_bits;
        }
        if (v < last || (i == 0 && v != 0) || v > l.next_entries) {
          return fail(n, "child pointers out of order");
        }
        last = v;
      }
      if (last != l.next_entries) return fail(n, "child pointers do not end at the next order");
    }
    for (uint64_t i = 0; i < l.entries; ++i) {
      if (LevelWord(l, i) >= bound_) return fail(n, "word id out of range");
      const float p = LevelProb(l, i, n == N);
      if (std::isnan(p)) return fail(n, "invalid probability");
      if (n < N && std::isnan(LevelBackoff(l, i))) return fail(n, "invalid backoff");
    }
  }
  // Children sorted by word under each parent.
  auto check_sorted = [&](int n, Range r) -> Status {
    const Level& l = levels_[n - 2];
    for (uint64_t i = r.begin + 1; i < r.end; ++i) {
      if (LevelWord(l, i - 1) >= LevelWord(l, i)) return fail(n, "children not sorted by word");
    }
    return Status::OK();
  };
  for (uint32_t id = 0; id < counts_[0]; ++id) {
    GRAMS_RETURN_IF_ERROR(check_sorted(2, UnigramRange(id)));
  }
  for (int n = 2; n < N; ++n) {
    const Level& l = levels_[n - 2];
    for (uint64_t i = 0; i < l.entries; ++i)
      GRAMS_RETURN_IF_ERROR(check_sorted(n + 1, LevelNext(l, i)));
  }
  return Status::OK();
}

Status KenlmBinary::ListNgrams(const NgramVisitor& visit) const {
  if (!is_trie()) return ProbingNotListable(name_);
  const int N = order();
  auto fail = [&](int n, const std::string& what) {
    return CorruptionError(name_ + ": damaged KenLM binary: order " + std::to_string(n) + ": " +
                           what);
  };
  std::vector<uint32_t> prev_words, words;
  std::vector<float> probs, backoffs;
  // Order 1: every word.
  prev_words.resize(bound_);
  probs.resize(bound_);
  backoffs.resize(bound_);
  for (uint32_t id = 0; id < bound_; ++id) {
    prev_words[id] = id;
    probs[id] = UnigramProb(id);
    backoffs[id] = UnigramBackoff(id);
  }
  GRAMS_RETURN_IF_ERROR(visit(1, prev_words, probs, backoffs));
  // Order n: the children of each entry of order n - 1, in order, each
  // range starting where the last one ended. A child's words: its own, then
  // its parent's (the trie reads n-grams right to left).
  for (int n = 2; n <= N; ++n) {
    const Level& l = levels_[n - 2];
    const uint64_t parents = n == 2 ? counts_[0] : levels_[n - 3].entries;
    words.assign(Size::Mul(l.entries, static_cast<uint64_t>(n)), 0);
    probs.assign(l.entries, 0.0f);
    backoffs.assign(l.entries, 0.0f);
    uint64_t expect = 0;
    for (uint64_t p = 0; p < parents; ++p) {
      Range r;
      if (n == 2) {
        r = Range{Load64(unigrams_ + kTrieUnigram * p + 8),
                  Load64(unigrams_ + kTrieUnigram * (p + 1) + 8)};
      } else {
        r = LevelNext(levels_[n - 3], p);
      }
      if (r.begin != expect || r.end < r.begin || r.end > l.entries) {
        return fail(n, "child pointers out of order");
      }
      expect = r.end;
      for (uint64_t i = r.begin; i < r.end; ++i) {
        const uint32_t w = LevelWord(l, i);
        if (w >= bound_) return fail(n, "word id out of range");
        uint32_t* out = &words[i * n];
        out[0] = w;
        std::copy(prev_words.begin() + p * (n - 1), prev_words.begin() + (p + 1) * (n - 1),
                  out + 1);
        probs[i] = LevelProb(l, i, n == N);
        backoffs[i] = n == N ? 0.0f : LevelBackoff(l, i);
      }
    }
    if (expect != l.entries) return fail(n, "child pointers do not cover the order");
    GRAMS_RETURN_IF_ERROR(visit(n, words, probs, backoffs));
    prev_words.swap(words);
  }
  return Status::OK();
}

}  // namespace grams
