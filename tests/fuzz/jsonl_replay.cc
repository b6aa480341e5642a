// fuzz_jsonl without libFuzzer (replay.h): the JSON Lines reader over
// built-in seeds (an options byte, then a few lines) and the corpus given,
// with mutations that splice in JSON-ish pieces.
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "replay.h"

namespace grams::fuzz {
namespace {

// The options byte, then a few lines.
const char* const kBuiltInSeeds[] = {
    "\x20{\"text\":\"the cat sat\\non the mat\",\"id\":1}\n{\"id\":2,\"text\":\"\"}\n",
    "\x21{\"t\":\"na\\u00efve caf\xc3\xa9\",\"x\":[1,2.5e3,null,true,{\"y\":\"z\"}]}\n[1]\n",
    "\x3e{\"text\":\"a\\ud83d\\ude00 b\\tc\"}\nnot json\n{\"text\":3}\n\n",
    "\x28{\"text\":\"\xe4\xb8\xad\xe6\x96\x87\",\"text\":\"the dog\"}\r\n{\"text\":\"x\xff\"}\n",
};

// JSON-ish pieces that mutations splice in.
const char* const kTokens[] = {"{",    "}",    "[",     "]",       ",",         ":",
                               "\"",   "\\",   "\\u",   "\\ud800", "\"text\":", "\"t\":\"",
                               "null", "true", "1e400", "-0",      "\n",        "\r",
                               "\t",   " ",    "\xff",  "\xc3",    "\xe4\xb8",  "\xf0\x9f\x98"};

std::string Mutate(const std::string& seed, Rng* rng) {
  return MutateText(seed, rng, kTokens, std::size(kTokens));
}

}  // namespace
}  // namespace grams::fuzz

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_jsonl";
  target.default_seconds = 30;
  target.built_in_seeds = [] {
    return std::vector<std::string>(std::begin(grams::fuzz::kBuiltInSeeds),
                                    std::end(grams::fuzz::kBuiltInSeeds));
  };
  target.mutate = grams::fuzz::Mutate;
  return grams::fuzz::ReplayMain(argc, argv, target);
}
