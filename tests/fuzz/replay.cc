// The shared replay driver of the fuzz targets (replay.h).
#include "replay.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fuzz_files.h"

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

std::string ReadAllOf(const std::string& path) { return ReadFileBytes(path); }

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

std::string MutateBinary(const std::string& seed, Rng* rng) {
  std::string b = seed;
  const int ops = 1 + static_cast<int>(rng->Below(3));
  for (int op = 0; op < ops && b.size() > 1; ++op) {
    // Aim at the header (the first KB) half the time: that is where the
    // structure is; the mode byte is left alone.
    const size_t span = rng->Below(2) ? std::min<size_t>(b.size() - 1, 1024) : b.size() - 1;
    const size_t at = 1 + rng->Below(span);
    switch (rng->Below(7)) {
      case 0:  // flip bits
        b[at] ^= static_cast<char>(1u << rng->Below(8));
        break;
      case 1: {  // an interesting byte
        static const unsigned char kBytes[] = {0, 1, 0x7f, 0x80, 0xff, '\n', ' '};
        b[at] = static_cast<char>(kBytes[rng->Below(sizeof(kBytes))]);
        break;
      }
      case 2: {  // an interesting 32- or 64-bit little-endian field
        const uint64_t values[] = {
            0, 1, 2, 0xffffffffull, ~0ull, b.size(), b.size() + 1, b.size() - 1, 4096, rng->Next()};
        const uint64_t v = values[rng->Below(std::size(values))];
        const size_t width = rng->Below(2) ? 4 : 8;
        for (size_t k = 0; k < width && at + k < b.size(); ++k)
          b[at + k] = static_cast<char>(v >> (8 * k));
        break;
      }
      case 3:  // truncate
        b.resize(1 + rng->Below(b.size()));
        break;
      case 4: {  // delete a chunk
        const size_t n = 1 + rng->Below(std::min<size_t>(64, b.size() - at));
        b.erase(at, n);
        break;
      }
      case 5: {  // duplicate a chunk
        const size_t n = 1 + rng->Below(std::min<size_t>(64, b.size() - at));
        b.insert(at, b.substr(at, n));
        break;
      }
      default:  // random bytes
        for (size_t k = 0; k < 8 && at + k < b.size(); ++k)
          b[at + k] = static_cast<char>(rng->Next());
    }
  }
  return b;
}

std::string MutateText(const std::string& seed, Rng* rng, const char* const* tokens,
                       size_t token_count) {
  std::string b = seed;
  const int ops = 1 + static_cast<int>(rng->Below(4));
  for (int op = 0; op < ops && b.size() > 1; ++op) {
    const size_t at = 1 + rng->Below(b.size() - 1);  // the options byte is left alone
    switch (rng->Below(6)) {
      case 0:
        b[at] ^= static_cast<char>(1u << rng->Below(8));
        break;
      case 1:
        b.insert(at, tokens[rng->Below(token_count)]);
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

}  // namespace grams::fuzz
