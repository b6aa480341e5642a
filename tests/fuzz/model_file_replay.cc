// fuzz_model_file without libFuzzer (replay.h): seeds made from real small
// models (orders 1 to 4, their sections as the target takes them) and
// MutateBinary. A crash, a disagreement between the two loaders (the target
// aborts) or a sanitizer report fails the run.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "format/model_file.h"
#include "fuzz_files.h"
#include "grams/grams.h"
#include "replay.h"

namespace {

namespace fs = std::filesystem;

using grams::fuzz::PutU16;

// A model of order `order` as the target's input.
std::string Seed(int order, bool exact_values) {
  grams::CountOptions co;
  co.order = order;
  grams::Counter counter(co);
  const char* lines[] = {"the cat sat on the mat", "the dog sat on the log",
                         "a cat and a dog",        "the mat on the log",
                         "w1 w2 w1 w2 the",        "on the mat the cat sat"};
  for (const char* l : lines) {
    if (!counter.AddLine(l).ok()) std::abort();
  }
  auto counts = counter.Finish();
  if (!counts.ok()) std::abort();
  auto model = grams::BuildModel(*counts, grams::BuildOptions());
  if (!model.ok()) std::abort();
  std::string name = "grams-fuzz-seed-";
  name += std::to_string(getpid());
  const std::string path = (fs::temp_directory_path() / name).string();
  if (!grams::WriteModelFile(*model, path).ok()) std::abort();
  auto reader = grams::ModelFileReader::Open(path);
  if (!reader.ok()) std::abort();
  std::string input(1, static_cast<char>((order - 1) | (exact_values ? 4 : 0)));
  const auto& header = (*reader)->header();
  PutU16(&input, header.ngram_counts[0] - 3);
  for (int n = 2; n <= order; ++n) PutU16(&input, header.ngram_counts[n - 1]);
  for (size_t i = 0; i < (*reader)->SectionCount(); ++i) {
    grams::StoredSection s;
    if (!(*reader)->ReadStored(i, &s).ok()) std::abort();
    if (i == 0) continue;  // the vocabulary: the target makes its own
    std::string raw(s.raw_size, '\0');
    if (!s.Decompress(path, raw.data()).ok() || raw.size() > 0xffff) std::abort();
    PutU16(&input, raw.size());
    input += raw;
  }
  fs::remove(path);
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  grams::fuzz::ReplayTarget target;
  target.name = "fuzz_model_file";
  target.default_seconds = 30;
  target.built_in_seeds = [] {
    std::vector<std::string> seeds;
    for (int order = 1; order <= 4; ++order) {
      seeds.push_back(Seed(order, false));
      seeds.push_back(Seed(order, true));
    }
    return seeds;
  };
  target.mutate = grams::fuzz::MutateBinary;
  return grams::fuzz::ReplayMain(argc, argv, target);
}
