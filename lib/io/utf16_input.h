// Text in UTF-16 with a byte order mark (as Windows tools write it, and as
// SRILM reads it), read as UTF-8 through ICU's converter (in the Unicode
// plugin, tokenize/unicode_plugin.h).
#ifndef GRAMS_IO_UTF16_INPUT_H_
#define GRAMS_IO_UTF16_INPUT_H_

#include <memory>

#include "grams/status.h"
#include "io/file.h"

namespace grams::io {

// If *in starts with a UTF-16 byte order mark (FF FE: little-endian; FE FF:
// big-endian), replaces it by a stream of the same text in UTF-8, without the
// mark; text that is not valid UTF-16 (an unpaired surrogate, an odd byte at
// the end) makes Read() fail with an error naming the stream and the byte
// offset. Any other input is left as it is (its first bytes replayed).
Status DecodeUtf16(std::unique_ptr<InputStream>* in);

}  // namespace grams::io

#endif  // GRAMS_IO_UTF16_INPUT_H_
