// Fuzz target: the KenLM binary reader (format/kenlm_binary.h) on arbitrary
// bytes: opened from memory and, through LanguageModel::Load's sniffing,
// mapped from a file; then every query on whatever opened. Nothing may
// crash, hang or read outside the file; a file that opens must answer.
//
// Input: one mode byte, then the file.
//   bit 0  LoadOptions::verify_checksums (KenlmBinary::Check)
//   bit 1  LoadOptions::read_into_memory
//   bit 2  conversion to a Model too (LoadModel, KenlmToModel)
// Seeds: tests/fuzz/corpus/kenlm (KenLM's test model in four layouts, from
// tests/formats/kenlm, each after a mode byte). Built with -fsanitize=fuzzer
// under GRAMS_FUZZ=ON (clang), and always as a replay driver
// (kenlm_binary_replay.cc), which CI runs.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "format/kenlm_binary.h"
#include "format/kenlm_model.h"
#include "fuzz_files.h"
#include "grams/grams.h"

namespace {

using grams::fuzz::MemoryFile;

void QueryFile(const grams::KenlmBinary& f) {
  float backoffs[16];
  uint32_t context[15];
  const uint32_t V = f.vocab_size();
  for (uint32_t w = 0; w < V && w < 256; ++w) {
    for (uint32_t k = 0; k < 15; ++k) context[k] = (w * 31 + k * 17) % V;
    f.Score(w, context, f.order() - 1, backoffs);
    (void)f.Index(f.Word(w));
  }
  (void)f.Index("the");
}

void QueryModel(const grams::LanguageModel& lm) {
  using grams::WordId;
  std::vector<WordId> ids;
  for (const char* w : {"the", "<s>", "</s>", "<unk>", "a", "looking", "on", ""}) {
    ids.push_back(lm.Index(w));
  }
  const size_t V = lm.vocab().size();
  for (WordId i = 0; i < 64; ++i) ids.push_back(i % (V + 8));  // ids past the end too
  ids.push_back(grams::kEosId);
  std::vector<float> out(ids.size());
  std::vector<uint8_t> lengths(ids.size());
  const size_t end = ids.size();
  lm.ScoreSentences(ids.data(), &end, 1, /*bos=*/true, out.data(), lengths.data());
  lm.ScoreSpan(ids.data(), ids.size(), out.data());
  grams::State state = lm.BeginSentenceState(), next;
  for (WordId id : ids) {
    lm.FullScore(state, id, &next);
    state = next;
  }
  grams::TextScorer scorer(&lm);
  grams::TextScorer::LineScore score;
  (void)scorer.ScoreLine("looking on a little more loin zzz", &score);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  auto f = grams::KenlmBinary::FromBytes("fuzz", bytes);
  if (f.ok()) {
    QueryFile(**f);
    if (mode & 1) (void)(*f)->Check();
    if (mode & 4) (void)grams::KenlmToModel(**f);
  }
  MemoryFile file(bytes);
  if (!file.ok()) return 0;
  grams::LoadOptions options;
  options.verify_checksums = (mode & 1) != 0;
  options.read_into_memory = (mode & 2) != 0;
  auto lm = grams::LanguageModel::Load(file.path(), options);
  if (lm.ok()) QueryModel(**lm);
  if (mode & 4) {
    auto model = grams::LoadModel(file.path());
    if (model.ok()) {
      auto created = grams::LanguageModel::Create(*model);
      if (created.ok()) QueryModel(**created);
    }
  }
  return 0;
}
