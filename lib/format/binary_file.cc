#include "format/binary_file.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "grams/version.h"
#include "util/alloc_guard.h"
#include "util/coding.h"
#include "util/threads.h"

namespace grams {
namespace {

constexpr size_t kPreludeSize = 20;       // magic, version, kind, header length
constexpr size_t kSectionHeaderSize = 20; // id, raw size, compressed size
constexpr uint64_t kMaxSectionSize = 1ull << 40;
constexpr uint64_t kReadStep = 16u << 20;  // bytes read (and allocated) at a time

const char* KindName(FileKind kind) { return kind == FileKind::kCounts ? "counts" : "model"; }

std::string EncodeHeader(const FileHeader& h) {
  std::string out;
  PutVarint64(&out, h.order);
  PutVarint64(&out, h.vocab_size);
  for (uint64_t c : h.ngram_counts) PutVarint64(&out, c);
  PutVarint64(&out, h.sentences);
  PutVarint64(&out, h.tokens);
  for (const auto* kv : {&h.settings, &h.info}) {
    PutVarint64(&out, kv->size());
    for (const auto& [k, v] : *kv) {
      PutLengthPrefixed(&out, k);
      PutLengthPrefixed(&out, v);
    }
  }
  return out;
}

bool DecodeKeyValues(const char** p, const char* end,
                     std::vector<std::pair<std::string, std::string>>* kv) {
  uint64_t n;
  if (!GetVarint64(p, end, &n) || n > (1u << 20)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetLengthPrefixed(p, end, &k) || !GetLengthPrefixed(p, end, &v)) return false;
    kv->emplace_back(std::string(k), std::string(v));
  }
  return true;
}

bool DecodeHeader(std::string_view data, FileHeader* h) {
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

// One section as stored: its 20-byte header, then one zstd frame.
StatusOr<std::string> CompressSection(uint32_t id, const std::string& raw, int level) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (!cctx) return ResourceExhausted("out of memory creating a zstd context");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string out;
  PutFixed32(&out, id);
  PutFixed64(&out, raw.size());
  PutFixed64(&out, 0);  // compressed size, patched below
  out.resize(kSectionHeaderSize + ZSTD_compressBound(raw.size()));
  size_t r = ZSTD_compress2(cctx, out.data() + kSectionHeaderSize, out.size() - kSectionHeaderSize,
                            raw.data(), raw.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(r)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(r));
  out.resize(kSectionHeaderSize + r);
  std::string size;
  PutFixed64(&size, r);
  memcpy(out.data() + 12, size.data(), 8);
  return out;
}

}  // namespace

bool HasBinaryMagic(const std::string& prefix) {
  return prefix.size() >= sizeof(kFileMagic) &&
         memcmp(prefix.data(), kFileMagic, sizeof(kFileMagic)) == 0;
}

// ---------------------------------------------------------------- writer

StatusOr<std::unique_ptr<BinaryFileWriter>> BinaryFileWriter::Open(const std::string& path,
                                                                   const FileHeader& header,
                                                                   int zstd_level) {
  std::unique_ptr<BinaryFileWriter> w(new BinaryFileWriter());
  GRAMS_ASSIGN_OR_RETURN(w->out_, io::OutputFile::Open(path));
  w->level_ = zstd_level;
  std::string head(kFileMagic, sizeof(kFileMagic));
  PutFixed32(&head, GRAMS_FORMAT_VERSION);
  PutFixed32(&head, static_cast<uint32_t>(header.kind));
  std::string body = EncodeHeader(header);
  PutFixed32(&head, static_cast<uint32_t>(body.size()));
  head += body;
  PutFixed32(&head, Crc32(head.data(), head.size()));
  w->out_->Write(head);
  return w;
}

BinaryFileWriter::~BinaryFileWriter() {
  for (auto& p : pending_) WaitIfStarted(p);
}

void BinaryFileWriter::DrainOne() {
  StatusOr<std::string> done = pending_.front().get();
  pending_.pop_front();
  if (!done.ok()) {
    if (status_.ok()) status_ = done.status();
    return;
  }
  if (status_.ok()) out_->Write(done.value());
}

void BinaryFileWriter::AddSection(uint32_t id, std::string raw) {
  while (pending_.size() >= kMaxInFlight) DrainOne();
  ++sections_;
  int level = level_;
  pending_.push_back(StartAsync([id, level, raw = std::move(raw)]() {
    return CompressSection(id, raw, level);
  }));
}

Status BinaryFileWriter::Finish() {
  while (!pending_.empty()) DrainOne();
  GRAMS_RETURN_IF_ERROR(status_);
  std::string end;
  PutFixed32(&end, 0);  // end marker: id 0, section count, 0
  PutFixed64(&end, sections_);
  PutFixed64(&end, 0);
  out_->Write(end);
  return out_->Commit();
}

// ---------------------------------------------------------------- reader

StatusOr<std::unique_ptr<BinaryFileReader>> BinaryFileReader::Open(const std::string& path,
                                                                   FileKind expected) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
  return Open(std::move(in), expected);
}

StatusOr<std::unique_ptr<BinaryFileReader>> BinaryFileReader::Open(
    std::unique_ptr<io::InputStream> stream, FileKind expected) {
  std::unique_ptr<BinaryFileReader> r(new BinaryFileReader());
  r->in_ = std::move(stream);
  io::InputStream* in = r->in_.get();
  const std::string& name = in->name();
  r->name_ = name;
  char prelude[kPreludeSize];
  size_t got = 0;
  while (got < sizeof(prelude)) {
    size_t n = in->Read(prelude + got, sizeof(prelude) - got);
    if (n == 0) break;
    got += n;
  }
  if (!in->status().ok()) return in->status();
  const std::string what = std::string("grams ") + KindName(expected) + " file";
  if (got == 0) return CorruptionError(name + ": empty file, expected a " + what);
  if (got < sizeof(kFileMagic) || memcmp(prelude, kFileMagic, sizeof(kFileMagic)) != 0) {
    return CorruptionError(name + ": not a " + what + " (bad magic bytes)");
  }
  if (got < sizeof(prelude)) return CorruptionError(name + ": truncated header");
  uint32_t version = DecodeFixed32(prelude + 8);
  uint32_t kind = DecodeFixed32(prelude + 12);
  uint32_t header_len = DecodeFixed32(prelude + 16);
  if (version != GRAMS_FORMAT_VERSION) {
    return UnsupportedVersion(name + ": file format version " + std::to_string(version) +
                              ", but this grams reads version " +
                              std::to_string(GRAMS_FORMAT_VERSION) +
                              "; rebuild the file with this grams or use the grams that wrote it");
  }
  if (kind != static_cast<uint32_t>(expected)) {
    std::string got_kind = kind == 1 ? "counts" : kind == 2 ? "model" : "unknown";
    return InvalidArgument(name + ": this is a grams " + got_kind + " file, expected a " + what);
  }
  if (header_len > (64u << 20)) return CorruptionError(name + ": corrupt header length");
  std::string head(prelude, sizeof(prelude));
  head.resize(sizeof(prelude) + header_len + 4);
  GRAMS_RETURN_IF_ERROR(in->ReadExactly(head.data() + sizeof(prelude), header_len + 4));
  uint32_t crc = DecodeFixed32(head.data() + sizeof(prelude) + header_len);
  if (crc != Crc32(head.data(), sizeof(prelude) + header_len)) {
    return CorruptionError(name + ": header checksum mismatch (the file is corrupted)");
  }
  r->header_.kind = expected;
  if (!DecodeHeader(std::string_view(head).substr(sizeof(prelude), header_len), &r->header_)) {
    return CorruptionError(name + ": malformed header");
  }
  r->StartFetch();
  return r;
}

BinaryFileReader::~BinaryFileReader() { WaitIfStarted(next_); }

BinaryFileReader::Fetched BinaryFileReader::Fetch() {
  Fetched f;
  char sh[kSectionHeaderSize];
  f.status = in_->ReadExactly(sh, sizeof(sh));
  if (!f.status.ok()) return f;
  f.id = DecodeFixed32(sh);
  uint64_t raw_size = DecodeFixed64(sh + 4);
  uint64_t comp_size = DecodeFixed64(sh + 12);
  if (f.id == 0) {
    f.end = true;
    if (raw_size != sections_read_ || comp_size != 0) {
      f.status = CorruptionError(name_ + ": corrupt end marker");
      return f;
    }
    char extra;
    if (in_->Read(&extra, 1) != 0) {
      f.status = CorruptionError(name_ + ": trailing bytes after the end marker");
    } else if (!in_->status().ok()) {
      f.status = in_->status();
    }
    return f;
  }
  if (comp_size > kMaxSectionSize || raw_size > kMaxSectionSize) {
    f.status = CorruptionError(name_ + ": corrupt section size");
    return f;
  }
  // Read the frame in bounded steps: a damaged size must end in "truncated",
  // not in allocating (and zero-filling) up to 2^40 bytes first.
  const std::string where = name_ + ": section " + std::to_string(sections_read_ + 1);
  std::string& comp = comp_buffer_;  // reused: fresh pages are slow to fault in
  comp.clear();
  while (comp.size() < comp_size) {
    const size_t have = comp.size();
    const size_t step = static_cast<size_t>(std::min<uint64_t>(comp_size - have, kReadStep));
    SizedAllocation(have + step, [&] { comp.resize(have + step); });
    f.status = in_->ReadExactly(comp.data() + have, step);
    if (!f.status.ok()) return f;
  }
  if (ZSTD_getFrameContentSize(comp.data(), comp.size()) != raw_size) {
    f.status = CorruptionError(where + " is corrupted (bad frame header)");
    return f;
  }
  f.raw.swap(spare_);  // the buffer the caller handed back last time
  SizedAllocation(raw_size, [&] { f.raw.resize(raw_size); });
  size_t r = ZSTD_decompress(f.raw.data(), f.raw.size(), comp.data(), comp.size());
  if (ZSTD_isError(r) || r != raw_size) {
    f.status = CorruptionError(where + " is corrupted (" +
                               (ZSTD_isError(r) ? ZSTD_getErrorName(r) : "size mismatch") + ")");
    return f;
  }
  ++sections_read_;
  return f;
}

void BinaryFileReader::StartFetch() {
  next_ = StartAsync([this] { return Fetch(); });
}

BinaryFileReader::Fetched BinaryFileReader::TakeFetched() {
  if (peeked_) {
    Fetched f = std::move(*peeked_);
    peeked_.reset();
    return f;
  }
  return next_.get();
}

Status BinaryFileReader::NextIf(uint32_t id, std::string* raw, bool* found) {
  *found = false;
  if (ended_ || (!peeked_ && !next_.valid())) return Status::OK();
  if (!peeked_) peeked_ = next_.get();
  if (!peeked_->status.ok() || peeked_->end || peeked_->id != id) return Status::OK();
  *found = true;
  return Next(id, raw);
}

Status BinaryFileReader::Next(uint32_t expected_id, std::string* raw) {
  if (ended_ || (!peeked_ && !next_.valid())) return CorruptionError(name_ + ": missing sections");
  Fetched f = TakeFetched();
  GRAMS_RETURN_IF_ERROR(f.status);
  if (f.end) {
    ended_ = true;
    return CorruptionError(name_ + ": missing sections (file ends early)");
  }
  if (f.id != expected_id) {
    return CorruptionError(name_ + ": unexpected section " + std::to_string(f.id >> 16) + "." +
                           std::to_string(f.id & 0xffff) + " where section " +
                           std::to_string(expected_id >> 16) + "." +
                           std::to_string(expected_id & 0xffff) + " belongs");
  }
  raw->swap(f.raw);
  spare_ = std::move(f.raw);  // the caller's old buffer: the next fetch reuses it
  StartFetch();
  return Status::OK();
}

Status BinaryFileReader::Finish() {
  if (ended_ || (!peeked_ && !next_.valid())) return Status::OK();
  Fetched f = TakeFetched();
  GRAMS_RETURN_IF_ERROR(f.status);
  if (!f.end) return CorruptionError(name_ + ": unexpected extra sections");
  ended_ = true;
  return Status::OK();
}

}  // namespace grams
