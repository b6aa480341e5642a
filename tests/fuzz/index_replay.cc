// fuzz_index without libFuzzer (replay.h): the corpus index reader over
// built-in seeds, small indexes made here with the library (word units by
// lines, byte units as one stream), with each mode byte, and MutateBinary.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "grams/index.h"
#include "replay.h"

namespace grams::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> BuiltInSeeds() {
  const fs::path dir = fs::temp_directory_path() / ("grams-fuzz-index-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string text = (dir / "t.txt").string();
  {
    FILE* f = std::fopen(text.c_str(), "w");
    if (f == nullptr) std::abort();
    std::fputs("the cat sat on the mat\n\nthe dog sat on the log\na cat and a dog\na b a b\n", f);
    std::fclose(f);
  }
  std::vector<std::string> seeds;
  IndexBuildOptions words, bytes;
  bytes.tokenizer.unit = Unit::kByte;
  bytes.tokenizer.boundaries = Boundaries::kNone;
  for (const IndexBuildOptions* o : {&words, &bytes}) {
    const std::string out = (dir / "t.idx").string();
    if (!BuildIndex({text}, *o, out).ok()) std::abort();
    const std::string file = ReadAllOf(out);
    for (char mode : {0, 1, 3}) seeds.push_back(std::string(1, mode) + file);
  }
  fs::remove_all(dir);
  return seeds;
}

}  // namespace
}  // namespace grams::fuzz

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_index";
  target.default_seconds = 30;
  target.built_in_seeds = grams::fuzz::BuiltInSeeds;
  target.mutate = grams::fuzz::MutateBinary;
  return grams::fuzz::ReplayMain(argc, argv, target);
}
