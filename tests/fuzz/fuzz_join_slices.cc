// Fuzz target: JoinCountSlices (grams-count --join) past the containers'
// checksums. The input gives up to four slice files of a partitioned merge
// (their headers, slice entries and the raw bytes of their sections); the
// target writes each as a valid container (BinaryFileWriter: every section a
// good zstd frame with its checksum, the header CRC right), so that
// mutations reach the join's checks (the slice entries, the slices' order,
// settings, vocabularies and totals, each order's sections), then joins them.
// Nothing may crash, hang or read out of bounds; an error names one of the
// slices (or says which slice is missing) and leaves no output. A join that
// succeeds writes a counts file that ReadCountsFile either reads or refuses
// naming it. And a slice is never taken for whole counts: the streaming
// build (BuildModelFile) refuses each slice, saying it must be joined.
//
// Input:
//   byte 0       bits 0-1: the number of slice files - 1; bits 2-3: the
//                order - 1; bit 4: the files given to the join in reverse;
//                bit 5: the slice entries taken raw from the input
//   then         16-bit little-endian numbers: the vocabulary size (3 +
//                size % 512), the sentences and the tokens, shared
//   per file     the slice entries: with bit 5, two byte strings (a 16-bit
//                length, then the bytes: "slice" and "slice_words"),
//                otherwise four 16-bit numbers I, K, lo, hi for "I/K" and
//                "lo hi"; a 16-bit size per order n >= 2 (size % 2048
//                n-grams); then per section in file order (vocabulary,
//                order 1's counts, then each order's child counts, words,
//                counts): a 16-bit length and that many bytes (fewer at the
//                end of the input)
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (join_slices_replay.cc), which ctest runs.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "counts_sections.h"
#include "format/binary_file.h"
#include "fuzz_files.h"
#include "grams/build.h"
#include "grams/counts.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz_join_slices: %s\n", why);
  std::abort();
}

using grams::fuzz::Input;

const std::string& Dir() { return grams::fuzz::ScratchDir("join-slices"); }

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Input in{data + 1, data + size};
  const int files = 1 + (data[0] & 3);
  const int order = 1 + ((data[0] >> 2) & 3);
  const bool reverse = (data[0] & 16) != 0;
  const bool raw_entries = (data[0] & 32) != 0;
  const uint64_t vocab_size = 3 + in.U16() % 512;
  const uint64_t sentences = in.U16(), tokens = in.U16();

  std::vector<std::string> paths;
  for (int f = 0; f < files; ++f) {
    grams::FileHeader header = grams::fuzz::CountsHeader(order, vocab_size, sentences, tokens);
    if (raw_entries) {
      std::string slice = in.Bytes(in.U16());
      std::string words = in.Bytes(in.U16());
      header.info = {{"slice", std::move(slice)}, {"slice_words", std::move(words)}};
    } else {
      const uint16_t index = in.U16(), count = in.U16(), lo = in.U16(), hi = in.U16();
      header.info = {{"slice", std::to_string(index) + "/" + std::to_string(count)},
                     {"slice_words", std::to_string(lo) + " " + std::to_string(hi)}};
    }
    for (int n = 2; n <= order; ++n) header.ngram_counts[n - 1] = in.U16() % 2048;

    const std::string path = Dir() + "/slice" + std::to_string(f + 1) + ".counts";
    if (!grams::fuzz::WriteFuzzedCountsFile(path, header, &in)) Die("cannot write a slice file");
    paths.push_back(path);
  }
  if (reverse) std::reverse(paths.begin(), paths.end());

  const std::string out = Dir() + "/joined.counts";
  const grams::Status joined = grams::JoinCountSlices(paths, out);
  if (!joined.ok()) {
    bool named = joined.message().find("missing") != std::string::npos;
    for (const std::string& p : paths)
      named = named || joined.message().find(p) != std::string::npos;
    if (!named) {
      std::fprintf(stderr, "fuzz_join_slices: an error naming no slice: %s\n",
                   joined.ToString().c_str());
      std::abort();
    }
    if (Exists(out)) Die("a failed join left its output");
  } else {
    auto counts = grams::ReadCountsFile(out);
    if (!counts.ok() && counts.status().message().find(out) == std::string::npos) {
      std::fprintf(stderr, "fuzz_join_slices: the joined file's error does not name it: %s\n",
                   counts.status().ToString().c_str());
      std::abort();
    }
    std::remove(out.c_str());
  }

  // A slice is never built from as if it were the whole counts.
  const std::string model = Dir() + "/out.model";
  for (const std::string& p : paths) {
    auto built = grams::BuildModelFile(p, grams::BuildOptions(), model);
    if (built.ok()) Die("BuildModelFile built a model from a slice");
    if (built.status().message().find(p) == std::string::npos) {
      std::fprintf(stderr, "fuzz_join_slices: BuildModelFile: an error naming no file: %s\n",
                   built.status().ToString().c_str());
      std::abort();
    }
    if (Exists(model)) Die("a failed build left its output");
  }
  return 0;
}
