// The mapped model file: opening it with every check that costs no more
// than reading the header (docs/FORMAT.md, "Mapped model file"), and its
// vocabulary index. The writer is mapped_writer.cc; the layout they share
// is mapped_layout.h.
#include "format/mapped_model.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "format/mapped_layout.h"
#include "format/model_file.h"
#include "io/fd.h"
#include "io/file.h"
#include "query/ngram_hash.h"
#include "query/packed_trie.h"
#include "util/coding.h"
#include "util/threads.h"
#include "vocab/word_index.h"

namespace grams {
namespace {

// The layout (mapped_layout.h).
using mapped::AlignUp;
using mapped::ExpectedIds;
using mapped::GetKeyValues;
using mapped::kFixedHeaderBytes;
using mapped::kHugeAlign;
using mapped::kMaxHeaderBytes;
using mapped::kSectionAlign;
using mapped::kSectionEntryBytes;
using mapped::kTable;
using mapped::kTableAlign;
using mapped::kUnigrams;
using mapped::kVocabIndex;
using mapped::kVocabOffsets;
using mapped::kVocabStrings;
using mapped::SectionName;

using io::ErrnoText;
using io::Fd;
using io::ReadAt;

// Opens `path`, which must be a regular file, not empty; its size in *size.
Status OpenRegular(const std::string& path, const std::string& name, Fd* fd, uint64_t* size) {
  auto not_regular = [&] {
    return InvalidArgument(name +
                           ": a mapped model must be a regular file (it is mapped, not read); "
                           "give its path, or use the model file or ARPA it was made from");
  };
  if (path == "-") return not_regular();
  fd->reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd->get() < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(path + ": no such file");
    return IOError(path + ": cannot open: " + ErrnoText(err));
  }
  struct stat st;
  if (fstat(fd->get(), &st) != 0) return IOError(path + ": cannot stat: " + ErrnoText(errno));
  if (S_ISDIR(st.st_mode)) return InvalidArgument(path + ": is a directory");
  if (!S_ISREG(st.st_mode)) return not_regular();
  *size = static_cast<uint64_t>(st.st_size);
  if (*size == 0) return CorruptionError(name + ": empty file, expected a grams mapped model");
  return Status::OK();
}

// Reads the header of the file of `size` bytes into *header, checking its
// magic, version, kind, size and CRC.
Status ReadHeader(const Fd& fd, const std::string& name, uint64_t size, std::string* header) {
  char fixed[kFixedHeaderBytes];
  int64_t got = ReadAt(fd.get(), fixed, sizeof(fixed), 0);
  if (got < 0) return IOError(name + ": read failed: " + ErrnoText(static_cast<int>(-got)));
  const size_t magic = std::min<size_t>(static_cast<size_t>(got), sizeof(kMappedMagic));
  if (std::memcmp(fixed, kMappedMagic, magic) != 0) {
    return CorruptionError(name + ": not a grams mapped model (bad magic bytes)");
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
  if (kind != kMappedKindProbing && kind != kMappedKindTrie) {
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
  header->assign(header_size, '\0');
  got = ReadAt(fd.get(), header->data(), header_size, 0);
  if (got < 0) return IOError(name + ": read failed: " + ErrnoText(static_cast<int>(-got)));
  if (static_cast<uint64_t>(got) < header_size) {
    return CorruptionError(name + ": truncated header (the file shrank while being read?)");
  }
  if (DecodeFixed32(header->data() + header_size - 4) != Crc32(header->data(), header_size - 4)) {
    return CorruptionError(name + ": header checksum mismatch (the file is corrupted)");
  }
  return Status::OK();
}

// Maps the file read-only and shared into *base, at a 2 MiB boundary when
// it is that large (the tables' offsets in the file are multiples of 2 MiB
// when large), so page-cache folios of 2 MiB map as huge pages.
Status MapAligned(const Fd& fd, const std::string& name, uint64_t size, void** base) {
  if (size < kHugeAlign) {
    *base = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
    if (*base == MAP_FAILED) return IOError(name + ": cannot map: " + ErrnoText(errno));
    return Status::OK();
  }
  void* reserve = mmap(nullptr, size + kHugeAlign, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserve == MAP_FAILED) {
    return ResourceExhausted(name + ": cannot map " + std::to_string(size) +
                             " bytes: " + ErrnoText(errno));
  }
  const uintptr_t r = reinterpret_cast<uintptr_t>(reserve);
  const uintptr_t aligned = (r + kHugeAlign - 1) & ~(uintptr_t{kHugeAlign} - 1);
  *base =
      mmap(reinterpret_cast<void*>(aligned), size, PROT_READ, MAP_SHARED | MAP_FIXED, fd.get(), 0);
  if (*base == MAP_FAILED) {
    const int err = errno;
    munmap(reserve, size + kHugeAlign);
    return IOError(name + ": cannot map: " + ErrnoText(err));
  }
#ifdef MADV_HUGEPAGE
  // Pages read in through this mapping (the file not in the page cache, or
  // evicted since it was written) then come in 2 MiB folios too, not 4 KiB
  // ones that every later mapping would map with small pages. Advice only:
  // a failure changes nothing.
  madvise(*base, size, MADV_HUGEPAGE);
#endif
  const uintptr_t end = aligned + AlignUp(size, 4096);
  if (aligned > r) munmap(reserve, aligned - r);
  if (r + size + kHugeAlign > end) {
    munmap(reinterpret_cast<void*>(end), r + size + kHugeAlign - end);
  }
  return Status::OK();
}

// Whether section `s`'s counts fit its size and the model (order, V) in a
// file of `size` bytes.
bool SectionSizesOk(uint32_t type, uint32_t id, uint64_t s_size, uint64_t count, uint64_t homes,
                    uint64_t items, uint32_t order, uint64_t V, uint64_t size) {
  auto sized = [&](uint64_t n, uint64_t unit) { return n <= size / unit && s_size == n * unit; };
  switch (type) {
    case kVocabIndex:
      return count >= 8 && (count & (count - 1)) == 0 && count >= 2 * V &&
             sized(count, kWordIndexSlotBytes);
    case kVocabOffsets:
      return count == V + 1 && sized(count, 8);
    case kVocabStrings:
      return count == s_size;
    case kUnigrams:
      return count == V && sized(V, kUnigramBytes);
    // The trie layout's: how they fit each other is checked after
    // (ParseSections).
    case mapped::kTrieFirst:
      return homes == 0 && count >= 2 && count - 1 <= UINT32_MAX && items <= UINT32_MAX &&
             s_size >= query::MinFirstBytes(count);
    case mapped::kTrieWords:
      return homes == query::WordBits(V) && count == items && items <= UINT32_MAX &&
             s_size == query::PackedBytes(count, static_cast<uint32_t>(homes));
    case mapped::kTrieValues: {
      const uint32_t n = (id >> 8) & 0xff;
      return homes == 0 && count == items && items <= UINT32_MAX &&
             sized(count, n == order ? 4 : 8);
    }
    default: {  // kTable
      const uint32_t n = (id >> 8) & 0xff;
      const size_t stride = n == order ? query::kTopSlotBytes : query::kSlotBytes;
      return homes >= 1 && count > homes && items < count && sized(count, stride);
    }
  }
}

}  // namespace

bool HasMappedMagic(std::string_view prefix) {
  return prefix.size() >= sizeof(kMappedMagic) &&
         std::memcmp(prefix.data(), kMappedMagic, sizeof(kMappedMagic)) == 0;
}

MappedModelFile::~MappedModelFile() {
  if (map_) munmap(map_, map_bytes_);
}

StatusOr<std::unique_ptr<MappedModelFile>> MappedModelFile::Open(const std::string& path,
                                                                 const Options& options) {
  std::unique_ptr<MappedModelFile> f(new MappedModelFile());
  f->name_ = path == "-" ? "<stdin>" : path;
  const std::string& name = f->name_;
  Fd fd(-1);
  uint64_t size = 0;
  GRAMS_RETURN_IF_ERROR(OpenRegular(path, name, &fd, &size));
  std::string header;
  GRAMS_RETURN_IF_ERROR(ReadHeader(fd, name, size, &header));
  GRAMS_RETURN_IF_ERROR(f->Parse(header.data(), header.size(), size));

  if (options.read_into_memory) {
    f->copy_.Reset(size);
    const int64_t got = ReadAt(fd.get(), f->copy_.data(), size, 0);
    if (got < 0) return IOError(name + ": read failed: " + ErrnoText(static_cast<int>(-got)));
    if (static_cast<uint64_t>(got) != size) {
      return CorruptionError(name + ": truncated (the file shrank while being read)");
    }
    GRAMS_RETURN_IF_ERROR(f->Attach(f->copy_.data(), options.verify_checksums));
    return f;
  }
  void* base = nullptr;
  GRAMS_RETURN_IF_ERROR(MapAligned(fd, name, size, &base));
  f->map_ = base;
  f->map_bytes_ = size;
  // The size again, now that the mapping exists: a file cut short between
  // the checks and the mapping is caught here rather than by SIGBUS later.
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != size) {
    return CorruptionError(name + ": the file changed size while being loaded");
  }
  GRAMS_RETURN_IF_ERROR(
      f->Attach(static_cast<const unsigned char*>(base), options.verify_checksums));
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
  const bool trie = DecodeFixed32(h + 12) == kMappedKindTrie;
  if (order < 1 || order > static_cast<uint32_t>(kMaxOrder)) return corrupt("bad order");
  if (V < static_cast<uint64_t>(kNumReservedWords) || V > uint64_t{UINT32_MAX} - 1) {
    return corrupt("bad vocabulary size");
  }
  if (DecodeFixed32(h + 52) != 0) {
    return UnsupportedVersion(name +
                              ": mapped model with unknown flags (written by a newer grams?)");
  }
  if (count != ExpectedIds(order, trie).size()) {
    return corrupt("section count does not match the order");
  }
  if (kFixedHeaderBytes + kSectionEntryBytes * uint64_t{count} + 4 > header_size) {
    return corrupt("header too short for its sections");
  }
  parts_.kind = trie ? kMappedKindTrie : kMappedKindProbing;
  GRAMS_RETURN_IF_ERROR(ParseSections(h, header_size, size, order, V, count));
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

// The section entries of header `h`: each where FORMAT.md expects it,
// inside the file and after the one before, its counts consistent.
Status MappedModelFile::ParseSections(const char* h, size_t header_size, uint64_t size,
                                      uint32_t order, uint64_t V, uint32_t count) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name_ + ": " + what + " (the file is corrupted)");
  };
  const bool trie = parts_.kind == kMappedKindTrie;
  const std::vector<uint32_t> ids = ExpectedIds(order, trie);
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
    if (s.id != ids[i])
      return corrupt("unexpected section " + std::to_string(s.id) + " at " + std::to_string(i));
    const std::string what = SectionName(s.id);
    const uint32_t type = s.id >> 16;
    const uint64_t align = type == kTable ? kTableAlign : kSectionAlign;
    if (s.offset % align != 0 || s.offset < end || s.offset > size || s.size > size - s.offset) {
      return corrupt(what + " lies outside the file or overlaps another section");
    }
    end = s.offset + s.size;
    if (!SectionSizesOk(type, s.id, s.size, s.count, s.homes, s.items, order, V, size)) {
      return corrupt(what + " has inconsistent sizes");
    }
  }
  if (end != size) return corrupt("bytes after the last section");
  // The trie's orders: each order's three sections hold its entries, and
  // its FIRST one a place per entry of the order below, and one more.
  for (uint32_t n = 2; trie && n <= order; ++n) {
    const Section* const l = &sections_[4 + 3 * (n - 2)];
    const uint64_t lower = n == 2 ? V : l[-3].items;
    if (l[0].count != lower + 1 || l[0].items != l[1].items || l[1].items != l[2].items) {
      return corrupt("the order " + std::to_string(n) + " trie has inconsistent sizes");
    }
  }
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
  parts_.levels.clear();
  for (size_t i = 4; parts_.kind == kMappedKindTrie && i < sections_.size(); i += 3) {
    MappedModelParts::TrieLevel level;
    level.first = base + sections_[i].offset;
    level.first_bytes = sections_[i].size;
    level.words = base + sections_[i + 1].offset;
    level.word_bits = static_cast<uint32_t>(sections_[i + 1].homes);
    level.values = reinterpret_cast<const float*>(base + sections_[i + 2].offset);
    level.entries = sections_[i + 2].items;
    parts_.levels.push_back(level);
    // The queries trust the directory (query/packed_trie.h): checked once.
    const int n = static_cast<int>(parts_.levels.size()) + 1;
    if (!parts_.PackedOrder(n).DirectoryOk()) {
      return corrupt("the order " + std::to_string(n) + " FIRST directory points past its section");
    }
  }
  for (size_t i = 4; parts_.kind == kMappedKindProbing && i < sections_.size(); ++i) {
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

query::PackedLevel MappedModelParts::PackedOrder(int n) const {
  const TrieLevel& l = levels[n - 2];
  const uint64_t lower = n == 2 ? vocab_size : levels[n - 3].entries;
  return query::PackedLevel(l.entries, lower, l.first, l.first_bytes, l.words, l.word_bits,
                            l.values, n < static_cast<int>(order) ? 2 : 1);
}

StatusOr<Model> MappedTrieToModel(const MappedModelFile& file) {
  const MappedModelParts& parts = file.parts();
  if (parts.kind != kMappedKindTrie) return MappedModelNotReadable(file.name());
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(file.name() + ": " + what + " (the file is corrupted)");
  };
  const uint64_t V = parts.vocab_size;
  const int N = static_cast<int>(parts.order);
  Model model;
  std::vector<std::string_view> words(V);
  for (WordId id = 0; id < V; ++id) words[id] = file.Word(id);
  if (!Vocabulary::FromWords(words, &model.vocab)) return corrupt("its vocabulary repeats a word");
  auto settings = TokenizerSettings::FromKeyValues(parts.settings);
  if (!settings.ok()) return settings.status().WithContext(file.name());
  model.settings = *settings;
  model.info = parts.info;
  model.trie.levels.resize(N);
  model.log_prob.resize(N);
  model.log_backoff.resize(N);
  TrieLevel& unigrams = model.trie.levels[0];
  unigrams.words.resize(V);
  model.log_prob[0].resize(V);
  if (N > 1) model.log_backoff[0].resize(V);
  for (WordId w = 0; w < V; ++w) {
    const unsigned char* const record = parts.unigrams + w * kUnigramBytes;
    unigrams.words[w] = w;
    std::memcpy(&model.log_prob[0][w], record + 8, 4);
    if (N > 1) std::memcpy(&model.log_backoff[0][w], record + 12, 4);
  }
  for (int n = 2; n <= N; ++n) {
    const query::PackedLevel packed = parts.PackedOrder(n);
    const uint64_t m = packed.size(), lower = model.trie.levels[n - 2].size();
    TrieLevel& level = model.trie.levels[n - 1];
    level.words.resize(m);
    level.parents.resize(m);
    uint64_t next = 0;  // the entry the next parent's children must start at
    for (uint64_t p = 0; p < lower; ++p) {
      uint32_t begin, count;
      packed.Children(static_cast<EntryIndex>(p), &begin, &count);
      if (begin != next) {
        return corrupt("the order " + std::to_string(n) + " children do not follow each other");
      }
      for (uint64_t e = begin; e < uint64_t{begin} + count; ++e) {
        const WordId w = packed.Word(e);
        if (w >= V || (e > begin && w <= level.words[e - 1])) {
          return corrupt("the order " + std::to_string(n) + " words are out of order");
        }
        level.words[e] = w;
        level.parents[e] = static_cast<EntryIndex>(p);
      }
      next = uint64_t{begin} + count;
    }
    if (next != m) {
      return corrupt("the order " + std::to_string(n) + " children do not follow each other");
    }
    model.log_prob[n - 1].resize(m);
    if (n < N) model.log_backoff[n - 1].resize(m);
    for (uint64_t e = 0; e < m; ++e) {
      const float* const v = packed.Values(e);
      model.log_prob[n - 1][e] = v[0];
      if (n < N) model.log_backoff[n - 1][e] = v[1];
    }
  }
  return model;
}

}  // namespace grams
