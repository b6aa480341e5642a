// fuzz_trie_merge without libFuzzer (replay.h): the trie merge over built-in
// seeds (1 to 4 shards of a text counted with the vocabulary of the whole,
// at orders 1 to 4, taken apart into the target's input) and MutateBinary's
// mutations.
#include <cstdint>
#include <string>
#include <vector>

#include "counts_sections.h"
#include "format/binary_file.h"
#include "fuzz_files.h"
#include "grams/counts.h"
#include "replay.h"

namespace {

using grams::fuzz::PutBytes;
using grams::fuzz::PutU16;

// The target's input for `lines` cut into `files` shards (line i to shard
// i % files), each counted at `order` with the vocabulary of all the lines,
// or "" if something fails. `mode`: bits 4 and 5 of the input's first
// byte.
std::string SeedOf(const std::vector<std::string>& lines, int order, int files, uint8_t mode) {
  const std::string& dir = grams::fuzz::ScratchDir("trie-merge-seeds");
  grams::CountOptions options;
  options.threads = 1;
  options.order = 1;
  grams::Counter whole(options);
  for (const std::string& line : lines) {
    if (!whole.AddLine(line).ok()) return "";
  }
  const std::string vocab_path = dir + "/vocab.counts";
  if (!whole.FinishToFile(vocab_path).ok()) return "";
  options.order = order;
  options.shared_vocab = vocab_path;
  std::string s(1, static_cast<char>((files - 1) | ((order - 1) << 2) | mode));
  if (mode & 32) {  // the vocabulary given to the merges too
    auto reader = grams::BinaryFileReader::Open(vocab_path, grams::FileKind::kCounts);
    if (!reader.ok()) return "";
    PutU16(&s, (*reader)->header().vocab_size);
    if (!grams::fuzz::PutCountsSections(reader->get(), &s)) return "";
  }
  for (int f = 0; f < files; ++f) {
    grams::Counter counter(options);
    for (size_t i = f; i < lines.size(); i += files) {
      if (!counter.AddLine(lines[i]).ok()) return "";
    }
    const std::string path = dir + "/shard" + std::to_string(f) + ".counts";
    if (!counter.FinishToFile(path).ok()) return "";
    auto reader = grams::BinaryFileReader::Open(path, grams::FileKind::kCounts);
    if (!reader.ok()) return "";
    const grams::FileHeader& h = (*reader)->header();
    PutU16(&s, h.vocab_size);
    PutU16(&s, h.sentences);
    PutU16(&s, h.tokens);
    for (int n = 2; n <= order; ++n) PutU16(&s, h.ngram_counts[n - 1]);
    if (!grams::fuzz::PutCountsSections(reader->get(), &s)) return "";
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_trie_merge";
  target.default_seconds = 20;
  target.built_in_seeds = [] {
    const std::vector<std::string> text = {"the cat sat on the mat",
                                           "the dog sat",
                                           "a cat and a dog",
                                           "the mat",
                                           "on a mat the cat",
                                           "dog and cat",
                                           "the cat and the dog sat on a mat"};
    std::vector<std::string> seeds;
    for (int order = 1; order <= 4; ++order) {
      for (int files = 1; files <= 4; ++files) {
        seeds.push_back(SeedOf(text, order, files, files % 2 ? 0 : 16));
      }
      // The merges given the vocabulary of all the lines too.
      seeds.push_back(SeedOf(text, order, 2, 32 | (order % 2 ? 16 : 0)));
    }
    return seeds;
  };
  target.mutate = [](const std::string& seed, grams::fuzz::Rng* rng) {
    return grams::fuzz::MutateBinary(seed, rng);
  };
  return grams::fuzz::ReplayMain(argc, argv, target);
}
