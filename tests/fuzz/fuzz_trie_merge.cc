// Fuzz target: the trie merge of counts files (count/trie_merge.h, grams-count
// --merge of shards counted with --shared-vocab) past the containers'
// checksums, against the general merge. The input gives up to four counts
// files (their headers' numbers and the raw bytes of their sections); the
// target writes each as a valid container (BinaryFileWriter: every section a
// good zstd frame with its checksum, the header CRC right), so that
// mutations reach the merge's checks, then merges them twice: as it comes
// (the trie merge where the files qualify, on one or two threads) and under
// a one-byte budget (the general merge, which spills), with or without a
// shared vocabulary to number the merged words by. Nothing may crash,
// hang or read out of bounds. An error names one of the files and leaves no
// output. When both succeed their bytes are the same; the trie merge never
// refuses what the general merge takes, and takes nothing it refuses but
// counts too large for the general merge's tables.
//
// Input:
//   byte 0       bits 0-1: the number of files - 1; bits 2-3: the order -
//                1; bit 4: two threads, each order split between them;
//                bit 5: a shared vocabulary for the merges (--shared-vocab),
//                an order-1 counts file that comes first
//   the vocabulary, with bit 5: its size, then its two sections (as a
//                file's below)
//   per file     16-bit little-endian numbers: the vocabulary size, the
//                sentences, the tokens, and a size per order n >= 2; then
//                per section in file order (vocabulary, order 1's counts,
//                then each order's child counts, words, counts): a 16-bit
//                length and that many bytes (fewer at the end of the input)
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (trie_merge_replay.cc), which ctest runs.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "count/trie_merge.h"
#include "counts_sections.h"
#include "format/binary_file.h"
#include "fuzz_files.h"
#include "grams/counts.h"

namespace {

[[noreturn]] void Die(const char* why, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_trie_merge: %s%s\n", why, detail.c_str());
  std::abort();
}

using grams::fuzz::Input;

const std::string& Dir() { return grams::fuzz::ScratchDir("trie-merge"); }

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// An error must name one of the files and leave no output.
void CheckFailure(const grams::Status& s, const std::vector<std::string>& paths,
                  const std::string& out) {
  bool named = false;
  for (const std::string& p : paths) named = named || s.message().find(p) != std::string::npos;
  if (!named) Die("an error naming no file: ", s.ToString());
  if (Exists(out)) Die("a failed merge left its output");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Input in{data + 1, data + size};
  const int files = 1 + (data[0] & 3);
  const int order = 1 + ((data[0] >> 2) & 3);
  const bool split = (data[0] & 16) != 0;
  const bool shared = (data[0] & 32) != 0;

  std::vector<std::string> paths;
  std::string vocab;
  if (shared) {
    const grams::FileHeader header = grams::fuzz::CountsHeader(1, in.U16());
    vocab = Dir() + "/vocab.counts";
    if (!grams::fuzz::WriteFuzzedCountsFile(vocab, header, &in)) Die("cannot write a counts file");
  }
  for (int f = 0; f < files; ++f) {
    const uint64_t vocab_size = in.U16(), sentences = in.U16(), tokens = in.U16();
    grams::FileHeader header = grams::fuzz::CountsHeader(order, vocab_size, sentences, tokens);
    for (int n = 2; n <= order; ++n) header.ngram_counts[n - 1] = in.U16();
    const std::string path = Dir() + "/shard" + std::to_string(f + 1) + ".counts";
    if (!grams::fuzz::WriteFuzzedCountsFile(path, header, &in)) Die("cannot write a counts file");
    paths.push_back(path);
  }

  grams::CountOptions options;
  options.threads = split ? 2 : 1;
  options.shared_vocab = vocab;
  grams::count::SetTrieMergeSplitForTesting(split ? 1 : 0);
  const std::string trie_out = Dir() + "/trie.counts";
  const grams::Status trie = grams::MergeCountFilesToFile(paths, trie_out, options);
  grams::count::SetTrieMergeSplitForTesting(0);
  options.memory = 1;
  options.temp_dir = Dir();
  const std::string general_out = Dir() + "/general.counts";
  const grams::Status general = grams::MergeCountFilesToFile(paths, general_out, options);

  // (A bad vocabulary is named too.)
  if (shared) paths.push_back(vocab);
  if (!trie.ok()) CheckFailure(trie, paths, trie_out);
  if (!general.ok()) CheckFailure(general, paths, general_out);
  if (trie.ok() && general.ok() &&
      grams::fuzz::ReadFileBytes(trie_out) != grams::fuzz::ReadFileBytes(general_out)) {
    Die("the two merges wrote different bytes");
  }
  if (!trie.ok() && general.ok()) Die("refused what the general merge took: ", trie.ToString());
  if (trie.ok() && !general.ok() && general.code() != grams::StatusCode::kResourceExhausted) {
    Die("took what the general merge refused: ", general.ToString());
  }
  std::remove(trie_out.c_str());
  std::remove(general_out.c_str());
  return 0;
}
