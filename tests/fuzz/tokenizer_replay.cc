// fuzz_tokenizer without libFuzzer (replay.h): the tokenizer as the counter
// and the scorer use it, over built-in seeds (text of several scripts, each
// unit, invalid-UTF-8 mode, boundaries and normalization) and MutateText's
// mutations with pieces of text that tokenizers get wrong spliced in.
#include <iterator>
#include <string>
#include <vector>

#include "replay.h"

namespace {

const char* const kTokens[] = {
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\v",
    "\f",
    "\xc2\xa0",                                      // NO-BREAK SPACE
    "\xe2\x80\xa8",                                  // LINE SEPARATOR
    "e\xcc\x81",                                     // e + combining acute
    "\xef\xac\x81",                                  // the ligature fi (NFKC: fi)
    "\xc3\x9f",                                      // sharp s (case folds to ss)
    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9",  // a ZWJ emoji sequence
    "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7",              // a flag (regional indicators)
    "\xe4\xbd\xa0\xe5\xa5\xbd",                      // CJK
    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",      // Arabic
    "\xff",
    "\xc3",
    "\xe2\x82",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",  // invalid UTF-8
    "\xc0\xaf",          // overlong
    "<s>",
    "</s>",
    "<unk>",
    "don't",
    "3.14",
    "!?",
};

}  // namespace

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_tokenizer";
  target.default_seconds = 20;
  target.built_in_seeds = [] {
    const std::string text =
        "the cat sat on the mat\n"
        "Stra\xc3\x9f"
        "e und \xef\xac\x81nden, caf\xc3\xa9 cafe\xcc\x81\n"
        "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x91\xa8\xe2\x80\x8d"
        "\xf0\x9f\x91\xa9 \xf0\x9f\x87\xab\xf0\x9f\x87\xb7\n"
        "  spaces\tand\ttabs  \n"
        "\n"
        "no newline at the end";
    const std::string invalid = "ok \xff bad \xc3 cut \xed\xa0\x80 surrogate\nnext line\n";
    std::vector<std::string> seeds;
    // byte 0: unit 0-5, invalid 0-2 (<< 3), boundaries none (32), case fold (64);
    // byte 1: normalize 0-2, order - 1 (<< 2), Witten-Bell (16), 2 threads (32).
    for (int unit = 0; unit < 6; ++unit) {
      for (int b = 0; b < 2; ++b) {
        std::string s;
        s.push_back(static_cast<char>(unit | (b ? 32 : 0)));
        s.push_back(static_cast<char>((unit % 3) | (((unit + b) % 3) << 2) | (b ? 16 : 0)));
        seeds.push_back(s + text);
      }
      for (int invalid_mode = 0; invalid_mode < 3; ++invalid_mode) {
        std::string s;
        s.push_back(static_cast<char>(unit | (invalid_mode << 3) | 64));
        s.push_back(static_cast<char>(4 | 32));
        seeds.push_back(s + invalid);
      }
    }
    return seeds;
  };
  target.mutate = [](const std::string& seed, grams::fuzz::Rng* rng) {
    return grams::fuzz::MutateText(seed, rng, kTokens, std::size(kTokens));
  };
  return grams::fuzz::ReplayMain(argc, argv, target);
}
