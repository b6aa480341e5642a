// zstd frames in scratch files: one-shot compression of a buffer, whole-frame
// decompression, and a reader that decompresses a large frame a piece at a
// time and hands out varints (for merging runs without holding them).
#ifndef GRAMS_IO_ZSTD_FRAME_H_
#define GRAMS_IO_ZSTD_FRAME_H_

#include <cstdint>
#include <string>

#include "grams/status.h"
#include "io/temp_file.h"
#include "util/coding.h"

typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace grams::io {

// The memory one FrameReader takes, buffers and zstd window included.
inline constexpr uint64_t kReaderBytes = 384 << 10;

// Where a frame is: its offset and compressed size in a TempFile, and the
// size of its content.
struct FrameRef {
  uint64_t offset = 0, compressed = 0, raw = 0;
};

// Compresses `raw` (zstd `level`, with a checksum) and appends it to `file`.
StatusOr<FrameRef> AppendFrame(TempFile* file, const void* raw, size_t size, int level);
inline StatusOr<FrameRef> AppendFrame(TempFile* file, const std::string& raw, int level) {
  return AppendFrame(file, raw.data(), raw.size(), level);
}
// Reads and decompresses a whole frame into out[0, ref.raw).
Status ReadFrame(const TempFile& file, const FrameRef& ref, void* out);
inline Status ReadFrame(const TempFile& file, const FrameRef& ref, std::string* raw) {
  raw->resize(ref.raw);
  return ReadFrame(file, ref, raw->data());
}

// Streams the content of one frame, a few hundred kilobytes at a time
// (kReaderBytes of memory).
class FrameReader {
 public:
  FrameReader(const TempFile* file, const FrameRef& ref);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // The next varint of the content; false at its end or on an error (then
  // status() says which).
  bool Varint(uint64_t* v) {
    if (end_ - pos_ < 10 && !Refill()) return false;
    const char* p = out_.data() + pos_;
    if (!GetVarint64(&p, out_.data() + end_, v)) return Malformed();
    pos_ = static_cast<size_t>(p - out_.data());
    return true;
  }
  // Three varints, as three calls of Varint would read them, but with one
  // check of the bytes at hand where 30 or more are (the external merge's
  // runs are read three varints an entry, on one thread).
  bool Varints(uint64_t* a, uint64_t* b, uint64_t* c) {
    if (end_ - pos_ < 30) return Varint(a) && Varint(b) && Varint(c);
    const char* p = out_.data() + pos_;
    const char* end = out_.data() + end_;
    if (!GetVarint64(&p, end, a) || !GetVarint64(&p, end, b) || !GetVarint64(&p, end, c)) {
      return Malformed();
    }
    pos_ = static_cast<size_t>(p - out_.data());
    return true;
  }
  // The next `size` bytes of the content into `out`; false if fewer are left
  // or on an error (status() says which).
  bool Read(void* out, size_t size);
  // Whether the content is used up (the frame fully read and consumed).
  bool done() const { return pos_ == end_ && finished_; }
  const Status& status() const { return status_; }

 private:
  bool Refill();     // keeps the unread bytes and appends more; false if none
  bool Malformed();  // sets status_; false

  const TempFile* file_;
  FrameRef ref_;
  ZSTD_DCtx* dctx_;
  std::string in_, out_;
  size_t in_pos_ = 0, in_end_ = 0;  // unread compressed bytes in in_
  size_t pos_ = 0, end_ = 0;        // unread content in out_
  uint64_t read_ = 0;               // compressed bytes read from the file
  bool finished_ = false;           // the frame's end was decoded
  Status status_;
};

}  // namespace grams::io

#endif  // GRAMS_IO_ZSTD_FRAME_H_
