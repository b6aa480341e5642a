// The Unicode plugin's interface: what the tokenizer needs from ICU
// (normalization, case folding, grapheme clusters, word-break segments) and
// from SentencePiece, behind a table of C functions.
//
// ICU and SentencePiece live in a module of their own, libgrams_unicode.so
// (tokenize/unicode_plugin.cc), that libgrams opens with dlopen the first
// time a tokenizer needs it (tokenize/unicode.h): loading the two libraries
// costs a process about 2.5 ms of dynamic linking, and most models (words,
// bytes, characters, without normalization or case folding) never call
// them. The interface is plain C, with the plugin's results in memory it
// owns, so that no C++ object, allocation or exception crosses it.
#ifndef GRAMS_TOKENIZE_UNICODE_PLUGIN_H_
#define GRAMS_TOKENIZE_UNICODE_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

extern "C" {

// Bumped whenever the table below changes: a plugin of another build is
// refused rather than called.
#define GRAMS_UNICODE_ABI 2

// The symbol the plugin exports: returns its table.
#define GRAMS_UNICODE_ENTRY "grams_unicode_api"

struct GramsUnicodeApi {
  uint32_t abi;  // GRAMS_UNICODE_ABI
  // A handle for one tokenizer (not thread-safe): normalization `normalize`
  // (0 none, 1 NFC, 2 NFKC) and case folding, segmentation `segment` (0
  // none, 1 extended grapheme clusters, 2 ICU word-break segments with the
  // whitespace-only ones dropped), and a SentencePiece model (sp_size > 0:
  // its serialized bytes). Returns 0 and sets *handle; 1 if the
  // SentencePiece model is unusable, 2 on another failure (ICU's data), with
  // a message in err.
  int (*create)(int normalize, int case_fold, int segment, const char* sp_model, size_t sp_size,
                void** handle, char* err, size_t err_size);
  void (*destroy)(void* handle);
  // Normalizes (as create() said) and then folds case: the result is
  // out[0, *out_size), valid until the next normalize() on the handle. 0 on
  // success; else a message in err.
  int (*normalize)(void* handle, const char* text, size_t size, const char** out, size_t* out_size,
                   char* err, size_t err_size);
  // The units of text: unit i is text[bounds[2i], bounds[2i+1]), i < *count;
  // bounds valid until the next segment() on the handle. 0 on success.
  int (*segment)(void* handle, const char* text, size_t size, const size_t** bounds, size_t* count,
                 char* err, size_t err_size);
  // The SentencePiece pieces of text (as spm_encode writes them): piece i is
  // pieces[ends[i-1], ends[i]) (ends[-1] = 0), i < *count; valid until the
  // next encode() on the handle. 0 on success.
  int (*encode)(void* handle, const char* text, size_t size, const char** pieces,
                const size_t** ends, size_t* count, char* err, size_t err_size);
  // 0 if bytes are a SentencePiece model; else why not in err.
  int (*check_sp_model)(const char* bytes, size_t size, char* err, size_t err_size);
  // A converter of UTF-16 (big_endian 0: little-endian) to UTF-8 that stops
  // at the first invalid sequence (io/utf16_input.cc). 0 on success.
  int (*utf16_open)(int big_endian, void** converter, char* err, size_t err_size);
  void (*utf16_close)(void* converter);
  // Converts from *src (up to src_end) into *dst (up to dst_end), advancing
  // both; `flush` at the end of the input. Returns 0 when the input given
  // is used up (flushed if asked), 1 when the output is full (call again),
  // 2 on invalid UTF-16 (*invalid: how many of the bytes consumed are the
  // invalid sequence), 3 on another failure; a message in err for 2 and 3.
  int (*utf16_convert)(void* converter, const char** src, const char* src_end, char** dst,
                       char* dst_end, int flush, size_t* invalid, char* err, size_t err_size);
};

typedef const GramsUnicodeApi* (*GramsUnicodeEntry)(void);

}  // extern "C"

#endif  // GRAMS_TOKENIZE_UNICODE_PLUGIN_H_
