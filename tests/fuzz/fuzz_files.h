// Files for the fuzz targets' inputs: a memory-backed regular file holding
// the fuzzed bytes (readers that map or stat their input need a real file),
// and a scratch directory for targets whose writers rename temporary files
// into place.
#ifndef GRAMS_TESTS_FUZZ_FUZZ_FILES_H_
#define GRAMS_TESTS_FUZZ_FUZZ_FILES_H_

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

namespace grams::fuzz {

// The fuzzer's bytes, read as fields: past the end, a number reads as 0 and
// a byte string is cut short.
struct Input {
  const uint8_t* p;
  const uint8_t* end;
  uint16_t U16() {
    uint16_t v = 0;
    for (int i = 0; i < 2 && p < end; ++i) v |= static_cast<uint16_t>(*p++ << (8 * i));
    return v;
  }
  std::string Bytes(size_t n) {
    n = std::min<size_t>(n, static_cast<size_t>(end - p));
    std::string s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
};

// The bytes of a file ("" if it cannot be read): for targets that compare
// what two writers wrote.
inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The writing side of Input, for the replay drivers' seeds: a number as
// U16 reads it (its low 16 bits), a byte string as Bytes(U16()) reads it.
inline void PutU16(std::string* s, uint64_t v) {
  s->push_back(static_cast<char>(v & 0xff));
  s->push_back(static_cast<char>((v >> 8) & 0xff));
}
inline void PutBytes(std::string* s, std::string_view bytes) {
  PutU16(s, bytes.size());
  s->append(bytes);
}

// A memory-backed regular file holding `bytes`; its /proc path.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) {
    fd_ = memfd_create("grams-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) return;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t w = write(fd_, bytes.data() + done, bytes.size() - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const { return path_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::string path_;
};

// The process's scratch directory, /tmp/grams-fuzz-<tag>.XXXXXX, made on
// the first call and removed at exit. Aborts if it cannot be made.
inline const std::string& ScratchDir(const char* tag) {
  struct Dir {
    std::string path;
    explicit Dir(const char* t) {
      std::string templ = std::string("/tmp/grams-fuzz-") + t + ".XXXXXX";
      if (!mkdtemp(templ.data())) {
        std::fprintf(stderr, "fuzz %s: mkdtemp failed\n", t);
        std::abort();
      }
      path = templ;
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir(tag);
  return dir.path;
}

}  // namespace grams::fuzz

#endif  // GRAMS_TESTS_FUZZ_FUZZ_FILES_H_
