// The model file (docs/FORMAT.md): the counts file's vocabulary and trie,
// with float32 log10 probabilities and backoffs in byte planes instead of
// counts.
#include <cstring>

#include "format/binary_file.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "grams/model.h"
#include "io/file.h"

namespace grams {
namespace {
constexpr int kModelZstdLevel = 3;
}

// Sections: vocabulary, order 1's probabilities and backoffs, then for each
// order n >= 2 its child counts, words, probabilities and (below the top
// order) backoffs.
Status WriteModelFile(const Model& model, const std::string& path) {
  FileHeader header;
  header.kind = FileKind::kModel;
  header.order = model.order();
  header.vocab_size = model.vocab.size();
  for (const auto& level : model.trie.levels) header.ngram_counts.push_back(level.size());
  header.settings = model.settings.ToKeyValues();
  header.info = model.info;
  GRAMS_ASSIGN_OR_RETURN(auto writer, BinaryFileWriter::Open(path, header, kModelZstdLevel));
  WriteVocabAndTrie(writer.get(), model.vocab, model.trie, [&](int n) {
    writer->AddSection(SectionId(SectionType::kLogProb, n), EncodeFloatPlanes(model.log_prob[n - 1]));
    if (n < model.order()) {
      writer->AddSection(SectionId(SectionType::kLogBackoff, n),
                         EncodeFloatPlanes(model.log_backoff[n - 1]));
    }
  });
  return writer->Finish();
}

Status ReadModelFile(const std::string& path,
                     const std::function<Status(Model* model, int n)>& per_order, Model* model) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(path, FileKind::kModel));
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(name);
  model->settings = settings.value();
  model->info = header.info;
  const int N = static_cast<int>(header.order);
  model->log_prob.assign(N, {});
  model->log_backoff.assign(N, {});
  std::string raw;
  return ReadVocabAndTrie(reader.get(), &model->vocab, &model->trie, [&](int n) {
    const size_t m = header.ngram_counts[n - 1];
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kLogProb, n), &raw));
    if (!DecodeFloatPlanes(raw, m, &model->log_prob[n - 1])) {
      return CorruptionError(name + ": malformed probabilities of order " + std::to_string(n) +
                             " (the file is corrupted)");
    }
    if (n < N) {
      GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kLogBackoff, n), &raw));
      if (!DecodeFloatPlanes(raw, m, &model->log_backoff[n - 1])) {
        return CorruptionError(name + ": malformed backoffs of order " + std::to_string(n) +
                               " (the file is corrupted)");
      }
    }
    return per_order ? per_order(model, n) : Status::OK();
  });
}

StatusOr<Model> ReadModelFile(const std::string& path) {
  Model model;
  GRAMS_RETURN_IF_ERROR(ReadModelFile(path, nullptr, &model));
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
