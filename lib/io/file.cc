#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/iostreams/device/array.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/lzma.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <vector>

#include <zstd.h>

namespace grams::io {
namespace {

std::string ErrnoText(int err) { return std::string(strerror(err)); }

// Reads from a file descriptor, first replaying `prefix` bytes already read.
// Forgets an input opened by OpenFd (AddInput) once its stream is gone.
void RemoveInput(dev_t dev, ino_t ino);

class FdInput final : public InputStream {
 public:
  FdInput(int fd, bool owned, std::string name, std::string prefix)
      : fd_(fd), owned_(owned), prefix_(std::move(prefix)) {
    name_ = std::move(name);
  }
  ~FdInput() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
    if (registered_) RemoveInput(dev_, ino_);
  }
  void set_file(dev_t dev, ino_t ino) {
    dev_ = dev;
    ino_ = ino;
    registered_ = true;
  }
  size_t Read(char* buf, size_t n) override {
    if (!status_.ok() || n == 0) return 0;
    if (prefix_pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - prefix_pos_);
      memcpy(buf, prefix_.data() + prefix_pos_, k);
      prefix_pos_ += k;
      raw_read_ += k;
      return k;
    }
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r > 0) {
        read_ += static_cast<uint64_t>(r);
        raw_read_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (r == 0) {
        // A regular file that ends before the size it had when opened was
        // cut while being read (rewritten, truncated): counting or scoring
        // up to the cut would be a silent half result.
        if (size_hint_ >= 0 && prefix_.size() + read_ < static_cast<uint64_t>(size_hint_)) {
          status_ = IOError(name_ + ": the file shrank while being read (it ends after " +
                            std::to_string(prefix_.size() + read_) + " bytes, but had " +
                            std::to_string(size_hint_) + " when opened)");
        }
        return 0;
      }
      if (errno == EINTR) continue;
      status_ = IOError(name_ + ": read failed: " + ErrnoText(errno));
      return 0;
    }
  }
  void set_size_hint(int64_t s) { size_hint_ = s; }

 private:
  int fd_;
  bool owned_;
  std::string prefix_;
  size_t prefix_pos_ = 0;
  uint64_t read_ = 0;  // bytes read from fd_ (after the prefix)
  dev_t dev_ = 0;      // the file, if registered by AddInput
  ino_t ino_ = 0;
  bool registered_ = false;
};

// Boost.Iostreams source over another InputStream.
class StreamSource {
 public:
  typedef char char_type;
  typedef boost::iostreams::source_tag category;
  explicit StreamSource(InputStream* in) : in_(in) {}
  std::streamsize read(char* s, std::streamsize n) {
    size_t r = in_->Read(s, static_cast<size_t>(n));
    if (r == 0) return -1;
    return static_cast<std::streamsize>(r);
  }

 private:
  InputStream* in_;
};

class FilteredInput final : public InputStream {
 public:
  FilteredInput(std::unique_ptr<InputStream> raw, const char* format)
      : raw_(std::move(raw)), format_(format) {
    name_ = raw_->name();
  }
  void Push(std::unique_ptr<boost::iostreams::filtering_istream> s) {
    stream_ = std::move(s);
    // Without this, std::istream swallows the decompressor's exception and
    // merely sets badbit, so corrupt or truncated input read as a short file.
    stream_->exceptions(std::ios::badbit);
  }
  size_t Read(char* buf, size_t n) override {
    if (!status_.ok() || done_) return 0;
    try {
      stream_->read(buf, static_cast<std::streamsize>(n));
      std::streamsize got = stream_->gcount();
      if (got == 0) {
        done_ = true;
        if (!raw_->status().ok()) status_ = raw_->status();
      }
      return static_cast<size_t>(got);
    } catch (const std::exception& e) {
      status_ = raw_->status().ok()
                    ? CorruptionError(name_ + ": corrupt " + format_ + " data: " + e.what())
                    : raw_->status();
      return 0;
    }
  }

 private:
  const InputStream* source() const override { return raw_.get(); }
  std::unique_ptr<InputStream> raw_;
  const char* format_;
  std::unique_ptr<boost::iostreams::filtering_istream> stream_;
  bool done_ = false;
};

// zstd through libzstd directly: Boost.Iostreams' zstd filter (1.74) takes a
// truncated frame for a complete one and returns short data without error.
// Concatenated and skippable frames are read like zstd -d does.
class ZstdInput final : public InputStream {
 public:
  explicit ZstdInput(std::unique_ptr<InputStream> raw)
      : raw_(std::move(raw)), dctx_(ZSTD_createDStream()), in_buf_(ZSTD_DStreamInSize()) {
    name_ = raw_->name();
    if (!dctx_) status_ = ResourceExhausted(name_ + ": out of memory creating a zstd context");
  }
  ~ZstdInput() override { ZSTD_freeDStream(dctx_); }

  size_t Read(char* buf, size_t n) override {
    if (!status_.ok() || done_ || n == 0) return 0;
    ZSTD_outBuffer out = {buf, n, 0};
    for (;;) {
      // Called even without new input: flushes output held from last time.
      const size_t consumed_before = in_.pos;
      size_t ret = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(ret)) {
        status_ = CorruptionError(name_ + ": corrupt zstd data: " + ZSTD_getErrorName(ret));
        return 0;
      }
      if (ret == 0) {
        in_frame_ = false;
      } else if (in_.pos > consumed_before) {
        in_frame_ = true;
      }
      if (out.pos > 0) return out.pos;
      if (in_.pos < in_.size) continue;
      size_t r = raw_->Read(in_buf_.data(), in_buf_.size());
      if (r == 0) {
        if (!raw_->status().ok()) {
          status_ = raw_->status();
        } else if (in_frame_) {
          status_ =
              CorruptionError(name_ + ": corrupt zstd data: unexpected end of input (truncated?)");
        } else {
          done_ = true;
        }
        return 0;
      }
      in_ = {in_buf_.data(), r, 0};
    }
  }

 private:
  const InputStream* source() const override { return raw_.get(); }
  std::unique_ptr<InputStream> raw_;
  ZSTD_DStream* dctx_;
  std::vector<char> in_buf_;
  ZSTD_inBuffer in_ = {nullptr, 0, 0};
  bool in_frame_ = false;  // a frame is begun and not yet complete
  bool done_ = false;
};

// Replays bytes already read from another stream, then reads on from it.
class ReplayInput final : public InputStream {
 public:
  ReplayInput(std::unique_ptr<InputStream> inner, std::string head)
      : inner_(std::move(inner)), head_(std::move(head)) {
    name_ = inner_->name();
    size_hint_ = inner_->size_hint();
    status_ = inner_->status();
  }
  size_t Read(char* buf, size_t n) override {
    if (!status_.ok() || n == 0) return 0;
    if (pos_ < head_.size()) {
      const size_t k = std::min(n, head_.size() - pos_);
      memcpy(buf, head_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    const size_t r = inner_->Read(buf, n);
    if (r == 0) status_ = inner_->status();
    return r;
  }

 private:
  const InputStream* source() const override { return inner_.get(); }
  std::unique_ptr<InputStream> inner_;
  std::string head_;
  size_t pos_ = 0;
};

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

// The regular files this process reads and the ones it replaces, by
// device and inode (a second path or a hard link is the same file): an
// output that is also an input is refused, whichever is opened first.
struct OpenedFile {
  dev_t dev;
  ino_t ino;
  std::string name;
  const void* owner;  // the OutputFile, for outputs
  int refs = 1;       // streams open on an input
};
std::mutex g_files_mu;
std::vector<OpenedFile> g_inputs, g_outputs;

const OpenedFile* FindFile(const std::vector<OpenedFile>& files, const struct stat& st) {
  for (const OpenedFile& f : files) {
    if (f.dev == st.st_dev && f.ino == st.st_ino) return &f;
  }
  return nullptr;
}

// Records an input; an error if it is an output of this process.
Status AddInput(const std::string& name, const struct stat& st) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  if (const OpenedFile* out = FindFile(g_outputs, st)) {
    return InvalidArgument(name + ": is also the output " + out->name +
                           ", which would replace it; write the output to another file");
  }
  for (OpenedFile& f : g_inputs) {
    if (f.dev == st.st_dev && f.ino == st.st_ino) {
      ++f.refs;
      return Status::OK();
    }
  }
  g_inputs.push_back(OpenedFile{st.st_dev, st.st_ino, name, nullptr, 1});
  return Status::OK();
}

void RemoveInput(dev_t dev, ino_t ino) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  for (size_t i = 0; i < g_inputs.size(); ++i) {
    if (g_inputs[i].dev == dev && g_inputs[i].ino == ino) {
      if (--g_inputs[i].refs == 0)
        g_inputs.erase(g_inputs.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

// Records an output that replaces an existing file; an error if it is an
// input of this process.
Status AddOutput(const std::string& name, const struct stat& st, const void* owner) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  if (const OpenedFile* in = FindFile(g_inputs, st)) {
    const std::string also = in->name == name ? "" : " (as " + in->name + ")";
    return InvalidArgument(name + ": the output is also an input" + also +
                           ", which it would replace; write the output to another file");
  }
  g_outputs.push_back(OpenedFile{st.st_dev, st.st_ino, name, owner, 1});
  return Status::OK();
}

void RemoveOutput(const void* owner) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  g_outputs.erase(std::remove_if(g_outputs.begin(), g_outputs.end(),
                                 [owner](const OpenedFile& f) { return f.owner == owner; }),
                  g_outputs.end());
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

Status InputStream::ReadExactly(char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    size_t r = Read(buf + done, n - done);
    if (r == 0) {
      if (!status_.ok()) return status_;
      return CorruptionError(name_ + ": unexpected end of file (truncated?)");
    }
    done += r;
  }
  return Status::OK();
}

namespace {

// The descriptor of `path` ("-" = stdin, not owned), with its name for
// messages and, for a regular file, its size (else -1).
struct OpenedFd {
  int fd = 0;
  bool owned = false;
  std::string name = "<stdin>";
  int64_t size = -1;
  bool registered = false;  // recorded by AddInput (a regular file)
  dev_t dev = 0;
  ino_t ino = 0;
};

Status OpenFd(const std::string& path, OpenedFd* out) {
  if (path == "-") {
    struct stat st;
    if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
      GRAMS_RETURN_IF_ERROR(AddInput("<stdin>", st));
      out->registered = true;
      out->dev = st.st_dev;
      out->ino = st.st_ino;
    }
    return Status::OK();
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return NotFoundError(path + ": no such file");
    return IOError(path + ": cannot open: " + ErrnoText(err));
  }
  out->fd = fd;
  out->owned = true;
  out->name = path;
  struct stat st;
  if (fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return InvalidArgument(path + ": is a directory");
    }
    if (S_ISREG(st.st_mode)) {
      if (Status s = AddInput(path, st); !s.ok()) {
        ::close(fd);
        return s;
      }
      out->registered = true;
      out->dev = st.st_dev;
      out->ino = st.st_ino;
      out->size = st.st_size;
      posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  return Status::OK();
}

// Reads up to 6 bytes (fewer at the end of input) into *prefix: enough for
// every compressor's magic. Closes an owned descriptor on failure.
Status PeekMagic(const OpenedFd& in, std::string* prefix) {
  char magic[6];
  size_t got = 0;
  while (got < sizeof(magic)) {
    ssize_t r = ::read(in.fd, magic + got, sizeof(magic) - got);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (in.owned) ::close(in.fd);
      if (in.registered) RemoveInput(in.dev, in.ino);
      return IOError(in.name + ": read failed: " + ErrnoText(err));
    }
    got += static_cast<size_t>(r);
  }
  prefix->assign(magic, got);
  return Status::OK();
}

// Boost's decompressor for gzip, bzip2 or xz input (by its magic `prefix`),
// pushed on *stream; its name, or nullptr for any other input.
const char* PushDecompressor(const std::string& prefix,
                             boost::iostreams::filtering_istream* stream) {
  namespace bio = boost::iostreams;
  const unsigned char* m = reinterpret_cast<const unsigned char*>(prefix.data());
  const size_t k = prefix.size();
  if (k >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
    stream->push(bio::gzip_decompressor());
    return "gzip";
  }
  if (k >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') {
    stream->push(bio::bzip2_decompressor());
    return "bzip2";
  }
  if (k >= 6 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z' &&
      m[5] == 0) {
    stream->push(bio::lzma_decompressor());
    return "xz";
  }
  return nullptr;
}

bool IsZstd(const std::string& prefix) {
  const unsigned char* m = reinterpret_cast<const unsigned char*>(prefix.data());
  return prefix.size() >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
}

}  // namespace

StatusOr<std::unique_ptr<InputStream>> InputStream::Open(const std::string& path, bool raw) {
  OpenedFd in;
  GRAMS_RETURN_IF_ERROR(OpenFd(path, &in));
  std::string prefix;
  if (!raw) GRAMS_RETURN_IF_ERROR(PeekMagic(in, &prefix));
  auto plain = std::make_unique<FdInput>(in.fd, in.owned, in.name, prefix);
  if (in.registered) plain->set_file(in.dev, in.ino);
  plain->set_size_hint(in.size);
  if (raw) return std::unique_ptr<InputStream>(std::move(plain));
  // zstd through libzstd directly: Boost 1.74's zstd filter accepted
  // truncated frames without an error.
  if (IsZstd(prefix)) {
    return std::unique_ptr<InputStream>(std::make_unique<ZstdInput>(std::move(plain)));
  }
  auto stream = std::make_unique<boost::iostreams::filtering_istream>();
  const char* format = PushDecompressor(prefix, stream.get());
  if (!format) return std::unique_ptr<InputStream>(std::move(plain));
  InputStream* raw_ptr = plain.get();
  auto filtered = std::make_unique<FilteredInput>(std::move(plain), format);
  stream->push(StreamSource(raw_ptr));
  filtered->Push(std::move(stream));
  return std::unique_ptr<InputStream>(std::move(filtered));
}

StatusOr<std::string> ReadAll(InputStream* in) {
  std::string out;
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    const size_t old = out.size();
    out.resize(old + kChunk);
    const size_t r = in->Read(out.data() + old, kChunk);
    out.resize(old + r);
    if (r == 0) break;
  }
  if (!in->status().ok()) return in->status();
  return out;
}

Status PeekHead(std::unique_ptr<InputStream>* in, size_t n, std::string* head) {
  head->assign(n, '\0');
  size_t got = 0;
  while (got < n) {
    const size_t r = (*in)->Read(head->data() + got, n - got);
    if (r == 0) break;
    got += r;
  }
  head->resize(got);
  if (!(*in)->status().ok()) return (*in)->status();
  *in = std::make_unique<ReplayInput>(std::move(*in), *head);
  return Status::OK();
}

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
    // Through a symbolic link, replace the file it points to, not the link.
    std::string target = path;
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target = real;
      free(real);
    }
    f->rename_to_ = target;
    // A file replaced keeps its permissions (a private file stays private);
    // a new one gets 0644 less the umask.
    mode_t mode = 0644 & ~[] {
      mode_t m = umask(0);
      umask(m);
      return m;
    }();
    if (::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      GRAMS_RETURN_IF_ERROR(AddOutput(path, st, f.get()));
      f->replaces_ = true;
      mode = st.st_mode & 07777;
    }
    int fd = -1;
#ifdef O_TMPFILE
    // Unnamed until complete: a process killed (kill -9, the OOM killer)
    // leaves nothing behind. Linked in under a temporary name and renamed
    // over the target by Commit().
    const size_t slash = target.rfind('/');
    const std::string dir = slash == std::string::npos ? "."
                            : slash == 0               ? "/"
                                                       : target.substr(0, slash);
    fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
#endif
    if (fd < 0) {  // no O_TMPFILE here: a named temporary file
      std::string templ = target + ".tmp-XXXXXX";
      std::vector<char> buf(templ.begin(), templ.end());
      buf.push_back('\0');
      fd = mkstemp(buf.data());
      if (fd < 0) {
        int err = errno;
        if (f->replaces_) RemoveOutput(f.get());
        return IOError(path + ": cannot create output: " + ErrnoText(err));
      }
      f->temp_path_.assign(buf.data());
      RegisterPending(f->temp_path_.c_str());
    } else {
      f->unnamed_ = true;
    }
    fchmod(fd, mode);
    f->fd_ = fd;
  }
  f->buffer_.reserve(1 << 20);
  return f;
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
      }
      return;
    }
  }
  buffer_.append(static_cast<const char*>(data), n);
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
