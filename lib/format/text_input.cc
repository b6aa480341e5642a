// OpenTextInput: see text_input.h.
#include "format/text_input.h"

#include <algorithm>
#include <cstring>

#include "format/binary_file.h"
#include "format/kenlm_binary.h"
#include "format/mapped_model.h"
#include "io/utf16_input.h"

namespace grams {
namespace {

// True while `head` (the first bytes read) could still begin a grams or
// KenLM binary file.
bool CouldBeBinary(std::string_view head) {
  return io::CouldBegin(head, std::string_view(kFileMagic, sizeof(kFileMagic))) ||
         io::CouldBegin(head, std::string_view(kMappedMagic, sizeof(kMappedMagic))) ||
         io::CouldBegin(head, kKenlmMagicPrefix);
}

// The files of grams and KenLM given as text: refused, naming what they are
// (their bytes would be read as words). Peeks, so pipes work too; no
// further than text shows it is text, so that a coprocess's first short
// line is answered without waiting for the next.
Status RefuseModelFiles(std::unique_ptr<io::InputStream>* in, std::string_view purpose) {
  std::string head;
  GRAMS_RETURN_IF_ERROR(
      io::PeekHead(in, std::max<size_t>(16, kKenlmMagicPrefix.size()), &head, CouldBeBinary));
  std::string what;
  if (HasBinaryMagic(head)) {
    uint32_t kind = 0;
    if (head.size() >= 16) std::memcpy(&kind, head.data() + 12, sizeof(kind));
    what = kind == static_cast<uint32_t>(FileKind::kCounts)  ? "a grams counts file (grams-count "
                                                               "--merge adds counts files)"
           : kind == static_cast<uint32_t>(FileKind::kModel) ? "a grams model file"
                                                             : "a grams binary file";
  } else if (HasMappedMagic(head)) {
    what = "a mapped grams model";
  } else if (HasKenlmMagic(head)) {
    what = "a KenLM binary model";
  } else {
    return Status::OK();
  }
  std::string message = (*in)->name();
  message += ": is ";
  message += what;
  message += ", not text to ";
  message += purpose;
  return InvalidArgument(message);
}

}  // namespace

StatusOr<std::unique_ptr<io::InputStream>> OpenTextInput(const std::string& path,
                                                         const TokenizerSettings& settings,
                                                         std::string_view purpose) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  GRAMS_RETURN_IF_ERROR(RefuseModelFiles(&in, purpose));
  if (settings.unit != Unit::kByte) GRAMS_RETURN_IF_ERROR(io::DecodeUtf16(&in));
  return in;
}

}  // namespace grams
