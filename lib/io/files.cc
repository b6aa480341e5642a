// grams/files.h: the public face of lib/io (io::InputStream, io::LineReader,
// io::OutputFile, the temporary-file accounting), with no Boost or zstd type
// in sight.
#include "grams/files.h"

#include <unistd.h>

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
