// fuzz_utf16 without libFuzzer (replay.h): the UTF-16 decoder over built-in
// seeds (text in both byte orders, surrogate pairs, lone surrogates, an odd
// byte) and MutateBinary's mutations of them.
#include <string>
#include <vector>

#include "replay.h"

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_utf16";
  target.default_seconds = 10;
  target.built_in_seeds = [] {
    using std::string;
    return std::vector<string>{
        string("\x00"
               "a\x00 \x00\xe9\x00\n\x00",
               9),  // "a é\n", LE, 1-byte reads
        string("\x01\x00"
               "a\x00 \x00\xe9\x00\n",
               9),  // the same, BE
        string("\xfe"
               "=\xd8\x00\xde\n\x00-N\x87"
               "e",
               11),                                         // an emoji and CJK, LE
        string("\x7f\xd8=\xde\x00\x00\n\x00\xfe\xff", 11),  // BE, long reads, a U+FFFE
        string("\x10\x00\xd8"
               "a\x00",
               5),                          // a lone lead surrogate
        string("\x12\x00\xdc\x00\xd8", 5),  // a lone trail, a cut
        string("\x20"
               "a\x00"
               "b",
               4),  // an odd byte at the end
    };
  };
  target.mutate = [](const std::string& seed, grams::fuzz::Rng* rng) {
    return grams::fuzz::MutateBinary(seed, rng);
  };
  return grams::fuzz::ReplayMain(argc, argv, target);
}
