// InspectFile, ListVocabulary and LookupNgram (grams/inspect.h): each kind
// of file read only as far as the question needs.
#include "grams/inspect.h"

#include <sys/stat.h>

#include <algorithm>

#include "format/binary_file.h"
#include "format/count_file.h"
#include "format/kenlm_binary.h"
#include "format/kenlm_model.h"
#include "format/mapped_model.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "grams/escape.h"
#include "grams/language_model.h"
#include "grams/model_io.h"
#include "grams/version.h"
#include "io/file.h"
#include "query/packed_trie.h"
#include "util/alloc_guard.h"
#include "util/coding.h"

namespace grams {
namespace {

std::string Named(const std::string& path) { return path == "-" ? "<stdin>" : path; }

uint64_t FileBytes(const std::string& path) {
  struct stat st;
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<uint64_t>(st.st_size);
}

// The kind of a file, sniffed as OpenModel sniffs it, with a grams binary
// file told apart as counts or model by its prelude.
enum class Kind { kCounts, kModel, kMapped, kArpa, kKenlm };

StatusOr<Kind> Sniff(const std::string& path, std::unique_ptr<io::InputStream>* in) {
  GRAMS_ASSIGN_OR_RETURN(ModelFormat format, OpenModel(path, in));
  switch (format) {
    case ModelFormat::kMapped:
      return Kind::kMapped;
    case ModelFormat::kKenlm:
      return Kind::kKenlm;
    case ModelFormat::kArpa:
      return Kind::kArpa;
    case ModelFormat::kModelFile:
      break;
  }
  std::string head;
  GRAMS_RETURN_IF_ERROR(io::PeekHead(in, 16, &head));
  if (head.size() == 16 && DecodeFixed32(head.data() + 12) == 1) return Kind::kCounts;
  return Kind::kModel;
}

FileKind BinaryKind(Kind kind) {
  return kind == Kind::kCounts ? FileKind::kCounts : FileKind::kModel;
}

std::vector<std::pair<std::string, std::string>> DisplaySettings(
    const std::vector<std::pair<std::string, std::string>>& kv) {
  auto parsed = TokenizerSettings::FromKeyValues(kv);
  if (!parsed.ok()) return kv;
  return parsed->DisplayKeyValues();
}

StatusOr<FileSummary> InspectBinary(const std::string& path, Kind kind,
                                    std::unique_ptr<io::InputStream> in, bool check) {
  FileSummary s;
  s.kind = kind == Kind::kCounts ? "counts" : "model";
  s.description = kind == Kind::kCounts ? "grams counts file" : "grams model file";
  s.format_version = GRAMS_FORMAT_VERSION;
  s.file_bytes = FileBytes(path);
  if (check) {
    // Every section, decompressed, checked against its checksum and
    // decoded: what any reader of the file would meet.
    s.checked = true;
    if (kind == Kind::kCounts) {
      GRAMS_ASSIGN_OR_RETURN(NgramCounts counts, ReadCountsFile(std::move(in)));
      s.order = counts.order();
      for (const TrieLevel& level : counts.trie.levels) s.ngram_counts.push_back(level.size());
      s.vocab_size = counts.vocab.size();
      s.sentences = counts.sentences;
      s.tokens = counts.tokens;
      s.settings = counts.settings.DisplayKeyValues();
      return s;
    }
    GRAMS_ASSIGN_OR_RETURN(Model model, ReadModelFile(std::move(in)));
    s.order = model.order();
    for (const TrieLevel& level : model.trie.levels) s.ngram_counts.push_back(level.size());
    s.vocab_size = model.vocab.size();
    s.settings = model.settings.DisplayKeyValues();
    s.info = model.info;
    return s;
  }
  GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(std::move(in), BinaryKind(kind)));
  const FileHeader& h = reader->header();
  s.order = static_cast<int>(h.order);
  s.ngram_counts = h.ngram_counts;
  s.vocab_size = h.vocab_size;
  s.sentences = h.sentences;
  s.tokens = h.tokens;
  s.settings = DisplaySettings(h.settings);
  s.info = h.info;
  return s;
}

StatusOr<FileSummary> InspectMapped(const std::string& path, bool check) {
  MappedModelFile::Options options;
  options.verify_checksums = check;
  GRAMS_ASSIGN_OR_RETURN(auto file, MappedModelFile::Open(path, options));
  const MappedModelParts& p = file->parts();
  FileSummary s;
  s.kind = "mapped";
  const bool trie = p.kind == kMappedKindTrie;
  s.description = trie ? "grams mapped model (trie layout)" : "grams mapped model (probing layout)";
  s.format_version = kMappedFormatVersion;
  s.order = static_cast<int>(p.order);
  s.vocab_size = p.vocab_size;
  s.ngram_counts.push_back(p.vocab_size);
  s.parts.emplace_back("unigrams", p.vocab_size * kUnigramBytes);
  for (uint32_t n = 2; trie && n <= p.order; ++n) {
    const MappedModelParts::TrieLevel& l = p.levels[n - 2];
    s.ngram_counts.push_back(l.entries);
    s.parts.emplace_back("order " + std::to_string(n) + " trie",
                         l.first_bytes + query::PackedBytes(l.entries, l.word_bits) +
                             l.entries * (n == p.order ? 4 : 8));
  }
  for (uint32_t n = 2; !trie && n <= p.order; ++n) {
    uint64_t entries = 0, bytes = 0;
    for (int shard = 0; shard < 2; ++shard) {
      const MappedModelParts::Shard& sh = p.shards[2 * (n - 2) + shard];
      entries += sh.entries;
      bytes += sh.slot_count * (n == p.order ? 12 : 16);
    }
    s.ngram_counts.push_back(entries);
    s.parts.emplace_back("order " + std::to_string(n) + " table", bytes);
  }
  s.settings = DisplaySettings(p.settings);
  s.info = p.info;
  s.file_bytes = file->file_size();
  s.checked = check;
  return s;
}

StatusOr<FileSummary> InspectArpa(const std::string& path, std::unique_ptr<io::InputStream> in) {
  GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(in.get(), nullptr));
  FileSummary s;
  s.kind = "arpa";
  s.description = "ARPA model";
  s.order = model.order();
  for (const TrieLevel& level : model.trie.levels) s.ngram_counts.push_back(level.size());
  s.vocab_size = model.vocab.size();
  s.settings = model.settings.DisplayKeyValues();
  s.info = model.info;
  s.file_bytes = FileBytes(path);
  s.checked = true;
  return s;
}

StatusOr<FileSummary> InspectKenlm(const std::string& path, std::unique_ptr<io::InputStream> in,
                                   bool check) {
  GRAMS_ASSIGN_OR_RETURN(auto file, OpenKenlmBinary(path, std::move(in), false));
  if (check) GRAMS_RETURN_IF_ERROR(file->Check());
  FileSummary s;
  s.kind = "kenlm";
  s.description = std::string("KenLM binary model (") + KenlmLayoutName(file->layout()) + ")";
  s.format_version = 5;
  s.order = file->order();
  s.ngram_counts = file->counts();
  s.vocab_size = MapKenlmIds(*file).to_kenlm.size();
  s.settings = TokenizerSettings().DisplayKeyValues();
  s.info = KenlmModelInfo(*file);
  s.file_bytes = FileBytes(path);  // as stored (a compressed file: compressed)
  if (s.file_bytes == 0) s.file_bytes = file->file_size();
  s.parts = {{"header", file->header_bytes()},
             {"vocabulary index", file->vocab_bytes()},
             {"search structure", file->search_bytes()},
             {"vocabulary words", file->strings_bytes()}};
  s.checked = check;
  return s;
}

}  // namespace

StatusOr<FileSummary> InspectFile(const std::string& path, const InspectOptions& options) {
  return GuardAlloc("inspecting " + Named(path), [&]() -> StatusOr<FileSummary> {
    std::unique_ptr<io::InputStream> in;
    GRAMS_ASSIGN_OR_RETURN(Kind kind, Sniff(path, &in));
    switch (kind) {
      case Kind::kCounts:
      case Kind::kModel:
        return InspectBinary(path, kind, std::move(in), options.check);
      case Kind::kMapped:
        if (!IsRegularFile(*in)) {
          return InvalidArgument(Named(path) + ": a mapped model must be a regular file");
        }
        in.reset();
        return InspectMapped(path, options.check);
      case Kind::kKenlm:
        return InspectKenlm(path, std::move(in), options.check);
      case Kind::kArpa:
        break;
    }
    return InspectArpa(path, std::move(in));
  });
}

Status ListVocabulary(const std::string& path,
                      const std::function<void(WordId, std::string_view)>& visit,
                      TokenizerSettings* settings) {
  return GuardAlloc("reading " + Named(path), [&]() -> Status {
    std::unique_ptr<io::InputStream> in;
    GRAMS_ASSIGN_OR_RETURN(Kind kind, Sniff(path, &in));
    TokenizerSettings parsed;
    Vocabulary vocab;
    switch (kind) {
      case Kind::kCounts:
      case Kind::kModel: {
        // The vocabulary is the first section: nothing else is read.
        GRAMS_ASSIGN_OR_RETURN(auto reader,
                               BinaryFileReader::Open(std::move(in), BinaryKind(kind)));
        auto s = TokenizerSettings::FromKeyValues(reader->header().settings);
        if (!s.ok()) return s.status().WithContext(reader->name());
        parsed = *s;
        std::string raw;
        GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kVocab, 0), &raw));
        GRAMS_RETURN_IF_ERROR(DecodeVocab(reader->name(), reader->header(), raw, &vocab));
        break;
      }
      case Kind::kMapped: {
        in.reset();
        GRAMS_ASSIGN_OR_RETURN(auto file, MappedModelFile::Open(path, MappedModelFile::Options()));
        auto s = TokenizerSettings::FromKeyValues(file->parts().settings);
        if (!s.ok()) return s.status().WithContext(file->name());
        if (settings) *settings = *s;
        for (WordId id = 0; id < file->parts().vocab_size; ++id) visit(id, file->Word(id));
        return Status::OK();
      }
      case Kind::kKenlm: {
        GRAMS_ASSIGN_OR_RETURN(auto file, OpenKenlmBinary(path, std::move(in), false));
        if (settings) *settings = TokenizerSettings();
        const KenlmIds ids = MapKenlmIds(*file);
        const std::vector<std::string_view> words = KenlmWords(*file, ids);
        for (WordId id = 0; id < words.size(); ++id) visit(id, words[id]);
        return Status::OK();
      }
      case Kind::kArpa: {
        GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(in.get(), nullptr));
        parsed = model.settings;
        vocab = std::move(model.vocab);
        break;
      }
    }
    if (settings) *settings = parsed;
    for (WordId id = 0; id < vocab.size(); ++id) visit(id, vocab.Word(id));
    return Status::OK();
  });
}

namespace {

// An n-gram to look up: its units as printed, and as stored once the file
// says whether they are escaped.
struct NgramQuery {
  std::string path;
  std::vector<std::string> units;
  int n = 0;

  void Unescape(const TokenizerSettings& settings) {
    if (!UnitsNeedEscaping(settings)) return;
    for (std::string& u : units) u = UnescapeUnit(u);
  }
  Status TooLong(int order) const {
    return InvalidArgument(Named(path) + ": a " + std::to_string(n) +
                           "-gram is longer than the file's order, " + std::to_string(order));
  }
  // The ids of the units in `vocab`, or false if one is not there.
  bool FindIds(const Vocabulary& vocab, std::vector<WordId>* ids) const {
    ids->resize(n);
    for (int k = 0; k < n; ++k) {
      (*ids)[k] = vocab.Find(units[k]);
      if ((*ids)[k] == Vocabulary::kNotFound) return false;
    }
    return true;
  }
};

StatusOr<NgramValues> LookupInCounts(NgramQuery& q, std::unique_ptr<io::InputStream> in) {
  GRAMS_ASSIGN_OR_RETURN(NgramCounts counts, ReadCountsFile(std::move(in)));
  if (q.n > counts.order()) return q.TooLong(counts.order());
  q.Unescape(counts.settings);
  NgramValues v;
  v.is_counts = true;
  std::vector<WordId> ids;
  if (!q.FindIds(counts.vocab, &ids)) return v;
  const int64_t entry = counts.trie.Find(ids.data(), q.n);
  if (entry >= 0) {
    v.found = true;
    v.count = counts.counts[q.n - 1][entry];
  }
  return v;
}

StatusOr<NgramValues> LookupInModel(NgramQuery& q, Kind kind, std::unique_ptr<io::InputStream> in) {
  StatusOr<Model> read =
      kind == Kind::kModel ? ReadModelFile(std::move(in)) : ReadArpa(in.get(), nullptr);
  GRAMS_RETURN_IF_ERROR(read.status());
  const Model& model = *read;
  const int n = q.n;
  if (n > model.order()) return q.TooLong(model.order());
  q.Unescape(model.settings);
  NgramValues v;
  std::vector<WordId> ids;
  if (!q.FindIds(model.vocab, &ids)) return v;
  const int64_t entry = model.trie.Find(ids.data(), n);
  if (entry >= 0) {
    v.found = true;
    v.log_prob = model.log_prob[n - 1][entry];
    v.log_backoff = n < model.order() ? model.log_backoff[n - 1][entry] : 0.0f;
  }
  return v;
}

StatusOr<NgramValues> LookupInKenlm(const NgramQuery& q, std::unique_ptr<io::InputStream> in) {
  GRAMS_ASSIGN_OR_RETURN(auto file, OpenKenlmBinary(q.path, std::move(in), false));
  const int N = file->order(), n = q.n;
  if (n > N) return q.TooLong(N);
  NgramValues v;
  std::vector<uint32_t> k(n);
  for (int i = 0; i < n; ++i) {
    k[i] = file->Index(q.units[i]);
    if (k[i] == 0 && q.units[i] != "<unk>") return v;
  }
  // The context most recent first; a full match is the n-gram.
  std::vector<uint32_t> context(k.rbegin() + 1, k.rend());
  float backoffs[kMaxStateWords + 1];
  const KenlmBinary::Match m = file->Score(k[n - 1], context.data(), n - 1, backoffs);
  if (m.length != n) return v;
  v.found = true;
  v.log_prob = m.prob;
  v.log_backoff = n < N ? backoffs[n - 1] : 0.0f;
  return v;
}

StatusOr<NgramValues> LookupInMapped(NgramQuery& q) {
  GRAMS_ASSIGN_OR_RETURN(auto lm, LanguageModel::Load(q.path));
  const int N = lm->order(), n = q.n;
  if (n > N) return q.TooLong(N);
  q.Unescape(lm->settings());
  NgramValues v;
  std::vector<WordId> ids;
  if (!q.FindIds(lm->vocab(), &ids)) return v;
  // The context, most recent word first, with zero backoffs: a full match
  // then scores the n-gram's own probability.
  State context = lm->NullContextState();
  for (int i = 0; i < n - 1 && i < kMaxStateWords; ++i) {
    context.words[i] = ids[n - 2 - i];
    context.backoff[i] = 0;
  }
  context.length = static_cast<uint8_t>(std::min(n - 1, kMaxStateWords));
  State out;
  const FullScoreResult r = lm->FullScore(context, ids[n - 1], &out);
  if (r.ngram_length != n) return v;
  v.found = true;
  v.log_prob = r.log_prob;
  v.log_backoff = n < N ? out.backoff[n - 1] : 0.0f;
  return v;
}

}  // namespace

StatusOr<NgramValues> LookupNgram(const std::string& path,
                                  const std::vector<std::string>& printed) {
  return GuardAlloc("reading " + Named(path), [&]() -> StatusOr<NgramValues> {
    if (printed.empty()) return InvalidArgument("the n-gram to look up is empty");
    NgramQuery q{path, printed, static_cast<int>(printed.size())};
    std::unique_ptr<io::InputStream> in;
    GRAMS_ASSIGN_OR_RETURN(Kind kind, Sniff(path, &in));
    StatusOr<NgramValues> v = InternalError("unknown kind of file");
    switch (kind) {
      case Kind::kCounts:
        return LookupInCounts(q, std::move(in));
      case Kind::kModel:
      case Kind::kArpa:
        return LookupInModel(q, kind, std::move(in));
      case Kind::kKenlm:
        v = LookupInKenlm(q, std::move(in));
        break;
      case Kind::kMapped:
        in.reset();
        v = LookupInMapped(q);
        break;
    }
    if (v.ok() && v->log_backoff == 0.0f) v->log_backoff = 0.0f;  // KenLM's -0.0 marks
    return v;
  });
}

}  // namespace grams
