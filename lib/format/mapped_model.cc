// The mapped model file: writing, and opening with every check that costs
// no more than reading the header (docs/FORMAT.md, "Mapped model file").
#include "format/mapped_model.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "io/file.h"
#include "query/ngram_hash.h"
#include "util/coding.h"
#include "util/threads.h"
#include "vocab/word_index.h"

namespace grams {
namespace {

constexpr size_t kFixedHeaderBytes = 64;
constexpr size_t kSectionEntryBytes = 48;
constexpr uint64_t kMaxHeaderBytes = 64u << 20;
constexpr uint64_t kSectionAlign = 64;
constexpr uint64_t kTableAlign = 4096;
constexpr uint64_t kHugeAlign = uint64_t{2} << 20;
// The tables start on a 2 MiB boundary when they are at least this large, so
// that the kernel can map them with huge pages; smaller files stay small.
constexpr uint64_t kHugeAlignFrom = uint64_t{4} << 20;

enum SectionType : uint32_t {
  kVocabIndex = 1,    // 16-byte slots {tag, id + 1, place}; all zero = empty
  kVocabOffsets = 2,  // uint64 x (V + 1): word i is strings[offsets[i], offsets[i+1])
  kVocabStrings = 3,  // the words' bytes, back to back
  kUnigrams = 4,      // V records of kUnigramBytes
  kTable = 5,         // one shard of one order's table
};

uint32_t SectionIdOf(uint32_t type, uint32_t order, uint32_t shard) {
  return (type << 16) | (order << 8) | shard;
}

// The section ids of a model of order N, in file order.
std::vector<uint32_t> ExpectedIds(uint32_t order) {
  std::vector<uint32_t> ids = {SectionIdOf(kVocabIndex, 0, 0), SectionIdOf(kVocabOffsets, 0, 0),
                               SectionIdOf(kVocabStrings, 0, 0), SectionIdOf(kUnigrams, 1, 0)};
  for (uint32_t n = 2; n <= order; ++n) {
    ids.push_back(SectionIdOf(kTable, n, 0));
    ids.push_back(SectionIdOf(kTable, n, 1));
  }
  return ids;
}

std::string SectionName(uint32_t id) {
  switch (id >> 16) {
    case kVocabIndex: return "the vocabulary index";
    case kVocabOffsets: return "the vocabulary offsets";
    case kVocabStrings: return "the vocabulary strings";
    case kUnigrams: return "the unigrams";
    default:
      return "the order " + std::to_string((id >> 8) & 0xff) + " table (shard " +
             std::to_string(id & 0xff) + ")";
  }
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::string ErrnoText(int err) { return std::string(strerror(err)); }

void PutKeyValues(std::string* out, const std::vector<std::pair<std::string, std::string>>& kv) {
  PutVarint64(out, kv.size());
  for (const auto& [k, v] : kv) {
    PutLengthPrefixed(out, k);
    PutLengthPrefixed(out, v);
  }
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

// pread until n bytes or end of file; the bytes read, or -errno.
int64_t ReadAt(int fd, void* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, static_cast<char*>(buf) + done, n - done,
                              static_cast<off_t>(offset + done));
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    done += static_cast<size_t>(r);
  }
  return static_cast<int64_t>(done);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool HasMappedMagic(std::string_view prefix) {
  return prefix.size() >= sizeof(kMappedMagic) &&
         std::memcmp(prefix.data(), kMappedMagic, sizeof(kMappedMagic)) == 0;
}

// ---------------------------------------------------------------- writing

Status WriteMappedModelFile(const MappedModelParts& parts, const Vocabulary& vocab,
                            const std::string& path) {
  const uint64_t V = vocab.size();
  const uint32_t N = parts.order;
  // The vocabulary: strings, offsets, and the index (at most half full).
  std::string strings;
  strings.reserve(vocab.arena_bytes());
  std::vector<uint64_t> offsets(V + 1, 0);
  for (WordId id = 0; id < V; ++id) {
    strings.append(vocab.Word(id));
    offsets[id + 1] = strings.size();
  }
  // The index (vocab/word_index.h): most words are compared in their slot.
  std::vector<uint64_t> index;
  uint64_t index_slots = 0;
  if (!BuildWordIndex(vocab, offsets, &index, &index_slots)) {
    return InvalidArgument(path + ": the vocabulary's words take 2^40 bytes or more");
  }

  struct Out {
    uint32_t id;
    const void* data;
    uint64_t size, count, homes, items, align;
    uint64_t offset = 0;
    uint32_t crc = 0;
  };
  std::vector<Out> out;
  out.push_back({SectionIdOf(kVocabIndex, 0, 0), index.data(), index_slots * kWordIndexSlotBytes,
                 index_slots, 0, V,
                 kSectionAlign});
  out.push_back({SectionIdOf(kVocabOffsets, 0, 0), offsets.data(), (V + 1) * 8, V + 1, 0, V,
                 kSectionAlign});
  out.push_back({SectionIdOf(kVocabStrings, 0, 0), strings.data(), strings.size(), strings.size(),
                 0, V, kSectionAlign});
  out.push_back({SectionIdOf(kUnigrams, 1, 0), parts.unigrams, V * kUnigramBytes, V, 0, V,
                 kSectionAlign});
  uint64_t table_bytes = 0;
  for (uint32_t n = 2; n <= N; ++n) {
    const size_t stride = n == N ? query::kTopSlotBytes : query::kSlotBytes;
    for (uint32_t s = 0; s < 2; ++s) {
      const MappedModelParts::Shard& sh = parts.shards[2 * (n - 2) + s];
      out.push_back({SectionIdOf(kTable, n, s), sh.slots, sh.slot_count * stride, sh.slot_count,
                     sh.homes, sh.entries, kTableAlign});
      table_bytes += AlignUp(sh.slot_count * stride, kTableAlign);
    }
  }

  std::string kv;
  PutKeyValues(&kv, parts.settings);
  PutKeyValues(&kv, parts.info);
  const uint64_t header_size = kFixedHeaderBytes + kSectionEntryBytes * out.size() + kv.size() + 4;
  if (header_size > kMaxHeaderBytes) return InvalidArgument(path + ": the model's info is too large");
  uint64_t pos = header_size;
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t align = out[i].align;
    if (i == 4 && table_bytes >= kHugeAlignFrom) align = kHugeAlign;  // the first table
    pos = AlignUp(pos, align);
    out[i].offset = pos;
    pos += out[i].size;
  }
  const uint64_t file_size = pos;
  RunOnThreads(2, [&](int t) {
    for (size_t i = t; i < out.size(); i += 2) out[i].crc = Crc32(out[i].data, out[i].size);
  });

  std::string head;
  head.append(kMappedMagic, sizeof(kMappedMagic));
  PutFixed32(&head, kMappedFormatVersion);
  PutFixed32(&head, kMappedKindProbing);
  PutFixed64(&head, file_size);
  PutFixed32(&head, static_cast<uint32_t>(header_size));
  PutFixed32(&head, N);
  PutFixed64(&head, V);
  PutFixed64(&head, parts.seed);
  PutFixed32(&head, static_cast<uint32_t>(out.size()));
  PutFixed32(&head, 0);  // flags
  PutFixed64(&head, 0);  // reserved
  for (const Out& o : out) {
    PutFixed32(&head, o.id);
    PutFixed32(&head, o.crc);
    PutFixed64(&head, o.offset);
    PutFixed64(&head, o.size);
    PutFixed64(&head, o.count);
    PutFixed64(&head, o.homes);
    PutFixed64(&head, o.items);
  }
  head += kv;
  PutFixed32(&head, Crc32(head.data(), head.size()));

  GRAMS_ASSIGN_OR_RETURN(auto file, io::OutputFile::Open(path));
  file->Write(head);
  uint64_t written = head.size();
  const std::string zeros(1 << 16, '\0');
  for (const Out& o : out) {
    while (written < o.offset) {
      const uint64_t k = std::min<uint64_t>(o.offset - written, zeros.size());
      file->Write(zeros.data(), k);
      written += k;
    }
    // Whole sections in one write: the page cache then holds large folios,
    // which a mapping can use as huge pages.
    file->Write(o.data, o.size);
    written += o.size;
  }
  return file->Commit();
}

// ---------------------------------------------------------------- reading

MappedModelFile::~MappedModelFile() {
  if (map_) munmap(map_, map_bytes_);
}

StatusOr<std::unique_ptr<MappedModelFile>> MappedModelFile::Open(const std::string& path,
                                                                 const Options& options) {
  std::unique_ptr<MappedModelFile> f(new MappedModelFile());
  f->name_ = path == "-" ? "<stdin>" : path;
  const std::string& name = f->name_;
  auto not_regular = [&] {
    return InvalidArgument(name +
                           ": a mapped model must be a regular file (it is mapped, not read); "
                           "give its path, or use the model file or ARPA it was made from");
  };
  if (path == "-") return not_regular();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(path + ": no such file");
    return IOError(path + ": cannot open: " + ErrnoText(err));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return IOError(path + ": cannot stat: " + ErrnoText(errno));
  if (S_ISDIR(st.st_mode)) return InvalidArgument(path + ": is a directory");
  if (!S_ISREG(st.st_mode)) return not_regular();
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string what = "a grams mapped model";
  if (size == 0) return CorruptionError(name + ": empty file, expected " + what);

  char fixed[kFixedHeaderBytes];
  int64_t got = ReadAt(fd.get(), fixed, sizeof(fixed), 0);
  if (got < 0) return IOError(name + ": read failed: " + ErrnoText(static_cast<int>(-got)));
  const size_t magic = std::min<size_t>(static_cast<size_t>(got), sizeof(kMappedMagic));
  if (std::memcmp(fixed, kMappedMagic, magic) != 0) {
    return CorruptionError(name + ": not " + what + " (bad magic bytes)");
  }
  if (got < static_cast<int64_t>(sizeof(fixed))) {
    return CorruptionError(name + ": truncated header (" + std::to_string(size) + " bytes)");
  }
  const uint32_t version = DecodeFixed32(fixed + 8);
  if (version != kMappedFormatVersion) {
    return UnsupportedVersion(name + ": mapped model format version " + std::to_string(version) +
                              ", but this grams reads version " +
                              std::to_string(kMappedFormatVersion) +
                              "; convert the model again with this grams (grams-convert)");
  }
  const uint32_t kind = DecodeFixed32(fixed + 12);
  if (kind != kMappedKindProbing) {
    return UnsupportedVersion(name + ": mapped model of unknown kind " + std::to_string(kind) +
                              " (written by a newer grams?)");
  }
  const uint64_t header_size = DecodeFixed32(fixed + 24);
  if (header_size < kFixedHeaderBytes + kSectionEntryBytes * 4 + 6 ||
      header_size > kMaxHeaderBytes) {
    return CorruptionError(name + ": corrupt header size (the file is corrupted)");
  }
  if (header_size > size) {
    return CorruptionError(name + ": truncated header (" + std::to_string(size) +
                           " bytes, the header alone takes " + std::to_string(header_size) + ")");
  }
  std::string header(header_size, '\0');
  got = ReadAt(fd.get(), header.data(), header_size, 0);
  if (got < 0) return IOError(name + ": read failed: " + ErrnoText(static_cast<int>(-got)));
  if (static_cast<uint64_t>(got) < header_size) {
    return CorruptionError(name + ": truncated header (the file shrank while being read?)");
  }
  if (DecodeFixed32(header.data() + header_size - 4) != Crc32(header.data(), header_size - 4)) {
    return CorruptionError(name + ": header checksum mismatch (the file is corrupted)");
  }
  GRAMS_RETURN_IF_ERROR(f->Parse(header.data(), header_size, size));

  if (options.read_into_memory) {
    f->copy_.Reset(size);
    got = ReadAt(fd.get(), f->copy_.data(), size, 0);
    if (got < 0) return IOError(name + ": read failed: " + ErrnoText(static_cast<int>(-got)));
    if (static_cast<uint64_t>(got) != size) {
      return CorruptionError(name + ": truncated (the file shrank while being read)");
    }
    GRAMS_RETURN_IF_ERROR(f->Attach(f->copy_.data(), options.verify_checksums));
    return f;
  }

  // Map at a 2 MiB boundary (the tables' offsets in the file are multiples
  // of 2 MiB when large), so page-cache folios of 2 MiB map as huge pages.
  void* base = nullptr;
  if (size >= kHugeAlign) {
    void* reserve = mmap(nullptr, size + kHugeAlign, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED) {
      return ResourceExhausted(name + ": cannot map " + std::to_string(size) + " bytes: " +
                               ErrnoText(errno));
    }
    const uintptr_t r = reinterpret_cast<uintptr_t>(reserve);
    const uintptr_t aligned = (r + kHugeAlign - 1) & ~(uintptr_t{kHugeAlign} - 1);
    base = mmap(reinterpret_cast<void*>(aligned), size, PROT_READ, MAP_SHARED | MAP_FIXED,
                fd.get(), 0);
    if (base == MAP_FAILED) {
      const int err = errno;
      munmap(reserve, size + kHugeAlign);
      return IOError(name + ": cannot map: " + ErrnoText(err));
    }
    const uintptr_t end = aligned + AlignUp(size, 4096);
    if (aligned > r) munmap(reserve, aligned - r);
    if (r + size + kHugeAlign > end) {
      munmap(reinterpret_cast<void*>(end), r + size + kHugeAlign - end);
    }
  } else {
    base = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
    if (base == MAP_FAILED) return IOError(name + ": cannot map: " + ErrnoText(errno));
  }
  f->map_ = base;
  f->map_bytes_ = size;
  // The size again, now that the mapping exists: a file cut short between
  // the checks and the mapping is caught here rather than by SIGBUS later.
  if (fstat(fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != size) {
    return CorruptionError(name + ": the file changed size while being loaded");
  }
  GRAMS_RETURN_IF_ERROR(f->Attach(static_cast<const unsigned char*>(base), options.verify_checksums));
  return f;
}

Status MappedModelFile::Parse(const char* h, size_t header_size, uint64_t size) {
  const std::string& name = name_;
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name + ": " + what + " (the file is corrupted)");
  };
  file_size_ = DecodeFixed64(h + 16);
  if (file_size_ != size) {
    if (size < file_size_) {
      return CorruptionError(name + ": truncated: " + std::to_string(size) +
                             " bytes, the header says " + std::to_string(file_size_));
    }
    return CorruptionError(name + ": " + std::to_string(size) + " bytes, the header says " +
                           std::to_string(file_size_) + " (bytes were appended?)");
  }
  const uint32_t order = DecodeFixed32(h + 28);
  const uint64_t V = DecodeFixed64(h + 32);
  const uint64_t seed = DecodeFixed64(h + 40);
  const uint32_t count = DecodeFixed32(h + 48);
  if (order < 1 || order > static_cast<uint32_t>(kMaxOrder)) return corrupt("bad order");
  if (V < static_cast<uint64_t>(kNumReservedWords) || V > uint64_t{UINT32_MAX} - 1) {
    return corrupt("bad vocabulary size");
  }
  if (DecodeFixed32(h + 52) != 0) {
    return UnsupportedVersion(name + ": mapped model with unknown flags (written by a newer grams?)");
  }
  const std::vector<uint32_t> ids = ExpectedIds(order);
  if (count != ids.size()) return corrupt("section count does not match the order");
  if (kFixedHeaderBytes + kSectionEntryBytes * uint64_t{count} + 4 > header_size) {
    return corrupt("header too short for its sections");
  }
  sections_.resize(count);
  uint64_t end = header_size;  // sections follow the header, in order, without overlap
  for (uint32_t i = 0; i < count; ++i) {
    const char* e = h + kFixedHeaderBytes + kSectionEntryBytes * i;
    Section& s = sections_[i];
    s.id = DecodeFixed32(e);
    s.crc = DecodeFixed32(e + 4);
    s.offset = DecodeFixed64(e + 8);
    s.size = DecodeFixed64(e + 16);
    s.count = DecodeFixed64(e + 24);
    s.homes = DecodeFixed64(e + 32);
    s.items = DecodeFixed64(e + 40);
    if (s.id != ids[i]) return corrupt("unexpected section " + std::to_string(s.id) + " at " + std::to_string(i));
    const std::string what = SectionName(s.id);
    const uint32_t type = s.id >> 16;
    const uint64_t align = type == kTable ? kTableAlign : kSectionAlign;
    if (s.offset % align != 0 || s.offset < end || s.offset > size || s.size > size - s.offset) {
      return corrupt(what + " lies outside the file or overlaps another section");
    }
    end = s.offset + s.size;
    auto sized = [&](uint64_t n, uint64_t unit) { return n <= size / unit && s.size == n * unit; };
    bool ok = true;
    switch (type) {
      case kVocabIndex:
        ok = s.count >= 8 && (s.count & (s.count - 1)) == 0 && s.count >= 2 * V &&
             sized(s.count, kWordIndexSlotBytes);
        break;
      case kVocabOffsets:
        ok = s.count == V + 1 && sized(s.count, 8);
        break;
      case kVocabStrings:
        ok = s.count == s.size;
        break;
      case kUnigrams:
        ok = s.count == V && sized(V, kUnigramBytes);
        break;
      default: {  // kTable
        const uint32_t n = (s.id >> 8) & 0xff;
        const size_t stride = n == order ? query::kTopSlotBytes : query::kSlotBytes;
        ok = s.homes >= 1 && s.count > s.homes && s.items < s.count && sized(s.count, stride);
      }
    }
    if (!ok) return corrupt(what + " has inconsistent sizes");
  }
  if (end != size) return corrupt("bytes after the last section");
  const char* p = h + kFixedHeaderBytes + kSectionEntryBytes * count;
  const char* kv_end = h + header_size - 4;
  parts_.settings.clear();
  parts_.info.clear();
  if (!GetKeyValues(&p, kv_end, &parts_.settings) || !GetKeyValues(&p, kv_end, &parts_.info) ||
      p != kv_end) {
    return corrupt("malformed header key/values");
  }
  parts_.order = order;
  parts_.seed = seed;
  parts_.vocab_size = V;
  return Status::OK();
}

Status MappedModelFile::Attach(const unsigned char* base, bool verify_checksums) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name_ + ": " + what + " (the file is corrupted)");
  };
  if (verify_checksums) {
    // Largest sections first, each to the thread with less work so far.
    std::vector<size_t> order(sections_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return sections_[a].size > sections_[b].size; });
    std::vector<int> owner(sections_.size());
    uint64_t load[2] = {0, 0};
    for (size_t i : order) {
      const int t = load[0] <= load[1] ? 0 : 1;
      owner[i] = t;
      load[t] += sections_[i].size;
    }
    std::vector<uint32_t> crc(sections_.size());
    RunOnThreads(2, [&](int t) {
      for (size_t i = 0; i < sections_.size(); ++i) {
        if (owner[i] == t) crc[i] = Crc32(base + sections_[i].offset, sections_[i].size);
      }
    });
    for (size_t i = 0; i < sections_.size(); ++i) {
      if (crc[i] != sections_[i].crc) {
        return CorruptionError(name_ + ": checksum mismatch in " + SectionName(sections_[i].id) +
                               " (the file is corrupted)");
      }
    }
  }
  const Section& index = sections_[0];
  offsets_ = reinterpret_cast<const uint64_t*>(base + sections_[1].offset);
  pool_ = reinterpret_cast<const char*>(base + sections_[2].offset);
  pool_bytes_ = sections_[2].size;
  index_.slots = reinterpret_cast<const uint64_t*>(base + index.offset);
  index_.mask = index.count - 1;
  index_.strings = pool_;
  index_.string_bytes = pool_bytes_;
  index_.vocab_size = parts_.vocab_size;
  index_.word = [](const void* owner, WordId id) {
    return static_cast<const MappedModelFile*>(owner)->Word(id);
  };
  index_.owner = this;
  parts_.unigrams = base + sections_[3].offset;
  parts_.shards.clear();
  for (size_t i = 4; i < sections_.size(); ++i) {
    const Section& s = sections_[i];
    const uint32_t n = (s.id >> 8) & 0xff;
    const size_t stride = n == parts_.order ? query::kTopSlotBytes : query::kSlotBytes;
    MappedModelParts::Shard shard;
    shard.slots = base + s.offset;
    shard.slot_count = s.count;
    shard.homes = s.homes;
    shard.entries = s.items;
    // Every probe ends at the last slot, which must be empty.
    if (query::LoadKey(shard.slots + (s.count - 1) * stride) != 0) {
      return corrupt(SectionName(s.id) + " has no end marker");
    }
    parts_.shards.push_back(shard);
  }
  static const char* const kReserved[kNumReservedWords] = {kUnkWord, kBosWord, kEosWord};
  for (WordId id = 0; id < static_cast<WordId>(kNumReservedWords); ++id) {
    if (Word(id) != kReserved[id]) return corrupt("the reserved words are missing");
  }
  return Status::OK();
}

std::string_view MappedModelFile::Word(WordId id) const {
  if (id >= parts_.vocab_size) return {};
  const uint64_t b = offsets_[id], e = offsets_[id + 1];
  if (b > e || e > pool_bytes_) return {};
  return std::string_view(pool_ + b, e - b);
}

WordId MappedModelFile::Find(std::string_view word) const { return index_.Find(word); }

}  // namespace grams
