// The fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput over a seed
// corpus, then over deterministic mutations of it, within a time bound, so
// every build (and CI) exercises the readers on damaged input. A crash or a
// sanitizer report fails the run; a hang trips ctest's timeout.
//
//   fuzz_mapped_model_replay [--seconds S] [--mutations N] [--seed X]
//                            [--write-seeds DIR] [FILE_OR_DIR...]
//
// The built-in seeds are a small model in each form (mapped, with each mode
// byte; model file; ARPA), made here with the library; files and
// directories given add to them. --write-seeds writes the built-in seeds to
// DIR (a starting corpus for libFuzzer) and exits.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "grams/counts.h"
#include "grams/grams.h"
#include "grams/grams.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n ? static_cast<size_t>(Next() % n) : 0; }
};

std::string ReadAllOf(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A small model written in each form, read back as bytes.
std::vector<std::string> BuiltInSeeds() {
  grams::CountOptions co;
  co.order = 3;
  grams::Counter counter(co);
  const char* lines[] = {"the cat sat on the mat", "the dog sat on the log",
                         "a cat and a dog", "the mat on the log", "w1 w2 w1 w2 the"};
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

std::string Mutate(const std::string& seed, Rng* rng) {
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
        const uint64_t values[] = {0, 1, 2, 0xffffffffull, ~0ull, b.size(), b.size() + 1,
                                   b.size() - 1, 4096, rng->Next()};
        const uint64_t v = values[rng->Below(std::size(values))];
        const size_t width = rng->Below(2) ? 4 : 8;
        for (size_t k = 0; k < width && at + k < b.size(); ++k) b[at + k] = static_cast<char>(v >> (8 * k));
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
        for (size_t k = 0; k < 8 && at + k < b.size(); ++k) b[at + k] = static_cast<char>(rng->Next());
    }
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 60;
  long mutations = 3000;
  uint64_t seed = 1;
  std::string write_seeds;
  std::vector<std::string> extra;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--mutations" && i + 1 < argc) mutations = std::atol(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--write-seeds" && i + 1 < argc) write_seeds = argv[++i];
    else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "usage: %s [--seconds S] [--mutations N] [--seed X] "
                           "[--write-seeds DIR] [FILE_OR_DIR...]\n", argv[0]);
      return 2;
    } else {
      extra.push_back(a);
    }
  }
  std::vector<std::string> seeds = BuiltInSeeds();
  if (!write_seeds.empty()) {
    fs::create_directories(write_seeds);
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream(fs::path(write_seeds) / ("seed-" + std::to_string(i)), std::ios::binary) << seeds[i];
    }
    std::printf("wrote %zu seeds to %s\n", seeds.size(), write_seeds.c_str());
    return 0;
  }
  for (const std::string& e : extra) {
    if (fs::is_directory(e)) {
      for (const auto& entry : fs::directory_iterator(e)) {
        if (entry.is_regular_file()) seeds.push_back(ReadAllOf(entry.path()));
      }
    } else {
      seeds.push_back(ReadAllOf(e));
    }
  }
  auto run = [](const std::string& input) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  };
  for (const auto& s : seeds) run(s);
  const auto start = std::chrono::steady_clock::now();
  Rng rng{seed};
  long done = 0;
  for (; done < mutations; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds) break;
    run(Mutate(seeds[rng.Below(seeds.size())], &rng));
  }
  std::printf("%zu seeds and %ld mutations ran without a crash\n", seeds.size(), done);
  return 0;
}
