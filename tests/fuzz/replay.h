// The shared replay driver of the fuzz targets: runs a target's
// LLVMFuzzerTestOneInput without libFuzzer, over its built-in seeds and any
// seed files given, then over deterministic mutations of them within a time
// bound, so every build (and CI) exercises the readers on damaged input. A
// crash, an abort or a sanitizer report fails the run; a hang trips ctest's
// timeout. Each target's driver (mapped_model_replay.cc, jsonl_replay.cc)
// gives its seeds and its mutations, and its main() calls ReplayMain:
//
//   <target>_replay [--seconds S] [--mutations N] [--seed X]
//                   [--write-seeds DIR] [FILE_OR_DIR...]
//
// Files and directories given add to the built-in seeds. --write-seeds
// writes the built-in seeds to DIR (a starting corpus for libFuzzer) and
// exits.
#ifndef GRAMS_TESTS_FUZZ_REPLAY_H_
#define GRAMS_TESTS_FUZZ_REPLAY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace grams::fuzz {

// SplitMix64: the mutations' deterministic randomness.
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

struct ReplayTarget {
  const char* name;             // for the closing line
  double default_seconds = 60;  // the time bound without --seconds
  std::function<std::vector<std::string>()> built_in_seeds;
  // A mutation of one seed.
  std::function<std::string(const std::string& seed, Rng* rng)> mutate;
};

// The bytes of a file ("" if it cannot be read).
std::string ReadAllOf(const std::string& path);

// A mutation for binary files whose first byte is the target's mode byte
// (left alone): bit flips, interesting bytes and 32/64-bit fields, cuts,
// deleted and repeated chunks, aimed at the first KB half the time.
std::string MutateBinary(const std::string& seed, Rng* rng);

// A mutation for text whose first byte is the target's mode byte (changed
// now and then): bit flips, cuts, deleted and repeated chunks, and pieces of
// the target's syntax (`tokens`) spliced in.
std::string MutateText(const std::string& seed, Rng* rng, const char* const* tokens,
                       size_t token_count);

// The main() of a replay driver: exit status 0, or 2 on a usage error.
int ReplayMain(int argc, char** argv, const ReplayTarget& target);

}  // namespace grams::fuzz

#endif  // GRAMS_TESTS_FUZZ_REPLAY_H_
