// fuzz_join_slices without libFuzzer (replay.h): the join of slices over
// built-in seeds (the K slices of partitioned merges of orders 1 to 4, as
// grams-count --merge --partition writes them, taken apart into the target's
// input) and MutateBinary's mutations.
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

// The value of the header's info entry `key` ("" if none).
std::string InfoValue(const grams::FileHeader& h, const std::string& key) {
  for (const auto& [k, v] : h.info)
    if (k == key) return v;
  return "";
}

// The target's input for the K slices of the merge of the counts of two
// halves of `lines` at `order`, or "" if something fails. `mode`: bits 4
// and 5 of the input's first byte.
std::string SeedOf(const std::vector<std::string>& lines, int order, int K, uint8_t mode) {
  const std::string& dir = grams::fuzz::ScratchDir("join-slices-seeds");
  grams::CountOptions options;
  options.order = order;
  options.threads = 1;
  std::vector<std::string> shards;
  for (size_t half = 0; half < 2; ++half) {
    grams::Counter counter(options);
    for (size_t i = half; i < lines.size(); i += 2) {
      if (!counter.AddLine(lines[i]).ok()) return "";
    }
    auto counts = counter.Finish();
    if (!counts.ok()) return "";
    shards.push_back(dir + "/shard" + std::to_string(half) + ".counts");
    if (!grams::WriteCountsFile(*counts, shards.back()).ok()) return "";
  }
  std::string s(1, static_cast<char>((K - 1) | ((order - 1) << 2) | mode));
  for (int i = 1; i <= K; ++i) {
    const std::string path = dir + "/slice" + std::to_string(i) + ".counts";
    grams::MergeSlice slice;
    slice.index = i;
    slice.count = K;
    if (!grams::MergeCountFilesToFile(shards, path, options, slice).ok()) return "";
    auto reader = grams::BinaryFileReader::Open(path, grams::FileKind::kCounts);
    if (!reader.ok()) return "";
    const grams::FileHeader& h = (*reader)->header();
    if (i == 1) {
      PutU16(&s, h.vocab_size - 3);
      PutU16(&s, h.sentences);
      PutU16(&s, h.tokens);
    }
    if (mode & 32) {
      PutBytes(&s, InfoValue(h, "slice"));
      PutBytes(&s, InfoValue(h, "slice_words"));
    } else {
      PutU16(&s, static_cast<uint64_t>(i));
      PutU16(&s, static_cast<uint64_t>(K));
      const std::string words = InfoValue(h, "slice_words");
      const size_t space = words.find(' ');
      if (space == std::string::npos) return "";
      PutU16(&s, std::stoull(words.substr(0, space)));
      PutU16(&s, std::stoull(words.substr(space + 1)));
    }
    for (int n = 2; n <= order; ++n) PutU16(&s, h.ngram_counts[n - 1]);
    if (!grams::fuzz::PutCountsSections(reader->get(), &s)) return "";
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_join_slices";
  target.default_seconds = 20;
  target.built_in_seeds = [] {
    const std::vector<std::string> text = {"the cat sat on the mat", "the dog sat",
                                           "a cat and a dog",        "the mat",
                                           "on a mat the cat",       "dog and cat"};
    std::vector<std::string> seeds;
    for (int order = 1; order <= 4; ++order) {
      for (int K = 1; K <= 4; ++K) seeds.push_back(SeedOf(text, order, K, order % 2 ? 0 : 16));
    }
    seeds.push_back(SeedOf(text, 3, 3, 32));  // the slice entries as raw strings
    seeds.push_back(SeedOf(text, 2, 2, 48));
    seeds.push_back(SeedOf({"a b", "b a"}, 2, 2, 0));
    return seeds;
  };
  target.mutate = [](const std::string& seed, grams::fuzz::Rng* rng) {
    return grams::fuzz::MutateBinary(seed, rng);
  };
  return grams::fuzz::ReplayMain(argc, argv, target);
}
