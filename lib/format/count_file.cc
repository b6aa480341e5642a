// The counts file (docs/FORMAT.md) and the text form of counts.
#include <charconv>

#include "format/binary_file.h"
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "io/file.h"

namespace grams {
namespace {
constexpr int kCountsZstdLevel = 3;
}

// Appends the words of entry `index` of order n, separated by spaces.
void AppendNgramText(const NgramTrie& trie, const Vocabulary& vocab, int n, EntryIndex index,
                     std::string* out) {
  WordId ids[256];
  trie.Ngram(n, index, ids);
  for (int k = 0; k < n; ++k) {
    if (k) out->push_back(' ');
    out->append(vocab.Word(ids[k]));
  }
}

Status WriteCountsFile(const NgramCounts& counts, const std::string& path) {
  FileHeader header;
  header.kind = FileKind::kCounts;
  header.order = counts.order();
  header.vocab_size = counts.vocab.size();
  for (const auto& level : counts.trie.levels) header.ngram_counts.push_back(level.size());
  header.sentences = counts.sentences;
  header.tokens = counts.tokens;
  header.settings = counts.settings.ToKeyValues();
  std::vector<Section> sections;
  EncodeVocabAndTrie(counts.vocab, counts.trie, &sections);
  for (int n = 1; n <= counts.order(); ++n) {
    Section s;
    s.id = SectionId(SectionType::kCounts, n);
    EncodeVarints(counts.counts[n - 1].data(), counts.counts[n - 1].size(), &s.data);
    sections.push_back(std::move(s));
  }
  return WriteBinaryFile(path, header, sections, kCountsZstdLevel);
}

StatusOr<NgramCounts> ReadCountsFile(const std::string& path) {
  FileHeader header;
  std::vector<Section> sections;
  GRAMS_RETURN_IF_ERROR(ReadBinaryFile(path, FileKind::kCounts, &header, &sections));
  const std::string name = path == "-" ? "<stdin>" : path;
  NgramCounts counts;
  GRAMS_RETURN_IF_ERROR(DecodeVocabAndTrie(name, header, sections, &counts.vocab, &counts.trie));
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(name);
  counts.settings = settings.value();
  counts.sentences = header.sentences;
  counts.tokens = header.tokens;
  counts.counts.resize(header.order);
  for (uint32_t n = 1; n <= header.order; ++n) {
    const Section* s = FindSection(sections, SectionId(SectionType::kCounts, n));
    if (!s || !DecodeVarints(s->data, header.ngram_counts[n - 1], &counts.counts[n - 1])) {
      return CorruptionError(name + ": malformed counts of order " + std::to_string(n) +
                             " (file is corrupted)");
    }
  }
  return counts;
}

Status WriteCountsText(const NgramCounts& counts, const std::string& path, Count min_count) {
  GRAMS_ASSIGN_OR_RETURN(auto out, io::OutputFile::Open(path));
  std::string line, prefix;
  char num[24];
  for (int n = 1; n <= counts.order() && !out->broken_pipe(); ++n) {
    const TrieLevel& level = counts.trie.levels[n - 1];
    const std::vector<Count>& c = counts.counts[n - 1];
    EntryIndex last_parent = UINT32_MAX;
    for (EntryIndex i = 0; i < level.size(); ++i) {
      if (c[i] < min_count || c[i] == 0) continue;
      line.clear();
      if (n > 1) {
        if (level.parents[i] != last_parent) {
          last_parent = level.parents[i];
          prefix.clear();
          AppendNgramText(counts.trie, counts.vocab, n - 1, last_parent, &prefix);
          prefix.push_back(' ');
        }
        line += prefix;
      }
      line.append(counts.vocab.Word(level.words[i]));
      line.push_back('\t');
      auto r = std::to_chars(num, num + sizeof(num), c[i]);
      line.append(num, r.ptr);
      line.push_back('\n');
      out->Write(line);
    }
  }
  Status s = out->Commit();
  if (out->broken_pipe()) return Status::OK();
  return s;
}

}  // namespace grams
