// InputStream (io/file.h): files, standard input and compressed streams read
// through one interface, the compressor found from the magic bytes.
#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/iostreams/device/array.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/lzma.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdlib>
#include <vector>

#include <zstd.h>

#include "io/fd.h"
#include "io/opened_files.h"

namespace grams::io {
namespace {

// Reads from a file descriptor, first replaying `prefix` bytes already read.
// Forgets an input opened by OpenFd (AddInput) once its stream is gone.
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
  int PositionalFd(uint64_t* offset) const override {
    if (!status_.ok() || size_hint_ < 0 || prefix_pos_ < prefix_.size()) return -1;
    const off_t at = ::lseek(fd_, 0, SEEK_CUR);
    if (at < 0) return -1;
    *offset = static_cast<uint64_t>(at);
    return fd_;
  }
  Status SkipPositional(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) {
      status_ = IOError(name_ + ": seek failed: " + ErrnoText(errno));
      return status_;
    }
    read_ += n;
    raw_read_ += n;
    return Status::OK();
  }

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
  int PositionalFd(uint64_t* offset) const override {
    return pos_ < head_.size() ? -1 : inner_->PositionalFd(offset);
  }
  Status SkipPositional(uint64_t n) override { return inner_->SkipPositional(n); }

 private:
  const InputStream* source() const override { return inner_.get(); }
  std::unique_ptr<InputStream> inner_;
  std::string head_;
  size_t pos_ = 0;
};

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

// The fixed magics InputStream::Open decompresses: gzip, xz, zstd. (bzip2's
// is matched by Bzip2Magic.)
constexpr std::string_view kCompressorMagics[] = {std::string_view("\x1f\x8b", 2),
                                                  std::string_view("\xfd"
                                                                   "7zXZ\0",
                                                                   6),
                                                  std::string_view("\x28\xb5\x2f\xfd", 4)};

// bzip2's magic, "BZh", is plain text: a corpus may begin with it ("BZhang
// said"). So a bzip2 stream is recognized by 10 bytes: "BZh", the block
// size '1'-'9', then the first block's magic (0x314159265359) or, for an
// empty stream, the end-of-stream magic (0x177245385090). With `whole`,
// true if `head` begins with all 10; without, true while `head` could still
// begin them.
constexpr size_t kBzip2MagicBytes = 10;
bool Bzip2Magic(std::string_view head, bool whole) {
  static constexpr unsigned char kBlock[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
  static constexpr unsigned char kEnd[6] = {0x17, 0x72, 0x45, 0x38, 0x50, 0x90};
  if (whole && head.size() < kBzip2MagicBytes) return false;
  const size_t n = std::min(head.size(), kBzip2MagicBytes);
  const auto* m = reinterpret_cast<const unsigned char*>(head.data());
  bool block = true, end = true;
  for (size_t i = 0; i < n; ++i) {
    if (i < 3) {
      if (m[i] != static_cast<unsigned char>("BZh"[i])) return false;
    } else if (i == 3) {
      if (m[i] < '1' || m[i] > '9') return false;
    } else {
      block = block && m[i] == kBlock[i - 4];
      end = end && m[i] == kEnd[i - 4];
    }
  }
  return block || end;
}

// True while `head` could still begin a compressor's magic.
bool CouldBeCompressed(std::string_view head) {
  for (std::string_view magic : kCompressorMagics) {
    if (CouldBegin(head, magic)) return true;
  }
  return Bzip2Magic(head, /*whole=*/false);
}

// Reads up to 10 bytes (fewer at the end of input) into *prefix: enough for
// every compressor's magic, but no further than the bytes show that no
// magic begins (a coprocess's first line may be shorter than that, and
// must be answered without waiting for the next). Closes an owned
// descriptor on failure.
Status PeekMagic(const OpenedFd& in, std::string* prefix) {
  char magic[kBzip2MagicBytes];
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
    if (!CouldBeCompressed(std::string_view(magic, got))) break;
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
  // A prefix shorter than the magic is the whole input (PeekMagic stops
  // early only once no magic can begin): from "BZh" and a block size on,
  // it is a bzip2 stream cut short, reported as such, not read as text.
  if (Bzip2Magic(prefix, /*whole=*/true) || (k >= 4 && Bzip2Magic(prefix, /*whole=*/false))) {
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

bool CouldBegin(std::string_view head, std::string_view magic) {
  const size_t n = std::min(head.size(), magic.size());
  return head.substr(0, n) == magic.substr(0, n);
}

bool StartsWithCompressorMagic(std::string_view text) {
  for (std::string_view magic : kCompressorMagics) {
    if (text.substr(0, magic.size()) == magic) return true;
  }
  return Bzip2Magic(text, /*whole=*/true);
}

Status PeekHead(std::unique_ptr<InputStream>* in, size_t n, std::string* head) {
  return PeekHead(in, n, head, [](std::string_view) { return true; });
}

Status PeekHead(std::unique_ptr<InputStream>* in, size_t n, std::string* head,
                const std::function<bool(std::string_view)>& more) {
  head->assign(n, '\0');
  size_t got = 0;
  while (got < n) {
    const size_t r = (*in)->Read(head->data() + got, n - got);
    if (r == 0) break;
    got += r;
    if (!more(std::string_view(head->data(), got))) break;
  }
  head->resize(got);
  if (!(*in)->status().ok()) return (*in)->status();
  *in = std::make_unique<ReplayInput>(std::move(*in), *head);
  return Status::OK();
}

}  // namespace grams::io
