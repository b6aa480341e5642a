// Files as every grams tool uses them: "-" is standard input or output,
// compressed text (gzip, bzip2, xz, zstd) is read transparently, outputs are
// written to a temporary file renamed into place only when complete (and
// removed if the process is interrupted), scratch space goes to a temporary
// directory. The classes are not thread-safe; the free functions are.
#ifndef GRAMS_FILES_H_
#define GRAMS_FILES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "grams/export.h"
#include "grams/status.h"

namespace grams {

// How messages name a path: "<stdin>" (InputName) or "<stdout>"
// (OutputName) for "-", otherwise the path itself.
GRAMS_EXPORT std::string InputName(const std::string& path);
GRAMS_EXPORT std::string OutputName(const std::string& path);

// Whether standard input / standard output is a terminal (tools refuse to
// read or write binary files there).
GRAMS_EXPORT bool StdinIsTerminal();
GRAMS_EXPORT bool StdoutIsTerminal();

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove the temporary files of
// outputs not yet committed and then re-raise the signal, and ignores
// SIGPIPE (a closed pipe is then a write error, see FileWriter). Safe to
// call more than once; a program calls it first thing in main().
GRAMS_EXPORT void InstallCleanupHandlers();

// The directory scratch files go to when none is given: $TMPDIR, else /tmp.
GRAMS_EXPORT std::string DefaultTempDir();
// The most bytes the process's scratch files (counting spills, the
// streaming estimator's arrays) ever held at once; 0 if it made none.
GRAMS_EXPORT uint64_t TempBytesPeak();

// A memory budget beyond which work spills to scratch files
// (CountOptions::memory, BuildOptions::memory), from the text grams-count
// and grams-build -S take: a size such as "4096", "64K", "512M", "2G",
// "1T" (binary units; an optional trailing "B" or "iB": "64MiB", "64MB"),
// or a percentage of the physical memory ("50%", "12.5%"). At least 16M;
// InvalidArgument, naming the text, otherwise.
GRAMS_EXPORT StatusOr<uint64_t> ParseMemoryBudget(std::string_view text);
// The physical memory of the machine in bytes; 0 if unknown.
GRAMS_EXPORT uint64_t PhysicalMemory();

// Lines of a text file ("-" = stdin), decompressed, without their '\n' (and
// without a UTF-8 byte order mark at the start), each with its line number
// and byte offset for messages.
class GRAMS_EXPORT TextReader {
 public:
  // Fails (naming the file) if it cannot be opened.
  static StatusOr<std::unique_ptr<TextReader>> Open(const std::string& path);
  ~TextReader();
  TextReader(const TextReader&) = delete;
  TextReader& operator=(const TextReader&) = delete;

  // Sets *line to the next line; the view stays valid until the next call.
  // Returns false at the end of the input or on an error (see status()).
  bool Next(std::string_view* line);
  // OK, or the read error (naming the file; "truncated" for damaged
  // compressed input).
  const Status& status() const;
  // 1-based number, and 0-based byte offset in the decompressed input, of
  // the line last returned; whether it ended with '\n' (only the last line
  // of an input may not).
  uint64_t line_number() const;
  uint64_t line_offset() const;
  bool newline() const;
  // "FILE:LINE" of the line last returned, for messages.
  std::string Where() const;
  // The path, or "<stdin>".
  const std::string& name() const;

 private:
  TextReader();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A file being written ("-" = stdout): buffered, through a temporary file
// that Commit() renames over the target (devices and FIFOs are written in
// place). Destroyed (or interrupted) before Commit(), it leaves the target
// untouched.
class GRAMS_EXPORT FileWriter {
 public:
  static StatusOr<std::unique_ptr<FileWriter>> Open(const std::string& path);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Buffered. Errors are sticky: reported by Flush() and Commit().
  void Write(std::string_view data);
  // Writes the buffered bytes now (for interactive output); the first error.
  Status Flush();
  // Flushes, syncs and renames into place; the first error seen.
  Status Commit();
  // True once a write failed because the reader closed the pipe (EPIPE):
  // tools then stop quietly.
  bool broken_pipe() const;
  // The path, or "<stdout>".
  const std::string& name() const;

 private:
  FileWriter();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grams

#endif  // GRAMS_FILES_H_
