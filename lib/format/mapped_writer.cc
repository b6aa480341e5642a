// Writing the mapped model file (docs/FORMAT.md, "Mapped model file"): the
// vocabulary's sections built from a Vocabulary, the unigrams and tables
// written as they are, each section aligned, after a header that lists
// them with their CRC-32.
#include <algorithm>
#include <string>
#include <vector>

#include "format/mapped_layout.h"
#include "format/mapped_model.h"
#include "io/file.h"
#include "query/ngram_hash.h"
#include "query/packed_trie.h"
#include "util/coding.h"
#include "util/threads.h"
#include "vocab/word_index.h"

namespace grams {
namespace mapped {
namespace {

// The vocabulary's three sections: strings, offsets, and the index (at most
// half full).
struct VocabSections {
  std::string strings;
  std::vector<uint64_t> offsets;
  uint64_t index_slots = 8;
  std::vector<uint64_t> index;
};

Status BuildVocabSections(const Vocabulary& vocab, const std::string& path, VocabSections* out) {
  const uint64_t V = vocab.size();
  out->strings.reserve(vocab.arena_bytes());
  out->offsets.assign(V + 1, 0);
  for (WordId id = 0; id < V; ++id) {
    out->strings.append(vocab.Word(id));
    out->offsets[id + 1] = out->strings.size();
  }
  // The index (vocab/word_index.h): most words are compared in their slot.
  if (!BuildWordIndex(vocab, out->offsets, &out->index, &out->index_slots)) {
    return InvalidArgument(path + ": the vocabulary's words take 2^40 bytes or more");
  }
  return Status::OK();
}

// A section to write: its header entry, and where its bytes are.
struct Out {
  uint32_t id;
  const void* data;
  uint64_t size, count, homes, items, align;
  uint64_t offset = 0;
  uint32_t crc = 0;
};

// Every section in file order, not yet placed.
std::vector<Out> ListSections(const MappedModelParts& parts, const VocabSections& vocab) {
  const uint64_t V = parts.vocab_size;
  std::vector<Out> out;
  out.push_back({SectionIdOf(kVocabIndex, 0, 0), vocab.index.data(),
                 vocab.index_slots * kWordIndexSlotBytes, vocab.index_slots, 0, V, kSectionAlign});
  out.push_back({SectionIdOf(kVocabOffsets, 0, 0), vocab.offsets.data(), (V + 1) * 8, V + 1, 0, V,
                 kSectionAlign});
  out.push_back({SectionIdOf(kVocabStrings, 0, 0), vocab.strings.data(), vocab.strings.size(),
                 vocab.strings.size(), 0, V, kSectionAlign});
  out.push_back(
      {SectionIdOf(kUnigrams, 1, 0), parts.unigrams, V * kUnigramBytes, V, 0, V, kSectionAlign});
  for (uint32_t n = 2; n <= parts.order && parts.kind == kMappedKindTrie; ++n) {
    const MappedModelParts::TrieLevel& l = parts.levels[n - 2];
    const uint64_t m = l.entries;
    const uint64_t lower = n == 2 ? V : parts.levels[n - 3].entries;
    const uint64_t stride = n == parts.order ? 1 : 2;
    out.push_back(
        {SectionIdOf(kTrieFirst, n, 0), l.first, l.first_bytes, lower + 1, 0, m, kSectionAlign});
    out.push_back({SectionIdOf(kTrieWords, n, 0), l.words, query::PackedBytes(m, l.word_bits), m,
                   l.word_bits, m, kSectionAlign});
    out.push_back(
        {SectionIdOf(kTrieValues, n, 0), l.values, m * stride * 4, m, 0, m, kSectionAlign});
  }
  for (uint32_t n = 2; n <= parts.order && parts.kind == kMappedKindProbing; ++n) {
    const size_t stride = n == parts.order ? query::kTopSlotBytes : query::kSlotBytes;
    for (uint32_t s = 0; s < 2; ++s) {
      const MappedModelParts::Shard& sh = parts.shards[2 * (n - 2) + s];
      out.push_back({SectionIdOf(kTable, n, s), sh.slots, sh.slot_count * stride, sh.slot_count,
                     sh.homes, sh.entries, kTableAlign});
    }
  }
  return out;
}

// Places the sections after a header of `header_size` bytes; the file's
// size. The first table starts on a huge-page boundary when the tables are
// large.
uint64_t PlaceSections(uint64_t header_size, std::vector<Out>* out) {
  uint64_t table_bytes = 0;
  for (size_t i = 4; i < out->size(); ++i) {
    if ((*out)[i].id >> 16 == kTable) table_bytes += AlignUp((*out)[i].size, kTableAlign);
  }
  uint64_t pos = header_size;
  for (size_t i = 0; i < out->size(); ++i) {
    uint64_t align = (*out)[i].align;
    if (i == 4 && table_bytes >= kHugeAlignFrom) align = kHugeAlign;  // the first table
    pos = AlignUp(pos, align);
    (*out)[i].offset = pos;
    pos += (*out)[i].size;
  }
  return pos;
}

// The header: the fixed fields, an entry per section, the key/values `kv`
// and the header's CRC-32.
std::string EncodeHeader(const MappedModelParts& parts, uint64_t file_size, uint64_t header_size,
                         const std::vector<Out>& out, const std::string& kv) {
  std::string head;
  head.append(kMappedMagic, sizeof(kMappedMagic));
  PutFixed32(&head, kMappedFormatVersion);
  PutFixed32(&head, parts.kind);
  PutFixed64(&head, file_size);
  PutFixed32(&head, static_cast<uint32_t>(header_size));
  PutFixed32(&head, parts.order);
  PutFixed64(&head, parts.vocab_size);
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
  return head;
}

// The header, then each section at its offset, zeros in between, written
// in pieces that each fill a 2 MiB-aligned range of the file (the last one
// excepted): the page cache then holds the whole file in 2 MiB folios,
// which a mapping uses as huge pages. A section written whole left its tail
// and the zeros after it in small folios, a third of a model's tables
// mapped with 4 KiB pages, each lookup there a TLB miss more.
Status WriteSections(const std::string& path, const std::string& head,
                     const std::vector<Out>& out) {
  GRAMS_ASSIGN_OR_RETURN(auto file, io::OutputFile::Open(path));
  std::string piece;  // the bytes from the last 2 MiB boundary written up to
  piece.reserve(kHugeAlign);
  uint64_t written = 0;  // bytes of the file handed to `file` or `piece`
  // Appends n bytes (zeros if data is null), writing each range filled.
  auto put = [&](const char* data, uint64_t n) {
    while (n > 0) {
      const uint64_t room = kHugeAlign - written % kHugeAlign;
      if (piece.empty() && data && n >= kHugeAlign && room == kHugeAlign) {
        const uint64_t whole = n - n % kHugeAlign;  // whole ranges: no copy
        file->Write(data, whole);
        data += whole;
        n -= whole;
        written += whole;
        continue;
      }
      const uint64_t k = std::min(n, room);
      if (data) {
        piece.append(data, k);
        data += k;
      } else {
        piece.append(k, '\0');
      }
      n -= k;
      written += k;
      if (written % kHugeAlign == 0) {
        file->Write(piece.data(), piece.size());
        piece.clear();
      }
    }
  };
  put(head.data(), head.size());
  for (const Out& o : out) {
    if (written < o.offset) put(nullptr, o.offset - written);
    put(static_cast<const char*>(o.data), o.size);
  }
  if (!piece.empty()) file->Write(piece.data(), piece.size());
  return file->Commit();
}

}  // namespace
}  // namespace mapped

Status WriteMappedModelFile(const MappedModelParts& parts, const Vocabulary& vocab,
                            const std::string& path) {
  mapped::VocabSections vocab_sections;
  GRAMS_RETURN_IF_ERROR(mapped::BuildVocabSections(vocab, path, &vocab_sections));
  std::vector<mapped::Out> out = mapped::ListSections(parts, vocab_sections);
  std::string kv;
  mapped::PutKeyValues(&kv, parts.settings);
  mapped::PutKeyValues(&kv, parts.info);
  const uint64_t header_size =
      mapped::kFixedHeaderBytes + mapped::kSectionEntryBytes * out.size() + kv.size() + 4;
  if (header_size > mapped::kMaxHeaderBytes)
    return InvalidArgument(path + ": the model's info is too large");
  const uint64_t file_size = mapped::PlaceSections(header_size, &out);
  RunOnThreads(2, [&](int t) {
    for (size_t i = t; i < out.size(); i += 2) out[i].crc = Crc32(out[i].data, out[i].size);
  });
  return mapped::WriteSections(path, mapped::EncodeHeader(parts, file_size, header_size, out, kv),
                               out);
}

}  // namespace grams
