// Endian-neutral encoding for the file formats (docs/FORMAT.md):
// fixed-width integers are little-endian, least-significant byte first;
// varints are LEB128 (7 bits a byte, high bit = more). Nothing is memcpy'd
// from a struct, so the files mean the same on every machine.
#ifndef GRAMS_UTIL_CODING_H_
#define GRAMS_UTIL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace grams {

inline void PutFixed32(std::string* dst, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  dst->append(b, 4);
}

inline void PutFixed64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  dst->append(b, 8);
}

inline uint32_t DecodeFixed32(const char* p) {
  const unsigned char* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

inline uint64_t DecodeFixed64(const char* p) {
  return static_cast<uint64_t>(DecodeFixed32(p)) |
         (static_cast<uint64_t>(DecodeFixed32(p + 4)) << 32);
}

// Appends v as a varint. At most 10 bytes.
inline void PutVarint64(std::string* dst, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  dst->append(b, n);
}

// Bytes PutVarint64 takes for v.
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v as a varint at p (room for 10 bytes needed); returns the end.
inline char* EncodeVarint64(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// The general case of GetVarint64: two bytes or more, or malformed.
inline bool GetVarint64Slow(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    uint64_t byte = static_cast<unsigned char>(**p);
    ++*p;
    if (shift == 63 && byte > 1) return false;
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Parses a varint from [*p, end). Advances *p; false if malformed/truncated.
// Most varints of the formats are one byte (child counts, word deltas,
// counts), so that case is tested first, inline; every decoder goes through
// here.
inline bool GetVarint64(const char** p, const char* end, uint64_t* v) {
  if (*p < end && static_cast<unsigned char>(**p) < 0x80) {
    *v = static_cast<unsigned char>(**p);
    ++*p;
    return true;
  }
  return GetVarint64Slow(p, end, v);
}

inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s.data(), s.size());
}

inline bool GetLengthPrefixed(const char** p, const char* end, std::string_view* s) {
  uint64_t n;
  if (!GetVarint64(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  *s = std::string_view(*p, n);
  *p += n;
  return true;
}

inline uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// CRC-32 (IEEE 802.3, as zlib/gzip), computed by Boost.CRC.
uint32_t Crc32(const void* data, size_t n);

}  // namespace grams

#endif  // GRAMS_UTIL_CODING_H_
