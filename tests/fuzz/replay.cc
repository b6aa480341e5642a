// The shared replay driver of the fuzz targets (replay.h).
#include "replay.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace grams::fuzz {
namespace {

namespace fs = std::filesystem;

// The seed files given: each file, and every regular file of each directory.
void AddSeeds(const std::vector<std::string>& paths, std::vector<std::string>* seeds) {
  for (const std::string& e : paths) {
    if (fs::is_directory(e)) {
      for (const auto& entry : fs::directory_iterator(e)) {
        if (entry.is_regular_file()) seeds->push_back(ReadAllOf(entry.path().string()));
      }
    } else {
      seeds->push_back(ReadAllOf(e));
    }
  }
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

std::string ReadAllOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int ReplayMain(int argc, char** argv, const ReplayTarget& target) {
  double seconds = target.default_seconds;
  long mutations = 3000;
  uint64_t seed = 1;
  std::string write_seeds;
  std::vector<std::string> extra;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--mutations" && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--write-seeds" && i + 1 < argc) {
      write_seeds = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--mutations N] [--seed X] [--write-seeds DIR] "
                   "[FILE_OR_DIR...]\n",
                   argv[0]);
      return 2;
    } else {
      extra.push_back(a);
    }
  }
  std::vector<std::string> seeds = target.built_in_seeds();
  if (!write_seeds.empty()) {
    fs::create_directories(write_seeds);
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream(fs::path(write_seeds) / ("seed-" + std::to_string(i)), std::ios::binary)
          << seeds[i];
    }
    std::printf("wrote %zu seeds to %s\n", seeds.size(), write_seeds.c_str());
    return 0;
  }
  AddSeeds(extra, &seeds);
  for (const auto& s : seeds) Run(s);
  const auto start = std::chrono::steady_clock::now();
  Rng rng{seed};
  long done = 0;
  for (; done < mutations; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds) {
      break;
    }
    Run(target.mutate(seeds[rng.Below(seeds.size())], &rng));
  }
  std::printf("%s: %zu seeds and %ld mutations ran without a crash\n", target.name, seeds.size(),
              done);
  return 0;
}

}  // namespace grams::fuzz
