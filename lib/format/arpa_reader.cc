// ARPA input, in one streaming pass. The 1-grams build the vocabulary. Lines
// of higher orders are parsed (fields, numbers, word hashes) into a batch of
// a few hundred; the batch then looks up its words and, order by order, the
// index of each line's context (first n-1 words) in the order below through
// a (parent, word) -> index hash map, prefetching every lookup of the batch
// before making any, so the cache misses of these large tables overlap.
// Entries are appended in file order; context n-grams missing from the file
// are appended too, with backed-off probabilities. At the end each order is
// put in trie order (by parent, then word) with a radix sort, order by order,
// remapping the parents of the next order through the permutation of the one
// below (orders already in trie order, as our writer makes them, are kept).
//
// No per-line allocation: lines are views into the reader's buffer, fields
// are views into the line, numbers go through std::from_chars.
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <numeric>
#include <string_view>

#include "grams/escape.h"
#include "format/model_file.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "util/alloc_guard.h"
#include "util/prefetch.h"
#include "util/radix_sort.h"

namespace grams {
namespace {

constexpr uint32_t kNone = UINT32_MAX;
// Entries per order (and words): EntryIndex range, kNone kept free.
constexpr uint64_t kMaxEntries = UINT32_MAX - 1;
// Reservations from the \data\ counts are capped, so a damaged header cannot
// make us allocate huge buffers up front (vectors still grow as needed).
// When the input size is known, an order-n section cannot hold more than
// size / (2n + 1) lines ("p w1 ... wn\n"); otherwise this many are reserved.
constexpr uint64_t kMaxReserveUnknownSize = uint64_t{1} << 21;

// Field separators: space, tab, and the other ASCII blanks but newline.
struct SpaceTable {
  bool is_space[256] = {};
  constexpr SpaceTable() {
    for (unsigned char c : {' ', '\t', '\r', '\f', '\v'}) is_space[c] = true;
  }
};
constexpr SpaceTable kSpaces;
inline bool IsSpace(char c) { return kSpaces.is_space[static_cast<unsigned char>(c)]; }

// The first separator in [p, e), or e. Eight bytes at a time: every separator
// is below 0x21, and (x - 0x21..) & ~x & 0x80.. flags the first such byte.
inline const char* FindSpace(const char* p, const char* e) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  while (std::endian::native == std::endian::little && e - p >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    const uint64_t low = (x - kOnes * 0x21) & ~x & kHigh;
    if (low == 0) {
      p += 8;
      continue;
    }
    p += __builtin_ctzll(low) >> 3;
    if (IsSpace(*p)) return p;
    ++p;  // another control byte, part of the word
  }
  while (p < e && !IsSpace(*p)) ++p;
  return p;
}

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// For messages: the text, shortened if very long.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = "'";
  if (s.size() > kMax) {
    out.append(s.substr(0, kMax));
    out.append("...");
  } else {
    out.append(s);
  }
  out.push_back('\'');
  return out;
}

// Parses a whole field as a float: decimal or exponent notation, "inf",
// "-inf", "-Infinity" (any case), an optional leading '+'. Values beyond the
// float range become +-inf or +-0 / denormals. NaN is rejected.
bool ParseFloat(std::string_view s, float* out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') {
    ++b;
    if (b != e && *b == '-') return false;
  }
  if (b == e) return false;
  auto r = std::from_chars(b, e, *out);
  if (r.ec == std::errc::result_out_of_range && r.ptr == e) {
    double d;
    auto rd = std::from_chars(b, e, d);
    if (rd.ptr != e) return false;
    if (rd.ec == std::errc::result_out_of_range) {
      // Beyond even double: the sign and whether the exponent is negative
      // tell overflow from underflow.
      const bool neg = *b == '-';
      const char* x = std::find_if(b, e, [](char c) { return c == 'e' || c == 'E'; });
      const bool tiny = x != e && x + 1 != e && x[1] == '-';
      d = tiny ? (neg ? -0.0 : 0.0)
               : (neg ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity());
    } else if (rd.ec != std::errc()) {
      return false;
    }
    *out = static_cast<float>(d);
    return true;
  }
  if (r.ec != std::errc() || r.ptr != e) return false;
  return !std::isnan(*out);
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "\N-grams:" -> N; 0 if the line is not such a header.
uint64_t SectionOrder(std::string_view t) {
  constexpr std::string_view kSuffix = "-grams:";
  if (t.size() < 2 + kSuffix.size() || t[0] != '\\' ||
      t.substr(t.size() - kSuffix.size()) != kSuffix) {
    return 0;
  }
  uint64_t n = 0;
  if (!ParseUint(t.substr(1, t.size() - 1 - kSuffix.size()), &n)) return 0;
  return n;
}

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
    const size_t align = bytes >= 2 * kHuge ? kHuge : 64;
    bytes = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, bytes);
    if (!p) throw AllocationFailure(bytes);
#ifdef MADV_HUGEPAGE
    if (align == kHuge) madvise(p, bytes, MADV_HUGEPAGE);
#endif
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

inline uint64_t Key(uint32_t parent, WordId word) {
  return (static_cast<uint64_t>(parent) << 32) | word;
}

// One order's n-grams in file order, while reading.
struct PendingLevel {
  std::vector<WordId> words;
  std::vector<EntryIndex> parents;
  std::vector<float> prob;
  std::vector<float> backoff;  // not for the highest order
  ContextMap map;              // not for the highest order
  uint64_t declared = 0;       // count declared in the header
  uint64_t declared_line = 0;  // the line that declared it
  uint64_t header_line = 0;    // line of "\N-grams:"
  uint64_t in_file = 0;        // n-grams read from the section
  // For each blank line inside the section, the n-grams read before it.
  std::vector<uint64_t> blanks;
};

class ArpaParser {
 public:
  ArpaParser(io::InputStream* in, const std::function<void(const std::string&)>& warn)
      : reader_(in, size_t{4} << 20),
        name_(in->name()),
        input_size_(in->size_hint()),
        warn_(warn) {}

  StatusOr<Model> Run();

 private:
  Status Err(uint64_t line, const std::string& msg) const {
    return CorruptionError(name_ + ":" + std::to_string(line) + ": " + msg);
  }
  Status ErrHere(const std::string& msg) const { return Err(reader_.line_number(), msg); }
  void Warn(const std::string& msg) const {
    if (warn_) warn_(msg);
  }
  // The end of input before \end\: an I/O error, or a truncated file.
  Status EndOfInput(const std::string& where) const;

  Status ReadHeader(std::string_view* first_section);
  // Reads the data lines of order n up to the next line starting with '\'.
  Status ReadSection(int n, std::string_view* next_header);
  Status FinishUnigrams();
  Status SplitFields(int n, std::string_view line, size_t* count);
  Status ParseUnigram(std::string_view line);
  // Parses a line of order n >= 2 into the batch.
  Status ParseNgram(int n, std::string_view line);
  // Looks up the contexts of the batched lines (prefetching a batch ahead)
  // and appends them to order n in file order.
  Status FlushBatch(int n);
  Status AppendBatch(int n, size_t size);
  // The index of the context w[0..n-1) in order n-1, adding the missing
  // context n-grams. `line` is that of w, for messages.
  Status ResolveContext(int n, const WordId* w, uint64_t line, uint32_t* context);
  // log10 p(w[len-1] | w[0..len-1)) by backing off through the orders read.
  double BackoffProb(const WordId* w, int len) const;
  // Index of the n-gram w[0..len) in order len (file order), or kNone.
  uint32_t Lookup(const WordId* w, int len) const;
  float ProbOf(int n, uint32_t index) const {
    return n == 1 ? prob1_[index] : levels_[n - 1].prob[index];
  }
  float BackoffOf(int n, uint32_t index) const {
    return n == 1 ? bo1_[index] : levels_[n - 1].backoff[index];
  }
  uint64_t LineOf(int n, uint64_t index) const {
    const PendingLevel& l = levels_[n - 1];
    auto blanks_before =
        std::upper_bound(l.blanks.begin(), l.blanks.end(), index) - l.blanks.begin();
    return l.header_line + 1 + index + static_cast<uint64_t>(blanks_before);
  }
  std::string NgramText(int n, const WordId* w) const {
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i) s.push_back(' ');
      s.append(vocab_.Word(w[i]));
    }
    return s;
  }
  StatusOr<Model> Finish();

  io::LineReader reader_;
  std::string name_;
  TokenizerSettings settings_;  // from "# grams-tokenizer:" lines, else words
  bool escaped_units_ = false;   // a "# grams-escaped-units:" line was seen
  std::vector<std::pair<std::string, std::string>> model_info_;  // "# grams-model:" items
  int64_t input_size_;  // -1 if unknown
  const std::function<void(const std::string&)>& warn_;

  int order_ = 0;
  // levels_[n-1]: order n. For n = 1 only the section bookkeeping (counts,
  // lines) is used; the 1-grams live in vocab_, prob1_ and bo1_.
  std::vector<PendingLevel> levels_;

  Vocabulary vocab_;
  bool reserved_seen_[kNumReservedWords] = {false, false, false};
  std::vector<float> prob1_, bo1_;  // by word id
  std::vector<uint32_t> uni_pos_;   // by word id: position in the 1-gram section

  // The fields of the current line.
  std::string_view fields_[kMaxOrder + 2];
  WordIndex words_;  // built after the 1-grams

  // Lines of the current order parsed but not yet appended. Row b holds its
  // words in batch_text_ at batch_word_[b*n .. b*n+n), then their ids in
  // batch_ids_; lookups go a batch at a time, prefetched.
  static constexpr size_t kBatch = 256;
  struct WordRef {
    uint32_t offset;
    uint32_t size;
    uint64_t hash;
  };
  size_t batch_size_ = 0;
  std::string batch_text_;
  std::vector<WordRef> batch_word_;
  std::vector<uint8_t> batch_has_bo_;
  std::vector<WordId> batch_ids_;
  std::vector<float> batch_prob_, batch_bo_;
  std::vector<uint64_t> batch_line_;
  std::vector<uint32_t> batch_ctx_;
  std::vector<size_t> batch_home_;
  std::vector<uint8_t> batch_found_;

  uint64_t added_contexts_ = 0;
  uint64_t first_added_line_ = 0;
  uint64_t top_backoffs_ = 0;
  uint64_t first_top_backoff_line_ = 0;
};

Status ArpaParser::EndOfInput(const std::string& where) const {
  if (!reader_.status().ok()) return reader_.status();
  return CorruptionError(name_ + ":" + std::to_string(reader_.line_number()) +
                         ": unexpected end of file " + where +
                         ", no \\end\\ line (file truncated?)");
}

Status ArpaParser::ReadHeader(std::string_view* first_section) {
  std::string_view line;
  bool found = false;
  // The tokenizer line's items, applied at \data\ with the base64 text of
  // the "# grams-sp-model:" lines (a SentencePiece model) that follow it.
  std::vector<std::pair<std::string, std::string>> tokenizer_kv;
  uint64_t tokenizer_line = 0;
  std::string sp_model_base64;
  const std::string_view sp_prefix = kArpaSpModelComment;
  while (reader_.Next(&line)) {
    const std::string_view t = Trim(line);
    if (t == "\\data\\") {
      found = true;
      break;
    }
    if (t.substr(0, sp_prefix.size()) == sp_prefix) {
      sp_model_base64 += t.substr(sp_prefix.size());
      if (tokenizer_line == 0) tokenizer_line = reader_.line_number();
      continue;
    }
    // grams' own comment lines (grams/escape.h): the tokenization of a
    // non-word model, and the mark that its units are escaped.
    const std::string_view tok = kArpaTokenizerComment, esc = kArpaEscapeComment;
    if (t.substr(0, tok.size()) == tok) {
      std::vector<std::pair<std::string, std::string>> kv;
      std::string_view rest = t.substr(tok.size());
      while (!rest.empty()) {
        rest = Trim(rest);
        size_t end = 0;
        while (end < rest.size() && !IsSpace(rest[end])) ++end;
        const std::string_view item = rest.substr(0, end);
        rest = rest.substr(end);
        if (item.empty()) break;
        const size_t eq = item.find('=');
        if (eq == std::string_view::npos) return ErrHere("malformed tokenizer setting " + Quote(item));
        kv.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
      }
      tokenizer_kv = std::move(kv);
      tokenizer_line = reader_.line_number();
    } else if (t.substr(0, esc.size()) == esc) {
      escaped_units_ = true;
    } else if (t.substr(0, std::string_view(kArpaModelComment).size()) == kArpaModelComment) {
      // Provenance a grams writer kept (e.g. smoothing=stupid): key=value items.
      std::string_view rest = t.substr(std::string_view(kArpaModelComment).size());
      while (!(rest = Trim(rest)).empty()) {
        size_t end = 0;
        while (end < rest.size() && !IsSpace(rest[end])) ++end;
        const std::string_view item = rest.substr(0, end);
        rest = rest.substr(end);
        const size_t eq = item.find('=');
        if (eq == std::string_view::npos) return ErrHere("malformed model comment item " + Quote(item));
        model_info_.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
      }
    }
  }
  if (!found) {
    if (!reader_.status().ok()) return reader_.status();
    return Err(reader_.line_number(), "no \\data\\ line: not an ARPA file");
  }
  if (tokenizer_line != 0) {
    auto parsed = TokenizerSettings::FromArpaKeyValues(tokenizer_kv, sp_model_base64);
    if (!parsed.ok()) return Err(tokenizer_line, parsed.status().message());
    settings_ = std::move(parsed).value();
  }
  const uint64_t data_line = reader_.line_number();
  std::vector<uint64_t> counts, lines;  // by order - 1; lines[i] == 0: not declared
  for (;;) {
    if (!reader_.Next(&line)) return EndOfInput("in the \\data\\ section");
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (t[0] == '\\') {
      *first_section = t;
      break;
    }
    constexpr std::string_view kNgram = "ngram";
    if (t.substr(0, kNgram.size()) != kNgram) {
      return ErrHere("expected 'ngram N=count' in the \\data\\ section, found " + Quote(t));
    }
    std::string_view rest = t.substr(kNgram.size());
    size_t eq = rest.find('=');
    uint64_t n = 0, c = 0;
    if (rest.empty() || !IsSpace(rest[0]) || eq == std::string_view::npos ||
        !ParseUint(Trim(rest.substr(0, eq)), &n) || !ParseUint(Trim(rest.substr(eq + 1)), &c)) {
      return ErrHere("malformed line " + Quote(t) + ", expected 'ngram N=count'");
    }
    if (n < 1 || n > static_cast<uint64_t>(kMaxOrder)) {
      return ErrHere("order " + std::to_string(n) + " out of range (1.." +
                     std::to_string(kMaxOrder) + ")");
    }
    if (c > kMaxEntries) {
      return ErrHere("too many " + std::to_string(n) + "-grams (" + std::to_string(c) +
                     "; at most " + std::to_string(kMaxEntries) + " per order)");
    }
    if (n > counts.size()) {
      counts.resize(n, 0);
      lines.resize(n, 0);
    }
    if (lines[n - 1] != 0) {
      return ErrHere("order " + std::to_string(n) + " declared twice (first at line " +
                     std::to_string(lines[n - 1]) + ")");
    }
    counts[n - 1] = c;
    lines[n - 1] = reader_.line_number();
  }
  if (counts.empty()) return Err(data_line, "\\data\\ declares no 'ngram N=count' lines");
  for (size_t i = 0; i < counts.size(); ++i) {
    if (lines[i] == 0) {
      return Err(data_line, "\\data\\ declares no count for order " + std::to_string(i + 1) +
                                " but declares order " + std::to_string(counts.size()));
    }
  }
  order_ = static_cast<int>(counts.size());
  levels_.resize(order_);
  batch_word_.resize(kBatch * order_);
  batch_has_bo_.resize(kBatch);
  batch_ids_.resize(kBatch * order_);
  batch_prob_.resize(kBatch);
  batch_bo_.resize(kBatch);
  batch_line_.resize(kBatch);
  batch_ctx_.resize(kBatch);
  batch_home_.resize(kBatch);
  batch_found_.resize(kBatch);
  for (int n = 1; n <= order_; ++n) {
    levels_[n - 1].declared = counts[n - 1];
    levels_[n - 1].declared_line = lines[n - 1];
  }
  return Status::OK();
}

Status ArpaParser::SplitFields(int n, std::string_view line, size_t* count) {
  const size_t max_fields = static_cast<size_t>(n) + 2;
  size_t nf = 0;
  const char* p = line.data();
  const char* e = p + line.size();
  for (;;) {
    while (p < e && IsSpace(*p)) ++p;
    if (p == e) break;
    const char* s = p;
    p = FindSpace(p, e);
    if (nf == max_fields) {
      return ErrHere("too many fields for a " + std::to_string(n) +
                     "-gram: expected a log probability, " + std::to_string(n) +
                     (n == 1 ? " word" : " words") + " and an optional backoff");
    }
    fields_[nf++] = std::string_view(s, static_cast<size_t>(p - s));
  }
  if (nf < static_cast<size_t>(n) + 1) {
    return ErrHere("too few fields for a " + std::to_string(n) + "-gram (" + std::to_string(nf) +
                   "): expected a log probability, " + std::to_string(n) +
                   (n == 1 ? " word" : " words") + " and an optional backoff");
  }
  *count = nf;
  return Status::OK();
}

Status ArpaParser::ReadSection(int n, std::string_view* next_header) {
  PendingLevel& level = levels_[n - 1];
  level.header_line = reader_.line_number();
  const uint64_t declared = level.declared;
  const uint64_t reserve =
      std::min(declared, input_size_ >= 0 ? static_cast<uint64_t>(input_size_) / (2 * n + 1) + 1
                                          : kMaxReserveUnknownSize);
  // About 48 bytes per 1-gram (its text, offset, hash slots and values);
  // 12 or 16 bytes per n-gram, plus the context map's below the highest order.
  if (n == 1) {
    SizedAllocation(reserve * 48, [&] {
      vocab_.Reserve(reserve + kNumReservedWords, reserve * 8);
      prob1_.reserve(reserve + kNumReservedWords);
      bo1_.reserve(reserve + kNumReservedWords);
      uni_pos_.reserve(reserve + kNumReservedWords);
    });
  } else {
    SizedAllocation(reserve * (n < order_ ? 16 : 12), [&] {
      level.words.reserve(reserve);
      level.parents.reserve(reserve);
      level.prob.reserve(reserve);
      if (n < order_) level.backoff.reserve(reserve);
    });
    if (n < order_) level.map.Reset(reserve);
  }
  // An error stops reading after the lines batched before it are appended,
  // which may find an earlier error.
  auto fail = [&](Status error) {
    if (n > 1) GRAMS_RETURN_IF_ERROR(FlushBatch(n));
    return error;
  };
  std::string_view line;
  for (;;) {
    if (!reader_.Next(&line)) {
      return fail(EndOfInput("in the \\" + std::to_string(n) + "-grams: section after " +
                             std::to_string(level.in_file) + " of " + std::to_string(declared) +
                             " n-grams"));
    }
    // Fast check for the common case of a data line.
    const char c = line.empty() ? ' ' : line[0];
    if (c == '\\') {
      *next_header = Trim(line);
      break;
    }
    if (IsSpace(c)) {
      std::string_view t = Trim(line);
      if (t.empty()) {
        level.blanks.push_back(level.in_file);
        continue;
      }
      if (t[0] == '\\') {
        *next_header = t;
        break;
      }
    }
    if (level.in_file == declared) {
      return fail(ErrHere("more n-grams in the \\" + std::to_string(n) +
                          "-grams: section than the " + std::to_string(declared) +
                          " declared in \\data\\ (line " + std::to_string(level.declared_line) +
                          ")"));
    }
    if (n == 1) {
      GRAMS_RETURN_IF_ERROR(ParseUnigram(line));
    } else {
      Status s = ParseNgram(n, line);
      if (!s.ok()) return fail(std::move(s));
      if (batch_size_ == kBatch) GRAMS_RETURN_IF_ERROR(FlushBatch(n));
    }
    ++level.in_file;
  }
  if (n > 1) GRAMS_RETURN_IF_ERROR(FlushBatch(n));
  if (level.in_file != declared) {
    return ErrHere("the \\" + std::to_string(n) + "-grams: section has " +
                   std::to_string(level.in_file) + " n-grams but \\data\\ declares " +
                   std::to_string(declared) + " (line " + std::to_string(level.declared_line) +
                   ")");
  }
  return Status::OK();
}

Status ArpaParser::ParseUnigram(std::string_view line) {
  size_t nf;
  GRAMS_RETURN_IF_ERROR(SplitFields(1, line, &nf));
  float prob, bo = 0.0f;
  if (!ParseFloat(fields_[0], &prob)) {
    return ErrHere("malformed log probability " + Quote(fields_[0]));
  }
  if (prob > 0.0f) return ErrHere("positive log probability " + Quote(fields_[0]));
  if (nf == 3 && !ParseFloat(fields_[2], &bo)) {
    return ErrHere("malformed backoff " + Quote(fields_[2]));
  }
  if (nf == 3 && order_ == 1) {
    if (top_backoffs_++ == 0) first_top_backoff_line_ = reader_.line_number();
  }
  const std::string_view word = fields_[1];
  const size_t before = vocab_.size();
  if (before >= kMaxEntries) return ErrHere("too many words");
  const WordId id = vocab_.FindOrInsert(word, Vocabulary::Hash(word));
  if (id < before) {
    if (id < static_cast<WordId>(kNumReservedWords) && !reserved_seen_[id]) {
      reserved_seen_[id] = true;
    } else {
      return ErrHere("duplicate 1-gram " + Quote(word) + " (first at line " +
                     std::to_string(LineOf(1, uni_pos_[id])) + ")");
    }
  }
  if (id >= prob1_.size()) {
    prob1_.resize(id + 1, 0.0f);
    bo1_.resize(id + 1, 0.0f);
    uni_pos_.resize(id + 1, 0);
  }
  prob1_[id] = prob;
  bo1_[id] = bo;
  uni_pos_[id] = static_cast<uint32_t>(levels_[0].in_file);
  return Status::OK();
}

Status ArpaParser::FinishUnigrams() {
  for (WordId id : {kBosId, kEosId}) {
    if (!reserved_seen_[id]) {
      return ErrHere("the 1-grams have no " + std::string(vocab_.Word(id)) +
                     " (every ARPA model needs <s> and </s>)");
    }
  }
  if (prob1_.size() < vocab_.size()) {
    prob1_.resize(vocab_.size(), 0.0f);
    bo1_.resize(vocab_.size(), 0.0f);
    uni_pos_.resize(vocab_.size(), 0);
  }
  words_.Build(vocab_, reserved_seen_[kUnkId]);
  if (!reserved_seen_[kUnkId]) {
    prob1_[kUnkId] = -100.0f;
    bo1_[kUnkId] = 0.0f;
    Warn(name_ + ": the 1-grams have no <unk>; added it with log10 probability -100");
  }
  return Status::OK();
}

uint32_t ArpaParser::Lookup(const WordId* w, int len) const {
  uint32_t index = w[0];
  for (int k = 2; k <= len && index != kNone; ++k) {
    index = levels_[k - 1].map.Find(Key(index, w[k - 1]));
  }
  return index;
}

double ArpaParser::BackoffProb(const WordId* w, int len) const {
  double backoffs = 0.0;
  for (;; ++w, --len) {
    if (len == 1) return backoffs + ProbOf(1, w[0]);
    const uint32_t context = Lookup(w, len - 1);
    if (context != kNone) {
      const uint32_t full = levels_[len - 1].map.Find(Key(context, w[len - 1]));
      if (full != kNone) return backoffs + ProbOf(len, full);
      backoffs += BackoffOf(len - 1, context);
    }
  }
}

Status ArpaParser::ResolveContext(int n, const WordId* w, uint64_t line, uint32_t* context) {
  uint32_t index = w[0];
  int k = 2;
  for (; k <= n - 1; ++k) {
    const uint32_t next = levels_[k - 1].map.Find(Key(index, w[k - 1]));
    if (next == kNone) break;
    index = next;
  }
  // Add w[0..j) to order j for j = k..n-1: none of them is in the file.
  for (; k <= n - 1; ++k) {
    PendingLevel& level = levels_[k - 1];
    if (level.words.size() >= kMaxEntries) {
      return Err(line, "too many " + std::to_string(k) + "-grams");
    }
    const float prob = static_cast<float>(BackoffProb(w, k));
    const uint32_t added = static_cast<uint32_t>(level.words.size());
    level.words.push_back(w[k - 1]);
    level.parents.push_back(index);
    level.prob.push_back(prob);
    level.backoff.push_back(0.0f);
    level.map.Insert(Key(index, w[k - 1]), added);
    index = added;
    if (added_contexts_++ == 0) first_added_line_ = line;
  }
  *context = index;
  return Status::OK();
}

Status ArpaParser::ParseNgram(int n, std::string_view line) {
  size_t nf;
  GRAMS_RETURN_IF_ERROR(SplitFields(n, line, &nf));
  const size_t b = batch_size_;
  float prob, bo = 0.0f;
  if (!ParseFloat(fields_[0], &prob)) {
    return ErrHere("malformed log probability " + Quote(fields_[0]));
  }
  if (prob > 0.0f) return ErrHere("positive log probability " + Quote(fields_[0]));
  const bool has_backoff = nf == static_cast<size_t>(n) + 2;
  if (has_backoff && !ParseFloat(fields_[n + 1], &bo)) {
    return ErrHere("malformed backoff " + Quote(fields_[n + 1]));
  }
  // The words are looked up when the batch is flushed; keep their text.
  if (batch_text_.size() + line.size() > UINT32_MAX) return ErrHere("line too long");
  const size_t base = batch_text_.size();
  batch_text_.append(line);
  WordRef* refs = &batch_word_[b * n];
  for (int i = 0; i < n; ++i) {
    const std::string_view word = fields_[1 + i];
    const uint64_t hash = WordIndex::Hash(word.data(), word.size());
    words_.Prefetch(hash);
    refs[i] = WordRef{static_cast<uint32_t>(base + static_cast<size_t>(word.data() - line.data())),
                      static_cast<uint32_t>(word.size()), hash};
  }
  batch_has_bo_[b] = has_backoff;
  if (n == order_ && has_backoff) {
    if (top_backoffs_++ == 0) first_top_backoff_line_ = reader_.line_number();
  }
  batch_prob_[b] = prob;
  batch_bo_[b] = bo;
  batch_line_[b] = reader_.line_number();
  batch_size_ = b + 1;
  return Status::OK();
}

Status ArpaParser::FlushBatch(int n) {
  size_t size = batch_size_;
  batch_size_ = 0;
  if (size == 0) return Status::OK();
  // Word ids. A word not in the 1-grams ends the batch: the lines before it
  // are appended (they may hold an earlier error), then it is reported.
  WordId* ids = batch_ids_.data();
  batch_text_.append(WordIndex::kPadding, '\0');
  size_t unknown_word = SIZE_MAX;
  for (size_t j = 0; j < size * n; ++j) {
    const WordRef& r = batch_word_[j];
    ids[j] = words_.Find(batch_text_.data() + r.offset, r.size, r.hash);
    if (ids[j] == Vocabulary::kNotFound) {
      unknown_word = j;
      size = j / n;
      break;
    }
  }
  if (unknown_word != SIZE_MAX) {
    GRAMS_RETURN_IF_ERROR(AppendBatch(n, size));
    const size_t b = unknown_word / n;
    const int i = static_cast<int>(unknown_word % n);
    const WordRef& r = batch_word_[unknown_word];
    const std::string_view word(batch_text_.data() + r.offset, r.size);
    std::string msg =
        "word " + Quote(word) + " of this " + std::to_string(n) + "-gram is not in the 1-grams";
    float ignored;
    if (i == n - 1 && !batch_has_bo_[b] && ParseFloat(word, &ignored)) {
      msg += " (or the line has " + std::to_string(n - 1) + " words and a backoff, not " +
             std::to_string(n) + " words)";
    }
    batch_text_.clear();
    return Err(batch_line_[b], msg);
  }
  batch_text_.clear();
  return AppendBatch(n, size);
}

Status ArpaParser::AppendBatch(int n, size_t size) {
  if (size == 0) return Status::OK();
  const WordId* ids = batch_ids_.data();
  uint32_t* ctx = batch_ctx_.data();
  size_t* home = batch_home_.data();
  uint8_t* found = batch_found_.data();
  for (size_t b = 0; b < size; ++b) {
    ctx[b] = ids[b * n];
    found[b] = 1;
  }
  // One order at a time: prefetch every line's slot, then look them up.
  for (int k = 2; k <= n - 1; ++k) {
    const ContextMap& map = levels_[k - 1].map;
    for (size_t b = 0; b < size; ++b) {
      if (!found[b]) continue;
      home[b] = map.Home(Key(ctx[b], ids[b * n + k - 1]));
      map.Prefetch(home[b]);
    }
    for (size_t b = 0; b < size; ++b) {
      if (!found[b]) continue;
      const uint32_t index = map.FindFrom(home[b], Key(ctx[b], ids[b * n + k - 1]));
      if (index == kNone) {
        found[b] = 0;
      } else {
        ctx[b] = index;
      }
    }
  }
  PendingLevel& level = levels_[n - 1];
  const bool keep_map = n < order_;
  if (keep_map) {
    for (size_t b = 0; b < size; ++b) {
      if (found[b]) level.map.Prefetch(level.map.Home(Key(ctx[b], ids[b * n + n - 1])));
    }
  }
  for (size_t b = 0; b < size; ++b) {
    const WordId* w = ids + b * n;
    // Not found: a context is missing, or was added by an earlier line.
    if (!found[b]) GRAMS_RETURN_IF_ERROR(ResolveContext(n, w, batch_line_[b], &ctx[b]));
    const uint32_t index = static_cast<uint32_t>(level.words.size());
    if (keep_map) {
      const uint32_t first = level.map.Insert(Key(ctx[b], w[n - 1]), index);
      if (first != kNone) {
        return Err(batch_line_[b], "duplicate " + std::to_string(n) + "-gram " +
                                       Quote(NgramText(n, w)) + " (first at line " +
                                       std::to_string(LineOf(n, first)) + ")");
      }
      level.backoff.push_back(batch_bo_[b]);
    }
    level.words.push_back(w[n - 1]);
    level.parents.push_back(ctx[b]);
    level.prob.push_back(batch_prob_[b]);
  }
  return Status::OK();
}

StatusOr<Model> ArpaParser::Finish() {
  const int N = order_;
  const size_t V = vocab_.size();
  Model model;
  model.trie.levels.resize(N);
  model.log_prob.resize(N);
  model.log_backoff.resize(N);
  TrieLevel& unigrams = model.trie.levels[0];
  unigrams.words.resize(V);
  std::iota(unigrams.words.begin(), unigrams.words.end(), WordId{0});
  model.log_prob[0] = std::move(prob1_);
  if (N > 1) model.log_backoff[0] = std::move(bo1_);

  int word_bits = 1;
  while ((uint64_t{1} << word_bits) < V) ++word_bits;
  // perm[i]: the final index of entry i (file order) of the order below;
  // empty when that order was already in trie order.
  std::vector<EntryIndex> perm;
  for (int n = 2; n <= N; ++n) {
    PendingLevel& in = levels_[n - 1];
    in.map.Clear();
    const size_t m = in.words.size();
    if (!perm.empty()) {
      for (EntryIndex& p : in.parents) p = perm[p];
    }
    std::vector<EntryIndex>().swap(perm);
    auto key = [&](size_t i) {
      return (static_cast<uint64_t>(in.parents[i]) << word_bits) | in.words[i];
    };
    bool sorted = true;
    for (size_t i = 1; i < m; ++i) {
      if (key(i) <= key(i - 1)) {
        sorted = false;
        break;
      }
    }
    TrieLevel& out = model.trie.levels[n - 1];
    if (sorted) {
      out.words = std::move(in.words);
      out.parents = std::move(in.parents);
      model.log_prob[n - 1] = std::move(in.prob);
      if (n < N) model.log_backoff[n - 1] = std::move(in.backoff);
      continue;
    }
    std::vector<KeyValue> items;
    SizedAllocation(m * sizeof(KeyValue), [&] { items.resize(m); });
    for (size_t i = 0; i < m; ++i) items[i] = KeyValue{key(i), static_cast<uint32_t>(i)};
    RadixSortByKey(&items);
    for (size_t j = 1; j < m; ++j) {
      if (items[j].key == items[j - 1].key) {
        // Only possible at the highest order (the others are checked while
        // reading); the sort is stable, so items[j] is the later line.
        std::vector<WordId> w(n);
        model.trie.Ngram(n - 1, in.parents[items[j].value], w.data());
        w[n - 1] = in.words[items[j].value];
        return Err(LineOf(n, items[j].value),
                   "duplicate " + std::to_string(n) + "-gram " + Quote(NgramText(n, w.data())) +
                       " (first at line " + std::to_string(LineOf(n, items[j - 1].value)) + ")");
      }
    }
    std::vector<float>& prob = model.log_prob[n - 1];
    std::vector<float>* backoff = n < N ? &model.log_backoff[n - 1] : nullptr;
    SizedAllocation(m * (backoff ? 20 : 16), [&] {
      perm.resize(m);
      out.words.resize(m);
      out.parents.resize(m);
      prob.resize(m);
      if (backoff) backoff->resize(m);
    });
    for (size_t j = 0; j < m; ++j) {
      const uint32_t i = items[j].value;
      out.words[j] = in.words[i];
      out.parents[j] = static_cast<EntryIndex>(items[j].key >> word_bits);
      prob[j] = in.prob[i];
      if (backoff) (*backoff)[j] = in.backoff[i];
      perm[i] = static_cast<EntryIndex>(j);
    }
    in = PendingLevel();
  }
  // Units written escaped (<0x0A>, <sp>: grams/escape.h) become the units
  // they stand for; parsing matched the escaped text throughout.
  // Only files grams marked: a foreign word model may have words such as
  // <0x0A> (SentencePiece byte fallback) that stand for themselves.
  model.settings = settings_;
  if (escaped_units_) {
    std::vector<std::string> units(vocab_.size());
    std::vector<std::string_view> views(vocab_.size());
    for (WordId id = 0; id < vocab_.size(); ++id) {
      units[id] = UnescapeUnit(vocab_.Word(id));
      views[id] = units[id];
    }
    if (!Vocabulary::FromWords(views, &model.vocab)) {
      return InvalidArgument(name_ + ": two 1-grams stand for the same unit once unescaped");
    }
  } else {
    model.vocab = std::move(vocab_);
  }
  model.info = std::move(model_info_);
  model.info.emplace_back("source", "arpa");
  return model;
}

StatusOr<Model> ArpaParser::Run() {
  std::string_view header;
  GRAMS_RETURN_IF_ERROR(ReadHeader(&header));
  for (int n = 1; n <= order_; ++n) {
    const uint64_t got = SectionOrder(header);
    if (got != static_cast<uint64_t>(n)) {
      std::string expected = "\\" + std::to_string(n) + "-grams:";
      if (header == "\\end\\") {
        return ErrHere("\\end\\ before the " + expected + " section (\\data\\ declares order " +
                       std::to_string(order_) + ")");
      }
      return ErrHere("expected " + expected + ", found " + Quote(header));
    }
    GRAMS_RETURN_IF_ERROR(ReadSection(n, &header));
    if (n == 1) GRAMS_RETURN_IF_ERROR(FinishUnigrams());
  }
  if (header != "\\end\\") {
    const uint64_t got = SectionOrder(header);
    if (got > static_cast<uint64_t>(order_)) {
      return ErrHere("section " + Quote(header) + " is not declared in \\data\\ (highest order " +
                     std::to_string(order_) + ")");
    }
    return ErrHere("expected \\end\\, found " + Quote(header));
  }
  if (added_contexts_ > 0) {
    Warn(name_ + ":" + std::to_string(first_added_line_) + ": added " +
         std::to_string(added_contexts_) +
         " n-grams missing from the file that are contexts of longer n-grams (the first needed "
         "here), with backed-off log probabilities and zero backoffs");
  }
  if (top_backoffs_ > 0) {
    Warn(name_ + ":" + std::to_string(first_top_backoff_line_) + ": ignored " +
         std::to_string(top_backoffs_) + " backoffs on " + std::to_string(order_) +
         "-grams, the highest order (the first here)");
  }
  return Finish();
}

}  // namespace

StatusOr<Model> ReadArpa(io::InputStream* in,
                         const std::function<void(const std::string&)>& warn) {
  return GuardAlloc("reading the ARPA file " + in->name(), MemoryHint::kNone,
                    [&]() -> StatusOr<Model> {
                      auto parser = std::make_unique<ArpaParser>(in, warn);
                      return parser->Run();
                    });
}

StatusOr<Model> ReadArpa(const std::string& path,
                         const std::function<void(const std::string&)>& warn) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  return ReadArpa(in.get(), warn);
}

StatusOr<Model> ReadArpa(const std::string& path) { return ReadArpa(path, nullptr); }

}  // namespace grams
