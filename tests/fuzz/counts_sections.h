// Counts files for the fuzz targets that reach past the containers'
// checksums (fuzz_join_slices, fuzz_trie_merge): a file written from the
// fuzzer's bytes as a valid container, and, for their replay drivers' seeds,
// a real file taken apart into those bytes.
#ifndef GRAMS_TESTS_FUZZ_COUNTS_SECTIONS_H_
#define GRAMS_TESTS_FUZZ_COUNTS_SECTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "fuzz_files.h"
#include "grams/settings.h"

namespace grams::fuzz {

// A counts file's section ids in file order: the vocabulary, order 1's
// counts, then each order's child counts, words and counts.
inline std::vector<uint32_t> CountsSectionIds(int order) {
  std::vector<uint32_t> ids = {SectionId(SectionType::kVocab, 0),
                               SectionId(SectionType::kCounts, 1)};
  for (int n = 2; n <= order; ++n) {
    const uint32_t u = static_cast<uint32_t>(n);
    ids.push_back(SectionId(SectionType::kChildCounts, u));
    ids.push_back(SectionId(SectionType::kWords, u));
    ids.push_back(SectionId(SectionType::kCounts, u));
  }
  return ids;
}

// A counts file's header, of the default settings: `order`, the vocabulary
// (order 1's entries too) and the totals; the sizes of orders 2.. are 0,
// for the caller to set.
inline FileHeader CountsHeader(int order, uint64_t vocab_size, uint64_t sentences = 0,
                               uint64_t tokens = 0) {
  FileHeader header;
  header.kind = FileKind::kCounts;
  header.order = static_cast<uint32_t>(order);
  header.vocab_size = vocab_size;
  header.sentences = sentences;
  header.tokens = tokens;
  header.settings = TokenizerSettings().ToKeyValues();
  header.ngram_counts.assign(order, 0);
  header.ngram_counts[0] = vocab_size;
  return header;
}

// Writes the counts file `path` with `header` (level-1 frames), each
// section's bytes read from *in as Bytes(U16()). False if it cannot.
inline bool WriteFuzzedCountsFile(const std::string& path, const FileHeader& header, Input* in) {
  auto writer = BinaryFileWriter::Open(path, header, 1);
  if (!writer.ok()) return false;
  for (uint32_t id : CountsSectionIds(static_cast<int>(header.order)))
    (*writer)->AddSection(id, in->Bytes(in->U16()));
  return (*writer)->Finish().ok();
}

// Appends the sections of the file `reader` reads, as WriteFuzzedCountsFile
// reads them back. False if they cannot be read.
inline bool PutCountsSections(BinaryFileReader* reader, std::string* s) {
  for (uint32_t id : CountsSectionIds(static_cast<int>(reader->header().order))) {
    std::string raw;
    if (!reader->Next(id, &raw).ok()) return false;
    PutBytes(s, raw);
  }
  return true;
}

}  // namespace grams::fuzz

#endif  // GRAMS_TESTS_FUZZ_COUNTS_SECTIONS_H_
