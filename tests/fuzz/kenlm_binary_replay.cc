// fuzz_kenlm_binary without libFuzzer (replay.h): the KenLM binary reader
// over the seed corpus given (tests/fuzz/corpus/kenlm: KenLM's test model in
// four layouts, each after a mode byte) and MutateBinary. No built-in seeds:
// KenLM binaries are made by KenLM's build_binary, not by grams.
#include <string>
#include <vector>

#include "replay.h"

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_kenlm_binary";
  target.default_seconds = 40;
  target.built_in_seeds = [] { return std::vector<std::string>(); };
  target.mutate = grams::fuzz::MutateBinary;
  return grams::fuzz::ReplayMain(argc, argv, target);
}
