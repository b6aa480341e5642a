#include "format/binary_file.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_d_stableOutBuffer (zstd >= 1.4.6)
#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <vector>

#include "grams/version.h"
#include "io/fd.h"
#include "util/alloc_guard.h"
#include "util/coding.h"
#include "util/threads.h"

namespace grams {
namespace {

constexpr size_t kPreludeSize = 20;        // magic, version, kind, header length
constexpr size_t kSectionHeaderSize = 20;  // id, raw size, compressed size
constexpr uint64_t kMaxSectionSize = 1ull << 40;
constexpr uint64_t kReadStep = 16u << 20;  // bytes read (and allocated) at a time
constexpr uint64_t kLargeFrame = 1u << 20;
// Frames of this size or more may stay in their file
// (StoredSection::may_stay_in_file), read a piece of this size at a time.
constexpr uint64_t kPositionalFrame = 256u << 10;
constexpr size_t kPositionalPiece = 256u << 10;
std::atomic<uint64_t> positional_minimum{kPositionalFrame};

// The most content a zstd frame of `frame` bytes can hold: a block yields
// at most 128 KiB (the format's maximum block size) and takes 3 bytes of
// header at least.
uint64_t MaxFrameContent(uint64_t frame) { return (frame / 3 + 1) * (uint64_t{128} << 10); }

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

// One section as stored: its 20-byte header, then one zstd frame. The
// string that holds `raw` is freed once it is compressed, and the frame's
// pages are touched only as zstd writes them (not the whole of
// ZSTD_compressBound), so that a section in flight costs little more than
// its compressed size once compressed.
StatusOr<CompressedSection> CompressFrame(uint32_t id, std::string* raw, int level) {
  auto section = CompressSection(id, *raw, level);
  std::string().swap(*raw);
  return section;
}

}  // namespace

StatusOr<CompressedSection> CompressSection(uint32_t id, std::string_view raw, int zstd_level) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (!cctx) return ResourceExhausted("out of memory creating a zstd context");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, zstd_level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  const size_t bound = ZSTD_compressBound(raw.size());
  CompressedSection out;
  // Not zeroed: untouched pages cost nothing.
  out.bytes.reset(new char[kSectionHeaderSize + bound]);
  const size_t r =
      ZSTD_compress2(cctx, out.bytes.get() + kSectionHeaderSize, bound, raw.data(), raw.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(r)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(r));
  std::string head;
  PutFixed32(&head, id);
  PutFixed64(&head, raw.size());
  PutFixed64(&head, r);
  std::memcpy(out.bytes.get(), head.data(), kSectionHeaderSize);
  out.size = kSectionHeaderSize + r;
  return out;
}

namespace {

// What the first bytes of a file that is not a grams binary file look like,
// as a hint for the error ("" when nothing is recognized).
std::string ForeignFileHint(std::string_view prefix, FileKind expected) {
  static constexpr char kMapped[8] = {'\x89', 'G', 'R', 'M', 'M', 'A', 'P', '\n'};
  if (prefix.substr(0, 8) == std::string_view(kMapped, 8)) {
    return expected == FileKind::kModel ? "" : "; it is a mapped grams model";
  }
  if (prefix.substr(0, 8) == "mmap lm ") return "; it is a KenLM binary model";
  const size_t text = prefix.find_first_not_of(" \t\r\n");
  if (text != std::string_view::npos && prefix.substr(text, 6) == "\\data\\") {
    return expected == FileKind::kCounts
               ? "; it looks like an ARPA model: grams-build reads ARPA with --from-arpa"
               : "; it looks like an ARPA model";
  }
  for (unsigned char c : prefix) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return "";
  }
  return expected == FileKind::kCounts ? "; it looks like text: count it first with grams-count"
                                       : "; it looks like text";
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
  StatusOr<CompressedSection> done = pending_.front().get();
  pending_.pop_front();
  if (!done.ok()) {
    if (status_.ok()) status_ = done.status();
    return;
  }
  if (status_.ok()) out_->Write(done.value().view());
}

void BinaryFileWriter::AddSection(uint32_t id, std::string raw) {
  AddSection(id, std::move(raw), level_);
}

void BinaryFileWriter::AddSection(uint32_t id, std::string raw, int level) {
  while (pending_.size() >= kMaxInFlight) DrainOne();
  ++sections_;
  pending_.push_back(StartAsync(
      [id, level, raw = std::move(raw)]() mutable { return CompressFrame(id, &raw, level); }));
}

Status BinaryFileWriter::AddCompressedFrom(const io::TempFile& file, uint64_t begin, uint64_t end,
                                           uint64_t sections) {
  while (!pending_.empty()) DrainOne();
  GRAMS_RETURN_IF_ERROR(status_);
  sections_ += sections;
  constexpr uint64_t kStep = uint64_t{1} << 20;
  std::unique_ptr<char[]> buf(new char[kStep]);
  for (uint64_t at = begin; at < end; at += kStep) {
    const size_t n = static_cast<size_t>(std::min(kStep, end - at));
    GRAMS_RETURN_IF_ERROR(file.ReadAt(at, buf.get(), n));
    out_->Write(buf.get(), n);
  }
  return Status::OK();
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
    return CorruptionError(name + ": not a " + what + " (bad magic bytes)" +
                           ForeignFileHint(std::string_view(prelude, got), expected));
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
  return r;
}

BinaryFileReader::~BinaryFileReader() { WaitIfStarted(next_); }

void SetPositionalFrameMinimumForTesting(uint64_t bytes) {
  positional_minimum.store(bytes, std::memory_order_relaxed);
}

Status BinaryFileReader::LeaveInFile(StoredSection* s, uint64_t comp_size, bool* stays) {
  *stays = false;
  uint64_t offset;
  const int fd = in_->PositionalFd(&offset);
  struct stat st;
  // A file too short for the frame is read as any stream is, and so
  // reported as truncated.
  if (fd < 0 || ::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < offset + comp_size) {
    return Status::OK();
  }
  char head[ZSTD_FRAMEHEADERSIZE_MAX];
  const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof(head), comp_size));
  if (io::ReadAt(fd, head, n, offset) != static_cast<int64_t>(n)) return Status::OK();
  if (ZSTD_getFrameContentSize(head, n) != s->raw_size) {
    return CorruptionError(name_ + ": section " + std::to_string(s->number) +
                           " is corrupted (bad frame header)");
  }
  GRAMS_RETURN_IF_ERROR(in_->SkipPositional(comp_size));
  s->frame_fd = fd;
  s->frame_offset = offset;
  s->frame_size = static_cast<size_t>(comp_size);
  ++sections_read_;
  *stays = true;
  return Status::OK();
}

Status BinaryFileReader::ReadStored(StoredSection* s, bool* end) {
  *end = false;
  char sh[kSectionHeaderSize];
  GRAMS_RETURN_IF_ERROR(in_->ReadExactly(sh, sizeof(sh)));
  s->id = DecodeFixed32(sh);
  s->raw_size = DecodeFixed64(sh + 4);
  const uint64_t comp_size = DecodeFixed64(sh + 12);
  s->number = sections_read_ + 1;
  if (s->id == 0) {
    *end = true;
    if (s->raw_size != sections_read_ || comp_size != 0) {
      return CorruptionError(name_ + ": corrupt end marker");
    }
    char extra;
    if (in_->Read(&extra, 1) != 0) {
      return CorruptionError(name_ + ": trailing bytes after the end marker");
    }
    return in_->status();
  }
  if (comp_size > kMaxSectionSize || s->raw_size > kMaxSectionSize) {
    return CorruptionError(name_ + ": corrupt section size");
  }
  if (s->raw_size > MaxFrameContent(comp_size)) {
    // Checked before the frame is read, and so before any buffer is sized
    // from the claim: a file of a few bytes never costs gigabytes.
    return CorruptionError(name_ + ": section " + std::to_string(s->number) + " claims " +
                           std::to_string(s->raw_size) + " bytes of content, more than its " +
                           std::to_string(comp_size) +
                           " compressed bytes can hold (the file is corrupted)");
  }
  s->frame_fd = -1;
  if (s->may_stay_in_file && comp_size >= positional_minimum.load(std::memory_order_relaxed)) {
    bool stays = false;
    GRAMS_RETURN_IF_ERROR(LeaveInFile(s, comp_size, &stays));
    if (stays) return Status::OK();
  }
  // Read the frame in bounded steps: a damaged size must end in "truncated",
  // not in allocating up to 2^40 bytes first. The buffer is reused: fresh
  // pages are slow to fault in.
  s->frame_size = 0;
  while (s->frame_size < comp_size) {
    const size_t have = s->frame_size;
    const size_t step = static_cast<size_t>(std::min<uint64_t>(comp_size - have, kReadStep));
    if (s->buffer.size() < have + step) {
      // Address space is cheap and only pages touched cost: a frame of a
      // megabyte or more gets room for a read step at least, on huge
      // pages, so that a reused buffer rarely grows again; a small one
      // (of a small file) stays small.
      HugeArray<char> bigger;
      if (have + step >= kLargeFrame) {
        bigger.Reset(std::max<size_t>({have + step, 2 * s->buffer.size(), kReadStep}));
      } else {
        bigger.Reset(have + step, /*huge_pages=*/false);
      }
      if (have > 0) memcpy(bigger.data(), s->buffer.data(), have);
      s->buffer = std::move(bigger);
    }
    GRAMS_RETURN_IF_ERROR(in_->ReadExactly(s->buffer.data() + have, step));
    s->frame_size = have + step;
  }
  if (ZSTD_getFrameContentSize(s->buffer.data(), s->frame_size) != s->raw_size) {
    return CorruptionError(name_ + ": section " + std::to_string(s->number) +
                           " is corrupted (bad frame header)");
  }
  ++sections_read_;
  return Status::OK();
}

namespace {

// A thread's decompression context and buffer for frames read from their
// file a piece at a time (StoredSection::frame_fd), kept for the thread's
// next frame.
struct PositionalState {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<char> piece;
  PositionalState() = default;
  PositionalState(const PositionalState&) = delete;
  PositionalState& operator=(const PositionalState&) = delete;
  ~PositionalState() { ZSTD_freeDCtx(dctx); }
};

}  // namespace

Status StoredSection::DecompressFromFile(const std::string& name, char* out) const {
  // A damaged frame: the error of decompressing it whole, as the other
  // readers do (the streaming decoder names some damage otherwise), read
  // again for that.
  auto corrupted = [&](const char* why) {
    StoredSection whole;
    whole.raw_size = raw_size;
    whole.number = number;
    whole.frame_size = frame_size;
    SizedAllocation(frame_size, [&] { whole.buffer.Reset(frame_size, /*huge_pages=*/false); });
    if (io::ReadAt(frame_fd, whole.buffer.data(), frame_size, frame_offset) ==
        static_cast<int64_t>(frame_size)) {
      const Status status = whole.Decompress(name, out);
      if (!status.ok()) return status;
    }
    return CorruptionError(name + ": section " + std::to_string(number) + " is corrupted (" + why +
                           ")");
  };
  thread_local PositionalState state;
  if (state.dctx == nullptr) throw std::bad_alloc();
  SizedAllocation(kPositionalPiece, [&] { state.piece.resize(kPositionalPiece); });
  ZSTD_DCtx* const dctx = state.dctx;
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  // Straight into `out`, which holds the whole content: no window buffer
  // of the decoder's own, no copy.
  // And any window the frame declares, as ZSTD_decompress takes it: the
  // decoder keeps no window of its own here.
  if (ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_stableOutBuffer, 1)) ||
      ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX))) {
    throw std::bad_alloc();
  }
  ZSTD_outBuffer ob{out, raw_size, 0};
  uint64_t done = 0;
  size_t left = 1;  // what ZSTD_decompressStream says is left of the frame
  while (done < frame_size && left != 0) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(kPositionalPiece, frame_size - done));
    const int64_t got = io::ReadAt(frame_fd, state.piece.data(), want, frame_offset + done);
    if (got < 0) return IOError(name + ": read failed: " + io::ErrnoText(static_cast<int>(-got)));
    if (got == 0) {
      return IOError(name + ": the file shrank while being read (section " +
                     std::to_string(number) + " ends past its end)");
    }
    ZSTD_inBuffer ib{state.piece.data(), static_cast<size_t>(got), 0};
    while (ib.pos < ib.size && left != 0) {
      left = ZSTD_decompressStream(dctx, &ob, &ib);
      if (ZSTD_isError(left)) return corrupted(ZSTD_getErrorName(left));
    }
    done += ib.pos;
    if (left != 0 && ib.pos < ib.size) return corrupted("size mismatch");
  }
  if (left != 0 || done != frame_size || ob.pos != raw_size) return corrupted("size mismatch");
  return Status::OK();
}

Status StoredSection::Decompress(const std::string& name, char* out) const {
  if (frame_fd >= 0) return DecompressFromFile(name, out);
  const size_t r = ZSTD_decompress(out, raw_size, buffer.data(), frame_size);
  if (ZSTD_isError(r) || r != raw_size) {
    return CorruptionError(name + ": section " + std::to_string(number) + " is corrupted (" +
                           (ZSTD_isError(r) ? ZSTD_getErrorName(r) : "size mismatch") + ")");
  }
  return Status::OK();
}

BinaryFileReader::Fetched BinaryFileReader::Fetch() {
  Fetched f;
  f.status = ReadStored(&stored_, &f.end);
  if (!f.status.ok() || f.end) return f;
  f.id = stored_.id;
  f.raw.swap(spare_);  // the buffer the caller handed back last time
  SizedAllocation(stored_.raw_size, [&] { f.raw.resize(stored_.raw_size); });
  f.status = stored_.Decompress(name_, f.raw.data());
  return f;
}

void BinaryFileReader::StartFetch() {
  next_ = StartAsync([this] { return Fetch(); });
}

Status BinaryFileReader::CheckId(uint32_t id, uint32_t expected_id) const {
  if (id == expected_id) return Status::OK();
  return CorruptionError(name_ + ": unexpected section " + std::to_string(id >> 16) + "." +
                         std::to_string(id & 0xffff) + " where section " +
                         std::to_string(expected_id >> 16) + "." +
                         std::to_string(expected_id & 0xffff) + " belongs");
}

BinaryFileReader::Fetched BinaryFileReader::TakeFetched() {
  if (peeked_) {
    Fetched f = std::move(*peeked_);
    peeked_.reset();
    return f;
  }
  return next_.valid() ? next_.get() : Fetch();
}

Status BinaryFileReader::NextIf(uint32_t id, std::string* raw, bool* found) {
  *found = false;
  if (ended_) return Status::OK();
  if (!peeked_) peeked_ = TakeFetched();
  if (!peeked_->status.ok() || peeked_->end || peeked_->id != id) return Status::OK();
  *found = true;
  return Next(id, raw);
}

Status BinaryFileReader::Next(uint32_t expected_id, std::string* raw) {
  if (ended_) return CorruptionError(name_ + ": missing sections");
  Fetched f = TakeFetched();
  GRAMS_RETURN_IF_ERROR(f.status);
  if (f.end) {
    ended_ = true;
    return CorruptionError(name_ + ": missing sections (file ends early)");
  }
  GRAMS_RETURN_IF_ERROR(CheckId(f.id, expected_id));
  raw->swap(f.raw);
  spare_ = std::move(f.raw);  // the caller's old buffer: the next fetch reuses it
  StartFetch();
  return Status::OK();
}

Status BinaryFileReader::NextStored(uint32_t expected_id, StoredSection* out) {
  if (ended_) return CorruptionError(name_ + ": missing sections");
  bool end;
  GRAMS_RETURN_IF_ERROR(ReadStored(out, &end));
  if (end) {
    ended_ = true;
    return CorruptionError(name_ + ": missing sections (file ends early)");
  }
  return CheckId(out->id, expected_id);
}

Status BinaryFileReader::Finish() {
  if (ended_) return Status::OK();
  Fetched f = TakeFetched();
  GRAMS_RETURN_IF_ERROR(f.status);
  if (!f.end) return CorruptionError(name_ + ": unexpected extra sections");
  ended_ = true;
  return Status::OK();
}

}  // namespace grams
