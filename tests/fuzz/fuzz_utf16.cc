// Fuzz target: the UTF-16 input decoder (io/utf16_input.h, grams-count on
// UTF-16 text with a byte order mark) on arbitrary bytes. Nothing may crash,
// hang or read out of bounds; valid UTF-16 must come out as the UTF-8 that an
// independent decoder (below) gives, whatever the sizes of the reads, and
// anything else must fail with an InvalidArgument naming the file.
//
// Input: one mode byte, then the UTF-16 code units (the mark is added).
//   bit 0  big-endian (FE FF) instead of little-endian (FF FE)
//   bits 1-7  the largest read asked of the decoder: 1 + (mode >> 1) * 37
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (utf16_replay.cc), which ctest runs.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "fuzz_files.h"
#include "io/file.h"
#include "io/utf16_input.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz_utf16: %s\n", why);
  std::abort();
}

const std::string& Dir() { return grams::fuzz::ScratchDir("utf16"); }

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The UTF-8 of UTF-16 code units, or nothing if they are not valid UTF-16.
std::optional<std::string> Decode(const uint8_t* p, size_t n, bool big) {
  if (n % 2) return std::nullopt;
  std::string out;
  auto unit = [&](size_t i) -> uint32_t {
    return big ? (p[2 * i] << 8 | p[2 * i + 1]) : (p[2 * i + 1] << 8 | p[2 * i]);
  };
  for (size_t i = 0; i < n / 2; ++i) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 1 == n / 2) return std::nullopt;
      const uint32_t v = unit(++i);
      if (v < 0xDC00 || v > 0xDFFF) return std::nullopt;
      u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return std::nullopt;
    }
    AppendUtf8(u, &out);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool big = data[0] & 1;
  const size_t chunk = 1 + static_cast<size_t>(data[0] >> 1) * 37;
  const std::string path = Dir() + "/in.txt";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(big ? "\xFE\xFF" : "\xFF\xFE", 2);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  auto in = grams::io::InputStream::Open(path);
  if (!in.ok()) Die("cannot open the input");
  std::unique_ptr<grams::io::InputStream> stream = std::move(in).value();
  if (!grams::io::DecodeUtf16(&stream).ok()) Die("DecodeUtf16 failed");
  std::string got, buf(chunk, '\0');
  for (size_t round = 0;; ++round) {
    const size_t ask = 1 + (round * 7919) % chunk;
    const size_t r = stream->Read(buf.data(), ask);
    if (r > ask) Die("read more than asked");
    if (r == 0) break;
    got.append(buf.data(), r);
    if (got.size() > 4 * size + 16) Die("output too long");
  }
  const std::optional<std::string> want = Decode(data + 1, size - 1, big);
  if (want) {
    if (!stream->status().ok()) Die("valid UTF-16 refused");
    if (got != *want) Die("the UTF-8 differs from the independent decoder's");
  } else {
    if (stream->status().ok()) Die("invalid UTF-16 accepted");
    if (stream->status().code() != grams::StatusCode::kInvalidArgument) Die("not InvalidArgument");
    if (stream->status().message().find(path) == std::string::npos) Die("error lacks the file");
  }
  return 0;
}
