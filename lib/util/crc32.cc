#include <boost/crc.hpp>

#include "util/coding.h"

namespace grams {

uint32_t Crc32(const void* data, size_t n) {
  boost::crc_32_type crc;
  crc.process_bytes(data, n);
  return crc.checksum();
}

}  // namespace grams
