#include "io/utf16_input.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>

#include <string>
#include <vector>

namespace grams::io {
namespace {

class Utf16Input final : public InputStream {
 public:
  Utf16Input(std::unique_ptr<InputStream> inner, UConverter* from, UConverter* to)
      : inner_(std::move(inner)), from_(from), to_(to), in_(kBuffer), pivot_(kPivot) {
    name_ = inner_->name();
    psource_ = ptarget_ = pivot_.data();
  }
  ~Utf16Input() override {
    ucnv_close(from_);
    ucnv_close(to_);
  }

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
      UErrorCode error = U_ZERO_ERROR;
      ucnv_convertEx(to_, from_, &target, buf + n, &source, in_.data() + end_, pivot_.data(),
                     &psource_, &ptarget_, pivot_.data() + pivot_.size(), /*reset=*/false,
                     /*flush=*/eof_, &error);
      consumed_ += static_cast<uint64_t>(source - (in_.data() + begin_));
      begin_ = static_cast<size_t>(source - in_.data());
      if (error == U_BUFFER_OVERFLOW_ERROR) break;
      if (U_FAILURE(error)) {
        char bad[8];
        int8_t len = sizeof(bad);
        UErrorCode e2 = U_ZERO_ERROR;
        ucnv_getInvalidChars(from_, bad, &len, &e2);
        const uint64_t at = 2 + consumed_ - (U_SUCCESS(e2) ? static_cast<uint64_t>(len) : 0);
        status_ = InvalidArgument(name_ + ": not valid UTF-16 near byte offset " +
                                  std::to_string(at) + " (" + u_errorName(error) + ")");
        return 0;
      }
      if (eof_ && begin_ == end_) break;  // flushed: the end
    }
    return static_cast<size_t>(target - buf);
  }

 private:
  static constexpr size_t kBuffer = 1 << 16;
  static constexpr size_t kPivot = 1 << 12;
  std::unique_ptr<InputStream> inner_;
  UConverter* from_;  // UTF-16LE or UTF-16BE, stopping at an invalid sequence
  UConverter* to_;    // UTF-8
  std::vector<char> in_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;  // bytes after the mark given to the converter
  std::vector<UChar> pivot_;
  UChar* psource_;
  UChar* ptarget_;
};

}  // namespace

Status DecodeUtf16(std::unique_ptr<InputStream>* in) {
  std::string head;
  GRAMS_RETURN_IF_ERROR(PeekHead(in, 2, &head));
  if (head.size() < 2) return Status::OK();
  const char* charset = nullptr;
  if (head[0] == '\xFF' && head[1] == '\xFE') charset = "UTF-16LE";
  if (head[0] == '\xFE' && head[1] == '\xFF') charset = "UTF-16BE";
  if (!charset) return Status::OK();
  char mark[2];
  GRAMS_RETURN_IF_ERROR((*in)->ReadExactly(mark, 2));
  UErrorCode error = U_ZERO_ERROR;
  UConverter* from = ucnv_open(charset, &error);
  UConverter* to = U_SUCCESS(error) ? ucnv_open("UTF-8", &error) : nullptr;
  if (U_SUCCESS(error)) {
    ucnv_setToUCallBack(from, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &error);
  }
  if (U_FAILURE(error)) {
    if (from) ucnv_close(from);
    if (to) ucnv_close(to);
    return InternalError((*in)->name() + ": ICU cannot convert " + charset + ": " +
                         u_errorName(error));
  }
  *in = std::make_unique<Utf16Input>(std::move(*in), from, to);
  return Status::OK();
}

}  // namespace grams::io
