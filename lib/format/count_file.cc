// The counts file (docs/FORMAT.md) and the text form of counts.
#include <algorithm>
#include <charconv>

#include "format/binary_file.h"
#include "format/count_file.h"
#include "format/ngram_text.h"
#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "grams/escape.h"
#include "io/file.h"
#include "util/alloc_guard.h"
#include "util/threads.h"

namespace grams {
namespace {
constexpr int kCountsZstdLevel = 3;
}

StatusOr<CompressedSection> CompressCountsSection(uint32_t id, std::string_view raw) {
  return CompressSection(id, raw, kCountsZstdLevel);
}

StatusOr<std::unique_ptr<CountsFileWriter>> CountsFileWriter::Open(
    const std::string& path, const TokenizerSettings& settings,
    const std::vector<uint64_t>& ngram_counts, uint64_t sentences, uint64_t tokens,
    const std::vector<std::pair<std::string, std::string>>& info) {
  FileHeader header;
  header.kind = FileKind::kCounts;
  header.order = static_cast<uint32_t>(ngram_counts.size());
  header.vocab_size = ngram_counts.empty() ? 0 : ngram_counts[0];
  header.ngram_counts = ngram_counts;
  header.sentences = sentences;
  header.tokens = tokens;
  header.settings = settings.ToKeyValues();
  header.info = info;
  GRAMS_ASSIGN_OR_RETURN(auto writer, BinaryFileWriter::Open(path, header, kCountsZstdLevel));
  return std::unique_ptr<CountsFileWriter>(new CountsFileWriter(std::move(writer)));
}

void CountsFileWriter::AddUnigrams(const Vocabulary& vocab, const std::vector<Count>& counts) {
  std::vector<std::string_view> words(vocab.size());
  for (WordId id = 0; id < vocab.size(); ++id) words[id] = vocab.Word(id);
  AddUnigrams(words, counts);
}

void CountsFileWriter::AddUnigrams(const std::vector<std::string_view>& words,
                                   const std::vector<Count>& counts) {
  writer_->AddSection(SectionId(SectionType::kVocab, 0), EncodeVocab(words));
  writer_->AddSection(SectionId(SectionType::kCounts, 1),
                      EncodeCounts(counts.data(), counts.size()));
  next_order_ = 2;
}

void CountsFileWriter::AddUnigramsEncoded(std::string vocab, std::string counts) {
  writer_->AddSection(SectionId(SectionType::kVocab, 0), std::move(vocab));
  writer_->AddSection(SectionId(SectionType::kCounts, 1), std::move(counts));
  next_order_ = 2;
}

void CountsFileWriter::AddOrder(size_t lower_size, const TrieLevel& level,
                                const std::vector<Count>& counts, int threads) {
  // On two threads at least: the encoding of one thread's counting (-j1)
  // has the other core, as its sections' compression does.
  AddOrderEncoded(EncodeOrder(lower_size, level, counts.data(), std::max(threads, 2)));
}

void CountsFileWriter::AddOrderEncoded(OrderSections sections) {
  const uint32_t n = static_cast<uint32_t>(next_order_++);
  writer_->AddSection(SectionId(SectionType::kChildCounts, n), std::move(sections.child_counts));
  writer_->AddSection(SectionId(SectionType::kWords, n), std::move(sections.words));
  writer_->AddSection(SectionId(SectionType::kCounts, n), std::move(sections.counts));
}

namespace {

std::string Named(const std::string& path) { return path == "-" ? "<stdout>" : path; }

Status WriteCountsFileImpl(const NgramCounts& counts, const std::string& path) {
  std::vector<uint64_t> sizes;
  for (const auto& level : counts.trie.levels) sizes.push_back(level.size());
  GRAMS_ASSIGN_OR_RETURN(auto writer, CountsFileWriter::Open(path, counts.settings, sizes,
                                                             counts.sentences, counts.tokens));
  writer->AddUnigrams(counts.vocab, counts.counts[0]);
  for (int n = 2; n <= counts.order(); ++n) {
    writer->AddOrder(counts.trie.levels[n - 2].size(), counts.trie.levels[n - 1],
                     counts.counts[n - 1]);
  }
  return writer->Finish();
}

StatusOr<NgramCounts> ReadCountsFileImpl(std::unique_ptr<BinaryFileReader> reader) {
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  NgramCounts counts;
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(name);
  counts.settings = settings.value();
  counts.sentences = header.sentences;
  counts.tokens = header.tokens;
  counts.counts.resize(header.order);
  std::string raw;
  GRAMS_RETURN_IF_ERROR(ReadVocabAndTrie(reader.get(), &counts.vocab, &counts.trie, [&](int n) {
    if (Status s = reader->Next(SectionId(SectionType::kCounts, n), &raw); !s.ok()) return s;
    // Every stored n-gram of order >= 2 occurred: DecodeCounts refuses a 0.
    return DecodeCounts(name, n, raw, header.ngram_counts[n - 1], &counts.counts[n - 1]);
  }));
  return counts;
}

// For each entry of `level`: whether its n-gram holds <s> or </s>, given
// the same for the order below (`below`, empty at order 1).
std::vector<bool> HoldsBoundary(const TrieLevel& level, const std::vector<bool>& below) {
  std::vector<bool> holds(level.size());
  for (EntryIndex i = 0; i < level.size(); ++i) {
    const WordId w = level.words[i];
    holds[i] = w == kBosId || w == kEosId || (!below.empty() && below[level.parents[i]]);
  }
  return holds;
}

// The entries of order n to list, in the order to list them.
void SelectEntries(const std::vector<Count>& c, const std::vector<bool>& boundary,
                   const CountsTextOptions& options, std::vector<EntryIndex>* order) {
  order->clear();
  const Count least = std::max<Count>(options.min_count, 1);
  for (EntryIndex i = 0; i < c.size(); ++i) {
    if (c[i] >= least && !(options.skip_boundaries && boundary[i])) order->push_back(i);
  }
  if (options.min_count > 0 || options.top > 0) {
    // The key gram list: most frequent first, ties in trie order.
    auto by_count = [&c](EntryIndex a, EntryIndex b) {
      return c[a] > c[b] || (c[a] == c[b] && a < b);
    };
    const size_t top = options.top;
    if (top > 0 && top < order->size()) {
      std::partial_sort(order->begin(), order->begin() + top, order->end(), by_count);
      order->resize(top);
    } else {
      std::sort(order->begin(), order->end(), by_count);
    }
  }
}

Status WriteCountsTextImpl(const NgramCounts& counts, const std::string& path,
                           const CountsTextOptions& options) {
  for (int n : options.orders) {
    if (n < 1 || n > counts.order()) {
      return InvalidArgument("order " + std::to_string(n) + " asked for, but the counts go up to " +
                             std::to_string(counts.order()));
    }
  }
  GRAMS_ASSIGN_OR_RETURN(auto out, io::OutputFile::Open(path));
  // Word units never hold whitespace and print as they are, as in KenLM's
  // and SRILM's files; other units (a space, a newline, a byte) are escaped.
  NgramText text(counts.trie, counts.vocab, UnitsNeedEscaping(counts.settings));
  std::string line;
  char num[24];
  std::vector<EntryIndex> order;
  std::vector<bool> boundary;
  const int highest = options.orders.empty() ? counts.order() : options.orders.back();
  bool first = true;
  for (int n = 1; n <= highest && !out->broken_pipe(); ++n) {
    if (options.skip_boundaries) boundary = HoldsBoundary(counts.trie.levels[n - 1], boundary);
    if (!options.orders.empty() &&
        !std::binary_search(options.orders.begin(), options.orders.end(), n)) {
      continue;
    }
    const std::vector<Count>& c = counts.counts[n - 1];
    SelectEntries(c, boundary, options, &order);
    for (EntryIndex i : order) {
      line.clear();
      text.Append(n, i, &line);
      line.push_back('\t');
      auto r = std::to_chars(num, num + sizeof(num), c[i]);
      line.append(num, r.ptr);
      line.push_back('\n');
      if (first && io::StartsWithCompressorMagic(line)) {
        // A unit that begins with a compressor's magic (a word may hold any
        // byte but whitespace) would make the file read back as compressed;
        // a blank line first, which readers skip, keeps it text.
        out->Write("\n");
      }
      first = false;
      out->Write(line);
    }
  }
  Status s = out->Commit();
  if (out->broken_pipe()) return Status::OK();
  return s;
}

}  // namespace

Status WriteCountsFile(const NgramCounts& counts, const std::string& path) {
  return GuardAlloc("writing " + Named(path), MemoryHint::kNone,
                    [&] { return WriteCountsFileImpl(counts, path); });
}

StatusOr<NgramCounts> ReadCountsFile(const std::string& path) {
  return GuardAlloc("reading " + (path == "-" ? std::string("<stdin>") : path), MemoryHint::kNone,
                    [&]() -> StatusOr<NgramCounts> {
                      GRAMS_ASSIGN_OR_RETURN(auto reader,
                                             BinaryFileReader::Open(path, FileKind::kCounts));
                      return ReadCountsFileImpl(std::move(reader));
                    });
}

StatusOr<NgramCounts> ReadCountsFile(std::unique_ptr<BinaryFileReader> reader) {
  const std::string name = reader->name();
  return GuardAlloc("reading " + name, MemoryHint::kNone, [&]() -> StatusOr<NgramCounts> {
    return ReadCountsFileImpl(std::move(reader));
  });
}

StatusOr<NgramCounts> ReadCountsFile(std::unique_ptr<io::InputStream> in) {
  const std::string name = in->name();
  return GuardAlloc("reading " + name, MemoryHint::kNone, [&]() -> StatusOr<NgramCounts> {
    GRAMS_ASSIGN_OR_RETURN(auto reader, BinaryFileReader::Open(std::move(in), FileKind::kCounts));
    return ReadCountsFileImpl(std::move(reader));
  });
}

Status WriteCountsText(const NgramCounts& counts, const std::string& path, Count min_count,
                       size_t top) {
  CountsTextOptions options;
  options.min_count = min_count;
  options.top = top;
  return WriteCountsText(counts, path, options);
}

Status WriteCountsText(const NgramCounts& counts, const std::string& path,
                       const CountsTextOptions& options) {
  CountsTextOptions sorted = options;
  std::sort(sorted.orders.begin(), sorted.orders.end());
  sorted.orders.erase(std::unique(sorted.orders.begin(), sorted.orders.end()), sorted.orders.end());
  return GuardAlloc("writing " + Named(path), MemoryHint::kNone,
                    [&] { return WriteCountsTextImpl(counts, path, sorted); });
}

}  // namespace grams
