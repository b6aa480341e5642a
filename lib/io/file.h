// File access for every stage: "-" means standard input/output, compressed
// input (gzip, bzip2, xz, zstd) is recognised by its magic bytes, and outputs
// go to a temporary file that is renamed over the target only on Commit().
// This is the only place Boost.Iostreams appears.
#ifndef GRAMS_IO_FILE_H_
#define GRAMS_IO_FILE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "grams/status.h"

namespace grams::io {

// A sequential byte source. Not thread-safe.
class InputStream {
 public:
  // Opens `path` ("-" = stdin). Compressed data is decompressed transparently
  // unless `raw` is set.
  static StatusOr<std::unique_ptr<InputStream>> Open(const std::string& path, bool raw = false);
  virtual ~InputStream() = default;

  // Reads up to n bytes into buf; returns the number read, 0 at end of input.
  // On failure returns 0 and status() is not OK.
  virtual size_t Read(char* buf, size_t n) = 0;
  // Reads exactly n bytes or fails (status says truncated / I/O error).
  Status ReadExactly(char* buf, size_t n);

  // For a caller that reads ahead of the stream with pread: a regular file
  // read through no decoder, with no peeked bytes left to replay, gives
  // its descriptor and the offset in it of the next byte Read would
  // return; any other stream (a pipe, a compressed file), -1.
  virtual int PositionalFd(uint64_t* offset) const {
    (void)offset;
    return -1;
  }
  // After PositionalFd gave a descriptor: moves the stream n bytes on, past
  // what the caller read (or will read) at that offset itself.
  virtual Status SkipPositional(uint64_t n) {
    (void)n;
    return Status::OK();
  }

  const Status& status() const { return status_; }
  // The name used in messages: the path, or "<stdin>".
  const std::string& name() const { return name_; }
  // Total size in bytes if known (regular uncompressed file), else -1.
  int64_t size_hint() const { return size_hint_; }
  // The file itself, under decompression and other decoding: its size if
  // known (a regular file), else -1, and the bytes of it read so far. For
  // progress on compressed input, whose decompressed size is unknown.
  int64_t raw_size_hint() const { return Innermost().size_hint_; }
  uint64_t raw_bytes_read() const { return Innermost().raw_read_; }

 protected:
  // The stream this one decodes, if any (raw_size_hint, raw_bytes_read).
  virtual const InputStream* source() const { return nullptr; }
  const InputStream& Innermost() const {
    const InputStream* s = this;
    while (s->source() != nullptr) s = s->source();
    return *s;
  }

  Status status_;
  std::string name_;
  int64_t size_hint_ = -1;
  uint64_t raw_read_ = 0;  // the innermost stream: bytes it has returned
};

// Output to a file through "<path>.tmp-XXXXXX" renamed on Commit(), or to
// stdout for "-". An existing device or FIFO (/dev/null, a named pipe) is
// written in place, and a symbolic link's target is replaced, not the link. If the object is
// destroyed (or the process is interrupted by SIGINT/SIGTERM/SIGHUP) before Commit(), the temporary
// file is removed and the target is left untouched.
class OutputFile {
 public:
  static StatusOr<std::unique_ptr<OutputFile>> Open(const std::string& path);
  ~OutputFile();

  // Buffered write. Errors are sticky and reported by Commit().
  void Write(const void* data, size_t n);
  void Write(std::string_view s) { Write(s.data(), s.size()); }
  // Flushes, fsyncs and renames into place. Returns the first error seen.
  Status Commit();
  // Writes buffered bytes now (for interactive streams). Returns the status.
  Status FlushNow();
  // True once a write failed because the reader closed the pipe (EPIPE).
  bool broken_pipe() const { return broken_pipe_; }

  const std::string& name() const { return name_; }

 private:
  OutputFile() = default;
  void Flush();
  // Gives the unnamed temporary file (O_TMPFILE) a name next to the target.
  Status LinkTemporary();
  // Open's steps for a regular file: the target behind a symbolic link and
  // the mode to keep, then the file written until Commit().
  Status PrepareReplacement(const std::string& path, mode_t* mode);
  Status CreateTemporary(const std::string& path, mode_t mode);

  // Counts bytes written; every kWriteback of a temporary file, starts
  // their writeback to the disk (sync_file_range), so that Commit's fsync
  // has little left to wait for.
  void Wrote(size_t n);
  static constexpr uint64_t kWriteback = uint64_t{8} << 20;

  int fd_ = -1;
  uint64_t written_ = 0;    // bytes written to fd_
  uint64_t writeback_ = 0;  // of them, those whose writeback was started
  std::string name_;        // target path or "<stdout>"
  std::string temp_path_;   // empty for stdout and devices
  std::string rename_to_;   // the real path of the target
  std::string buffer_;
  Status status_;
  bool committed_ = false;
  bool broken_pipe_ = false;
  bool unnamed_ = false;   // fd_ is an O_TMPFILE file, linked in by Commit()
  bool replaces_ = false;  // the target existed (registered as an output)
};

// True if `path` names a terminal ("-" = stdout for outputs).
bool StdoutIsTerminal();
// Installs SIGINT/SIGTERM/SIGHUP handlers that remove pending temporary files
// and then re-raise, and ignores SIGPIPE (a write to a closed pipe fails
// with EPIPE instead: broken_pipe()). Safe to call more than once.
void InstallCleanupHandlers();
// Reads the whole stream into memory (small files: a SentencePiece model).
StatusOr<std::string> ReadAll(InputStream* in);
// Reads the first bytes of *in (up to n, fewer if the input is shorter) into
// *head without consuming them: *in is replaced by a stream that yields
// them again, then the rest. For sniffing a format on a pipe, which cannot
// be opened twice.
Status PeekHead(std::unique_ptr<InputStream>* in, size_t n, std::string* head);
// True while `head` (the first bytes of an input) could still begin
// `magic`: one is a prefix of the other. For PeekHead's `more`.
bool CouldBegin(std::string_view head, std::string_view magic);
// True if `text` begins with a compressor's magic (gzip, bzip2, xz, zstd),
// so that InputStream::Open would decompress a file that starts with it. A
// text writer whose output is read back checks its first line with this.
bool StartsWithCompressorMagic(std::string_view text);
// The same, but stops early, after any read, once more(the bytes so far)
// is false: so that a pipe that has sent one short line (a coprocess
// waiting for its answer) is not waited on for more.
Status PeekHead(std::unique_ptr<InputStream>* in, size_t n, std::string* head,
                const std::function<bool(std::string_view)>& more);

}  // namespace grams::io

#endif  // GRAMS_IO_FILE_H_
