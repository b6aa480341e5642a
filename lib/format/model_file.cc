// The model file (docs/FORMAT.md): the counts file's vocabulary and trie,
// with float32 log10 probabilities and backoffs in byte planes instead of
// counts.
#include <cstring>

#include "format/binary_file.h"
#include "format/trie_codec.h"
#include "grams/model.h"
#include "io/file.h"

namespace grams {
namespace {
constexpr int kModelZstdLevel = 9;
}

Status WriteModelFile(const Model& model, const std::string& path) {
  FileHeader header;
  header.kind = FileKind::kModel;
  header.order = model.order();
  header.vocab_size = model.vocab.size();
  for (const auto& level : model.trie.levels) header.ngram_counts.push_back(level.size());
  header.settings = model.settings.ToKeyValues();
  header.info = model.info;
  std::vector<Section> sections;
  EncodeVocabAndTrie(model.vocab, model.trie, &sections);
  for (int n = 1; n <= model.order(); ++n) {
    Section p;
    p.id = SectionId(SectionType::kLogProb, n);
    EncodeFloatPlanes(model.log_prob[n - 1], &p.data);
    sections.push_back(std::move(p));
    if (n < model.order()) {
      Section b;
      b.id = SectionId(SectionType::kLogBackoff, n);
      EncodeFloatPlanes(model.log_backoff[n - 1], &b.data);
      sections.push_back(std::move(b));
    }
  }
  return WriteBinaryFile(path, header, sections, kModelZstdLevel);
}

StatusOr<Model> ReadModelFile(const std::string& path) {
  FileHeader header;
  std::vector<Section> sections;
  GRAMS_RETURN_IF_ERROR(ReadBinaryFile(path, FileKind::kModel, &header, &sections));
  const std::string name = path == "-" ? "<stdin>" : path;
  Model model;
  GRAMS_RETURN_IF_ERROR(DecodeVocabAndTrie(name, header, sections, &model.vocab, &model.trie));
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(name);
  model.settings = settings.value();
  model.info = header.info;
  const uint32_t N = header.order;
  model.log_prob.resize(N);
  model.log_backoff.resize(N);
  for (uint32_t n = 1; n <= N; ++n) {
    const size_t m = header.ngram_counts[n - 1];
    const Section* p = FindSection(sections, SectionId(SectionType::kLogProb, n));
    if (!p || !DecodeFloatPlanes(p->data, m, &model.log_prob[n - 1])) {
      return CorruptionError(name + ": malformed probabilities of order " + std::to_string(n) +
                             " (file is corrupted)");
    }
    if (n < N) {
      const Section* b = FindSection(sections, SectionId(SectionType::kLogBackoff, n));
      if (!b || !DecodeFloatPlanes(b->data, m, &model.log_backoff[n - 1])) {
        return CorruptionError(name + ": malformed backoffs of order " + std::to_string(n) +
                               " (file is corrupted)");
      }
    }
  }
  return model;
}

StatusOr<Model> LoadModel(const std::string& path) {
  std::string prefix;
  {
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
    if (path == "-") {
      return InvalidArgument("a model cannot be read from standard input here; give its path");
    }
    char buf[8];
    size_t got = in->Read(buf, sizeof(buf));
    if (!in->status().ok()) return in->status();
    prefix.assign(buf, got);
  }
  if (HasBinaryMagic(prefix)) return ReadModelFile(path);
  return ReadArpa(path);
}

}  // namespace grams
