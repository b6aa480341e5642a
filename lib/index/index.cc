// CorpusIndex: opening (the checks of docs/FORMAT.md, "Corpus index") and
// the queries, all over one primitive: narrowing a range of the suffix array
// by the unit found at a given depth of its suffixes (Refine).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "grams/escape.h"
#include "grams/index.h"
#include "grams/vocabulary.h"
#include "index/index_format.h"
#include "io/fd.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"
#include "util/coding.h"

namespace grams {

namespace {

constexpr WordId kMark = kEosId;  // the boundary mark B of the stream

const char* SectionName(uint32_t id) {
  switch (id) {
    case index::kVocab:
      return "VOCAB";
    case index::kTokens:
      return "TOKENS";
    case index::kSuffixes:
      return "SUFFIXES";
    case index::kLineSamples:
      return "LINE_SAMPLES";
  }
  return "unknown";
}

bool GetKeyValues(const char** p, const char* end,
                  std::vector<std::pair<std::string, std::string>>* kv) {
  uint64_t n;
  if (!GetVarint64(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetLengthPrefixed(p, end, &k) || !GetLengthPrefixed(p, end, &v)) return false;
    kv->emplace_back(std::string(k), std::string(v));
  }
  return true;
}

}  // namespace

struct IndexHeader;

class CorpusIndex::Rep {
 public:
  ~Rep() {
    if (map_ != nullptr) munmap(map_, size_);
  }

  Status Open(const std::string& path, const OpenOptions& options);

  // The unit at stream position p (p < N).
  WordId Token(uint64_t p) const {
    return static_cast<WordId>(index::GetPacked(tokens_, id_bits_, p));
  }
  // Suffix array entry i (i < N), clamped to N (a damaged entry reads as
  // the empty suffix).
  uint64_t Suffix(uint64_t i) const {
    return std::min<uint64_t>(index::GetPacked(suffixes_, pos_bits_, i), n_);
  }
  // The unit of suffix i at depth d, or -1 where the suffix ends before.
  int64_t Key(uint64_t i, uint64_t d) const {
    const uint64_t p = Suffix(i) + d;
    return p < n_ ? static_cast<int64_t>(Token(p)) : -1;
  }
  // Narrows [*lo, *hi) (suffixes sharing their first d units) to those whose
  // unit at depth d is x.
  void Refine(uint64_t d, int64_t x, uint64_t* lo, uint64_t* hi) const {
    uint64_t a = *lo, b = *hi;
    while (a < b) {  // first key >= x
      const uint64_t m = a + (b - a) / 2;
      if (Key(m, d) < x)
        a = m + 1;
      else
        b = m;
    }
    uint64_t c = a, e = *hi;
    while (c < e) {  // first key > x
      const uint64_t m = c + (e - c) / 2;
      if (Key(m, d) <= x)
        c = m + 1;
      else
        e = m;
    }
    *lo = a;
    *hi = c;
  }
  // The suffix array range of `q` (stream ids); empty if any is unknown.
  void Range(std::span<const WordId> q, uint64_t* lo, uint64_t* hi) const {
    *lo = 0;
    *hi = n_;
    for (size_t d = 0; d < q.size() && *lo < *hi; ++d) {
      if (q[d] == kUnknownUnit) {
        *hi = *lo;
        return;
      }
      Refine(d, q[d], lo, hi);
    }
  }
  // The occurrences in [lo, hi) (a range of depth d) followed by a unit.
  Count Followed(uint64_t lo, uint64_t hi, uint64_t d) const {
    if (lo >= hi) return 0;
    return hi - lo - (Suffix(lo) + d >= n_ ? 1 : 0);
  }
  // 1-based line of stream position p: the marks before it.
  uint64_t LineOf(uint64_t p) const {
    const uint64_t k = p >> index::kSampleShift;
    uint64_t line = DecodeFixed64(samples_ + 8 * std::min(k, samples_n_ - 1));
    for (uint64_t i = k << index::kSampleShift; i < p; ++i) line += Token(i) == kMark;
    return line;
  }

  // The query's ids as stream ids: <s> (first only) and </s> (last only)
  // become B. False if the n-gram cannot occur.
  bool ToStream(std::span<const WordId> q, std::vector<WordId>* s) const {
    s->assign(q.begin(), q.end());
    for (size_t i = 0; i < s->size(); ++i) {
      WordId& w = (*s)[i];
      if (w == kBosId) {
        if (i != 0) return false;
        w = kMark;
      } else if (w == kEosId && i + 1 != s->size()) {
        return false;
      } else if (w >= vocab_.size()) {
        return false;
      }
    }
    return true;
  }

  // The steps of Open.
  Status ReadSizes(const std::string& path, IndexHeader* h);
  Status ReadSections(const std::string& path, IndexHeader* h) const;
  Status ReadSettings(const std::string& path, const IndexHeader& h);
  Status MapSections(const std::string& path, int fd, const IndexHeader& h, bool verify_checksums);
  Status ReadVocab(const std::string& path, const char* vp, uint64_t size, uint64_t V);

  uint64_t n_ = 0, lines_ = 0;
  int id_bits_ = 0, pos_bits_ = 0;
  const unsigned char* tokens_ = nullptr;
  const unsigned char* suffixes_ = nullptr;
  const char* samples_ = nullptr;
  uint64_t samples_n_ = 0;
  Vocabulary vocab_;
  TokenizerSettings settings_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::string_view> tokens_scratch_;
  void* map_ = nullptr;
  size_t size_ = 0;
};

// The header as read and checked by ReadHeader: the whole header bytes and
// the section table.
struct IndexHeader {
  struct Entry {
    uint32_t id, crc;
    uint64_t offset, size, count;
  };
  std::string bytes;  // H bytes, checksum included
  uint64_t file_size = 0, vocab_size = 0;
  Entry entries[index::kSectionCount];
};

namespace {

// Opens `path` for mapping: a regular, non-empty file. Sets *size.
Status OpenIndexFile(const std::string& path, io::Fd* fd, uint64_t* size) {
  fd->reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd->get() < 0) {
    const int err = errno;
    const std::string m = path + ": " + io::ErrnoText(err);
    return err == ENOENT ? NotFoundError(m) : IOError(m);
  }
  struct stat st;
  if (fstat(fd->get(), &st) != 0) return IOError(path + ": " + io::ErrnoText(errno));
  if (S_ISDIR(st.st_mode)) return InvalidArgument(path + ": is a directory");
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(path + ": an index must be a regular file (it is mapped, not read)");
  }
  *size = static_cast<uint64_t>(st.st_size);
  if (*size == 0) return CorruptionError(path + ": empty file, expected a grams corpus index");
  return Status::OK();
}

// Reads the fixed header's magic, version and flags, then the whole header
// (its size H from the fixed part) into h->bytes, checked against its
// checksum and against the file's actual size.
Status ReadHeaderBytes(const std::string& path, int fd, uint64_t actual, IndexHeader* h) {
  auto bad = [&](const std::string& why) { return CorruptionError(path + ": " + why); };
  char fixed[index::kFixedHeaderSize] = {};
  const int64_t got = io::ReadAt(fd, fixed, sizeof fixed, 0);
  if (got < 0) return IOError(path + ": " + io::ErrnoText(static_cast<int>(-got)));
  if (static_cast<uint64_t>(got) < 8 || std::memcmp(fixed, index::kIndexMagic, 8) != 0) {
    return bad("not a grams corpus index (bad magic bytes)");
  }
  if (static_cast<uint64_t>(got) < index::kFixedHeaderSize) return bad("truncated header");
  const uint32_t version = DecodeFixed32(fixed + 8);
  if (version != index::kIndexVersion) {
    return UnsupportedVersion(path + ": corpus index format version " + std::to_string(version) +
                              ", but this grams reads version " +
                              std::to_string(index::kIndexVersion) + "; build the index again");
  }
  if (DecodeFixed32(fixed + 12) != 0) {
    return UnsupportedVersion(path + ": corpus index with unknown flags");
  }
  h->file_size = DecodeFixed64(fixed + 16);
  const uint32_t H = DecodeFixed32(fixed + 24);
  const uint64_t min_h =
      index::kFixedHeaderSize + index::kSectionCount * index::kSectionEntrySize + 4;
  if (H < min_h || H > index::kMaxHeaderSize) return bad("corrupt header size");
  if (H > actual) return bad("truncated header");
  h->bytes.assign(H, '\0');
  if (io::ReadAt(fd, h->bytes.data(), H, 0) != static_cast<int64_t>(H)) {
    return bad("truncated header");
  }
  if (Crc32(h->bytes.data(), H - 4) != DecodeFixed32(h->bytes.data() + H - 4)) {
    return bad("header checksum mismatch (the file is corrupted)");
  }
  if (h->file_size > actual) {
    return bad("truncated: " + std::to_string(actual) + " bytes, the header says " +
               std::to_string(h->file_size));
  }
  if (h->file_size < actual) {
    return bad(std::to_string(actual) + " bytes, the header says " + std::to_string(h->file_size) +
               " (bytes were appended?)");
  }
  if (DecodeFixed32(fixed + 28) != index::kSectionCount) return bad("unexpected section count");
  return Status::OK();
}

}  // namespace

Status CorpusIndex::Rep::ReadSizes(const std::string& path, IndexHeader* h) {
  auto bad = [&](const std::string& why) { return CorruptionError(path + ": " + why); };
  const char* fixed = h->bytes.data();
  n_ = DecodeFixed64(fixed + 32);
  lines_ = DecodeFixed64(fixed + 40);
  h->vocab_size = DecodeFixed64(fixed + 48);
  const uint64_t V = h->vocab_size;
  id_bits_ = static_cast<unsigned char>(fixed[56]);
  pos_bits_ = static_cast<unsigned char>(fixed[57]);
  if (n_ < 1 || n_ > (uint64_t{1} << 40)) return bad("bad stream size");
  if (lines_ > n_) return bad("bad line count");
  if (V < kNumReservedWords || V > UINT32_MAX - 1) return bad("bad vocabulary size");
  if (id_bits_ < index::BitsForCount(V) || id_bits_ > 32) return bad("bad id width");
  if (pos_bits_ < index::BitsForCount(n_) || pos_bits_ > 41) return bad("bad position width");
  for (int i = 58; i < 64; ++i) {
    if (fixed[i] != 0) return bad("nonzero reserved header bytes");
  }
  samples_n_ = (n_ >> index::kSampleShift) + 1;
  return Status::OK();
}

Status CorpusIndex::Rep::ReadSections(const std::string& path, IndexHeader* h) const {
  auto bad = [&](const std::string& why) { return CorruptionError(path + ": " + why); };
  uint64_t end = h->bytes.size();
  for (uint32_t s = 0; s < index::kSectionCount; ++s) {
    const char* e = h->bytes.data() + index::kFixedHeaderSize + s * index::kSectionEntrySize;
    IndexHeader::Entry& x = h->entries[s];
    x = {DecodeFixed32(e), DecodeFixed32(e + 4), DecodeFixed64(e + 8), DecodeFixed64(e + 16),
         DecodeFixed64(e + 24)};
    if (x.id != s + 1) return bad("unexpected section " + std::to_string(x.id));
    const std::string name = std::string(SectionName(x.id)) + " section";
    if (x.offset % index::kSectionAlign != 0 || x.offset < end || x.offset > h->file_size ||
        x.size > h->file_size - x.offset) {
      return bad(name + " lies outside the file or overlaps another section");
    }
    end = x.offset + x.size;
    uint64_t expect_count = 0, expect_size = x.size;
    switch (x.id) {
      case index::kVocab:
        expect_count = h->vocab_size;
        break;
      case index::kTokens:
        expect_count = n_;
        expect_size = index::PackedBytes(n_, id_bits_);
        break;
      case index::kSuffixes:
        expect_count = n_;
        expect_size = index::PackedBytes(n_, pos_bits_);
        break;
      case index::kLineSamples:
        expect_count = samples_n_;
        expect_size = samples_n_ * 8;
        break;
    }
    if (x.count != expect_count || x.size != expect_size)
      return bad(name + " has inconsistent sizes");
  }
  if (end != h->file_size) return bad("bytes after the last section");
  return Status::OK();
}

Status CorpusIndex::Rep::ReadSettings(const std::string& path, const IndexHeader& h) {
  // Key/values: settings, then info.
  const char* p =
      h.bytes.data() + index::kFixedHeaderSize + index::kSectionCount * index::kSectionEntrySize;
  const char* kv_end = h.bytes.data() + h.bytes.size() - 4;
  std::vector<std::pair<std::string, std::string>> settings_kv, info_kv;
  if (!GetKeyValues(&p, kv_end, &settings_kv) || !GetKeyValues(&p, kv_end, &info_kv) ||
      p != kv_end) {
    return CorruptionError(path + ": malformed header key/values");
  }
  auto settings = TokenizerSettings::FromKeyValues(settings_kv);
  if (!settings.ok()) {
    return Status(settings.status().code(), path + ": " + settings.status().message());
  }
  settings_ = std::move(settings).value();
  return Status::OK();
}

Status CorpusIndex::Rep::MapSections(const std::string& path, int fd, const IndexHeader& h,
                                     bool verify_checksums) {
  auto bad = [&](const std::string& why) { return CorruptionError(path + ": " + why); };
  void* map = mmap(nullptr, h.file_size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return IOError(path + ": cannot map: " + io::ErrnoText(errno));
  map_ = map;
  size_ = h.file_size;
  struct stat st;
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != h.file_size) {
    return bad("the file changed size while being loaded");
  }
  const char* base = static_cast<const char*>(map);
  // The vocabulary is read whole: always checksummed.
  const IndexHeader::Entry& ve = h.entries[0];
  if (Crc32(base + ve.offset, ve.size) != ve.crc) return bad("checksum mismatch in VOCAB section");
  if (verify_checksums) {
    for (uint32_t s = 1; s < index::kSectionCount; ++s) {
      if (Crc32(base + h.entries[s].offset, h.entries[s].size) != h.entries[s].crc) {
        return bad(std::string("checksum mismatch in ") + SectionName(h.entries[s].id) +
                   " section");
      }
    }
  }
  GRAMS_RETURN_IF_ERROR(ReadVocab(path, base + ve.offset, ve.size, h.vocab_size));
  tokens_ = reinterpret_cast<const unsigned char*>(base + h.entries[1].offset);
  suffixes_ = reinterpret_cast<const unsigned char*>(base + h.entries[2].offset);
  samples_ = base + h.entries[3].offset;
  if (Token(0) != kMark || Token(n_ - 1) != kMark)
    return bad("the stream does not start and end with a boundary");
  return Status::OK();
}

Status CorpusIndex::Rep::ReadVocab(const std::string& path, const char* vp, uint64_t size,
                                   uint64_t V) {
  const Status malformed = CorruptionError(path + ": malformed VOCAB section");
  // Every unit takes at least its length byte.
  if (V > size) return malformed;
  std::vector<std::string_view> words;
  words.reserve(V);
  const char* vend = vp + size;
  for (uint64_t i = 0; i < V; ++i) {
    std::string_view w;
    if (!GetLengthPrefixed(&vp, vend, &w)) return malformed;
    words.push_back(w);
  }
  if (vp != vend) return malformed;
  if (!Vocabulary::FromWords(words, &vocab_)) {
    return CorruptionError(
        path + ": the reserved words are missing or a unit is repeated in the VOCAB section");
  }
  return Status::OK();
}

// The checks of docs/FORMAT.md, in file order: the fixed header, the sizes
// it claims, the section table, the key/values; then the mapping, the
// checksums and the vocabulary.
Status CorpusIndex::Rep::Open(const std::string& path, const OpenOptions& options) {
  io::Fd fd(-1);
  uint64_t actual = 0;
  GRAMS_RETURN_IF_ERROR(OpenIndexFile(path, &fd, &actual));
  IndexHeader h;
  GRAMS_RETURN_IF_ERROR(ReadHeaderBytes(path, fd.get(), actual, &h));
  GRAMS_RETURN_IF_ERROR(ReadSizes(path, &h));
  GRAMS_RETURN_IF_ERROR(ReadSections(path, &h));
  GRAMS_RETURN_IF_ERROR(ReadSettings(path, h));
  return MapSections(path, fd.get(), h, options.verify_checksums);
}

CorpusIndex::CorpusIndex(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
CorpusIndex::~CorpusIndex() = default;

StatusOr<std::unique_ptr<CorpusIndex>> CorpusIndex::Open(const std::string& path,
                                                         const OpenOptions& options) {
  return GuardAlloc("loading " + path, MemoryHint::kNone,
                    [&]() -> StatusOr<std::unique_ptr<CorpusIndex>> {
                      auto rep = std::make_unique<Rep>();
                      GRAMS_RETURN_IF_ERROR(rep->Open(path, options));
                      return std::unique_ptr<CorpusIndex>(new CorpusIndex(std::move(rep)));
                    });
}

const TokenizerSettings& CorpusIndex::settings() const { return rep_->settings_; }
uint64_t CorpusIndex::lines() const { return rep_->lines_; }
uint64_t CorpusIndex::tokens() const { return rep_->n_ - 1; }
uint64_t CorpusIndex::stream_size() const { return rep_->n_; }
size_t CorpusIndex::vocab_size() const { return rep_->vocab_.size(); }
uint64_t CorpusIndex::file_size() const { return rep_->size_; }

std::string_view CorpusIndex::Word(WordId id) const {
  return id < rep_->vocab_.size() ? rep_->vocab_.Word(id) : std::string_view();
}

WordId CorpusIndex::Find(std::string_view unit) const {
  const WordId id = rep_->vocab_.Find(unit);
  return id == Vocabulary::kNotFound ? kUnknownUnit : id;
}

Status CorpusIndex::Tokenize(std::string_view line, bool units, std::vector<WordId>* ids) {
  ids->clear();
  if (units) {
    SplitWords(line, [&](std::string_view u) { ids->push_back(Find(UnescapeUnit(u))); });
    return Status::OK();
  }
  if (!rep_->tokenizer_) {
    GRAMS_ASSIGN_OR_RETURN(rep_->tokenizer_, Tokenizer::Create(rep_->settings_));
  }
  GRAMS_RETURN_IF_ERROR(rep_->tokenizer_->Tokenize(line, false, &rep_->tokens_scratch_));
  for (std::string_view u : rep_->tokens_scratch_) ids->push_back(Find(u));
  return Status::OK();
}

Status CorpusIndex::SplitUnits(std::string_view line, bool units, std::vector<std::string>* out) {
  out->clear();
  if (units) {
    SplitWords(line, [&](std::string_view u) { out->push_back(UnescapeUnit(u)); });
    return Status::OK();
  }
  if (!rep_->tokenizer_) {
    GRAMS_ASSIGN_OR_RETURN(rep_->tokenizer_, Tokenizer::Create(rep_->settings_));
  }
  GRAMS_RETURN_IF_ERROR(rep_->tokenizer_->Tokenize(line, false, &rep_->tokens_scratch_));
  for (std::string_view u : rep_->tokens_scratch_) out->emplace_back(u);
  return Status::OK();
}

Count CorpusIndex::CountNgram(std::span<const WordId> ngram) const {
  std::vector<WordId> q;
  if (ngram.empty() || !rep_->ToStream(ngram, &q)) return 0;
  uint64_t lo, hi;
  rep_->Range(q, &lo, &hi);
  Count c = hi - lo;
  // A lone mark is <s> or </s>: every mark but the last starts a line, every
  // mark but the first ends one.
  if (q.size() == 1 && q[0] == kMark && c > 0) --c;
  return c;
}

Count CorpusIndex::Continuations(std::span<const WordId> context, size_t top_k,
                                 std::vector<Continuation>* out, uint64_t* distinct) const {
  out->clear();
  *distinct = 0;
  std::vector<WordId> q;
  if (!rep_->ToStream(context, &q)) return 0;
  if (!context.empty() && context.back() == kEosId) return 0;  // nothing follows </s>
  uint64_t lo, hi;
  rep_->Range(q, &lo, &hi);
  const uint64_t d = q.size();
  Count total = 0;
  uint64_t i = lo;
  if (i < hi && rep_->Key(i, d) < 0) ++i;
  while (i < hi) {
    const int64_t key = rep_->Key(i, d);
    uint64_t a = i, b = hi;
    rep_->Refine(d, key, &a, &b);
    if (b <= i) b = i + 1;  // a damaged array: always make progress
    const Count c = b - i;
    out->push_back({static_cast<WordId>(key), c});
    total += c;
    ++*distinct;
    i = b;
  }
  if (q.empty()) {  // the first mark is <s>, no unit: </s> occurs once less
    for (size_t j = 0; j < out->size(); ++j) {
      if ((*out)[j].word != kMark) continue;
      --total;
      if (--(*out)[j].count == 0) {
        out->erase(out->begin() + static_cast<std::ptrdiff_t>(j));
        --*distinct;
      }
      break;
    }
  }
  std::sort(out->begin(), out->end(), [](const Continuation& a, const Continuation& b) {
    return a.count != b.count ? a.count > b.count : a.word < b.word;
  });
  if (top_k > 0 && out->size() > top_k) out->resize(top_k);
  return total;
}

void CorpusIndex::InfinigramProbabilities(std::span<const WordId> line,
                                          std::vector<TokenProbability>* out) const {
  out->clear();
  const Rep& r = *rep_;
  const bool stream = r.settings_.boundaries == Boundaries::kNone;
  // t: the line as stream ids, from its <s> mark (line mode).
  std::vector<WordId> t;
  if (!stream) t.push_back(kMark);
  for (WordId w : line) {
    t.push_back(w == kBosId || w == kEosId || w >= r.vocab_.size() ? kUnknownUnit : w);
  }
  if (!stream) t.push_back(kMark);
  const size_t first = stream ? 0 : 1;
  size_t k = 0;  // the longest usable context before position i
  for (size_t i = first; i < t.size(); ++i) {
    // Longest suffix of t[0, i) seen followed by some unit; it is at most one
    // longer than the previous position's.
    k = std::min(k + 1, i);
    uint64_t lo = 0, hi = 0;
    Count followed = 0;
    for (;; --k) {
      if (k == 0) break;
      r.Range(std::span<const WordId>(t.data() + i - k, k), &lo, &hi);
      followed = r.Followed(lo, hi, k);
      if (followed > 0) break;
    }
    TokenProbability tp;
    tp.suffix = static_cast<uint32_t>(k);
    if (k == 0) {
      tp.context_count = tokens();
      tp.count = t[i] == kUnknownUnit ? 0 : CountNgram(std::span<const WordId>(&t[i], 1));
    } else {
      tp.context_count = followed;
      const uint64_t begin = lo + (r.Suffix(lo) + k >= r.n_ ? 1 : 0);
      tp.sparse = begin < hi && r.Key(begin, k) == r.Key(hi - 1, k);
      if (t[i] != kUnknownUnit)
        r.Refine(k, t[i], &lo, &hi);
      else
        hi = lo;
      tp.count = hi - lo;
    }
    tp.probability = tp.context_count > 0
                         ? static_cast<double>(tp.count) / static_cast<double>(tp.context_count)
                         : 0.0;
    out->push_back(tp);
  }
}

Count CorpusIndex::Where(std::span<const WordId> ngram, size_t limit,
                         std::vector<uint64_t>* lines) const {
  lines->clear();
  const Count total = CountNgram(ngram);
  if (total == 0) return 0;
  std::vector<WordId> q;
  rep_->ToStream(ngram, &q);
  uint64_t lo, hi;
  rep_->Range(q, &lo, &hi);
  const bool from_start = ngram[0] == kBosId;  // the match's first mark is an <s>
  for (uint64_t i = lo; i < hi && lines->size() < limit; ++i) {
    const uint64_t p = rep_->Suffix(i);
    if (p >= rep_->n_) continue;
    uint64_t line;
    if (from_start) {
      if (p + 1 >= rep_->n_) continue;  // the last mark starts no line
      line = rep_->LineOf(p + 1);
    } else {
      line = rep_->LineOf(p);   // a lone </s>: the line it ends
      if (line == 0) continue;  // the first mark ends no line
    }
    lines->push_back(std::min(line, rep_->lines_));
  }
  std::sort(lines->begin(), lines->end());
  lines->erase(std::unique(lines->begin(), lines->end()), lines->end());
  return total;
}

CorpusIndex::Span CorpusIndex::LongestSpan(std::span<const WordId> units) const {
  const Rep& r = *rep_;
  Span best;
  size_t k = 0;  // longest match ending before i
  for (size_t i = 0; i < units.size(); ++i) {
    // The longest stretch ending at i is at most one longer than at i - 1.
    k = std::min(k + 1, i + 1);
    for (; k > 0; --k) {
      const size_t b = i + 1 - k;
      bool ok = true;
      for (size_t j = b; j <= i; ++j) {
        if (units[j] >= r.vocab_.size() || units[j] == kBosId || units[j] == kEosId) ok = false;
      }
      if (!ok) continue;
      uint64_t lo, hi;
      r.Range(units.subspan(b, k), &lo, &hi);
      if (hi > lo) {
        if (k > best.length) {
          best.begin = b;
          best.length = k;
          best.count = hi - lo;
          const uint64_t p = std::min(r.Suffix(lo), r.n_ - 1);
          best.line = std::max<uint64_t>(1, std::min(r.LineOf(p), r.lines_));
        }
        break;
      }
    }
  }
  return best;
}

}  // namespace grams
