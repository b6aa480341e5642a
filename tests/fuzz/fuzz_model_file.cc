// Fuzz target: the model file loader (query/model_loader.cc) past the
// container's checksums. The input gives a model file's sizes and the raw
// bytes of its sections; the target writes them as a valid container (each
// section a good zstd frame) and loads it three times: with LanguageModel::Load
// as a trie alone (the task graph: structure decoded by
// DecodeTrieLevelForSearch; every frame read from the file a piece at a
// time, StoredSection::may_stay_in_file) and with its tables built before
// it returns
// (OrderBuilder, from the trie), and with the sequential ReadModelFile.
// Nothing may crash or hang; all must agree (the same error, or all load);
// and a model that loads must score as LanguageModel::Create on what
// ReadModelFile read, from its trie and from its tables.
//
// Input:
//   byte 0       bits 0-1: the order - 1; bit 2: value sections cut or
//                padded to 4 bytes an n-gram (so that mutations reach the
//                structure more often than the size checks)
//   per order    a 16-bit little-endian size (order 1: the vocabulary,
//                3 + size % 1024 words w0, w1, ... after <unk> <s> </s>;
//                the others: size % 4096 n-grams)
//   per section  after the vocabulary, in file order: a 16-bit length,
//                then that many bytes (fewer at the end of the input)
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (model_file_replay.cc), which CI runs.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "format/model_file.h"
#include "format/trie_codec.h"
#include "fuzz_files.h"
#include "grams/grams.h"

namespace {

using grams::fuzz::Input;

const std::string& ScratchPath() {
  static const std::string path = [] {
    std::string name = "grams-fuzz-lm-";
    name += std::to_string(getpid());
    return (std::filesystem::temp_directory_path() / name).string();
  }();
  return path;
}

void Same(bool ok) {
  if (!ok) std::abort();
}

// Scores of a few sentences over every word: the two models must agree bit
// for bit.
void CompareScores(const grams::LanguageModel& a, const grams::LanguageModel& b) {
  const grams::WordId V = static_cast<grams::WordId>(a.vocab().size());
  std::vector<grams::WordId> ids;
  for (grams::WordId w = 0; w < V + 2 && ids.size() < 300; ++w) {
    ids.push_back(w % V);
    ids.push_back((w * 7 + 3) % V);
  }
  ids.push_back(grams::kEosId);
  std::vector<float> x(ids.size()), y(ids.size());
  a.ScoreSentence(ids.data(), ids.size(), x.data());
  b.ScoreSentence(ids.data(), ids.size(), y.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    Same(std::memcmp(&x[i], &y[i], sizeof(float)) == 0 || (std::isnan(x[i]) && std::isnan(y[i])));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Input in{data + 1, data + size};
  const int order = 1 + (data[0] & 3);
  const bool exact_values = (data[0] & 4) != 0;
  std::vector<uint64_t> counts(order);
  counts[0] = 3 + in.U16() % 1024;
  for (int n = 2; n <= order; ++n) counts[n - 1] = in.U16() % 4096;
  std::vector<std::string> words = {"<unk>", "<s>", "</s>"};
  for (uint64_t w = 3; w < counts[0]; ++w) {
    std::string word(1, 'w');  // (not "w" + ...: GCC 12's -Wrestrict false positive)
    word += std::to_string(w);
    words.push_back(std::move(word));
  }
  std::vector<std::string_view> views(words.begin(), words.end());

  auto section = [&](bool values, uint64_t m) {
    std::string s = in.Bytes(in.U16());
    if (values && exact_values) s.resize(4 * m, '\xbf');
    return s;
  };
  {
    auto writer = grams::ModelFileWriter::Open(
        ScratchPath(), grams::ModelFileHeader(counts[0], counts, grams::TokenizerSettings(), {}));
    if (!writer.ok()) return 0;
    (*writer)->AddVocab(grams::EncodeVocab(views));
    for (int n = 1; n <= order; ++n) {
      if (n >= 2) {
        std::string cc = section(false, 0);
        std::string w = section(false, 0);
        (*writer)->AddStructure(n, std::move(cc), std::move(w));
      }
      (*writer)->AddLogProbs(n, section(true, counts[n - 1]));
      if (n < order) (*writer)->AddLogBackoffs(n, section(true, counts[n - 1]));
    }
    if (!(*writer)->Finish().ok()) return 0;
  }
  grams::LoadOptions trie_only, tables_first;
  trie_only.tables = grams::LoadOptions::Tables::kNever;
  tables_first.tables = grams::LoadOptions::Tables::kBeforeReturning;
  // The trie's load leaves every frame in the file, to be read a piece at
  // a time (as a large model's are); the tables' reads them whole.
  grams::SetPositionalFrameMinimumForTesting(0);
  auto trie = grams::LanguageModel::Load(ScratchPath(), trie_only);
  grams::SetPositionalFrameMinimumForTesting(uint64_t{256} << 10);
  auto tables = grams::LanguageModel::Load(ScratchPath(), tables_first);
  auto read = grams::ReadModelFile(ScratchPath());
  std::error_code ignored;
  std::filesystem::remove(ScratchPath(), ignored);
  for (const auto* loaded : {&trie, &tables}) {
    Same(loaded->ok() == read.ok());
    if (!read.ok()) {
      Same(loaded->status().code() == read.status().code());
      Same(loaded->status().message() == read.status().message());
    }
  }
  if (!read.ok()) return 0;
  auto created = grams::LanguageModel::Create(*read);
  if (created.ok()) {
    CompareScores(**trie, **created);
    CompareScores(**tables, **created);
  }
  return 0;
}
