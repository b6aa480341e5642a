// Fuzz target: the counts file readers past the container's checksums. The
// input gives a counts file's header (order, n-gram counts per order,
// sentences and tokens) and the raw bytes of its sections; the target writes
// them as a valid container (BinaryFileWriter: every section a good zstd
// frame with its checksum, the header CRC right), so that mutations reach
// the decoders (DecodeVocab, CheckTrieClaims, DecodeTrieLevel,
// DecodeCounts), then reads it three ways:
//   - ReadCountsFile (the sequential reader);
//   - InspectFile with check (grams-info --check);
//   - BuildModelFile (the streaming build's ScanOrder and second pass);
//   - MergeCountFilesToFile (grams-count --merge: the file streamed into the
//     counter's tables, or under a small budget into a spill of its own),
//     whole and as slice 1 or 2 of 2 (--partition: the file read twice, its
//     word ids kept from the first reading).
// Nothing may crash, hang or read out of bounds. Every error names the file.
// They agree: a file ReadCountsFile refuses is refused by the others too (no
// model is ever built, nor merge made, from a corrupt counts file), and one
// it reads is checked good by InspectFile. Counts it reads write back to a
// counts file that reads back to the same bytes.
//
// Input:
//   byte 0       bits 0-1: the order - 1; bit 2: the vocabulary section
//                is encoded from generated words (EncodeVocab), not taken
//                from the input; bit 3: value sections (COUNTS) cut or
//                padded to one byte an n-gram; bit 4: Witten-Bell, not
//                modified Kneser-Ney, for the build; bit 5: the merge under
//                a 1 MB budget; bit 6: the partitioned merge takes slice
//                2 of 2, not 1
//   per order    a 16-bit little-endian size (order 1: the vocabulary,
//                3 + size % 512 words w0, w1, ... after <unk> <s> </s>;
//                the others: size % 2048 n-grams)
//   then         a 16-bit number of sentences and of tokens
//   per section  in file order (vocabulary unless bit 2, order 1's counts,
//                then each order's child counts, words, counts): a 16-bit
//                length, then that many bytes (fewer at the end of the input)
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (counts_file_replay.cc), which ctest runs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "format/binary_file.h"
#include "format/trie_codec.h"
#include "fuzz_files.h"
#include "grams/build.h"
#include "grams/counts.h"
#include "grams/inspect.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz_counts_file: %s\n", why);
  std::abort();
}

using grams::fuzz::Input;

const std::string& Dir() { return grams::fuzz::ScratchDir("counts-file"); }

void NamesFile(const grams::Status& s, const std::string& path, const char* who) {
  if (s.message().find(path) == std::string::npos) {
    std::fprintf(stderr, "fuzz_counts_file: %s: error without the file's name: %s\n", who,
                 s.ToString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Input in{data + 1, data + size};
  const int order = 1 + (data[0] & 3);
  const bool generated_vocab = (data[0] & 4) != 0;
  const bool exact_values = (data[0] & 8) != 0;
  grams::FileHeader header;
  header.kind = grams::FileKind::kCounts;
  header.order = static_cast<uint32_t>(order);
  header.ngram_counts.resize(order);
  header.ngram_counts[0] = 3 + in.U16() % 512;
  for (int n = 2; n <= order; ++n) header.ngram_counts[n - 1] = in.U16() % 2048;
  header.vocab_size = header.ngram_counts[0];
  header.sentences = in.U16();
  header.tokens = in.U16();
  header.settings = grams::TokenizerSettings().ToKeyValues();

  auto section = [&](bool values, uint64_t m) {
    std::string s = in.Bytes(in.U16());
    if (values && exact_values) s.resize(m, '\x01');
    return s;
  };
  const std::string path = Dir() + "/in.counts";
  {
    auto writer = grams::BinaryFileWriter::Open(path, header, 1);
    if (!writer.ok()) Die("cannot write the counts file");
    std::string vocab;
    if (generated_vocab) {
      std::vector<std::string> words = {"<unk>", "<s>", "</s>"};
      for (uint64_t w = 3; w < header.vocab_size; ++w) {
        std::string word(1, 'w');
        word += std::to_string(w);
        words.push_back(std::move(word));
      }
      std::vector<std::string_view> views(words.begin(), words.end());
      vocab = grams::EncodeVocab(views);
    } else {
      vocab = section(false, 0);
    }
    using grams::SectionId;
    using grams::SectionType;
    (*writer)->AddSection(SectionId(SectionType::kVocab, 0), std::move(vocab));
    (*writer)->AddSection(SectionId(SectionType::kCounts, 1),
                          section(true, header.ngram_counts[0]));
    for (int n = 2; n <= order; ++n) {
      const uint32_t u = static_cast<uint32_t>(n);
      (*writer)->AddSection(SectionId(SectionType::kChildCounts, u), section(false, 0));
      (*writer)->AddSection(SectionId(SectionType::kWords, u), section(false, 0));
      (*writer)->AddSection(SectionId(SectionType::kCounts, u),
                            section(true, header.ngram_counts[n - 1]));
    }
    if (!(*writer)->Finish().ok()) Die("cannot finish the counts file");
  }

  auto counts = grams::ReadCountsFile(path);
  if (!counts.ok()) NamesFile(counts.status(), path, "ReadCountsFile");

  grams::InspectOptions inspect;
  inspect.check = true;
  auto summary = grams::InspectFile(path, inspect);
  if (!summary.ok()) NamesFile(summary.status(), path, "InspectFile");
  if (counts.ok() != summary.ok()) Die("ReadCountsFile and InspectFile --check disagree");

  grams::BuildOptions build;
  build.smoothing =
      (data[0] & 16) ? grams::Smoothing::kWittenBell : grams::Smoothing::kModifiedKneserNey;
  const std::string model_path = Dir() + "/out.model";
  auto built = grams::BuildModelFile(path, build, model_path);
  // An estimation error on counts that read (too few n-grams for the
  // discounts, say) need not name a file; a reading error must.
  if (!built.ok() && !counts.ok()) NamesFile(built.status(), path, "BuildModelFile");
  if (!counts.ok() && built.ok()) Die("BuildModelFile built a model from a corrupt counts file");

  grams::CountOptions merge;
  merge.memory = (data[0] & 32) ? uint64_t{1} << 20 : 0;
  merge.threads = 1;
  const std::string merged = Dir() + "/merged.counts";
  const grams::Status m = grams::MergeCountFilesToFile({path}, merged, merge);
  if (!m.ok() && !counts.ok()) NamesFile(m, path, "MergeCountFilesToFile");
  if (!counts.ok() && m.ok()) Die("the merge accepted a corrupt counts file");
  const grams::MergeSlice slice{1 + ((data[0] >> 6) & 1), 2};
  const grams::Status ms = grams::MergeCountFilesToFile({path}, merged, merge, slice);
  if (!ms.ok() && !counts.ok()) NamesFile(ms, path, "MergeCountFilesToFile (a slice)");
  if (!counts.ok() && ms.ok()) Die("the partitioned merge accepted a corrupt counts file");
  if (!counts.ok()) return 0;

  // What reads writes back to a file that reads back to the same bytes.
  const std::string first = Dir() + "/first.counts", second = Dir() + "/second.counts";
  if (!grams::WriteCountsFile(*counts, first).ok()) Die("WriteCountsFile failed");
  auto again = grams::ReadCountsFile(first);
  if (!again.ok()) Die("a counts file written from what was read does not read");
  if (!grams::WriteCountsFile(*again, second).ok()) Die("WriteCountsFile failed");
  if (grams::fuzz::ReadFileBytes(first) != grams::fuzz::ReadFileBytes(second))
    Die("the round trip changed the counts file");
  return 0;
}
