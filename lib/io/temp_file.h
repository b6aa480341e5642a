// Scratch files for work that does not fit in memory (sorted runs, sections
// waiting to be written). A TempFile is unlinked the moment it is created, so
// it disappears when it is closed or the process ends in any way: success, an
// error, Ctrl-C, even SIGKILL. Its space is given back to the file system then.
#ifndef GRAMS_IO_TEMP_FILE_H_
#define GRAMS_IO_TEMP_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "grams/status.h"

namespace grams::io {

// The directory scratch files go to when none is given: $TMPDIR, else /tmp.
std::string DefaultTempDir();

class TempFile {
 public:
  // Creates an empty, already unlinked file in `dir` ("" = DefaultTempDir()).
  // Fails with a message naming the directory if it cannot be written.
  static StatusOr<std::unique_ptr<TempFile>> Create(const std::string& dir);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  // Appends at the end; returns the offset the data starts at in *offset.
  // Errors (a full disk) name the directory.
  Status Append(const void* data, size_t size, uint64_t* offset = nullptr);
  // Reads exactly `size` bytes at `offset`. Safe to call from several
  // threads at once (pread), as long as nothing is appended meanwhile.
  Status ReadAt(uint64_t offset, void* data, size_t size) const;
  uint64_t size() const { return size_; }
  const std::string& dir() const { return dir_; }

 private:
  TempFile(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}
  int fd_;
  std::string dir_;
  uint64_t size_ = 0;
};

// Bytes currently used by all live TempFiles of the process, and the most
// they ever used at once (the temporary-disk peak that -v reports).
uint64_t TempBytesInUse();
uint64_t TempBytesPeak();

}  // namespace grams::io

#endif  // GRAMS_IO_TEMP_FILE_H_
