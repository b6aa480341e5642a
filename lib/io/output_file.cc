// OutputFile (io/file.h): outputs written to an unnamed or temporary file and
// renamed over their target only when complete, and the signal handlers that
// remove pending temporary files.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "io/fd.h"
#include "io/file.h"
#include "io/opened_files.h"

namespace grams::io {
namespace {

// Pending temporary files, removed by the signal handler.
constexpr int kMaxPending = 64;
std::atomic<const char*> g_pending[kMaxPending];
std::mutex g_pending_mu;

void RegisterPending(const char* path) {
  std::lock_guard<std::mutex> lock(g_pending_mu);
  for (auto& slot : g_pending) {
    const char* expected = nullptr;
    if (slot.compare_exchange_strong(expected, path)) return;
  }
}

void UnregisterPending(const char* path) {
  std::lock_guard<std::mutex> lock(g_pending_mu);
  for (auto& slot : g_pending) {
    const char* expected = path;
    if (slot.compare_exchange_strong(expected, nullptr)) return;
  }
}

// A fresh name next to `target` for linking the finished output in.
std::string TempName(const std::string& target, unsigned attempt) {
  static std::atomic<unsigned> counter{0};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t x = (static_cast<uint64_t>(::getpid()) << 32) ^
               (counter.fetch_add(1) * 0x9e3779b97f4a7c15ULL) ^
               (static_cast<uint64_t>(attempt) * 0xbf58476d1ce4e5b9ULL) ^
               static_cast<uint64_t>(::time(nullptr));
  std::string name = target + ".tmp-";
  for (int i = 0; i < 6; ++i) {
    name.push_back(kChars[x % 62]);
    x /= 62;
  }
  return name;
}

void CleanupSignalHandler(int sig) {
  for (auto& slot : g_pending) {
    const char* p = slot.load();
    if (p) ::unlink(p);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

StatusOr<std::unique_ptr<OutputFile>> OutputFile::Open(const std::string& path) {
  std::unique_ptr<OutputFile> f(new OutputFile());
  if (path == "-") {
    f->fd_ = 1;
    f->name_ = "<stdout>";
  } else {
    f->name_ = path;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode)) return InvalidArgument(path + ": is a directory");
      // A device or FIFO (/dev/null, a named pipe): write to it in place;
      // renaming a temporary file over it would replace the device.
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        int err = errno;
        return IOError(path + ": cannot open for writing: " + ErrnoText(err));
      }
      f->fd_ = fd;
      f->buffer_.reserve(1 << 20);
      return f;
    }
    mode_t mode = 0;
    GRAMS_RETURN_IF_ERROR(f->PrepareReplacement(path, &mode));
    GRAMS_RETURN_IF_ERROR(f->CreateTemporary(path, mode));
  }
  f->buffer_.reserve(1 << 20);
  return f;
}

Status OutputFile::PrepareReplacement(const std::string& path, mode_t* mode) {
  // Through a symbolic link, replace the file it points to, not the link.
  std::string target = path;
  if (char* real = ::realpath(path.c_str(), nullptr)) {
    target = real;
    free(real);
  }
  rename_to_ = target;
  // A file replaced keeps its permissions (a private file stays private);
  // a new one gets 0644 less the umask.
  *mode = 0644 & ~[] {
    mode_t m = umask(0);
    umask(m);
    return m;
  }();
  struct stat st;
  if (::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    GRAMS_RETURN_IF_ERROR(AddOutput(path, st, this));
    replaces_ = true;
    *mode = st.st_mode & 07777;
  }
  return Status::OK();
}

Status OutputFile::CreateTemporary(const std::string& path, mode_t mode) {
  int fd = -1;
#ifdef O_TMPFILE
  // Unnamed until complete: a process killed (kill -9, the OOM killer)
  // leaves nothing behind. Linked in under a temporary name and renamed
  // over the target by Commit().
  const size_t slash = rename_to_.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : rename_to_.substr(0, slash);
  fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {  // no O_TMPFILE here: a named temporary file
    std::string templ = rename_to_ + ".tmp-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd = mkstemp(buf.data());
    if (fd < 0) {
      int err = errno;
      if (replaces_) RemoveOutput(this);
      return IOError(path + ": cannot create output: " + ErrnoText(err));
    }
    temp_path_.assign(buf.data());
    RegisterPending(temp_path_.c_str());
  } else {
    unnamed_ = true;
  }
  fchmod(fd, mode);
  fd_ = fd;
  return Status::OK();
}

OutputFile::~OutputFile() {
  if (fd_ > 1) ::close(fd_);
  if (!temp_path_.empty() && !committed_) {
    UnregisterPending(temp_path_.c_str());
    ::unlink(temp_path_.c_str());
  }
  if (replaces_) RemoveOutput(this);
}

Status OutputFile::LinkTemporary() {
  // /proc/self/fd names the unnamed file for linkat; AT_EMPTY_PATH does
  // without /proc but needs CAP_DAC_READ_SEARCH.
  const std::string self = "/proc/self/fd/" + std::to_string(fd_);
  for (unsigned attempt = 0; attempt < 100; ++attempt) {
    std::string name = TempName(rename_to_, attempt);
    int r = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW);
    if (r != 0 && errno != EEXIST) r = ::linkat(fd_, "", AT_FDCWD, name.c_str(), AT_EMPTY_PATH);
    if (r == 0) {
      temp_path_ = std::move(name);
      RegisterPending(temp_path_.c_str());
      return Status::OK();
    }
    if (errno != EEXIST) {
      return IOError(name_ + ": cannot link the finished output in: " + ErrnoText(errno));
    }
  }
  return IOError(name_ + ": cannot link the finished output in: no free temporary name");
}

void OutputFile::Write(const void* data, size_t n) {
  if (!status_.ok()) return;
  if (buffer_.size() + n > (1 << 20)) {
    Flush();
    if (n >= (1 << 20)) {
      const char* p = static_cast<const char*>(data);
      while (n > 0 && status_.ok()) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
          if (errno == EINTR) continue;
          status_ = IOError(name_ + ": write failed: " + ErrnoText(errno));
          if (errno == EPIPE) broken_pipe_ = true;
          return;
        }
        p += w;
        n -= static_cast<size_t>(w);
        Wrote(static_cast<size_t>(w));
      }
      return;
    }
  }
  buffer_.append(static_cast<const char*>(data), n);
}

void OutputFile::Wrote(size_t n) {
  written_ += n;
  if (temp_path_.empty() && !unnamed_) return;  // stdout, a device, a FIFO
  if (written_ - writeback_ < kWriteback) return;
#ifdef __linux__
  // Only a hint: an error here shows again in Commit's fsync.
  ::sync_file_range(fd_, static_cast<off64_t>(writeback_),
                    static_cast<off64_t>(written_ - writeback_), SYNC_FILE_RANGE_WRITE);
#endif
  writeback_ = written_;
}

void OutputFile::Flush() {
  const char* p = buffer_.data();
  size_t n = buffer_.size();
  while (n > 0 && status_.ok()) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) broken_pipe_ = true;
      status_ = IOError(name_ + ": write failed: " + ErrnoText(errno));
      break;
    }
    p += w;
    n -= static_cast<size_t>(w);
    Wrote(static_cast<size_t>(w));
  }
  buffer_.clear();
}

Status OutputFile::FlushNow() {
  Flush();
  return status_;
}

Status OutputFile::Commit() {
  if (committed_) return status_;
  Flush();
  if (status_.ok() && (unnamed_ || !temp_path_.empty())) {
    if (::fsync(fd_) != 0 && errno != EINVAL) {
      status_ = IOError(name_ + ": fsync failed: " + ErrnoText(errno));
    }
    if (status_.ok() && unnamed_) status_ = LinkTemporary();
    if (::close(fd_) != 0 && status_.ok()) {
      status_ = IOError(name_ + ": close failed: " + ErrnoText(errno));
    }
    fd_ = -1;
    if (status_.ok() && ::rename(temp_path_.c_str(), rename_to_.c_str()) != 0) {
      status_ = IOError(name_ + ": cannot rename temporary file into place: " + ErrnoText(errno));
    }
    if (status_.ok()) {
      UnregisterPending(temp_path_.c_str());
      committed_ = true;
    }
  } else if (status_.ok()) {
    committed_ = true;
  }
  return status_;
}

bool StdoutIsTerminal() { return isatty(1) == 1; }

void InstallCleanupHandlers() {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = CleanupSignalHandler;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  // Broken pipes are reported as write errors (EPIPE) and handled by the tools.
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace grams::io
