// UTF-16 input decoded to UTF-8 by ICU's converter, which lives in the
// Unicode plugin (tokenize/unicode_plugin.h) with the rest of ICU: the
// plugin is opened only when an input starts with a UTF-16 byte order mark.
#include "io/utf16_input.h"

#include <string>
#include <vector>

#include "tokenize/unicode.h"

namespace grams::io {
namespace {

constexpr size_t kErrorBytes = 256;

class Utf16Input final : public InputStream {
 public:
  Utf16Input(std::unique_ptr<InputStream> inner, const GramsUnicodeApi* api, void* converter)
      : inner_(std::move(inner)), api_(api), converter_(converter), in_(kBuffer) {
    name_ = inner_->name();
  }
  ~Utf16Input() override { api_->utf16_close(converter_); }

  size_t Read(char* buf, size_t n) override {
    if (!status_.ok() || n == 0) return 0;
    char* target = buf;
    while (target == buf) {
      if (begin_ == end_ && !eof_) {
        const size_t r = inner_->Read(in_.data(), in_.size());
        if (r == 0) {
          if (!inner_->status().ok()) {
            status_ = inner_->status();
            return 0;
          }
          eof_ = true;
        }
        begin_ = 0;
        end_ = r;
      }
      const char* source = in_.data() + begin_;
      size_t invalid = 0;
      char err[kErrorBytes] = "";
      const int rc = api_->utf16_convert(converter_, &source, in_.data() + end_, &target, buf + n,
                                         eof_ ? 1 : 0, &invalid, err, sizeof(err));
      consumed_ += static_cast<uint64_t>(source - (in_.data() + begin_));
      begin_ = static_cast<size_t>(source - in_.data());
      if (rc == 1) break;  // the caller's buffer is full
      if (rc == 2) {
        const uint64_t at = 2 + consumed_ - invalid;  // 2: the byte order mark
        status_ = InvalidArgument(name_ + ": not valid UTF-16 near byte offset " +
                                  std::to_string(at) + " (" + err + ")");
        return 0;
      }
      if (rc != 0) {
        status_ = InternalError(name_ + ": " + err);
        return 0;
      }
      if (eof_ && begin_ == end_) break;  // flushed: the end
    }
    return static_cast<size_t>(target - buf);
  }

 private:
  static constexpr size_t kBuffer = 1 << 16;
  const InputStream* source() const override { return inner_.get(); }
  std::unique_ptr<InputStream> inner_;
  const GramsUnicodeApi* api_;
  void* converter_;
  std::vector<char> in_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;  // bytes after the mark given to the converter
};

}  // namespace

Status DecodeUtf16(std::unique_ptr<InputStream>* in) {
  std::string head;
  // No further than the first byte when it starts no byte order mark (a
  // coprocess's first line may be one byte long).
  GRAMS_RETURN_IF_ERROR(
      PeekHead(in, 2, &head, [](std::string_view h) { return h[0] == '\xFF' || h[0] == '\xFE'; }));
  if (head.size() < 2) return Status::OK();
  int big_endian = -1;
  if (head[0] == '\xFF' && head[1] == '\xFE') big_endian = 0;
  if (head[0] == '\xFE' && head[1] == '\xFF') big_endian = 1;
  if (big_endian < 0) return Status::OK();
  GRAMS_ASSIGN_OR_RETURN(const GramsUnicodeApi* api, UnicodePlugin());
  char mark[2];
  GRAMS_RETURN_IF_ERROR((*in)->ReadExactly(mark, 2));
  void* converter = nullptr;
  char err[kErrorBytes] = "";
  if (api->utf16_open(big_endian, &converter, err, sizeof(err)) != 0) {
    return InternalError((*in)->name() + ": cannot read UTF-16: " + err);
  }
  *in = std::make_unique<Utf16Input>(std::move(*in), api, converter);
  return Status::OK();
}

}  // namespace grams::io
