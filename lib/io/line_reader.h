// LineReader: splits an InputStream into lines without copying them, keeping
// the line number and byte offset of each line for error messages.
#ifndef GRAMS_IO_LINE_READER_H_
#define GRAMS_IO_LINE_READER_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/file.h"

namespace grams::io {

class LineReader {
 public:
  explicit LineReader(InputStream* in, size_t buffer_size = 1 << 20);

  // Sets *line to the next line without its '\n' (and without a UTF-8 byte
  // order mark at the start of the input). The view stays valid until the
  // next call. Returns false at end of input or on error (see status()).
  bool Next(std::string_view* line);

  // True if the next Next() will not wait for input: a whole line is
  // buffered, or the input has ended. (Prompt scoring cuts its batches
  // where this is false.)
  bool LineWaiting() const {
    return eof_ || std::memchr(buf_.data() + begin_, '\n', end_ - begin_) != nullptr;
  }

  // 1-based number and 0-based byte offset of the line last returned.
  uint64_t line_number() const { return line_number_; }
  uint64_t line_offset() const { return line_offset_; }
  // Whether the line last returned ended with '\n' (only the last line of an
  // input may not).
  bool newline() const { return newline_; }
  // "file:line" of the line last returned.
  std::string Where() const;
  const Status& status() const { return in_->status(); }
  const std::string& name() const { return in_->name(); }

 private:
  void StripBom(std::string_view* line);

  // Value-initializes by default-initializing: a buffer of 1 MiB zeroed cost
  // a process that reads one line 256 page faults (read() fills what is used).
  template <typename T>
  struct NoZeroAllocator : std::allocator<T> {
    NoZeroAllocator() = default;
    template <typename U>
    NoZeroAllocator(const NoZeroAllocator<U>&) noexcept {}
    template <typename U>
    struct rebind {
      using other = NoZeroAllocator<U>;
    };
    template <typename U>
    void construct(U* p) {
      ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  };

  InputStream* in_;
  std::vector<char, NoZeroAllocator<char>> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_number_ = 0;
  uint64_t line_offset_ = 0;
  uint64_t consumed_ = 0;  // bytes of input before buf_[begin_]
  bool newline_ = false;
};

}  // namespace grams::io

#endif  // GRAMS_IO_LINE_READER_H_
