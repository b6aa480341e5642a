#include "io/line_reader.h"

#include <cstring>

#include "util/alloc_guard.h"

namespace grams::io {

LineReader::LineReader(InputStream* in, size_t buffer_size) : in_(in), buf_(buffer_size) {}

bool LineReader::Next(std::string_view* line) {
  size_t scan_from = begin_;
  for (;;) {
    const char* start = buf_.data() + scan_from;
    const void* nl = memchr(start, '\n', end_ - scan_from);
    if (nl) {
      size_t pos = static_cast<const char*>(nl) - buf_.data();
      *line = std::string_view(buf_.data() + begin_, pos - begin_);
      line_offset_ = consumed_;
      ++line_number_;
      consumed_ += pos + 1 - begin_;
      begin_ = pos + 1;
      newline_ = true;
      StripBom(line);
      return true;
    }
    if (eof_) {
      if (begin_ == end_) return false;
      *line = std::string_view(buf_.data() + begin_, end_ - begin_);
      line_offset_ = consumed_;
      ++line_number_;
      consumed_ += end_ - begin_;
      begin_ = end_;
      newline_ = false;
      StripBom(line);
      return true;
    }
    // Move the partial line to the front, growing the buffer if it is full.
    size_t partial = end_ - begin_;
    if (begin_ > 0) {
      memmove(buf_.data(), buf_.data() + begin_, partial);
      begin_ = 0;
      end_ = partial;
    }
    if (end_ == buf_.size()) {
      SizedAllocation(buf_.size() * 2, [this] { buf_.resize(buf_.size() * 2); });
    }
    scan_from = end_;
    size_t r = in_->Read(buf_.data() + end_, buf_.size() - end_);
    if (r == 0) {
      eof_ = true;
      if (!in_->status().ok()) return false;
    }
    end_ += r;
  }
}

void LineReader::StripBom(std::string_view* line) {
  if (line_number_ == 1 && line->size() >= 3 && (*line)[0] == '\xEF' && (*line)[1] == '\xBB' &&
      (*line)[2] == '\xBF') {
    line->remove_prefix(3);
    line_offset_ += 3;
  }
}

std::string LineReader::Where() const { return in_->name() + ":" + std::to_string(line_number_); }

}  // namespace grams::io
