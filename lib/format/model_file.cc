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

StatusOr<std::unique_ptr<ModelFileReader>> ModelFileReader::Open(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(path, FileKind::kModel));
  return std::unique_ptr<ModelFileReader>(new ModelFileReader(std::move(reader)));
}

Status ModelFileReader::ReadVocab(Vocabulary* vocab, TokenizerSettings* settings,
                                  std::vector<std::pair<std::string, std::string>>* info) {
  auto parsed = TokenizerSettings::FromKeyValues(header().settings);
  if (!parsed.ok()) return parsed.status().WithContext(name());
  *settings = parsed.value();
  *info = header().info;
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kVocab, 0), &raw_));
  return DecodeVocab(name(), header(), raw_, vocab);
}

Status ModelFileReader::ReadStructure(int n, std::string* child_counts, std::string* words) {
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kChildCounts, n), child_counts));
  return reader_->Next(SectionId(SectionType::kWords, n), words);
}

Status ModelFileReader::ReadValues(int n, std::vector<float>* log_prob,
                                   std::vector<float>* log_backoff) {
  const size_t m = header().ngram_counts[n - 1];
  GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kLogProb, n), &raw_));
  if (!DecodeFloatPlanes(raw_, m, log_prob)) {
    return CorruptionError(name() + ": malformed probabilities of order " + std::to_string(n) +
                           " (the file is corrupted)");
  }
  log_backoff->clear();
  if (n < order()) {
    GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kLogBackoff, n), &raw_));
    if (!DecodeFloatPlanes(raw_, m, log_backoff)) {
      return CorruptionError(name() + ": malformed backoffs of order " + std::to_string(n) +
                             " (the file is corrupted)");
    }
  }
  return Status::OK();
}

StatusOr<Model> ReadModelFile(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, ModelFileReader::Open(path));
  const int N = reader->order();
  Model model;
  GRAMS_RETURN_IF_ERROR(reader->ReadVocab(&model.vocab, &model.settings, &model.info));
  model.trie.levels.assign(N, TrieLevel());
  model.log_prob.assign(N, {});
  model.log_backoff.assign(N, {});
  TrieLevel& unigrams = model.trie.levels[0];
  unigrams.words.resize(model.vocab.size());
  for (WordId i = 0; i < unigrams.words.size(); ++i) unigrams.words[i] = i;
  std::string child_counts, words;
  for (int n = 1; n <= N; ++n) {
    if (n >= 2) {
      GRAMS_RETURN_IF_ERROR(reader->ReadStructure(n, &child_counts, &words));
      GRAMS_RETURN_IF_ERROR(
          DecodeTrieLevel(reader->name(), reader->header(), n, child_counts, words, &model.trie));
    }
    GRAMS_RETURN_IF_ERROR(reader->ReadValues(n, &model.log_prob[n - 1], &model.log_backoff[n - 1]));
  }
  GRAMS_RETURN_IF_ERROR(reader->Finish());
  return model;
}

StatusOr<bool> IsModelFile(const std::string& path) {
  if (path == "-") {
    return InvalidArgument("a model cannot be read from standard input; give its path");
  }
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
  char buf[sizeof(kFileMagic)];
  size_t got = 0;
  while (got < sizeof(buf)) {
    const size_t r = in->Read(buf + got, sizeof(buf) - got);
    if (r == 0) break;
    got += r;
  }
  if (!in->status().ok()) return in->status();
  return HasBinaryMagic(std::string(buf, got));
}

StatusOr<Model> LoadModel(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(bool binary, IsModelFile(path));
  return binary ? ReadModelFile(path) : ReadArpa(path);
}

}  // namespace grams
