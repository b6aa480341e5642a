// The two hash tables of the ARPA reader (format/arpa_parser.h): WordIndex,
// from the text of a word to its id, and ContextMap, from (parent entry,
// word) to an entry of the order being read. Both are open-addressing tables
// probed a batch of lines at a time, each probe's slot prefetched first.
// Not thread-safe; one parser owns them.
#ifndef GRAMS_FORMAT_ARPA_TABLES_H_
#define GRAMS_FORMAT_ARPA_TABLES_H_

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/types.h"
#include "grams/vocabulary.h"
#include "util/alloc_guard.h"
#include "util/huge_array.h"
#include "util/prefetch.h"

namespace grams::arpa {

// "No entry", in ContextMap values and the parser's entry indices.
inline constexpr uint32_t kNone = UINT32_MAX;

// Open-addressing hash map (linear probing, load <= 1/2) from
// (parent index << 32 | word) to an entry index. Tables of millions of slots
// are looked up at random, so large ones ask for huge pages (fewer TLB
// misses), and callers prefetch slots a batch of lines ahead.
class ContextMap {
 public:
  ContextMap() = default;
  ContextMap(const ContextMap&) = delete;
  ContextMap& operator=(const ContextMap&) = delete;
  ContextMap(ContextMap&& o) noexcept { *this = std::move(o); }
  ContextMap& operator=(ContextMap&& o) noexcept {
    std::swap(slots_, o.slots_);
    std::swap(mask_, o.mask_);
    std::swap(shift_, o.shift_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~ContextMap() { Clear(); }

  void Reset(uint64_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    Allocate(cap);
  }
  void Clear() {
    std::free(slots_);
    slots_ = nullptr;
    mask_ = 0;
    size_ = 0;
  }
  size_t Home(uint64_t key) const {
    key ^= key >> 29;
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void Prefetch(size_t home) const { ::grams::Prefetch(&slots_[home]); }
  uint32_t Find(uint64_t key) const { return FindFrom(Home(key), key); }
  uint32_t FindFrom(size_t i, uint64_t key) const {
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.value;
      if (s.key == kEmpty) return kNone;
    }
  }
  // Maps key to value and returns kNone, or returns the value already mapped.
  uint32_t Insert(uint64_t key, uint32_t value) {
    if ((size_ + 1) * 2 > mask_ + 1) Grow();
    size_t i = Home(key);
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == kEmpty) break;
      if (s.key == key) return s.value;
    }
    slots_[i] = Slot{key, value, 0};
    ++size_;
    return kNone;
  }

 private:
  // Keys never collide with it: parent indexes are below UINT32_MAX.
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key;
    uint32_t value;
    uint32_t unused;
  };

  void Allocate(size_t cap) {
    Clear();
    constexpr size_t kHuge = size_t{2} << 20;
    size_t bytes = cap * sizeof(Slot);
    const bool huge = bytes >= 2 * kHuge && huge_page_probe::Wanted();
    const size_t align = huge ? kHuge : 64;
    bytes = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, bytes);
    if (!p) throw AllocationFailure(bytes);
    if (huge) {  // (util/huge_array.h: unless they are slow here)
      madvise(p, bytes, MADV_HUGEPAGE);
      huge_page_probe::Probe(static_cast<char*>(p), bytes);
    }
    slots_ = static_cast<Slot*>(p);
    std::fill(slots_, slots_ + cap, Slot{kEmpty, 0, 0});
    mask_ = cap - 1;
    shift_ = 64;
    for (size_t c = cap; c > 1; c >>= 1) --shift_;
    size_ = 0;
  }
  void Grow() {
    Slot* old = slots_;
    const size_t old_cap = old ? mask_ + 1 : 0;
    const size_t old_size = size_;
    slots_ = nullptr;
    try {
      Allocate(old_cap ? old_cap * 2 : 16);
    } catch (...) {  // keep the old table (and free it with the map)
      slots_ = old;
      mask_ = old_cap ? old_cap - 1 : 0;
      shift_ = 64;
      for (size_t c = old_cap; c > 1; c >>= 1) --shift_;
      size_ = old_size;
      throw;
    }
    for (size_t j = 0; j < old_cap; ++j) {
      if (old[j].key == kEmpty) continue;
      size_t i = Home(old[j].key);
      while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
      slots_[i] = old[j];
      ++size_;
    }
    std::free(old);
  }

  Slot* slots_ = nullptr;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
};

// The words of the 1-grams for lookups from higher orders: an open-addressing
// table whose 32-byte slots hold the id and, for words of up to 24 bytes (all
// but a few), the word itself, so a lookup is one cache line that callers
// prefetch from the hash. Longer words are compared through the vocabulary.
class WordIndex {
 public:
  static uint64_t Hash(const char* p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
      p += 8;
      n -= 8;
    }
    uint64_t v = 0;
    if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      v = (static_cast<uint64_t>(a) << 32) | b;
    } else if (n > 0) {
      v = (static_cast<uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
          (static_cast<uint64_t>(static_cast<unsigned char>(p[n >> 1])) << 8) |
          static_cast<unsigned char>(p[n - 1]);
    }
    h = (h ^ v) * 0x94d049bb133111ebULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
  }

  // Indexes every word of `vocab` but <unk> unless `with_unk`.
  void Build(const Vocabulary& vocab, bool with_unk) {
    vocab_ = &vocab;
    size_t cap = 16;
    while (cap < vocab.size() * 5 / 2) cap <<= 1;
    SizedAllocation(cap * sizeof(Slot), [&] { slots_.assign(cap, Slot{}); });
    mask_ = cap - 1;
    for (WordId id = with_unk ? 0 : 1; id < vocab.size(); ++id) {
      const std::string_view w = vocab.Word(id);
      size_t i = Hash(w.data(), w.size()) & mask_;
      while (slots_[i].id != Vocabulary::kNotFound) i = (i + 1) & mask_;
      Slot& s = slots_[i];
      s.id = id;
      if (w.size() <= kInline) {
        s.len = static_cast<uint16_t>(w.size());
        std::memcpy(s.text, w.data(), w.size());
      } else {
        s.len = kLong;
      }
    }
  }
  void Prefetch(uint64_t hash) const { ::grams::Prefetch(&slots_[hash & mask_]); }
  // The id of the n bytes at p, or kNotFound. REQUIRES: p[0, n + kPadding)
  // is readable (words are compared eight bytes at a time).
  WordId Find(const char* p, size_t n, uint64_t hash) const {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == Vocabulary::kNotFound) return s.id;
      if (n <= kInline) {
        if (s.len == n && SameInline(s.text, p, n)) return s.id;
      } else if (s.len == kLong && vocab_->Word(s.id) == std::string_view(p, n)) {
        return s.id;
      }
    }
  }

  static constexpr size_t kPadding = 8;

 private:
  static constexpr size_t kInline = 24;
  static constexpr uint16_t kLong = 0xFFFF;
  struct alignas(32) Slot {
    char text[kInline] = {};
    WordId id = Vocabulary::kNotFound;
    uint16_t len = 0;
  };

  static bool SameInline(const char* text, const char* p, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
      uint64_t a, b;
      std::memcpy(&a, text + i, 8);
      std::memcpy(&b, p + i, 8);
      uint64_t diff = a ^ b;
      if (n - i < 8) {  // only the first n - i bytes count
        const int bits = static_cast<int>(8 * (n - i));
        if constexpr (std::endian::native == std::endian::little) {
          diff &= (uint64_t{1} << bits) - 1;
        } else {
          diff &= ~(~uint64_t{0} >> bits);
        }
      }
      if (diff != 0) return false;
    }
    return true;
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  const Vocabulary* vocab_ = nullptr;
};

// The ContextMap key of the entry whose context is `parent` and last word `word`.
inline uint64_t Key(uint32_t parent, WordId word) {
  return (static_cast<uint64_t>(parent) << 32) | word;
}

}  // namespace grams::arpa

#endif  // GRAMS_FORMAT_ARPA_TABLES_H_
