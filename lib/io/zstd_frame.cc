#include "io/zstd_frame.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "util/coding.h"

namespace grams::io {
namespace {
// A reader holds about kInStep + kOutStep + 2^kWindowLog bytes (the
// decompression window), so that many runs can be merged at once.
constexpr size_t kInStep = 64 << 10;
constexpr size_t kOutStep = 128 << 10;
constexpr int kWindowLog = 17;
}  // namespace

StatusOr<FrameRef> AppendFrame(TempFile* file, const void* raw, size_t size, int level) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (!cctx) return ResourceExhausted("out of memory creating a zstd context");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, kWindowLog);
  ZSTD_CCtx_setPledgedSrcSize(cctx, size);
  // Streamed out a piece at a time, so compressing a large array costs no
  // second copy of it.
  std::string out(kOutStep, '\0');
  FrameRef ref;
  ref.offset = file->size();
  ref.raw = size;
  ZSTD_inBuffer in{raw, size, 0};
  Status status;
  for (;;) {
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    const size_t left = ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_end);
    if (ZSTD_isError(left)) {
      status = InternalError(std::string("zstd: ") + ZSTD_getErrorName(left));
      break;
    }
    status = file->Append(out.data(), o.pos);
    if (!status.ok()) break;
    ref.compressed += o.pos;
    if (left == 0) break;
  }
  ZSTD_freeCCtx(cctx);
  GRAMS_RETURN_IF_ERROR(status);
  return ref;
}

Status ReadFrame(const TempFile& file, const FrameRef& ref, void* out) {
  std::string in(ref.compressed, '\0');
  GRAMS_RETURN_IF_ERROR(file.ReadAt(ref.offset, in.data(), in.size()));
  const size_t r = ZSTD_decompress(out, ref.raw, in.data(), in.size());
  if (ZSTD_isError(r) || r != ref.raw) {
    return CorruptionError("a temporary file in " + file.dir() + " is corrupted (" +
                           (ZSTD_isError(r) ? ZSTD_getErrorName(r) : "wrong size") + ")");
  }
  return Status::OK();
}

FrameReader::FrameReader(const TempFile* file, const FrameRef& ref)
    : file_(file),
      ref_(ref),
      dctx_(ZSTD_createDCtx()),
      in_(kInStep, '\0'),
      out_(kOutStep + 16, '\0') {
  if (!dctx_) status_ = ResourceExhausted("out of memory creating a zstd context");
  if (ref.raw == 0) finished_ = true;
}

FrameReader::~FrameReader() { ZSTD_freeDCtx(dctx_); }

bool FrameReader::Malformed() {
  if (status_.ok())
    status_ = CorruptionError("a temporary file in " + file_->dir() + " is corrupted");
  return false;
}

bool FrameReader::Read(void* out, size_t size) {
  char* dst = static_cast<char*>(out);
  while (size > 0) {
    if (pos_ == end_ && !Refill()) {
      if (status_.ok())
        status_ = CorruptionError("a temporary file in " + file_->dir() + " is truncated");
      return false;
    }
    const size_t n = std::min(size, end_ - pos_);
    std::memcpy(dst, out_.data() + pos_, n);
    pos_ += n;
    dst += n;
    size -= n;
  }
  return true;
}

bool FrameReader::Refill() {
  if (!status_.ok()) return false;
  // Keep the unread tail at the front.
  const size_t left = end_ - pos_;
  std::memmove(out_.data(), out_.data() + pos_, left);
  pos_ = 0;
  end_ = left;
  while (!finished_ && end_ < kOutStep) {
    if (in_pos_ == in_end_) {
      const uint64_t rest = ref_.compressed - read_;
      if (rest == 0) {
        status_ = CorruptionError("a temporary file in " + file_->dir() + " is truncated");
        return false;
      }
      const size_t n = static_cast<size_t>(std::min<uint64_t>(rest, kInStep));
      if (Status s = file_->ReadAt(ref_.offset + read_, in_.data(), n); !s.ok()) {
        status_ = s;
        return false;
      }
      read_ += n;
      in_pos_ = 0;
      in_end_ = n;
    }
    ZSTD_inBuffer in{in_.data(), in_end_, in_pos_};
    ZSTD_outBuffer out{out_.data(), kOutStep, end_};
    const size_t r = ZSTD_decompressStream(dctx_, &out, &in);
    if (ZSTD_isError(r)) {
      status_ = CorruptionError("a temporary file in " + file_->dir() + " is corrupted (" +
                                ZSTD_getErrorName(r) + ")");
      return false;
    }
    in_pos_ = in.pos;
    end_ = out.pos;
    if (r == 0) finished_ = true;
  }
  return end_ > pos_;
}

}  // namespace grams::io
