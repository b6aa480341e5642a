// Fuzz target: CorpusIndex::Open (grams-index's reader) on arbitrary bytes,
// then every query on whatever opened. Nothing may crash, hang or read out
// of bounds; a damaged index may give wrong answers.
//
// Input: one mode byte, then the file.
//   bit 0  the header CRC is recomputed first, so that mutations reach the
//          checks behind it (sizes, sections, the vocabulary)
//   bit 1  OpenOptions::verify_checksums
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (index_replay.cc), which CI runs.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_files.h"
#include "grams/index.h"
#include "util/coding.h"

namespace {

using grams::fuzz::MemoryFile;

void FixHeaderCrc(std::string* b) {
  if (b->size() < 64 || b->compare(0, 4, "\x89GRM") != 0) return;
  const uint32_t h = grams::DecodeFixed32(b->data() + 24);
  if (h < 8 || h > b->size()) return;
  std::string crc;
  grams::PutFixed32(&crc, grams::Crc32(b->data(), h - 4));
  memcpy(b->data() + h - 4, crc.data(), 4);
}

void Query(grams::CorpusIndex* index) {
  using grams::WordId;
  std::vector<WordId> ids;
  for (const char* q : {"a", "the cat", "<s> a b", "a b </s>", "<s> </s>", "zz a", ""}) {
    if (!index->Tokenize(q, true, &ids).ok()) continue;
    (void)index->CountNgram(ids);
    std::vector<grams::CorpusIndex::Continuation> next;
    uint64_t distinct = 0;
    (void)index->Continuations(ids, 3, &next, &distinct);
    for (const auto& c : next) (void)index->Word(c.word);
    std::vector<grams::CorpusIndex::TokenProbability> probs;
    index->InfinigramProbabilities(ids, &probs);
    std::vector<uint64_t> lines;
    (void)index->Where(ids, 4, &lines);
    (void)index->LongestSpan(ids);
  }
  // Ids past the vocabulary, too.
  ids.clear();
  for (WordId i = 0; i < 16; ++i) ids.push_back(i * 7);
  (void)index->CountNgram(ids);
  std::vector<grams::CorpusIndex::TokenProbability> probs;
  index->InfinigramProbabilities(ids, &probs);
  (void)index->LongestSpan(ids);
  (void)index->Tokenize("the cat sat", false, &ids);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode & 1) FixHeaderCrc(&bytes);
  MemoryFile file(bytes);
  if (!file.ok()) return 0;
  grams::CorpusIndex::OpenOptions options;
  options.verify_checksums = (mode & 2) != 0;
  auto index = grams::CorpusIndex::Open(file.path(), options);
  if (index.ok()) Query(index->get());
  return 0;
}
