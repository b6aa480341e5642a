// fuzz_jsonl without libFuzzer: runs LLVMFuzzerTestOneInput (fuzz_jsonl.cc)
// over the seed corpus, then over deterministic mutations of it within a
// time bound, so every build and CI exercises the JSON Lines reader on
// damaged input. A crash, an abort or a sanitizer report fails the run; a
// hang trips ctest's timeout.
//
//   fuzz_jsonl_replay [--seconds S] [--mutations N] [--seed X] [FILE_OR_DIR...]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

struct Rng {
  uint64_t s;
  uint64_t Next() {  // SplitMix64
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

// The options byte, then a few lines.
const char* const kBuiltInSeeds[] = {
    "\x20{\"text\":\"the cat sat\\non the mat\",\"id\":1}\n{\"id\":2,\"text\":\"\"}\n",
    "\x21{\"t\":\"na\\u00efve caf\xc3\xa9\",\"x\":[1,2.5e3,null,true,{\"y\":\"z\"}]}\n[1]\n",
    "\x3e{\"text\":\"a\\ud83d\\ude00 b\\tc\"}\nnot json\n{\"text\":3}\n\n",
    "\x28{\"text\":\"\xe4\xb8\xad\xe6\x96\x87\",\"text\":\"the dog\"}\r\n{\"text\":\"x\xff\"}\n",
};

// JSON-ish pieces that mutations splice in.
const char* const kTokens[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800",
                               "\"text\":", "\"t\":\"", "null", "true", "1e400", "-0",
                               "\n", "\r", "\t", " ", "\xff", "\xc3", "\xe4\xb8", "\xf0\x9f\x98"};

std::string Mutate(const std::string& seed, Rng* rng) {
  std::string b = seed;
  const int ops = 1 + static_cast<int>(rng->Below(4));
  for (int op = 0; op < ops && b.size() > 1; ++op) {
    const size_t at = 1 + rng->Below(b.size() - 1);  // the options byte is left alone
    switch (rng->Below(6)) {
      case 0:
        b[at] ^= static_cast<char>(1u << rng->Below(8));
        break;
      case 1:
        b.insert(at, kTokens[rng->Below(std::size(kTokens))]);
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

}  // namespace

int main(int argc, char** argv) {
  double seconds = 30;
  long mutations = 3000;
  uint64_t seed = 1;
  std::vector<std::string> seeds(std::begin(kBuiltInSeeds), std::end(kBuiltInSeeds));
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--mutations" && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "usage: %s [--seconds S] [--mutations N] [--seed X] [FILE_OR_DIR...]\n",
                   argv[0]);
      return 2;
    } else if (fs::is_directory(a)) {
      for (const auto& entry : fs::directory_iterator(a)) {
        if (entry.is_regular_file()) seeds.push_back(ReadAllOf(entry.path()));
      }
    } else {
      seeds.push_back(ReadAllOf(a));
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
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds) {
      break;
    }
    run(Mutate(seeds[rng.Below(seeds.size())], &rng));
  }
  std::printf("fuzz_jsonl: %zu seeds and %ld mutations ran without a crash\n", seeds.size(), done);
  return 0;
}
