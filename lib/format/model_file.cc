// The model file (docs/FORMAT.md): the counts file's vocabulary and trie,
// with float32 log10 probabilities and backoffs in byte planes instead of
// counts.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "format/binary_file.h"
#include "format/kenlm_model.h"
#include "format/mapped_model.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "util/alloc_guard.h"
#include "util/coding.h"

namespace grams {
namespace {

// zstd levels. Any level reads the same, so these are the writer's
// choice, not the format's. The words and log probs are near
// incompressible bytes (varints of word ids; the low bytes of floats):
// level 3 shrinks them 13% and 3% with Huffman-coded literals, which take
// 7 and 1.4 times as long to decode as the level -1 frames, whose literals
// are stored as they are. Loading decodes every section, so it costs the
// load a third of its decompression time (brown order 5: 14.5 MB -> 15.4 MB;
// decompression 230M -> 170M instructions).
constexpr int kModelZstdLevel = 3;
constexpr int kFastDecodeLevel = -1;

// The section ids of a model file of order N, in file order.
uint32_t ModelSectionId(int order, size_t index) {
  if (index == 0) return SectionId(SectionType::kVocab, 0);
  if (index == 1) return SectionId(SectionType::kLogProb, 1);
  if (order > 1 && index == 2) return SectionId(SectionType::kLogBackoff, 1);
  // Orders n >= 2: 4 sections each (3 at the top order), after the first 3.
  const size_t i = index - 3;
  const uint32_t n = static_cast<uint32_t>(2 + i / 4);
  static constexpr SectionType kTypes[4] = {SectionType::kChildCounts, SectionType::kWords,
                                            SectionType::kLogProb, SectionType::kLogBackoff};
  return SectionId(kTypes[i % 4], n);
}

// How messages name a path ("-" is standard input or output).
std::string Named(const std::string& path, const char* dash) {
  return path == "-" ? std::string(dash) : path;
}

}  // namespace

FileHeader ModelFileHeader(uint64_t vocab_size, const std::vector<uint64_t>& ngram_counts,
                           const TokenizerSettings& settings,
                           const std::vector<std::pair<std::string, std::string>>& info) {
  FileHeader header;
  header.kind = FileKind::kModel;
  header.order = static_cast<uint32_t>(ngram_counts.size());
  header.vocab_size = vocab_size;
  header.ngram_counts = ngram_counts;
  header.settings = settings.ToKeyValues();
  header.info = info;
  return header;
}

StatusOr<std::unique_ptr<ModelFileWriter>> ModelFileWriter::Open(const std::string& path,
                                                                 const FileHeader& header) {
  GRAMS_ASSIGN_OR_RETURN(auto writer, BinaryFileWriter::Open(path, header, kModelZstdLevel));
  return std::unique_ptr<ModelFileWriter>(
      new ModelFileWriter(std::move(writer), static_cast<int>(header.order)));
}

void ModelFileWriter::Add(uint32_t id, std::string raw, int zstd_level) {
  assert(id == ModelSectionId(order_, next_));
  ++next_;
  writer_->AddSection(id, std::move(raw), zstd_level);
}

void ModelFileWriter::AddVocab(std::string vocab) {
  Add(SectionId(SectionType::kVocab, 0), std::move(vocab), kModelZstdLevel);
}

void ModelFileWriter::AddStructure(int n, std::string child_counts, std::string words) {
  Add(SectionId(SectionType::kChildCounts, n), std::move(child_counts), kModelZstdLevel);
  Add(SectionId(SectionType::kWords, n), std::move(words), kFastDecodeLevel);
}

void ModelFileWriter::AddLogProbs(int n, std::string planes) {
  Add(SectionId(SectionType::kLogProb, n), std::move(planes), kFastDecodeLevel);
}

void ModelFileWriter::AddLogBackoffs(int n, std::string planes) {
  assert(n < order_);
  Add(SectionId(SectionType::kLogBackoff, n), std::move(planes), kModelZstdLevel);
}

void ModelFileWriter::AddBlanks(std::string blanks) {
  assert(next_ == static_cast<size_t>(4 * order_ - 2));
  ++next_;
  writer_->AddSection(SectionId(SectionType::kBlanks, 0), std::move(blanks));
}

Status ModelFileWriter::Finish() {
  assert(next_ == static_cast<size_t>(4 * order_ - 2) ||
         next_ == static_cast<size_t>(4 * order_ - 1));
  return writer_->Finish();
}

// Per order n = 1..N: a varint count, then the count entries ascending, the
// first as its index and each later one as index - previous - 1.
std::string EncodeBlanks(const std::vector<std::vector<EntryIndex>>& blanks) {
  std::string out;
  for (const std::vector<EntryIndex>& order : blanks) {
    PutVarint64(&out, order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      PutVarint64(&out, i == 0 ? order[0] : order[i] - order[i - 1] - 1);
    }
  }
  return out;
}

Status DecodeBlanks(const std::string& name, const std::vector<uint64_t>& ngram_counts,
                    const std::string& raw, std::vector<std::vector<EntryIndex>>* blanks) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name + ": " + what + " in the blanks (the file is corrupted)");
  };
  const int N = static_cast<int>(ngram_counts.size());
  blanks->assign(N, {});
  const char* p = raw.data();
  const char* end = p + raw.size();
  for (int n = 1; n <= N; ++n) {
    uint64_t count = 0;
    if (!GetVarint64(&p, end, &count)) return corrupt("a truncated count");
    // A blank is the suffix of a longer n-gram, and never a word.
    if (count > 0 && (n == 1 || n == N)) {
      return corrupt("order " + std::to_string(n) + " listed");
    }
    if (count > ngram_counts[n - 1] || count > static_cast<uint64_t>(end - p)) {
      return corrupt("too many entries of order " + std::to_string(n));
    }
    std::vector<EntryIndex>& order = (*blanks)[n - 1];
    order.reserve(count);
    uint64_t next = 0;  // the least index the next entry may have
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t delta = 0;
      if (!GetVarint64(&p, end, &delta)) return corrupt("a truncated entry");
      if (delta >= ngram_counts[n - 1] - next) {
        return corrupt("an entry of order " + std::to_string(n) + " out of range");
      }
      order.push_back(static_cast<EntryIndex>(next + delta));
      next = next + delta + 1;
    }
  }
  if (p != end) return corrupt("bytes after the last order");
  bool any = false;
  for (const auto& order : *blanks) any = any || !order.empty();
  if (!any) blanks->clear();
  return Status::OK();
}

namespace {

Status WriteModelFileImpl(const Model& model, const std::string& path) {
  std::vector<uint64_t> sizes;
  for (const auto& level : model.trie.levels) sizes.push_back(level.size());
  const FileHeader header = ModelFileHeader(model.vocab.size(), sizes, model.settings, model.info);
  GRAMS_ASSIGN_OR_RETURN(auto writer, ModelFileWriter::Open(path, header));
  writer->AddVocab(EncodeVocab(model.vocab));
  for (int n = 1; n <= model.order(); ++n) {
    if (n >= 2) {
      std::string cc, words;
      EncodeTrieLevel(model.trie, n, &cc, &words);
      writer->AddStructure(n, std::move(cc), std::move(words));
    }
    writer->AddLogProbs(n, EncodeFloatPlanes(model.log_prob[n - 1]));
    if (n < model.order()) writer->AddLogBackoffs(n, EncodeFloatPlanes(model.log_backoff[n - 1]));
  }
  bool blanks = false;
  for (const auto& order : model.blanks) blanks = blanks || !order.empty();
  if (blanks) writer->AddBlanks(EncodeBlanks(model.blanks));
  return writer->Finish();
}

}  // namespace

Status WriteModelFile(const Model& model, const std::string& path) {
  return GuardAlloc("writing " + Named(path, "<stdout>"), MemoryHint::kNone,
                    [&] { return WriteModelFileImpl(model, path); });
}

StatusOr<std::unique_ptr<ModelFileReader>> ModelFileReader::Open(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(path, FileKind::kModel));
  return std::unique_ptr<ModelFileReader>(new ModelFileReader(std::move(reader)));
}

StatusOr<std::unique_ptr<ModelFileReader>> ModelFileReader::Open(
    std::unique_ptr<io::InputStream> in) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(std::move(in), FileKind::kModel));
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
  if (!DecodeFloatPlanes(raw_, m, log_prob)) return MalformedValues(SectionType::kLogProb, n);
  log_backoff->clear();
  if (n < order()) {
    GRAMS_RETURN_IF_ERROR(reader_->Next(SectionId(SectionType::kLogBackoff, n), &raw_));
    if (!DecodeFloatPlanes(raw_, m, log_backoff)) {
      return MalformedValues(SectionType::kLogBackoff, n);
    }
  }
  return Status::OK();
}

Status ModelFileReader::MalformedValues(SectionType type, int n) const {
  return CorruptionError(name() + ": malformed " +
                         (type == SectionType::kLogProb ? "probabilities" : "backoffs") +
                         " of order " + std::to_string(n) + " (the file is corrupted)");
}

uint32_t ModelFileReader::SectionIdAt(int order, size_t i) { return ModelSectionId(order, i); }

Status ModelFileReader::ReadStored(size_t i, StoredSection* out) {
  return reader_->NextStored(ModelSectionId(order(), i), out);
}

Status ModelFileReader::ReadBlanks(std::vector<std::vector<EntryIndex>>* blanks) {
  blanks->clear();
  blanks_read_ = true;
  bool found = false;
  GRAMS_RETURN_IF_ERROR(reader_->NextIf(SectionId(SectionType::kBlanks, 0), &raw_, &found));
  if (!found) return Status::OK();
  return DecodeBlanks(name(), header().ngram_counts, raw_, blanks);
}

Status ModelFileReader::Finish() {
  if (!blanks_read_) {
    bool found = false;
    GRAMS_RETURN_IF_ERROR(reader_->NextIf(SectionId(SectionType::kBlanks, 0), &raw_, &found));
  }
  return reader_->Finish();
}

namespace {

StatusOr<Model> ReadModelFileImpl(std::unique_ptr<io::InputStream> in) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, ModelFileReader::Open(std::move(in)));
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
  GRAMS_RETURN_IF_ERROR(reader->ReadBlanks(&model.blanks));
  GRAMS_RETURN_IF_ERROR(reader->Finish());
  return model;
}

}  // namespace

StatusOr<Model> ReadModelFile(const std::string& path) {
  return GuardAlloc("reading " + Named(path, "<stdin>"), MemoryHint::kNone,
                    [&]() -> StatusOr<Model> {
                      GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
                      return ReadModelFileImpl(std::move(in));
                    });
}

StatusOr<Model> ReadModelFile(std::unique_ptr<io::InputStream> in) {
  const std::string name = in->name();
  return GuardAlloc("reading " + name, MemoryHint::kNone,
                    [&] { return ReadModelFileImpl(std::move(in)); });
}

StatusOr<ModelFormat> OpenModel(const std::string& path, std::unique_ptr<io::InputStream>* in) {
  GRAMS_ASSIGN_OR_RETURN(*in, io::InputStream::Open(path));
  std::string head;
  GRAMS_RETURN_IF_ERROR(
      io::PeekHead(in, std::max(sizeof(kFileMagic), kKenlmMagicPrefix.size()), &head));
  if (HasBinaryMagic(head)) return ModelFormat::kModelFile;
  if (HasMappedMagic(head)) return ModelFormat::kMapped;
  if (HasKenlmMagic(head)) return ModelFormat::kKenlm;
  // A file cut short inside a magic: its own reader reports it truncated.
  if (!head.empty() && head.size() < sizeof(kFileMagic)) {
    if (std::memcmp(head.data(), kFileMagic, head.size()) == 0) return ModelFormat::kModelFile;
    if (std::memcmp(head.data(), kMappedMagic, head.size()) == 0) return ModelFormat::kMapped;
  }
  return ModelFormat::kArpa;
}

bool IsRegularFile(const io::InputStream& in) { return in.size_hint() >= 0; }

Status MappedModelNotAFile(const std::string& name) {
  return InvalidArgument(name +
                         ": a mapped model must be a regular, uncompressed file (it is mapped, "
                         "not read), not a pipe or a compressed file; give its path");
}

Status MappedModelNotReadable(const std::string& name) {
  return InvalidArgument(name +
                         ": is a mapped model of the probing layout, which can be scored but not "
                         "read back as a model (its tables hold hashes of the n-grams, not the "
                         "n-grams); use the model file or ARPA it was made from, or its trie "
                         "layout (grams-convert --to mapped --layout trie)");
}

StatusOr<Model> LoadModel(const std::string& path) { return LoadModel(path, nullptr); }

StatusOr<Model> LoadModel(const std::string& path,
                          const std::function<void(const std::string&)>& warn) {
  return LoadModel(path, warn, /*lenient_arpa=*/false);
}

StatusOr<Model> LoadModel(const std::string& path,
                          const std::function<void(const std::string&)>& warn, bool lenient_arpa) {
  return GuardAlloc(
      "loading " + Named(path, "<stdin>"), MemoryHint::kNone, [&]() -> StatusOr<Model> {
        std::unique_ptr<io::InputStream> in;
        GRAMS_ASSIGN_OR_RETURN(ModelFormat format, OpenModel(path, &in));
        switch (format) {
          case ModelFormat::kModelFile:
            return ReadModelFile(std::move(in));
          case ModelFormat::kMapped: {
            // The trie layout holds the n-grams; the probing layout does not.
            if (!IsRegularFile(*in)) return MappedModelNotAFile(in->name());
            in.reset();
            MappedModelFile::Options options;
            options.verify_checksums = true;  // every byte is read anyway
            GRAMS_ASSIGN_OR_RETURN(auto file, MappedModelFile::Open(path, options));
            return MappedTrieToModel(*file);
          }
          case ModelFormat::kKenlm: {
            GRAMS_ASSIGN_OR_RETURN(
                auto file, OpenKenlmBinary(path, std::move(in), /*read_into_memory=*/false));
            return KenlmToModel(*file);
          }
          case ModelFormat::kArpa:
            break;
        }
        return ReadArpa(in.get(), warn, lenient_arpa);
      });
}

}  // namespace grams
