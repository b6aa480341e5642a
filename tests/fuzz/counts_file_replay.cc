// fuzz_counts_file without libFuzzer (replay.h): the counts file readers
// over built-in seeds (counts files of orders 1 to 4 as grams-count writes
// them, taken apart into the target's input) and MutateBinary's mutations.
#include <cstdint>
#include <string>
#include <vector>

#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "fuzz_files.h"
#include "grams/counts.h"
#include "replay.h"

namespace {

using grams::fuzz::PutBytes;
using grams::fuzz::PutU16;

// The target's input for the counts of `text` at `order`.
std::string SeedOf(const std::vector<std::string>& lines, int order, uint8_t mode) {
  grams::CountOptions options;
  options.order = order;
  options.threads = 1;
  grams::Counter counter(options);
  for (const std::string& line : lines) {
    if (!counter.AddLine(line).ok()) return "";
  }
  auto counts = counter.Finish();
  if (!counts.ok()) return "";
  std::string s(1, static_cast<char>((order - 1) | mode));
  for (int n = 1; n <= order; ++n) {
    const uint64_t m = counts->trie.levels[n - 1].size();
    PutU16(&s, n == 1 ? m - 3 : m);
  }
  PutU16(&s, counts->sentences);
  PutU16(&s, counts->tokens);
  if (!(mode & 4)) PutBytes(&s, grams::EncodeVocab(counts->vocab));
  PutBytes(&s, grams::EncodeCounts(counts->counts[0].data(), counts->counts[0].size()));
  for (int n = 2; n <= order; ++n) {
    std::string child_counts, words;
    grams::EncodeTrieLevel(counts->trie.levels[n - 2].size(), counts->trie.levels[n - 1],
                           &child_counts, &words);
    PutBytes(&s, child_counts);
    PutBytes(&s, words);
    PutBytes(&s, grams::EncodeCounts(counts->counts[n - 1].data(), counts->counts[n - 1].size()));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_counts_file";
  target.default_seconds = 20;
  target.built_in_seeds = [] {
    const std::vector<std::string> text = {"the cat sat on the mat", "the dog sat",
                                           "a cat and a dog", "the mat"};
    std::vector<std::string> seeds;
    for (int order = 1; order <= 4; ++order) {
      seeds.push_back(SeedOf(text, order, 0));
      seeds.push_back(SeedOf(text, order, 16));  // Witten-Bell
    }
    seeds.push_back(SeedOf({"a b", "b a"}, 2, 0));
    seeds.push_back(SeedOf({}, 3, 0));  // no text: the reserved words alone
    return seeds;
  };
  target.mutate = [](const std::string& seed, grams::fuzz::Rng* rng) {
    return grams::fuzz::MutateBinary(seed, rng);
  };
  return grams::fuzz::ReplayMain(argc, argv, target);
}
