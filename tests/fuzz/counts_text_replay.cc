// fuzz_counts_text without libFuzzer (replay.h): the counts text reader
// over the seed corpus given (tests/fuzz/corpus/counts_text) and
// MutateText with pieces of the counts text syntax spliced in.
#include <iterator>
#include <string>
#include <vector>

#include "replay.h"

namespace {

const char* const kTokens[] = {
    "\t",   " ",    "\n",   "\r\n",  "0",         "1",      "18446744073709551616",
    "-1",   "<s>",  "</s>", "<unk>", "<sp>",      "<0x0A>", "<0x",
    "\xff", "\xc3", "a b",  "\t\t",  "9999999999"};

}  // namespace

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_counts_text";
  target.default_seconds = 20;
  target.built_in_seeds = [] { return std::vector<std::string>(); };
  target.mutate = [](const std::string& seed, grams::fuzz::Rng* rng) {
    return grams::fuzz::MutateText(seed, rng, kTokens, std::size(kTokens));
  };
  return grams::fuzz::ReplayMain(argc, argv, target);
}
