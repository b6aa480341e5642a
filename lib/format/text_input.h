// OpenTextInput: text to tokenize, opened as every reader of text opens it
// (the counter, the scorers), so that they read the same units from the same
// file: a grams or KenLM binary file given as text is refused, naming what
// it is; UTF-16 with a byte order mark is read as UTF-8 (io/utf16_input.h),
// but for byte units, which take the bytes as they are.
#ifndef GRAMS_FORMAT_TEXT_INPUT_H_
#define GRAMS_FORMAT_TEXT_INPUT_H_

#include <memory>
#include <string>
#include <string_view>

#include "grams/settings.h"
#include "grams/status.h"
#include "io/file.h"

namespace grams {

// Opens `path` ("-" = standard input; compressed text is decompressed).
// `purpose` ends the refusal: "FILE: is a KenLM binary model, not text to
// PURPOSE".
StatusOr<std::unique_ptr<io::InputStream>> OpenTextInput(const std::string& path,
                                                         const TokenizerSettings& settings,
                                                         std::string_view purpose);

}  // namespace grams

#endif  // GRAMS_FORMAT_TEXT_INPUT_H_
