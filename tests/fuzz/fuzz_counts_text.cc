// Fuzz target: the counts text reader (ReadCountsText, grams-count
// --from-text) on arbitrary bytes. Nothing may crash, hang or read out of
// bounds; the input is either refused with an InvalidArgument naming the
// file and line (or, compressed, a Corruption naming the file), or read
// into counts whose text form reads back to the same counts file, byte for
// byte.
//
// Input: one mode byte, then the text.
//   bit 0  character units (escaped) instead of words
//   bit 1  --order 2 (lines of higher orders skipped)
// Seeds: tests/fuzz/corpus/counts_text. Built with -fsanitize=fuzzer under
// GRAMS_FUZZ=ON (clang), and always as a replay driver (counts_text_replay.cc),
// which ctest runs.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_files.h"
#include "grams/counts.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz_counts_text: %s\n", why);
  std::abort();
}

const std::string& Dir() { return grams::fuzz::ScratchDir("counts-text"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string input = Dir() + "/in.txt";
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  grams::ReadCountsTextOptions options;
  if (mode & 1) options.settings.unit = grams::Unit::kChar;
  if (mode & 2) options.max_order = 2;
  auto counts = grams::ReadCountsText({input}, options);
  if (!counts.ok()) {
    // Bad text is InvalidArgument; text that starts with a compressor's
    // magic is decompressed first, and a damaged stream is Corruption.
    const grams::StatusCode code = counts.status().code();
    if (code != grams::StatusCode::kInvalidArgument && code != grams::StatusCode::kCorruption) {
      Die("neither InvalidArgument nor Corruption");
    }
    if (counts.status().message().find(input) == std::string::npos) Die("error lacks the file");
    return 0;
  }
  // The text form reads back to the same counts file.
  const std::string first = Dir() + "/first.counts", text = Dir() + "/text.txt",
                    second = Dir() + "/second.counts";
  if (!grams::WriteCountsFile(*counts, first).ok()) Die("WriteCountsFile failed");
  if (!grams::WriteCountsText(*counts, text).ok()) Die("WriteCountsText failed");
  grams::ReadCountsTextOptions again;
  again.settings = options.settings;
  again.max_order = counts->order();
  auto back = grams::ReadCountsText({text}, again);
  if (!back.ok()) Die("the text form of the counts does not read back");
  if (!grams::WriteCountsFile(*back, second).ok()) Die("WriteCountsFile failed");
  if (grams::fuzz::ReadFileBytes(first) != grams::fuzz::ReadFileBytes(second))
    Die("the round trip changed the counts file");
  // And the counts file reads as counts.
  if (!grams::ReadCountsFile(first).ok()) Die("the counts file written does not read");
  return 0;
}
