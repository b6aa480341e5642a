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
  std::string b = seed;
  const int ops = 1 + static_cast<int>(rng->Below(4));
  for (int op = 0; op < ops && b.size() > 1; ++op) {
    const size_t at = 1 + rng->Below(b.size() - 1);  // the options byte is left alone
    switch (rng->Below(6)) {
      case 0:
        b[at] ^= static_cast<char>(1u << rng->Below(8));
        break;
      case 1:
        b.insert(at, kTokens[rng->Below(std::size(kTokens))]);
        break;
      case 2:
        b.erase(at, 1 + rng->Below(std::min<size_t>(16, b.size() - at)));
        break;
      case 3: {
        const size_t n = 1 + rng->Below(std::min<size_t>(32, b.size() - at));
        b.insert(at, b.substr(at, n));
        break;
      }
      case 4:
        b.resize(at);
        break;
      default:
        b[0] = static_cast<char>(rng->Next());  // other options
    }
  }
  return b;
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
