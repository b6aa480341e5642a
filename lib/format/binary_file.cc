#include "format/binary_file.h"

#include <zstd.h>

#include <cstring>
#include <thread>

#include "grams/version.h"
#include "io/file.h"
#include "util/coding.h"

namespace grams {
namespace {

const char* KindName(FileKind kind) {
  return kind == FileKind::kCounts ? "counts" : "model";
}

std::string EncodeHeader(const FileHeader& h) {
  std::string out;
  PutVarint64(&out, h.order);
  PutVarint64(&out, h.vocab_size);
  for (uint64_t c : h.ngram_counts) PutVarint64(&out, c);
  PutVarint64(&out, h.sentences);
  PutVarint64(&out, h.tokens);
  PutVarint64(&out, h.settings.size());
  for (const auto& [k, v] : h.settings) {
    PutLengthPrefixed(&out, k);
    PutLengthPrefixed(&out, v);
  }
  PutVarint64(&out, h.info.size());
  for (const auto& [k, v] : h.info) {
    PutLengthPrefixed(&out, k);
    PutLengthPrefixed(&out, v);
  }
  return out;
}

bool DecodeKeyValues(const char** p, const char* end,
                     std::vector<std::pair<std::string, std::string>>* kv) {
  uint64_t n;
  if (!GetVarint64(p, end, &n) || n > 1u << 20) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetLengthPrefixed(p, end, &k) || !GetLengthPrefixed(p, end, &v)) return false;
    kv->emplace_back(std::string(k), std::string(v));
  }
  return true;
}

bool DecodeHeader(const std::string& data, FileHeader* h) {
  const char* p = data.data();
  const char* end = p + data.size();
  uint64_t order;
  if (!GetVarint64(&p, end, &order) || order < 1 || order > 255) return false;
  h->order = static_cast<uint32_t>(order);
  if (!GetVarint64(&p, end, &h->vocab_size)) return false;
  h->ngram_counts.resize(order);
  for (auto& c : h->ngram_counts)
    if (!GetVarint64(&p, end, &c)) return false;
  if (!GetVarint64(&p, end, &h->sentences) || !GetVarint64(&p, end, &h->tokens)) return false;
  if (!DecodeKeyValues(&p, end, &h->settings) || !DecodeKeyValues(&p, end, &h->info)) return false;
  return p == end;
}

// Compresses `in` into one zstd frame with a content checksum.
Status Compress(const std::string& in, int level, std::string* out) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (!cctx) return ResourceExhausted("out of memory creating a zstd context");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  out->resize(ZSTD_compressBound(in.size()));
  size_t r = ZSTD_compress2(cctx, out->data(), out->size(), in.data(), in.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(r)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(r));
  out->resize(r);
  out->shrink_to_fit();
  return Status::OK();
}

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <typename F>
void ParallelFor(size_t n, unsigned threads, F fn) {
  if (threads <= 1 || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

unsigned Cores() {
  unsigned c = std::thread::hardware_concurrency();
  return c == 0 ? 1 : c;
}

}  // namespace

bool HasBinaryMagic(const std::string& prefix) {
  return prefix.size() >= sizeof(kFileMagic) &&
         memcmp(prefix.data(), kFileMagic, sizeof(kFileMagic)) == 0;
}

Status WriteBinaryFile(const std::string& path, const FileHeader& header,
                       const std::vector<Section>& sections, int zstd_level) {
  // Compress from the largest section down, so two threads finish together.
  std::vector<std::string> compressed(sections.size());
  std::vector<Status> errors(sections.size());
  ParallelFor(sections.size(), Cores(), [&](size_t i) {
    errors[i] = Compress(sections[i].data, zstd_level, &compressed[i]);
  });
  for (const auto& s : errors) GRAMS_RETURN_IF_ERROR(s);

  std::string head(kFileMagic, sizeof(kFileMagic));
  PutFixed32(&head, GRAMS_FORMAT_VERSION);
  PutFixed32(&head, static_cast<uint32_t>(header.kind));
  std::string body = EncodeHeader(header);
  PutFixed32(&head, static_cast<uint32_t>(body.size()));
  head += body;
  PutFixed32(&head, Crc32(head.data(), head.size()));

  GRAMS_ASSIGN_OR_RETURN(auto out, io::OutputFile::Open(path));
  out->Write(head);
  for (size_t i = 0; i < sections.size(); ++i) {
    std::string sh;
    PutFixed32(&sh, sections[i].id);
    PutFixed64(&sh, sections[i].data.size());
    PutFixed64(&sh, compressed[i].size());
    out->Write(sh);
    out->Write(compressed[i]);
  }
  std::string end;
  PutFixed32(&end, 0);  // end marker
  PutFixed64(&end, sections.size());
  PutFixed64(&end, 0);
  out->Write(end);
  return out->Commit();
}

Status ReadBinaryFile(const std::string& path, FileKind expected, FileHeader* header,
                      std::vector<Section>* sections) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
  const std::string& name = in->name();
  char prelude[20];
  {
    size_t got = 0;
    while (got < sizeof(prelude)) {
      size_t r = in->Read(prelude + got, sizeof(prelude) - got);
      if (r == 0) break;
      got += r;
    }
    if (!in->status().ok()) return in->status();
    if (got < sizeof(kFileMagic) || memcmp(prelude, kFileMagic, sizeof(kFileMagic)) != 0) {
      if (got == 0) return CorruptionError(name + ": empty file, expected a grams " +
                                           KindName(expected) + " file");
      return CorruptionError(name + ": not a grams " + std::string(KindName(expected)) +
                             " file (bad magic bytes)");
    }
    if (got < sizeof(prelude)) return CorruptionError(name + ": truncated header");
  }
  uint32_t version = DecodeFixed32(prelude + 8);
  uint32_t kind = DecodeFixed32(prelude + 12);
  uint32_t header_len = DecodeFixed32(prelude + 16);
  if (version != GRAMS_FORMAT_VERSION) {
    return UnsupportedVersion(name + ": file format version " + std::to_string(version) +
                              ", this grams reads version " +
                              std::to_string(GRAMS_FORMAT_VERSION) +
                              "; rebuild the file with this grams (or use the grams that wrote it)");
  }
  if (kind != static_cast<uint32_t>(expected)) {
    std::string got_kind = kind == 1 ? "counts" : kind == 2 ? "model" : "unknown";
    return InvalidArgument(name + ": this is a grams " + got_kind + " file, expected a " +
                           KindName(expected) + " file");
  }
  if (header_len > (64u << 20)) return CorruptionError(name + ": corrupt header length");
  std::string head(prelude, sizeof(prelude));
  head.resize(sizeof(prelude) + header_len + 4);
  GRAMS_RETURN_IF_ERROR(in->ReadExactly(head.data() + sizeof(prelude), header_len + 4));
  uint32_t crc = DecodeFixed32(head.data() + sizeof(prelude) + header_len);
  if (crc != Crc32(head.data(), sizeof(prelude) + header_len)) {
    return CorruptionError(name + ": header checksum mismatch (file is corrupted)");
  }
  header->kind = expected;
  if (!DecodeHeader(head.substr(sizeof(prelude), header_len), header)) {
    return CorruptionError(name + ": malformed header");
  }

  // Read every compressed section, then decompress them in parallel.
  std::vector<std::string> compressed;
  sections->clear();
  for (;;) {
    char sh[20];
    uint64_t offset = 0;
    GRAMS_RETURN_IF_ERROR(in->ReadExactly(sh, sizeof(sh)).WithContext("reading section table"));
    uint32_t id = DecodeFixed32(sh);
    uint64_t raw_size = DecodeFixed64(sh + 4);
    uint64_t comp_size = DecodeFixed64(sh + 12);
    (void)offset;
    if (id == 0) {
      if (raw_size != compressed.size() || comp_size != 0) {
        return CorruptionError(name + ": corrupt end marker");
      }
      break;
    }
    if (comp_size > (1ull << 40) || raw_size > (1ull << 40)) {
      return CorruptionError(name + ": corrupt section size");
    }
    Section s;
    s.id = id;
    s.data.resize(raw_size);
    sections->push_back(std::move(s));
    compressed.emplace_back();
    compressed.back().resize(comp_size);
    GRAMS_RETURN_IF_ERROR(in->ReadExactly(compressed.back().data(), comp_size));
  }
  char extra;
  if (in->Read(&extra, 1) != 0) return CorruptionError(name + ": trailing bytes after the end marker");
  if (!in->status().ok()) return in->status();

  std::vector<Status> errors(sections->size());
  ParallelFor(sections->size(), Cores(), [&](size_t i) {
    std::string& raw = (*sections)[i].data;
    const std::string& comp = compressed[i];
    unsigned long long content = ZSTD_getFrameContentSize(comp.data(), comp.size());
    if (content != raw.size()) {
      errors[i] = CorruptionError(name + ": section " + std::to_string(i) + " is corrupted");
      return;
    }
    size_t r = ZSTD_decompress(raw.data(), raw.size(), comp.data(), comp.size());
    if (ZSTD_isError(r) || r != raw.size()) {
      errors[i] = CorruptionError(name + ": section " + std::to_string(i) +
                                  " is corrupted (" +
                                  (ZSTD_isError(r) ? ZSTD_getErrorName(r) : "size mismatch") + ")");
    }
    std::string().swap(const_cast<std::string&>(comp));
  });
  for (const auto& s : errors) GRAMS_RETURN_IF_ERROR(s);
  return Status::OK();
}

}  // namespace grams
