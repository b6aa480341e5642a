// Reading KenLM binary models (format version 5); see kenlm_binary.h and
// docs/FORMAT.md, "KenLM binary models".
// The layout's arithmetic is in kenlm_layout.h, the lookups in
// kenlm_lookup.cc, the structure checks and the listing in kenlm_check.cc.
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

#include "format/kenlm_layout.h"
#include "io/fd.h"

namespace grams {

using namespace kenlm_layout;  // NOLINT: this file is the layout's reader
using io::ErrnoText;
using io::Fd;
using io::ReadAt;

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
  GRAMS_RETURN_IF_ERROR(CheckMagic());
  GRAMS_RETURN_IF_ERROR(ParseParameters());
  uint64_t search_at = 0;
  GRAMS_RETURN_IF_ERROR(ParseVocabTable(&search_at));
  Size at;
  at.Add(search_at);
  GRAMS_RETURN_IF_ERROR(is_trie() ? ParseTrie(&at) : ParseProbingTables(&at));
  strings_offset_ = at.value();
  if (strings_offset_ > size_) return Truncated(strings_offset_);
  search_bytes_ = strings_offset_ - search_at;
  GRAMS_RETURN_IF_ERROR(ParseVocabStrings());
  bos_ = Index("<s>");
  eos_ = Index("</s>");
  return Status::OK();
}

Status KenlmBinary::Truncated(uint64_t need) const {
  return CorruptionError(name_ + ": truncated KenLM binary: " + std::to_string(size_) +
                         " bytes, but its header says it takes at least " + std::to_string(need));
}

// The magic string (with its version) and the test values after it.
Status KenlmBinary::CheckMagic() const {
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
  return Status::OK();
}

// Order, probing multiplier, layout, flags and the n-gram counts.
Status KenlmBinary::ParseParameters() {
  const std::string& name = name_;
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
  return Status::OK();
}

// The vocabulary's table: sorted hashes (trie) or a probing table. Sets
// *search_at to where the search structure starts.
Status KenlmBinary::ParseVocabTable(uint64_t* search_at) {
  const std::string& name = name_;
  const uint64_t vocab_at = header_bytes_;
  if (is_trie()) {
    vocab_bytes_ = Size().Add(8).Add(Size::Mul(8, counts_[0])).value();
  } else {
    vocab_bytes_ =
        Size().Add(8).Add(Size::Mul(kVocabSlot, ProbingBuckets(counts_[0], multiplier_))).value();
  }
  *search_at = Size().Add(vocab_at).Add(vocab_bytes_).value();
  if (*search_at > size_) return Truncated(*search_at);
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
  return Status::OK();
}

// The probing layout: unigram records, then one hash table per order.
Status KenlmBinary::ParseProbingTables(Size* at_out) {
  Size& at = *at_out;
  const uint64_t search_at = at.value();
  const int N = order();
  unigrams_ = data_ + search_at;
  unigram_count_ = counts_[0] + 1;
  at.Add(Size::Mul(kProbingUnigram, unigram_count_));
  tables_.resize(N - 1);
  for (int n = 2; n <= N; ++n) {
    Table& t = tables_[n - 2];
    t.buckets = ProbingBuckets(counts_[n - 1], multiplier_);
    t.stride = n == N ? kLongestSlot : kMiddleSlot;
    if (at.value() > size_) return Truncated(at.value());
    t.slots = data_ + at.value();
    at.Add(Size::Mul(t.stride, t.buckets));
  }
  return Status::OK();
}

// The trie layouts: quantization tables, unigram records, the pointer
// compression header, then each order's bit-packed level.
Status KenlmBinary::ParseTrie(Size* at_out) {
  const std::string& name = name_;
  Size& at = *at_out;
  const uint64_t search_at = at.value();
  const int N = order();
  const bool quant = layout_ == KenlmLayout::kQuantTrie || layout_ == KenlmLayout::kQuantArrayTrie;
  const bool array = layout_ == KenlmLayout::kArrayTrie || layout_ == KenlmLayout::kQuantArrayTrie;
  const unsigned char* quant_base = nullptr;
  uint64_t quant_bytes = 0;
  if (quant) {
    if (Size().Add(search_at).Add(8).value() > size_) return Truncated(search_at + 8);
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
  if (at.value() > size_) return Truncated(at.value());
  unigrams_ = data_ + at.value();
  unigram_count_ = counts_[0];
  at.Add(Size::Mul(kTrieUnigram, counts_[0] + 2));
  if (array && N > 2) {
    if (Size().Add(at.value()).Add(2).value() > size_) return Truncated(at.value() + 2);
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
    GRAMS_RETURN_IF_ERROR(ParseTrieLevel(n, quant_base, array, word_bits, &at));
  }
  return Status::OK();
}

// Order n's level: its record widths, its quantization tables, its pointer
// array (with -a) and its records.
Status KenlmBinary::ParseTrieLevel(int n, const unsigned char* quant_base, bool array,
                                   unsigned word_bits, Size* at_out) {
  const std::string& name = name_;
  Size& at = *at_out;
  const int N = order();
  const bool quant = quant_base != nullptr;
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
      const unsigned chop = ChopBits(max_offset, max_next, static_cast<unsigned>(pointer_bits_));
      l.next_bits = static_cast<uint8_t>(RequiredBits(max_next) - chop);
      l.offset_count = ArrayCount(max_offset, max_next, static_cast<unsigned>(pointer_bits_));
      array_bytes = 8 * (1 + l.offset_count) + 7;
      // The offsets start 8 bytes after the first multiple of 8 at or
      // after the array's start (file offsets: the search structure
      // starts at a multiple of 8 in the file and in memory alike).
      const uint64_t start = at.value();
      const uint64_t aligned = Size().Add(start).Add(7).value() / 8 * 8;
      if (Size().Add(aligned).Add(8).Add(Size::Mul(8, l.offset_count)).value() > size_) {
        return Truncated(Size().Add(start).Add(array_bytes).value());
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
  if (at.value() > size_) return Truncated(at.value());
  l.base = data_ + at.value();
  at.Add(PackedBytes(l.entries, total));
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

}  // namespace grams
