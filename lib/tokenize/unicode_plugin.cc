// libgrams_unicode.so: the tokenizer's use of ICU and SentencePiece, behind
// the C table of tokenize/unicode_plugin.h. Opened by tokenize/unicode.cc;
// links nothing of grams. No exception leaves it.
#include "tokenize/unicode_plugin.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <sentencepiece_processor.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Copies a message into err (NUL-terminated, cut to fit).
void SetError(char* err, size_t err_size, const std::string& message) {
  if (err_size == 0) return;
  std::snprintf(err, err_size, "%s", message.c_str());
}

std::string IcuError(const char* what, UErrorCode code) {
  return std::string("ICU: ") + what + ": " + u_errorName(code);
}

// A SentencePiece error for grams' messages. A model that does not parse
// gets the source line of the failed check; say it in words instead.
std::string SpMessage(const sentencepiece::util::Status& s) {
  const std::string m = s.ToString();
  if (m.find("ParseFromArray") != std::string::npos) return "it does not parse as a model";
  return "SentencePiece: " + m;
}

struct Handle {
  const icu::Normalizer2* normalizer = nullptr;  // owned by ICU
  bool case_fold = false;
  int segment = 0;
  std::unique_ptr<icu::BreakIterator> breaker;  // grapheme or word
  UText text = UTEXT_INITIALIZER;
  icu::UnicodeString buffer;
  std::string normalized;
  std::vector<size_t> bounds;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp;
  std::vector<std::string> pieces;
  std::string piece_bytes;
  std::vector<size_t> piece_ends;

  ~Handle() { utext_close(&text); }
};

// Runs f, turning an exception (out of memory) into an error.
template <typename F>
int Guarded(char* err, size_t err_size, F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    SetError(err, err_size, "out of memory in the Unicode plugin");
  } catch (const std::exception& e) {
    SetError(err, err_size, std::string("Unicode plugin: ") + e.what());
  } catch (...) {
    SetError(err, err_size, "Unicode plugin: unknown exception");
  }
  return 2;
}

// Returns 0 (and *out), 1 if the SentencePiece model is unusable, 2 on an
// ICU failure; err says why.
int Create(int normalize, int case_fold, int segment, const char* sp_model, size_t sp_size,
           void** out, char* err, size_t err_size) {
  *out = nullptr;
  return Guarded(err, err_size, [&] {
    auto h = std::make_unique<Handle>();
    if (sp_size > 0) {
      h->sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
      const auto s = h->sp->LoadFromSerializedProto(std::string_view(sp_model, sp_size));
      if (!s.ok()) {
        SetError(err, err_size, SpMessage(s));
        return 1;
      }
    }
    UErrorCode status = U_ZERO_ERROR;
    if (normalize == 1) {
      h->normalizer = icu::Normalizer2::getNFCInstance(status);
    } else if (normalize == 2) {
      h->normalizer = icu::Normalizer2::getNFKCInstance(status);
    }
    if (U_FAILURE(status)) {
      SetError(err, err_size, IcuError("cannot load the normalization data", status));
      return 2;
    }
    h->case_fold = case_fold != 0;
    h->segment = segment;
    if (segment == 1) {
      h->breaker.reset(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    } else if (segment == 2) {
      h->breaker.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    }
    if (U_FAILURE(status)) {
      SetError(err, err_size, IcuError("cannot load the break rules", status));
      return 2;
    }
    *out = h.release();
    return 0;
  });
}

void Destroy(void* handle) { delete static_cast<Handle*>(handle); }

int Normalize(void* handle, const char* text, size_t size, const char** out, size_t* out_size,
              char* err, size_t err_size) {
  Handle& h = *static_cast<Handle*>(handle);
  return Guarded(err, err_size, [&] {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString us =
        icu::UnicodeString::fromUTF8(icu::StringPiece(text, static_cast<int32_t>(size)));
    if (h.normalizer) {
      h.buffer.remove();
      h.normalizer->normalize(us, h.buffer, status);
      if (U_FAILURE(status)) {
        SetError(err, err_size, IcuError("normalization failed", status));
        return 2;
      }
      us = h.buffer;
    }
    if (h.case_fold) us.foldCase();
    h.normalized.clear();
    us.toUTF8String(h.normalized);
    *out = h.normalized.data();
    *out_size = h.normalized.size();
    return 0;
  });
}

int Segment(void* handle, const char* text, size_t size, const size_t** bounds, size_t* count,
            char* err, size_t err_size) {
  Handle& h = *static_cast<Handle*>(handle);
  return Guarded(err, err_size, [&] {
    h.bounds.clear();
    if (!h.breaker) {
      SetError(err, err_size, "Unicode plugin: no segmentation was asked for");
      return 2;
    }
    UErrorCode status = U_ZERO_ERROR;
    utext_openUTF8(&h.text, text, static_cast<int64_t>(size), &status);
    if (U_FAILURE(status)) {
      SetError(err, err_size, IcuError("cannot open text", status));
      return 2;
    }
    h.breaker->setText(&h.text, status);
    if (U_FAILURE(status)) {
      SetError(err, err_size, IcuError("cannot segment text", status));
      return 2;
    }
    int32_t start = h.breaker->first();
    for (int32_t end = h.breaker->next(); end != icu::BreakIterator::DONE;
         start = end, end = h.breaker->next()) {
      if (h.segment == 2) {
        // Drop whitespace-only segments; keep words and punctuation.
        bool space = true;
        const char* s = text + start;
        const int32_t n = end - start;
        for (int32_t i = 0; i < n && space;) {
          UChar32 c;
          U8_NEXT(s, i, n, c);
          space = c >= 0 && u_isUWhiteSpace(c);
        }
        if (space) continue;
      }
      h.bounds.push_back(static_cast<size_t>(start));
      h.bounds.push_back(static_cast<size_t>(end));
    }
    *bounds = h.bounds.data();
    *count = h.bounds.size() / 2;
    return 0;
  });
}

int Encode(void* handle, const char* text, size_t size, const char** pieces, const size_t** ends,
           size_t* count, char* err, size_t err_size) {
  Handle& h = *static_cast<Handle*>(handle);
  return Guarded(err, err_size, [&] {
    if (!h.sp) {
      SetError(err, err_size, "Unicode plugin: no SentencePiece model");
      return 2;
    }
    const auto s = h.sp->Encode(std::string_view(text, size), &h.pieces);
    if (!s.ok()) {
      SetError(err, err_size, SpMessage(s));
      return 2;
    }
    h.piece_bytes.clear();
    h.piece_ends.clear();
    for (const std::string& piece : h.pieces) {
      h.piece_bytes += piece;
      h.piece_ends.push_back(h.piece_bytes.size());
    }
    *pieces = h.piece_bytes.data();
    *ends = h.piece_ends.data();
    *count = h.piece_ends.size();
    return 0;
  });
}

int CheckSpModel(const char* bytes, size_t size, char* err, size_t err_size) {
  return Guarded(err, err_size, [&] {
    sentencepiece::SentencePieceProcessor processor;
    const auto s = processor.LoadFromSerializedProto(std::string_view(bytes, size));
    if (!s.ok()) {
      SetError(err, err_size, SpMessage(s));
      return 1;
    }
    return 0;
  });
}

// A UTF-16 to UTF-8 converter: ICU's two converters and the pivot buffer
// between them, kept across calls.
struct Utf16Converter {
  UConverter* from = nullptr;  // UTF-16LE or UTF-16BE, stopping at an invalid sequence
  UConverter* to = nullptr;    // UTF-8
  std::vector<UChar> pivot = std::vector<UChar>(1 << 12);
  UChar* psource = nullptr;
  UChar* ptarget = nullptr;
  ~Utf16Converter() {
    if (from) ucnv_close(from);
    if (to) ucnv_close(to);
  }
};

int Utf16Open(int big_endian, void** converter, char* err, size_t err_size) {
  return Guarded(err, err_size, [&] {
    auto c = std::make_unique<Utf16Converter>();
    UErrorCode error = U_ZERO_ERROR;
    c->from = ucnv_open(big_endian ? "UTF-16BE" : "UTF-16LE", &error);
    if (U_SUCCESS(error)) c->to = ucnv_open("UTF-8", &error);
    if (U_SUCCESS(error)) {
      ucnv_setToUCallBack(c->from, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &error);
    }
    if (U_FAILURE(error)) {
      SetError(err, err_size, IcuError("cannot open the UTF-16 converter", error));
      return 3;
    }
    c->psource = c->ptarget = c->pivot.data();
    *converter = c.release();
    return 0;
  });
}

void Utf16Close(void* converter) { delete static_cast<Utf16Converter*>(converter); }

int Utf16Convert(void* converter, const char** src, const char* src_end, char** dst, char* dst_end,
                 int flush, size_t* invalid, char* err, size_t err_size) {
  Utf16Converter& c = *static_cast<Utf16Converter*>(converter);
  UErrorCode error = U_ZERO_ERROR;
  ucnv_convertEx(c.to, c.from, dst, dst_end, src, src_end, c.pivot.data(), &c.psource, &c.ptarget,
                 c.pivot.data() + c.pivot.size(), /*reset=*/false, flush != 0, &error);
  if (error == U_BUFFER_OVERFLOW_ERROR) return 1;
  if (U_FAILURE(error)) {
    char bad[8];
    int8_t len = sizeof(bad);
    UErrorCode e2 = U_ZERO_ERROR;
    ucnv_getInvalidChars(c.from, bad, &len, &e2);
    *invalid = U_SUCCESS(e2) ? static_cast<size_t>(len) : 0;
    SetError(err, err_size, u_errorName(error));
    return 2;
  }
  return 0;
}

const GramsUnicodeApi kApi = {GRAMS_UNICODE_ABI, Create,      Destroy,      Normalize,
                              Segment,           Encode,      CheckSpModel, Utf16Open,
                              Utf16Close,        Utf16Convert};

}  // namespace

extern "C" __attribute__((visibility("default"))) const GramsUnicodeApi* grams_unicode_api(void) {
  return &kApi;
}
