// fuzz_mapped_model without libFuzzer (replay.h): the model readers over
// built-in seeds, a small model in each form (mapped in both layouts, with
// each mode byte; model file; ARPA) made here with the library, and
// MutateBinary.
#include <unistd.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "format/model_file.h"
#include "grams/grams.h"
#include "replay.h"

namespace grams::fuzz {
namespace {

namespace fs = std::filesystem;

// A model whose file lacks the suffixes "a c" of "<s> a c" and "b c d" of
// "a b c d".
const char kHoles[] =
    "\\data\\\nngram 1=7\nngram 2=4\nngram 3=3\nngram 4=1\n"
    "\n\\1-grams:\n-1 <unk>\n-99 <s> -0.5\n-1.5 </s>\n-1.25 a -0.25\n-1.75 b -0.375\n"
    "-2 c -0.125\n-2.5 d -0.75\n"
    "\n\\2-grams:\n-0.5 <s> a -0.0625\n-0.75 a b -0.5\n-0.875 b c -0.25\n-0.625 c d\n"
    "\n\\3-grams:\n-0.25 <s> a b -0.125\n-0.375 a b c -0.1875\n-0.3125 <s> a c\n"
    "\n\\4-grams:\n-0.0625 a b c d\n\n\\end\\\n";

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
                    arpa = (dir / "m.arpa").string(), trie = (dir / "t.lmm").string();
  if (!grams::WriteMappedModel(*model, mapped).ok() || !grams::WriteModelFile(*model, file).ok() ||
      !grams::WriteArpa(*model, arpa).ok() ||
      !grams::WriteMappedModel(*model, trie, grams::MappedLayout::kTrie).ok()) {
    std::abort();
  }
  std::vector<std::string> seeds;
  auto add = [&](char mode, const std::string& path) {
    std::string s(1, mode);
    s += ReadAllOf(path);
    seeds.push_back(std::move(s));
  };
  for (char mode : {0, 1, 3, 5}) add(mode, mapped);
  for (char mode : {0, 1, 3, 5}) add(mode, trie);  // the trie layout
  add(8, file);
  add(8, arpa);
  // An ARPA file with holes (the blanks "a c" and "b c d"), and its model
  // file, which has a BLANKS section; that section's payload alone.
  const std::string holes = (dir / "holes.arpa").string(), holes_file = (dir / "holes.lm").string();
  std::ofstream(holes) << kHoles;
  auto holey = grams::ReadArpa(holes);
  if (!holey.ok() || holey->blanks.empty() || !grams::WriteModelFile(*holey, holes_file).ok()) {
    std::abort();
  }
  add(8, holes);
  add(8, holes_file);
  std::string payload(1, 16);  // appended: GCC 12's -Wrestrict false positive on +
  payload.append(grams::EncodeBlanks({{}, {1, 5, 63}, {0, 2}, {7}, {}}));
  seeds.push_back(std::move(payload));
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
