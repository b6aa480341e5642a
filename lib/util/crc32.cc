// Crc32 (util/coding.h): CRC-32 as zlib, gzip and PNG compute it (reflected
// polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF), by zlib's
// crc32, which works on several bytes at a time: about ten times the speed of
// a byte-at-a-time table (Boost.CRC's crc_32_type, used before, computes the
// same value). zlib takes a length in uInt, so longer data goes in pieces.
#include <zlib.h>

#include <algorithm>

#include "util/coding.h"

namespace grams {

uint32_t Crc32(const void* data, size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const size_t piece = std::min<size_t>(n, 1u << 30);
    crc = crc32(crc, p, static_cast<uInt>(piece));
    p += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace grams
