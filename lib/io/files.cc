// grams/files.h: the public face of lib/io (io::InputStream, io::LineReader,
// io::OutputFile, the temporary-file accounting), with no Boost or zstd type
// in sight.
#include "grams/files.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "io/file.h"
#include "io/line_reader.h"
#include "io/temp_file.h"

namespace grams {

std::string InputName(const std::string& path) { return path == "-" ? "<stdin>" : path; }
std::string OutputName(const std::string& path) { return path == "-" ? "<stdout>" : path; }

bool StdinIsTerminal() { return isatty(0) == 1; }
bool StdoutIsTerminal() { return io::StdoutIsTerminal(); }
void InstallCleanupHandlers() { io::InstallCleanupHandlers(); }
std::string DefaultTempDir() { return io::DefaultTempDir(); }
uint64_t TempBytesPeak() { return io::TempBytesPeak(); }

namespace {

// A size such as "4096", "64K", "512M", "2G", "1T" (binary units; an
// optional trailing "B" or "iB": "64MiB", "64MB").
StatusOr<uint64_t> ParseSize(std::string_view text) {
  const std::string original(text);
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) {
    return InvalidArgument("invalid size '" + original + "' (expected e.g. 4096, 64K, 512M, 2G)");
  }
  std::string_view unit = text.substr(static_cast<size_t>(ptr - text.data()));
  int shift = 0;
  if (!unit.empty()) {
    switch (unit[0]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      case 't':
      case 'T':
        shift = 40;
        break;
      case 'b':
      case 'B':
        shift = 0;
        break;
      default:
        shift = -1;
    }
    if (unit[0] != 'b' && unit[0] != 'B') unit.remove_prefix(1);
    if (shift < 0 || !(unit.empty() || unit == "B" || unit == "b" || unit == "iB")) {
      return InvalidArgument("invalid size unit in '" + original + "' (use K, M, G or T)");
    }
  }
  if (shift > 0 && value > (UINT64_MAX >> shift)) {
    return InvalidArgument("size '" + original + "' is too large");
  }
  return value << shift;
}

}  // namespace

uint64_t PhysicalMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

StatusOr<uint64_t> ParseMemoryBudget(std::string_view text) {
  uint64_t bytes = 0;
  if (!text.empty() && text.back() == '%') {
    double percent = 0;
    const std::string number(text.substr(0, text.size() - 1));
    char* end = nullptr;
    percent = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !(percent > 0 && percent <= 100)) {
      return InvalidArgument("invalid memory size '" + std::string(text) +
                             "' (a percentage of the physical memory is between 0% and 100%)");
    }
    bytes = static_cast<uint64_t>(static_cast<double>(PhysicalMemory()) * percent / 100);
  } else {
    GRAMS_ASSIGN_OR_RETURN(bytes, ParseSize(text));
  }
  if (bytes < (16u << 20)) {
    return InvalidArgument("memory size '" + std::string(text) + "' is below the minimum of 16M");
  }
  return bytes;
}

class TextReader::Impl {
 public:
  explicit Impl(std::unique_ptr<io::InputStream> in) : in_(std::move(in)), reader_(in_.get()) {}
  std::unique_ptr<io::InputStream> in_;
  io::LineReader reader_;
};

TextReader::TextReader() = default;
TextReader::~TextReader() = default;

StatusOr<std::unique_ptr<TextReader>> TextReader::Open(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  std::unique_ptr<TextReader> reader(new TextReader());
  reader->impl_ = std::make_unique<Impl>(std::move(in));
  return reader;
}

bool TextReader::Next(std::string_view* line) { return impl_->reader_.Next(line); }
const Status& TextReader::status() const { return impl_->reader_.status(); }
uint64_t TextReader::line_number() const { return impl_->reader_.line_number(); }
uint64_t TextReader::line_offset() const { return impl_->reader_.line_offset(); }
bool TextReader::newline() const { return impl_->reader_.newline(); }
std::string TextReader::Where() const { return impl_->reader_.Where(); }
const std::string& TextReader::name() const { return impl_->reader_.name(); }

class FileWriter::Impl {
 public:
  std::unique_ptr<io::OutputFile> out_;
};

FileWriter::FileWriter() = default;
FileWriter::~FileWriter() = default;

StatusOr<std::unique_ptr<FileWriter>> FileWriter::Open(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto out, io::OutputFile::Open(path));
  std::unique_ptr<FileWriter> writer(new FileWriter());
  writer->impl_ = std::make_unique<Impl>();
  writer->impl_->out_ = std::move(out);
  return writer;
}

void FileWriter::Write(std::string_view data) { impl_->out_->Write(data); }
Status FileWriter::Flush() { return impl_->out_->FlushNow(); }
Status FileWriter::Commit() { return impl_->out_->Commit(); }
bool FileWriter::broken_pipe() const { return impl_->out_->broken_pipe(); }
const std::string& FileWriter::name() const { return impl_->out_->name(); }

}  // namespace grams
