// A file descriptor closed with its owner, and the pread and errno helpers
// of the readers that map a file (format/mapped_model.cc,
// format/kenlm_binary.cc). Internal.
#ifndef GRAMS_IO_FD_H_
#define GRAMS_IO_FD_H_

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace grams::io {

// strerror(err) as a string.
inline std::string ErrnoText(int err) { return std::string(std::strerror(err)); }

// pread until n bytes or end of file; the bytes read, or -errno.
inline int64_t ReadAt(int fd, void* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r =
        ::pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(offset + done));
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    done += static_cast<size_t>(r);
  }
  return static_cast<int64_t>(done);
}

// A file descriptor, closed with the object.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(-1); }
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace grams::io

#endif  // GRAMS_IO_FD_H_
