// What the streaming estimator (estimate/streaming_build.h) keeps from its
// scan of the counts file for its write pass: arrays and sections parked in
// memory or, under a tight memory budget, as zstd frames of a temporary file
// (io/zstd_frame.h), read back whole or in order; and the probabilities of
// one order, spilled to a temporary file of their own. Not thread-safe.
#ifndef GRAMS_ESTIMATE_PARKED_H_
#define GRAMS_ESTIMATE_PARKED_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grams/status.h"
#include "io/temp_file.h"
#include "io/zstd_frame.h"

namespace grams::estimate {

inline constexpr size_t kChunkBytes = 1 << 20;  // doubles written to a temporary file at a time
// Arrays parked in temporary files: read back once, so compressed at zstd's
// fastest level below 0. Against level 1, on four times scale.txt under
// -S 500M: the build 11.25 -> 10.18 s, the temporary files 388 -> 449 MB.
inline constexpr int kParkZstdLevel = -1;

// Reads an array in order, `count` elements at a time: straight from memory,
// or from a zstd frame of a temporary file, a few hundred kilobytes at a time.
template <typename T>
class ParkedCursor {
 public:
  explicit ParkedCursor(const T* memory) : in_memory_(true), mem_(memory) {}
  ParkedCursor(const io::TempFile* file, const io::FrameRef& frame)
      : reader_(std::make_unique<io::FrameReader>(file, frame)) {}

  // The next `count` elements; nullptr after a read error (status()).
  const T* Next(size_t count) {
    if (in_memory_) {
      const T* p = mem_ + pos_;
      pos_ += count;
      return p;
    }
    buf_.resize(count);
    if (!reader_->Read(buf_.data(), count * sizeof(T))) {
      status_ = reader_->status();
      if (status_.ok()) status_ = InternalError("read past a parked array");
      return nullptr;
    }
    return buf_.data();
  }
  const Status& status() const { return status_; }

 private:
  bool in_memory_ = false;
  const T* mem_ = nullptr;
  size_t pos_ = 0;                           // elements consumed (memory)
  std::unique_ptr<io::FrameReader> reader_;  // or the file's frame
  std::vector<T> buf_;
  Status status_;
};

// An array (std::vector<T>) or bytes (std::string) that wait from the scan
// to the write pass: in memory, or in a temporary file.
template <typename C>
class Parked {
 public:
  using T = typename C::value_type;

  // Takes `data`; with a file, appends it there (one zstd frame) and frees it.
  Status Park(C&& data, io::TempFile* file) {
    size_ = data.size();
    file_ = file;
    if (file == nullptr) {
      mem_ = std::move(data);
      return Status::OK();
    }
    auto frame = io::AppendFrame(file, data.data(), size_ * sizeof(T), kParkZstdLevel);
    C().swap(data);
    if (!frame.ok()) return frame.status();
    frame_ = *frame;
    return Status::OK();
  }
  // The whole content, once.
  Status Take(C* out) {
    if (file_ == nullptr) {
      *out = std::move(mem_);
      C().swap(mem_);
      return Status::OK();
    }
    C().swap(*out);
    out->resize(size_);
    return io::ReadFrame(*file_, frame_, out->data());
  }
  // Sequential reading; the object must outlive the cursor.
  ParkedCursor<T> Read() const {
    return file_ ? ParkedCursor<T>(file_, frame_) : ParkedCursor<T>(mem_.data());
  }
  void Drop() { C().swap(mem_); }
  // The elements parked.
  size_t size() const { return size_; }

 private:
  C mem_;
  io::TempFile* file_ = nullptr;
  io::FrameRef frame_;
  size_t size_ = 0;
};

// Appends doubles to a temporary file of their own through a buffer.
class DoubleSpill {
 public:
  static StatusOr<std::unique_ptr<DoubleSpill>> Create(const std::string& dir) {
    GRAMS_ASSIGN_OR_RETURN(auto file, io::TempFile::Create(dir));
    return std::unique_ptr<DoubleSpill>(new DoubleSpill(std::move(file)));
  }
  void Append(const double* data, size_t n) {
    buf_.insert(buf_.end(), data, data + n);
    if (buf_.size() * sizeof(double) >= kChunkBytes) Flush();
  }
  Status Finish() {
    Flush();
    return status_;
  }
  // All of it (after Finish).
  Status ReadAll(std::vector<double>* out) const {
    uint64_t n = 0;
    for (const io::FrameRef& f : frames_) n += f.raw / sizeof(double);
    out->resize(n);
    char* p = reinterpret_cast<char*>(out->data());
    for (const io::FrameRef& f : frames_) {
      GRAMS_RETURN_IF_ERROR(io::ReadFrame(*file_, f, p));
      p += f.raw;
    }
    return Status::OK();
  }

 private:
  explicit DoubleSpill(std::unique_ptr<io::TempFile> file) : file_(std::move(file)) {}
  void Flush() {
    if (status_.ok() && !buf_.empty()) {
      auto frame =
          io::AppendFrame(file_.get(), buf_.data(), buf_.size() * sizeof(double), kParkZstdLevel);
      if (frame.ok()) {
        frames_.push_back(*frame);
      } else {
        status_ = frame.status();
      }
    }
    buf_.clear();
  }
  std::unique_ptr<io::TempFile> file_;
  std::vector<io::FrameRef> frames_;  // one per chunk
  std::vector<double> buf_;
  Status status_;
};

}  // namespace grams::estimate

#endif  // GRAMS_ESTIMATE_PARKED_H_
