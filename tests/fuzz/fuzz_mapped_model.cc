// Fuzz target: LanguageModel::Load on arbitrary bytes (the mapped model
// reader, and through the same sniffing the model-file and ARPA readers),
// then queries on whatever loaded. Nothing may crash, hang or read out of
// bounds; a file that loads must answer every query.
//
// Input: one mode byte, then the file.
//   bit 0  a mapped model's header CRC is recomputed first, so that
//          mutations reach the checks behind it (section places, counts)
//   bit 1  LoadOptions::verify_checksums
//   bit 2  LoadOptions::read_into_memory
//   bit 3  the Model readers too (LoadModel)
//   bit 4  the file is also taken for a model file's BLANKS section
//          (DecodeBlanks) of a model with 8, 64, 64, 64 and 8 entries per
//          order: what it accepts must hold, ascending, only entries that
//          exist
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (mapped_model_replay.cc), which CI runs.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <cstdlib>

#include "format/mapped_model.h"
#include "format/model_file.h"
#include "fuzz_files.h"
#include "grams/grams.h"
#include "util/coding.h"

namespace {

using grams::fuzz::MemoryFile;

void FixMappedHeaderCrc(std::string* b) {
  if (b->size() < 64 || !grams::HasMappedMagic(*b)) return;
  const uint32_t h = grams::DecodeFixed32(b->data() + 24);
  if (h < 8 || h > b->size()) return;
  std::string crc;
  grams::PutFixed32(&crc, grams::Crc32(b->data(), h - 4));
  memcpy(b->data() + h - 4, crc.data(), 4);
}

void Query(const grams::LanguageModel& lm) {
  using grams::WordId;
  const size_t V = lm.vocab().size();
  std::vector<WordId> ids;
  for (const char* w : {"the", "<s>", "</s>", "<unk>", "a", "b", "c", "", "w1", "w2"}) {
    ids.push_back(lm.Index(w));
  }
  for (WordId i = 0; i < 64; ++i) ids.push_back(i % (V + 8));  // some ids past the end too
  ids.push_back(grams::kEosId);
  std::vector<float> out(ids.size());
  lm.ScoreSentence(ids.data(), ids.size(), out.data());
  lm.ScoreSpan(ids.data(), ids.size(), out.data());
  grams::State state = lm.BeginSentenceState(), next;
  for (WordId id : ids) {
    lm.Score(state, id, &next);
    state = next;
  }
  grams::TextScorer scorer(&lm);
  grams::TextScorer::LineScore score;
  (void)scorer.ScoreLine("the a b c w1 w2 zzz", &score);
  (void)lm.Info("smoothing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode & 1) FixMappedHeaderCrc(&bytes);
  MemoryFile file(bytes);
  if (!file.ok()) return 0;
  grams::LoadOptions options;
  options.verify_checksums = (mode & 2) != 0;
  options.read_into_memory = (mode & 4) != 0;
  auto lm = grams::LanguageModel::Load(file.path(), options);
  if (lm.ok()) Query(**lm);
  if (mode & 16) {
    const std::vector<uint64_t> counts = {8, 64, 64, 64, 8};
    std::vector<std::vector<grams::EntryIndex>> blanks;
    if (grams::DecodeBlanks("fuzz", counts, bytes, &blanks).ok()) {
      for (size_t n = 0; n < blanks.size(); ++n) {
        for (size_t i = 0; i < blanks[n].size(); ++i) {
          if (blanks[n][i] >= counts[n] || (i > 0 && blanks[n][i - 1] >= blanks[n][i])) {
            std::abort();
          }
        }
      }
    }
  }
  if (mode & 8) {
    auto model = grams::LoadModel(file.path());
    if (model.ok()) {
      auto created = grams::LanguageModel::Create(*model);
      if (created.ok()) Query(**created);
    }
  }
  return 0;
}
