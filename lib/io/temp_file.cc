#include "io/temp_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace grams::io {
namespace {

std::atomic<uint64_t> g_in_use{0}, g_peak{0};

void AddUse(uint64_t bytes) {
  const uint64_t now = g_in_use.fetch_add(bytes) + bytes;
  uint64_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

}  // namespace

std::string DefaultTempDir() {
  const char* env = std::getenv("TMPDIR");
  if (env != nullptr && *env != '\0') return env;
  return "/tmp";
}

StatusOr<std::unique_ptr<TempFile>> TempFile::Create(const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? DefaultTempDir() : dir_in;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return IOError("temporary directory " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return IOError("temporary directory " + dir + ": not a directory");
  int fd = -1;
#ifdef O_TMPFILE
  // No name at all: nothing to remove, not even after SIGKILL.
  fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {  // file systems without O_TMPFILE: create, then unlink at once
    std::string path = dir + "/grams-tmp-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return IOError("temporary directory " + dir + ": " + std::strerror(errno));
    ::unlink(path.c_str());
  }
  return std::unique_ptr<TempFile>(new TempFile(fd, dir));
}

TempFile::~TempFile() {
  ::close(fd_);
  g_in_use.fetch_sub(size_);
}

Status TempFile::Append(const void* data, size_t size, uint64_t* offset) {
  if (offset) *offset = size_;
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  uint64_t at = size_;
  while (left > 0) {
    ssize_t w = ::pwrite(fd_, p, left, static_cast<off_t>(at));
    if (w < 0) {
      if (errno == EINTR) continue;
      return IOError("writing a temporary file in " + dir_ + ": " + std::strerror(errno) +
                     (errno == ENOSPC ? " (use -T to choose another directory)" : ""));
    }
    p += w;
    at += static_cast<uint64_t>(w);
    left -= static_cast<size_t>(w);
  }
  size_ += size;
  AddUse(size);
  return Status::OK();
}

Status TempFile::ReadAt(uint64_t offset, void* data, size_t size) const {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t r = ::pread(fd_, p, size, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      return IOError("reading a temporary file in " + dir_ + ": " +
                     (r < 0 ? std::strerror(errno) : "unexpected end"));
    }
    p += r;
    offset += static_cast<uint64_t>(r);
    size -= static_cast<size_t>(r);
  }
  return Status::OK();
}

uint64_t TempBytesInUse() { return g_in_use.load(); }
uint64_t TempBytesPeak() { return g_peak.load(); }

}  // namespace grams::io
