// fuzz_mapped_model without libFuzzer (replay.h): the model readers over
// built-in seeds, a small model in each form (mapped, with each mode byte;
// model file; ARPA) made here with the library, and MutateBinary.
#include <unistd.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "grams/grams.h"
#include "replay.h"

namespace grams::fuzz {
namespace {

namespace fs = std::filesystem;

// A small model written in each form, read back as bytes.
std::vector<std::string> BuiltInSeeds() {
  grams::CountOptions co;
  co.order = 3;
  grams::Counter counter(co);
  const char* lines[] = {"the cat sat on the mat", "the dog sat on the log", "a cat and a dog",
                         "the mat on the log", "w1 w2 w1 w2 the"};
  for (const char* l : lines) {
    if (!counter.AddLine(l).ok()) std::abort();
  }
  auto counts = counter.Finish();
  if (!counts.ok()) std::abort();
  auto model = grams::BuildModel(*counts, grams::BuildOptions());
  if (!model.ok()) std::abort();
  const fs::path dir = fs::temp_directory_path() / ("grams-fuzz-seeds-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string mapped = (dir / "m.lmm").string(), file = (dir / "m.lm").string(),
                    arpa = (dir / "m.arpa").string();
  if (!grams::WriteMappedModel(*model, mapped).ok() || !grams::WriteModelFile(*model, file).ok() ||
      !grams::WriteArpa(*model, arpa).ok()) {
    std::abort();
  }
  std::vector<std::string> seeds;
  auto add = [&](char mode, const std::string& path) {
    std::string s(1, mode);
    s += ReadAllOf(path);
    seeds.push_back(std::move(s));
  };
  for (char mode : {0, 1, 3, 5}) add(mode, mapped);
  add(8, file);
  add(8, arpa);
  fs::remove_all(dir);
  return seeds;
}

}  // namespace
}  // namespace grams::fuzz

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_mapped_model";
  target.default_seconds = 60;
  target.built_in_seeds = grams::fuzz::BuiltInSeeds;
  target.mutate = grams::fuzz::MutateBinary;
  return grams::fuzz::ReplayMain(argc, argv, target);
}
