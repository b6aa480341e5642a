#include "io/zstd_frame.h"

#include <zstd.h>

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

StatusOr<FrameRef> AppendFrame(TempFile* file, const std::string& raw, int level) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (!cctx) return ResourceExhausted("out of memory creating a zstd context");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, kWindowLog);
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const size_t r = ZSTD_compress2(cctx, out.data(), out.size(), raw.data(), raw.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(r)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(r));
  FrameRef ref;
  ref.compressed = r;
  ref.raw = raw.size();
  GRAMS_RETURN_IF_ERROR(file->Append(out.data(), r, &ref.offset));
  return ref;
}

Status ReadFrame(const TempFile& file, const FrameRef& ref, std::string* raw) {
  std::string in(ref.compressed, '\0');
  GRAMS_RETURN_IF_ERROR(file.ReadAt(ref.offset, in.data(), in.size()));
  raw->resize(ref.raw);
  const size_t r = ZSTD_decompress(raw->data(), raw->size(), in.data(), in.size());
  if (ZSTD_isError(r) || r != ref.raw) {
    return CorruptionError("a temporary file in " + file.dir() + " is corrupted (" +
                           (ZSTD_isError(r) ? ZSTD_getErrorName(r) : "wrong size") + ")");
  }
  return Status::OK();
}

FrameReader::FrameReader(const TempFile* file, const FrameRef& ref)
    : file_(file), ref_(ref), dctx_(ZSTD_createDCtx()), in_(kInStep, '\0'), out_(kOutStep + 16, '\0') {
  if (!dctx_) status_ = ResourceExhausted("out of memory creating a zstd context");
  if (ref.raw == 0) finished_ = true;
}

FrameReader::~FrameReader() { ZSTD_freeDCtx(dctx_); }

bool FrameReader::GetVarint(const char** p, const char* end, uint64_t* v) {
  if (grams::GetVarint64(p, end, v)) return true;
  if (status_.ok()) status_ = CorruptionError("a temporary file in " + file_->dir() + " is corrupted");
  return false;
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
