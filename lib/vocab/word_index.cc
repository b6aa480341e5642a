#include "vocab/word_index.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "tokenize/tokenizer.h"
#include "util/prefetch.h"

static_assert(std::endian::native == std::endian::little,
              "the word index (and the mapped model file) is little-endian");

namespace grams {
namespace {

constexpr size_t kInlineBytes = 7;
constexpr size_t kGroup = 32;  // words looked up at once
constexpr uint64_t kInline = uint64_t{1} << 63;
constexpr uint64_t kLongWord = (uint64_t{1} << 23) - 1;
constexpr uint64_t kOffsetMask = (uint64_t{1} << 40) - 1;

inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bytes 0..n-1 of p (n <= 7) as an integer, byte i at bit 8i, reading
// nothing outside them: two overlapping loads, whose common bytes agree.
inline uint64_t LoadTail(const unsigned char* p, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (static_cast<uint64_t>(hi) << (8 * (n - 4)));
  }
  if (n >= 2) {
    uint16_t lo, hi;
    std::memcpy(&lo, p, 2);
    std::memcpy(&hi, p + n - 2, 2);
    return lo | (static_cast<uint64_t>(hi) << (8 * (n - 2)));
  }
  return n ? p[0] : 0;
}

inline const unsigned char* Bytes(std::string_view w) {
  return reinterpret_cast<const unsigned char*>(w.data());
}

// What an inline slot holds for `word` (of at most kInlineBytes bytes).
inline uint64_t InlinePlace(std::string_view word) {
  return kInline | (static_cast<uint64_t>(word.size()) << 56) | LoadTail(Bytes(word), word.size());
}

uint64_t PlaceOf(uint64_t offset, std::string_view word) {
  if (word.size() <= kInlineBytes) return InlinePlace(word);
  return (std::min<uint64_t>(word.size(), kLongWord) << 40) | offset;
}

// Whether a[0..n) == b[0..n), for n >= 8: 8 bytes at a time, the last 8
// overlapping (a call to memcmp costs more for the short words here).
inline bool SameLongBytes(const char* a, const char* b, size_t n) {
  const unsigned char* x = reinterpret_cast<const unsigned char*>(a);
  const unsigned char* y = reinterpret_cast<const unsigned char*>(b);
  uint64_t diff = Load64(x + n - 8) ^ Load64(y + n - 8);
  for (size_t i = 0; i + 8 < n; i += 8) diff |= Load64(x + i) ^ Load64(y + i);
  return diff == 0;
}

inline uint64_t Seed(size_t n) { return 0x243F6A8885A308D3ULL ^ (n * 0x9E3779B97F4A7C15ULL); }
inline uint64_t Fold(uint64_t h, uint64_t v) {
  h = (h ^ v) * 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 31);
}
// SplitMix64's finalizer.
inline uint64_t Finish(uint64_t h) {
  h += 0x9E3779B97F4A7C15ULL;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

inline uint64_t HashOf(std::string_view word) {
  const unsigned char* p = Bytes(word);
  size_t n = word.size();
  uint64_t h = Seed(n);
  for (; n >= 8; p += 8, n -= 8) h = Fold(h, Load64(p));
  if (n > 0) h = Fold(h, LoadTail(p, n));
  return Finish(h);
}

// The hash of a word of 1 to 8 bytes whose bytes, as an integer, are v.
inline uint64_t HashOfShort(size_t n, uint64_t v) { return Finish(Fold(Seed(n), v)); }

}  // namespace

uint64_t WordHash(std::string_view word) { return HashOf(word); }

bool BuildWordIndex(const Vocabulary& vocab, const std::vector<uint64_t>& offsets,
                    std::vector<uint64_t>* slots, uint64_t* count) {
  const uint64_t V = vocab.size();
  if (!offsets.empty() && offsets.back() >= (uint64_t{1} << 40)) return false;
  uint64_t n = 8;
  while (n < 2 * V) n *= 2;
  slots->assign(2 * n, 0);
  uint64_t* s = slots->data();
  for (WordId id = 0; id < V; ++id) {
    const std::string_view word = vocab.Word(id);
    const uint64_t h = WordHash(word);
    uint64_t i = h & (n - 1);
    while (s[2 * i] != 0) i = (i + 1) & (n - 1);
    s[2 * i] = ((h >> 32) << 32) | (static_cast<uint64_t>(id) + 1);
    s[2 * i + 1] = PlaceOf(offsets[id], word);
  }
  *count = n;
  return true;
}

WordId WordIndexView::Find(std::string_view w) const {
  const uint64_t h = HashOf(w);
  const uint64_t tag = h >> 32;
  // What an inline slot holds for this word (no slot holds it if longer).
  const uint64_t inline_place = w.size() <= kInlineBytes ? InlinePlace(w) : 0;
  uint64_t i = h & mask;
  for (uint64_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
    const uint64_t s = slots[2 * i];
    if (s == 0) return Vocabulary::kNotFound;
    if ((s >> 32) != tag) continue;
    const uint64_t id = (s & 0xffffffffu) - 1;
    if (id >= vocab_size) continue;
    const uint64_t place = slots[2 * i + 1];
    if (place & kInline) {
      if (place == inline_place) return static_cast<WordId>(id);
      continue;
    }
    const uint64_t offset = place & kOffsetMask;
    const uint64_t length = (place >> 40) & kLongWord;
    if (length == kLongWord) {
      if (word && word(owner, static_cast<WordId>(id)) == w) return static_cast<WordId>(id);
      continue;
    }
    // Bounds first: a damaged slot must not send the comparison outside
    // the strings.
    if (length == w.size() && offset <= string_bytes && length <= string_bytes - offset &&
        std::memcmp(strings + offset, w.data(), length) == 0) {
      return static_cast<WordId>(id);
    }
  }
  return Vocabulary::kNotFound;
}

void WordIndexView::FindHashed(const std::string_view* w, const uint64_t* hash,
                               const uint64_t* inline_place, size_t m, WordId* out,
                               WordId missing) const {
  auto find = [&](std::string_view unit) {  // Find, `missing` for kNotFound
    const WordId id = Find(unit);
    return id == Vocabulary::kNotFound ? missing : id;
  };
  // What the word's slot holds in its place, under a mask: a short word's
  // whole place; a long word's length (its offset is not known). Without
  // a branch: short and long words alternate unpredictably.
  uint64_t want[kGroup], want_mask[kGroup];
  uint32_t deferred[kGroup];  // words whose slot's string is to be compared
  uint64_t where[kGroup];     // and that slot's offset in the strings
  for (size_t k = 0; k < m; ++k) {
    Prefetch(slots + 2 * (hash[k] & mask));
    const size_t size = w[k].size();
    const bool short_word = size <= kInlineBytes;
    want[k] = short_word ? inline_place[k] : std::min<uint64_t>(size, kLongWord) << 40;
    want_mask[k] = short_word ? ~uint64_t{0} : ~kOffsetMask;
  }
  size_t nd = 0;
  for (size_t k = 0; k < m; ++k) {
    const uint64_t h = hash[k];
    const uint64_t tag = h >> 32;
    uint64_t i = h & mask;
    uint64_t place = 0;
    WordId found = Vocabulary::kNotFound;
    for (uint64_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
      const uint64_t s = slots[2 * i];
      if (s == 0) break;
      const uint64_t id = (s & 0xffffffffu) - 1;
      place = slots[2 * i + 1];
      if ((s >> 32) == tag && id < vocab_size && (place & want_mask[k]) == want[k]) {
        found = static_cast<WordId>(id);
        break;
      }
    }
    if (found == Vocabulary::kNotFound) {
      out[k] = missing;
      continue;
    }
    out[k] = found;
    if (place & kInline) continue;
    // A long word: compare its bytes once every string is on its way.
    const uint64_t offset = place & kOffsetMask;
    const uint64_t length = w[k].size();
    if (length >= kLongWord || offset > string_bytes || length > string_bytes - offset) {
      out[k] = find(w[k]);  // 2^23 - 1 bytes or more, or a damaged slot: the slow way
      continue;
    }
    Prefetch(strings + offset);
    deferred[nd] = static_cast<uint32_t>(k);
    where[nd++] = offset;
  }
  for (size_t d = 0; d < nd; ++d) {
    const size_t k = deferred[d];
    if (!SameLongBytes(strings + where[d], w[k].data(), w[k].size())) {
      out[k] = find(w[k]);  // a tag collision: probe on
    }
  }
}

void WordIndexView::FindMany(const std::string_view* words, size_t n, WordId* ids) const {
  uint64_t hash[kGroup], place[kGroup];
  for (size_t base = 0; base < n; base += kGroup) {
    const size_t m = std::min(kGroup, n - base);
    for (size_t k = 0; k < m; ++k) {
      const std::string_view w = words[base + k];
      hash[k] = HashOf(w);
      place[k] = w.size() <= kInlineBytes ? InlinePlace(w) : 0;
    }
    FindHashed(words + base, hash, place, m, ids + base, Vocabulary::kNotFound);
  }
}

void WordIndexView::FindWords(std::string_view text, std::vector<std::string_view>* words,
                              std::vector<WordId>* ids, WordId missing) const {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  uint64_t hash[kGroup], place[kGroup];
  const char* p = text.data();
  const char* const end = p + text.size();
  for (;;) {
    // Up to kGroup words: SplitWords' search for a word's end, whose first
    // 8 bytes, loaded for it, are also what the hash folds in.
    const size_t first_word = words->size(), first_id = ids->size();
    size_t m = 0;
    for (; m < kGroup; ++m) {
      while (p < end && IsAsciiSpace(static_cast<unsigned char>(*p))) ++p;
      if (p == end) break;
      const char* start = p;
      if (end - p >= 8) {
        uint64_t x;
        std::memcpy(&x, p, 8);
        const uint64_t low = (x - 0x21 * kOnes) & ~x & kHighs;
        if (low != 0) {
          const size_t b = std::countr_zero(low) / 8;  // the first byte below 0x21
          if (b > 0 && IsAsciiSpace(static_cast<unsigned char>(p[b]))) {
            // A word of 1 to 7 bytes, in x: its hash and its slot's
            // place (InlinePlace) from them.
            words->emplace_back(start, b);
            const uint64_t bytes = x & ((uint64_t{1} << (8 * b)) - 1);
            hash[m] = HashOfShort(b, bytes);
            place[m] = kInline | (static_cast<uint64_t>(b) << 56) | bytes;
            p += b;
            continue;
          }
        }
      }
      // Any other word: its end byte by byte after an 8-byte search, as
      // SplitWords does, then its hash.
      while (end - p >= 8) {
        uint64_t x;
        std::memcpy(&x, p, 8);
        const uint64_t low = (x - 0x21 * kOnes) & ~x & kHighs;
        if (low != 0) {
          p += std::countr_zero(low) / 8;
          break;
        }
        p += 8;
      }
      while (p < end && !IsAsciiSpace(static_cast<unsigned char>(*p))) ++p;
      const std::string_view found(start, static_cast<size_t>(p - start));
      words->push_back(found);
      hash[m] = HashOf(found);
      place[m] = found.size() <= kInlineBytes ? InlinePlace(found) : 0;
    }
    if (m == 0) return;
    ids->resize(first_id + m);
    FindHashed(words->data() + first_word, hash, place, m, ids->data() + first_id, missing);
    if (m < kGroup) return;
  }
}

}  // namespace grams
