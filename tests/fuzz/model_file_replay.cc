// fuzz_model_file without libFuzzer: runs LLVMFuzzerTestOneInput over seeds
// made from real small models (orders 1 to 4, their sections as the target
// takes them) and over deterministic mutations of them, within a time
// bound. A crash, a disagreement between the two loaders (the target
// aborts) or a sanitizer report fails the run.
//
//   fuzz_model_file_replay [--seconds S] [--mutations N] [--seed X]
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "format/model_file.h"
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

void PutU16(std::string* s, uint64_t v) {
  s->push_back(static_cast<char>(v & 0xff));
  s->push_back(static_cast<char>((v >> 8) & 0xff));
}

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

std::string Mutate(const std::string& seed, Rng* rng) {
  std::string b = seed;
  const int ops = 1 + static_cast<int>(rng->Below(3));
  for (int op = 0; op < ops && b.size() > 1; ++op) {
    const size_t at = 1 + rng->Below(b.size() - 1);  // the flags byte stays
    switch (rng->Below(6)) {
      case 0:
        b[at] ^= static_cast<char>(1u << rng->Below(8));
        break;
      case 1: {
        static const unsigned char kBytes[] = {0, 1, 2, 0x7f, 0x80, 0x81, 0xff};
        b[at] = static_cast<char>(kBytes[rng->Below(sizeof(kBytes))]);
        break;
      }
      case 2:
        b.resize(1 + rng->Below(b.size()));
        break;
      case 3:
        b.erase(at, 1 + rng->Below(std::min<size_t>(16, b.size() - at)));
        break;
      case 4:
        b.insert(at, b.substr(at, 1 + rng->Below(std::min<size_t>(16, b.size() - at))));
        break;
      default:
        for (size_t k = 0; k < 4 && at + k < b.size(); ++k)
          b[at + k] = static_cast<char>(rng->Next());
    }
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 30;
  long mutations = 3000;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--mutations" && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--mutations N] [--seed X]\n", argv[0]);
      return 2;
    }
  }
  std::vector<std::string> seeds;
  for (int order = 1; order <= 4; ++order) {
    seeds.push_back(Seed(order, false));
    seeds.push_back(Seed(order, true));
  }
  auto run = [](const std::string& input) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  };
  for (const auto& s : seeds) run(s);
  const auto start = std::chrono::steady_clock::now();
  Rng rng{seed};
  long done = 0;
  for (; done < mutations; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds) {
      break;
    }
    run(Mutate(seeds[rng.Below(seeds.size())], &rng));
  }
  std::printf("%zu seeds and %ld mutations ran without a crash or a disagreement\n", seeds.size(),
              done);
  return 0;
}
