// UnicodePlugin: the tokenizer's way to ICU and SentencePiece, through the
// plugin libgrams_unicode.so (tokenize/unicode_plugin.h), opened on first
// use and kept open for the life of the process.
#ifndef GRAMS_TOKENIZE_UNICODE_H_
#define GRAMS_TOKENIZE_UNICODE_H_

#include "grams/status.h"
#include "tokenize/unicode_plugin.h"

namespace grams {

// The plugin's table, opening the plugin on the first call (thread-safe).
// It is looked for at $GRAMS_UNICODE_PLUGIN if set (and only there), else
// beside the code of grams that runs (libgrams.so's directory, or the
// program's): DIR/grams/, DIR/<bin to lib>/grams/, DIR/../lib/grams/ and
// DIR/../../lib/grams/ (the installed and the build tree), then in the
// libdir grams was configured to install to. An error (kNotFound) says
// where it looked and why it failed; it is the same on every later call.
StatusOr<const GramsUnicodeApi*> UnicodePlugin();

}  // namespace grams

#endif  // GRAMS_TOKENIZE_UNICODE_H_
