// The sections of one order n >= 2, the one place that knows their bytes
// (docs/FORMAT.md, "Sections" and "The n-gram trie"). Every value is a
// varint (util/coding.h):
//
//   CHILD_COUNTS(n)  per entry p of order n-1, in entry order: how many
//                    entries of order n have parent p (0 for most)
//   WORDS(n)         per entry of order n, in trie order: the word id of a
//                    parent's first child, word - previous word - 1 for the
//                    other children (the words under a parent ascend)
//   COUNTS(n)        counts files only, per entry of order n: its count
//                    (COUNTS(1) too, per word)
//
// The structure sections are shared by counts and model files. Writing goes
// through TrieLevelEncoder (entry by entry, into any VarintSize, VarintWriter
// or VarintAppender): EncodeTrieLevel for whole levels, OrderSectionsEncoder
// for an order streamed with its counts. Reading goes through
// TrieLevelCursor, which makes every check of FORMAT.md ("How readers
// validate"), and VarintCursor for CHILD_COUNTS or COUNTS alone
// (VisitCounts/DecodeCounts check COUNTS).
//
// Thread-safety: none of these objects is shared; EncodeTrieLevel runs its
// own threads.
#ifndef GRAMS_FORMAT_ORDER_SECTIONS_H_
#define GRAMS_FORMAT_ORDER_SECTIONS_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "format/binary_file.h"
#include "grams/status.h"
#include "grams/trie.h"
#include "grams/types.h"
#include "util/coding.h"

namespace grams {

// Where an encoder's varints go. VarintSize only adds up their bytes, so
// that a section can be sized exactly before VarintWriter writes it.
struct VarintSize {
  uint64_t bytes = 0;
  void Put(uint64_t v) { bytes += VarintLength(v); }
  void PutZeros(uint64_t n) { bytes += n; }
};
// Writes at p, up to end. REQUIRES: room for what a VarintSize counted.
struct VarintWriter {
  char* p;
  char* end;
  void Put(uint64_t v) { p = EncodeVarint64(p, v); }
  // A few zeros (the child counts of the parents between two with
  // children) as one 8-byte store where there is room: memset's call with
  // a length it must test cost more than the zeros.
  void PutZeros(uint64_t n) {
    if (n <= 8 && end - p >= 8) {
      std::memset(p, 0, 8);
    } else {
      std::memset(p, 0, n);
    }
    p += n;
  }
};
struct VarintAppender {
  std::string* s;
  void Put(uint64_t v) { PutVarint64(s, v); }
  void PutZeros(uint64_t n) { s->append(n, '\0'); }
};

// Encodes CHILD_COUNTS and WORDS of order n entry by entry, in trie order.
// The entries may be a slice of the order: those of the parents
// [first_parent, end_parent), end_parent given to Finish().
template <typename Out>
class TrieLevelEncoder {
 public:
  TrieLevelEncoder(Out* child_counts, Out* words, uint64_t first_parent = 0)
      : child_counts_(child_counts), words_(words), next_parent_(first_parent) {}

  // REQUIRES: (parent, word) strictly ascending over the calls, and parent
  // >= first_parent.
  void Add(uint64_t parent, WordId word) {
    if (children_ == 0 || parent != parent_) {
      CloseParent();
      child_counts_->PutZeros(parent - next_parent_);
      parent_ = parent;
      words_->Put(word);
    } else {
      words_->Put(word - last_word_ - 1);
    }
    last_word_ = word;
    ++children_;
  }
  // Ends the slice: every parent up to end_parent (exclusive) without
  // children gets a child count of 0. REQUIRES: end_parent > every parent.
  void Finish(uint64_t end_parent) {
    CloseParent();
    child_counts_->PutZeros(end_parent - next_parent_);
    next_parent_ = end_parent;
  }

 private:
  void CloseParent() {
    if (children_ == 0) return;
    child_counts_->Put(children_);
    next_parent_ = parent_ + 1;
    children_ = 0;
  }

  Out* child_counts_;
  Out* words_;
  uint64_t next_parent_;  // the first parent whose child count is not out
  uint64_t parent_ = 0, children_ = 0;
  WordId last_word_ = 0;
};

// The child-count and word sections of order n >= 2 of `trie`.
void EncodeTrieLevel(const NgramTrie& trie, int n, std::string* child_counts, std::string* words);
// The same for a level on its own: `lower_size` entries at order n-1,
// encoded in slices on `threads` threads (the same bytes).
void EncodeTrieLevel(size_t lower_size, const TrieLevel& level, std::string* child_counts,
                     std::string* words, int threads = 1);

// COUNTS(n): a varint per count, sized exactly.
std::string EncodeCounts(const Count* counts, size_t n);

// The three sections of one order of a counts file.
struct OrderSections {
  std::string child_counts, words, counts;
};

// The three sections of a level on its own (`lower_size` entries at order
// n-1) and its counts (counts[k] of entry k), encoded together in slices on
// `threads` threads: EncodeTrieLevel's and EncodeCounts's bytes.
OrderSections EncodeOrder(size_t lower_size, const TrieLevel& level, const Count* counts,
                          int threads);

// Builds an order's three sections one entry at a time, for a writer that
// never holds the order's arrays (the counter's external merge).
class OrderSectionsEncoder {
 public:
  // `lower_size`: the entries of order n-1.
  explicit OrderSectionsEncoder(uint64_t lower_size)
      : lower_size_(lower_size), structure_(&child_counts_out_, &words_out_) {}
  OrderSectionsEncoder(const OrderSectionsEncoder&) = delete;
  OrderSectionsEncoder& operator=(const OrderSectionsEncoder&) = delete;

  // REQUIRES: as TrieLevelEncoder::Add, and parent < lower_size.
  void Add(uint64_t parent, WordId word, Count count) {
    structure_.Add(parent, word);
    counts_out_.Put(count);
  }
  // The sections; the encoder is spent.
  OrderSections Finish() {
    structure_.Finish(lower_size_);
    return std::move(sections_);
  }

 private:
  OrderSections sections_;
  uint64_t lower_size_;
  VarintAppender child_counts_out_{&sections_.child_counts};
  VarintAppender words_out_{&sections_.words};
  VarintAppender counts_out_{&sections_.counts};
  TrieLevelEncoder<VarintAppender> structure_;
};

// Reads a section of varints (CHILD_COUNTS or COUNTS) in order.
class VarintCursor {
 public:
  explicit VarintCursor(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  // The next value; false when none is left or it is malformed.
  bool Next(uint64_t* v) { return GetVarint64(&p_, end_, v); }
  bool at_end() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

// Reads the structure of order n >= 2 parent by parent, validated against
// the header (the sizes come from it, so lower orders need not be kept).
// Errors name the file (`name`) and the order, as FORMAT.md lists them.
class TrieLevelCursor {
 public:
  TrieLevelCursor(const std::string& name, const FileHeader& header, int n,
                  std::string_view child_counts, std::string_view words);

  // The next parent (an entry of order n-1) that has children, and how
  // many: NextWord() then gives their words. False at the end of the order,
  // once everything checked out (status() is OK), or on corruption
  // (status() says what). REQUIRES: every child of the previous parent read.
  bool NextParent(EntryIndex* parent, uint64_t* children) {
    for (;;) {
      if (done_) return false;
      if (next_parent_ == lower_size_) return Finish();
      uint64_t c;
      if (!child_counts_.Next(&c)) return Fail("has a malformed structure");
      if (c > size_ - entries_) return Fail("has child counts exceeding its n-gram count");
      ++next_parent_;
      if (c == 0) continue;
      entries_ += c;
      first_ = true;
      *parent = static_cast<EntryIndex>(next_parent_ - 1);
      *children = c;
      return true;
    }
  }
  // The word of the parent's next child.
  bool NextWord(WordId* word) {
    uint64_t delta;
    if (!words_.Next(&delta)) return Fail("has malformed words");
    if (delta >= vocab_size_) return Fail("has a word id outside the vocabulary");
    word_ = first_ ? delta : word_ + delta + 1;
    first_ = false;
    if (word_ >= vocab_size_) return Fail("has a word id outside the vocabulary");
    *word = static_cast<WordId>(word_);
    return true;
  }
  const Status& status() const { return status_; }

 private:
  bool Fail(const char* what);
  bool Finish();  // the checks at the end of the order

  std::string name_;
  int n_;
  uint64_t vocab_size_, lower_size_, size_;
  VarintCursor child_counts_, words_;
  uint64_t next_parent_ = 0, entries_ = 0, word_ = 0;
  bool first_ = false, done_ = false;
  Status status_;
};

// Calls visit(k, parent, word) for the entries k = 0, 1, ... of order n >= 2
// in order, through a TrieLevelCursor; returns its status.
template <typename Visit>
Status VisitTrieLevel(const std::string& name, const FileHeader& header, int n,
                      std::string_view child_counts, std::string_view words, Visit visit) {
  TrieLevelCursor cursor(name, header, n, child_counts, words);
  EntryIndex k = 0, parent = 0;
  uint64_t children = 0;
  WordId word = 0;
  while (cursor.NextParent(&parent, &children)) {
    for (uint64_t j = 0; j < children; ++j, ++k) {
      if (!cursor.NextWord(&word)) return cursor.status();
      visit(k, parent, word);
    }
  }
  return cursor.status();
}

// Checks what the header claims of order n against the bytes that hold it
// (a varint of at least one byte per entry in WORDS(n), and per entry of
// order n-1 in CHILD_COUNTS(n)) before anything is sized from the claim:
// "order n claims M n-grams, but ..." (the file is corrupted).
Status CheckTrieClaims(const std::string& name, const FileHeader& header, int n,
                       std::string_view child_counts, std::string_view words);

// The child counts of an order (CHILD_COUNTS, `lower` varints summing to
// `size`), each parent's start: start(parent, k) for parent 0, 1, ...,
// lower - 1, its children beginning at entry k. False on anything amiss.
template <typename Start>
bool WalkChildCounts(std::string_view child_counts, uint64_t lower, uint64_t size, Start start) {
  const char* p = child_counts.data();
  const char* const p_end = p + child_counts.size();
  uint64_t k = 0;
  for (uint64_t parent = 0; parent < lower; ++parent) {
    uint64_t c;
    if (!GetVarint64(&p, p_end, &c) || c > size - k) return false;
    start(parent, k);
    k += c;
  }
  return p == p_end && k == size;
}

// DecodeTrieLevelFast's pass 1: each parent's number at the index of its
// first child, kNoParent elsewhere; false on anything amiss.
inline constexpr EntryIndex kNoParent = UINT32_MAX;  // (lower <= UINT32_MAX)
inline bool TrieParentStarts(std::string_view child_counts, uint64_t lower, uint64_t size,
                             EntryIndex* parents) {
  // A parent without children writes where the next parent will write over
  // it (or at index m, past the entries).
  std::fill_n(parents, size + 1, kNoParent);
  return WalkChildCounts(child_counts, lower, size, [parents](uint64_t parent, uint64_t k) {
    parents[k] = static_cast<EntryIndex>(parent);
  });
}

// Bit i set where byte base + i of data[0, size) ends a varint (its high
// bit is clear), and for every base + i >= size: eight 8-byte loads, each
// byte's stop bit gathered by one multiply.
inline uint64_t VarintEnds64(const char* data, size_t size, size_t base) {
  if (base + 64 <= size) {
    uint64_t ends = 0;
    for (int j = 0; j < 8; ++j) {
      uint64_t x;
      std::memcpy(&x, data + base + 8 * j, 8);
      const uint64_t stops = (~x & 0x8080808080808080ULL) >> 7;  // bit 8i: byte i ends one
      ends |= ((stops * 0x0102040810204080ULL) >> 56) << (8 * j);
    }
    return ends;
  }
  uint64_t ends = 0;
  for (size_t i = 0; i < 64; ++i) {
    const bool stop = base + i >= size || static_cast<unsigned char>(data[base + i]) < 0x80;
    ends |= uint64_t{stop} << i;
  }
  return ends;
}

// Pass 2 of DecodeTrieLevelFast: the words of the `size` entries whose
// parents' numbers pass 1 put at their first children (TrieParentStarts),
// visited as DecodeTrieLevelFast says. False on anything amiss.
//
// Where each varint ends comes from a bitmap of the bytes that end one,
// made 64 bytes at a time, not from the length of the varint before: the
// loads of the words are then independent of each other, where a chain of
// them (load, length, next address) bounds the speed. The 3.07M words of
// brown's order 5 alone: 12.1 ms in a chain, 6.7 ms from the bitmap.
//
// starts(k) says whether entry k is the first child of its parent: its
// parent's number if so (or any number, for a visit that ignores parents),
// kNoParent if not.
template <bool kKeepParents, size_t kLag, typename Starts, typename Prefetch, typename Visit>
bool DecodeTrieWords(std::string_view words, uint64_t vocab_size, uint64_t size,
                     EntryIndex* parents, Starts starts_at, Prefetch& prefetch, Visit& visit) {
  static_assert(kLag == 0 || (kLag & (kLag - 1)) == 0, "kLag: 0 or a power of 2");
  const char* const data = words.data();
  const size_t bytes = words.size();
  constexpr size_t kRing = kLag ? kLag : 1;
  EntryIndex lag_parent[kRing];
  WordId lag_word[kRing];
  EntryIndex parent = 0;
  uint64_t word = 0, k = 0;
  // One entry, its varint's value `delta` known.
  auto entry = [&](uint64_t delta) {
    const EntryIndex first = starts_at(k);
    const bool starts = first != kNoParent;
    parent = starts ? first : parent;
    if constexpr (kKeepParents) parents[k] = parent;
    word = starts ? delta : word + delta + 1;
    if (word >= vocab_size) return false;
    if constexpr (kLag == 0) {
      visit(static_cast<EntryIndex>(k), parent, static_cast<WordId>(word));
    } else {
      prefetch(static_cast<WordId>(word));
      const uint64_t slot = k & (kLag - 1);
      if (k >= kLag) visit(static_cast<EntryIndex>(k - kLag), lag_parent[slot], lag_word[slot]);
      lag_parent[slot] = parent;
      lag_word[slot] = static_cast<WordId>(word);
    }
    ++k;
    return true;
  };
  // While 8 bytes are readable at the next varint: its end from the bitmap
  // (`ends`, of the 64 bytes from `base`), its value from one load.
  size_t base = 0, at = 0;
  uint64_t ends = VarintEnds64(data, bytes, 0);
  while (k < size && at + 8 <= bytes) {
    while (ends == 0) {
      base += 64;
      ends = VarintEnds64(data, bytes, base);
    }
    const size_t last = base + static_cast<size_t>(__builtin_ctzll(ends));
    ends &= ends - 1;
    const size_t len = last + 1 - at;
    if (len > 5) return false;  // word ids are below 2^32
    // The 7-bit groups of up to 5 bytes (35 bits) from one 8-byte load.
    uint64_t x;
    std::memcpy(&x, data + at, 8);
    const uint64_t v = (x & 0x7f) | ((x >> 1) & 0x3f80) | ((x >> 2) & 0x1fc000) |
                       ((x >> 3) & 0xfe00000) | ((x >> 4) & 0x7f0000000ULL);
    at = last + 1;
    if (!entry(v & ((uint64_t{1} << (7 * len)) - 1))) return false;
  }
  // The last few bytes.
  const char* p = data + at;
  const char* const end = data + bytes;
  while (k < size) {
    uint64_t delta;
    if (!GetVarint64(&p, end, &delta) || !entry(delta)) return false;
  }
  if (p != end) return false;
  if constexpr (kLag > 0) {
    for (k = size > kLag ? size - kLag : 0; k < size; ++k) {
      visit(static_cast<EntryIndex>(k), lag_parent[k & (kLag - 1)], lag_word[k & (kLag - 1)]);
    }
  }
  return true;
}

// VisitTrieLevel, faster, in two passes with no branch on the data in the
// second: the child counts give every entry's parent first, into
// parents[0, m] (scratch of m + 1 entries, m = the order's size; after an
// OK return, parents[k] is entry k's parent if kKeepParents), then the
// words are decoded (DecodeTrieWords) and visited. Same checks, same
// errors: on anything amiss it hands over to VisitTrieLevel, which finds
// the error (visit may then be called again for entries already visited).
// prefetch(word) is called as soon as an entry's word is known, visit(k,
// parent, word) kLag entries later: time for what visit reads by word to
// arrive in cache. With kLag 0, prefetch is not called and each entry is
// visited at once (for a visit whose reads by word stay in cache).
template <bool kKeepParents, size_t kLag = 16, typename Prefetch, typename Visit>
Status DecodeTrieLevelFast(const std::string& name, const FileHeader& header, int n,
                           std::string_view child_counts, std::string_view words,
                           EntryIndex* parents, Prefetch prefetch, Visit visit) {
  auto slow = [&] { return VisitTrieLevel(name, header, n, child_counts, words, visit); };
  const uint64_t lower = header.ngram_counts[n - 2], size = header.ngram_counts[n - 1];
  if (size > UINT32_MAX || lower > UINT32_MAX) return slow();
  // A claim the bytes cannot hold: the cursor finds the error without
  // filling `size` entries of scratch first.
  if (!CheckTrieClaims(name, header, n, child_counts, words).ok()) return slow();
  if (!TrieParentStarts(child_counts, lower, size, parents)) return slow();
  // Pass 2: the words; a parent's first child gets the word itself, the
  // others the previous word + delta + 1 (conditional moves, no branch).
  auto starts = [parents](uint64_t k) { return parents[k]; };
  if (!DecodeTrieWords<kKeepParents, kLag>(words, header.vocab_size, size, parents, starts,
                                           prefetch, visit)) {
    return slow();
  }
  return Status::OK();
}

// Pass 1 of DecodeTrieLevelForSearch: where each parent's children begin,
// into first[0, lower] (first[lower] = size), and a bit set in starts[]
// (size + 1 bits, cleared here) where they begin; false on anything amiss.
inline bool TrieChildStarts(std::string_view child_counts, uint64_t lower, uint64_t size,
                            EntryIndex* first, uint64_t* starts) {
  std::fill_n(starts, size / 64 + 1, 0);
  first[lower] = static_cast<EntryIndex>(size);
  return WalkChildCounts(child_counts, lower, size, [first, starts](uint64_t parent, uint64_t k) {
    starts[k >> 6] |= uint64_t{1} << (k & 63);
    first[parent] = static_cast<EntryIndex>(k);
  });
}

// Order n >= 2 decoded for search (query/model_trie.h): words[k], entry
// k's word, into out[0, m) (of a type that holds every id of the
// vocabulary: WordId, or uint16_t for a vocabulary of at most 2^16 words),
// and first[p], where entry p of order n-1's
// children begin, into first[0, lower] (first[lower] = m). The same checks
// and errors as DecodeTrieLevelFast, in the same two passes; pass 1 marks
// the entries that start a parent's children in a bitmap (m / 8 bytes of
// scratch, where the parents' numbers would take 4 m).
template <typename Word>
Status DecodeTrieLevelForSearch(const std::string& name, const FileHeader& header, int n,
                                std::string_view child_counts, std::string_view words,
                                EntryIndex* first, Word* out) {
  const uint64_t lower = header.ngram_counts[n - 2], size = header.ngram_counts[n - 1];
  // The checking cursor, as a decoder, for what the fast passes refuse.
  auto slow = [&] {
    EntryIndex next = 0;
    Status status = VisitTrieLevel(name, header, n, child_counts, words,
                                   [&](EntryIndex k, EntryIndex parent, WordId w) {
                                     out[k] = static_cast<Word>(w);
                                     while (next <= parent) first[next++] = k;
                                   });
    while (next <= lower) first[next++] = static_cast<EntryIndex>(size);
    return status;
  };
  if (size > UINT32_MAX || lower > UINT32_MAX) return slow();
  if (!CheckTrieClaims(name, header, n, child_counts, words).ok()) return slow();
  std::vector<uint64_t> bits(size / 64 + 1);
  uint64_t* const starts = bits.data();
  if (!TrieChildStarts(child_counts, lower, size, first, starts)) return slow();
  auto starts_at = [starts](uint64_t k) {
    return (starts[k >> 6] >> (k & 63)) & 1 ? EntryIndex{0} : kNoParent;
  };
  auto none = [](WordId) {};
  auto visit = [out](EntryIndex k, EntryIndex, WordId w) { out[k] = static_cast<Word>(w); };
  if (!DecodeTrieWords<false, 0>(words, header.vocab_size, size, nullptr, starts_at, none, visit)) {
    return slow();
  }
  return Status::OK();
}

// Decodes order n >= 2 into *level ...
Status DecodeTrieLevel(const std::string& name, const FileHeader& header, int n,
                       std::string_view child_counts, std::string_view words, TrieLevel* level);
// ... or into trie->levels[n-1].
Status DecodeTrieLevel(const std::string& name, const FileHeader& header, int n,
                       std::string_view child_counts, std::string_view words, NgramTrie* trie);

// Reads COUNTS(n) of `size` entries, calling visit(i, count) for each.
// Errors: "malformed counts of order n" (a value malformed or missing, or
// bytes left over) and, at orders n >= 2, "an n-gram of order n has count 0".
Status MalformedCounts(const std::string& name, int n);
Status ZeroCount(const std::string& name, int n);
template <typename Visit>
Status VisitCounts(const std::string& name, int n, std::string_view raw, uint64_t size,
                   Visit visit) {
  VarintCursor in(raw);
  bool zero = false;
  for (uint64_t i = 0; i < size; ++i) {
    uint64_t c;
    if (!in.Next(&c)) return MalformedCounts(name, n);
    zero = zero || c == 0;
    visit(i, c);
  }
  if (!in.at_end()) return MalformedCounts(name, n);
  if (n >= 2 && zero) return ZeroCount(name, n);
  return Status::OK();
}
// The same into *out.
Status DecodeCounts(const std::string& name, int n, std::string_view raw, uint64_t size,
                    std::vector<Count>* out);

}  // namespace grams

#endif  // GRAMS_FORMAT_ORDER_SECTIONS_H_
