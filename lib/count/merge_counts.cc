// CounterImpl (count/counter_impl.h) adding counts rather than text: the
// counts of another run in memory (AddCounts), counts files streamed whole
// or as a slice of the first words (MergeCountsFile, PlanSlice), and the
// merge entry points of grams/counts.h (MergeCountFiles,
// MergeCountFilesToFile).
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "count/counter_impl.h"
#include "count/shard_spill.h"
#include "count/trie_merge.h"
#include "format/binary_file.h"
#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "grams/counts.h"
#include "io/file.h"
#include "util/alloc_guard.h"
#include "util/prefetch.h"
#include "vocab/canonical_order.h"

namespace grams {
namespace {

using count::kTableBytesPerEntry;

// Sums and products of counts that need more than 64 bits.
__extension__ typedef unsigned __int128 Wide;

// floor(sqrt(x)), exactly (the slices' cut must not depend on the
// machine's floating point): the long double estimate, corrected to the
// root by exact integer steps (none or one, as a rule). (A bisection over
// 64 bits took a twentieth of a reducer's time, for its 700K words.)
uint64_t SqrtFloor(Wide x) {
  const long double e = sqrtl(static_cast<long double>(x));
  uint64_t r = e >= 18446744073709551615.0L ? UINT64_MAX : static_cast<uint64_t>(e);
  while (static_cast<Wide>(r) * r > x) --r;
  while (r < UINT64_MAX && static_cast<Wide>(r + 1) * (r + 1) <= x) ++r;
  return r;
}

}  // namespace

Status CounterImpl::CheckMergeable(int order, const TokenizerSettings& settings,
                                   const std::string& name) const {
  if (order != options_.order) {
    return InvalidArgument(name + ": order " + std::to_string(order) +
                           ", but the counts merged so far have order " +
                           std::to_string(options_.order));
  }
  if (!(settings == options_.tokenizer)) {
    return InvalidArgument(
        name + ": " +
        count::SettingsDiffer(settings, options_.tokenizer, "the counts merged so far have"));
  }
  if (settings.boundaries == Boundaries::kNone) {
    return InvalidArgument(name +
                           ": counts made with --boundaries none cannot be merged (the "
                           "windows that cross from one shard into the next are missing)");
  }
  return Status::OK();
}

// Adds the counts of another run over text tokenized the same way (the
// shards of a corpus): afterwards the result is that of counting all the
// text at once. Each entry's (parent, word) key is incremented by its count
// in the table of its bucket, order by order, on the counting threads
// (count/counts_inserter.h).
Status CounterImpl::AddCounts(const NgramCounts& c, const std::string& name) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  GRAMS_RETURN_IF_ERROR(CheckMergeable(c.order(), c.settings, name));
  GRAMS_RETURN_IF_ERROR(ProcessBatch(/*final=*/true));
  std::vector<WordId> word_map(c.vocab.size());
  for (WordId id = 0; id < c.vocab.size(); ++id) {
    word_map[id] = vocab_.FindOrInsert(c.vocab.Word(id));
    if (word_map[id] == Vocabulary::kNotFound) {
      return ResourceExhausted(name + ": merging its vocabulary makes " +
                               Vocabulary::TooManyWords());
    }
  }
  if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
  for (WordId id = 0; id < c.vocab.size(); ++id) unigram_counts_[word_map[id]] += c.counts[0][id];
  // The file's order n-1 / n entries -> (bucket, index in its table).
  std::vector<uint32_t> prev, cur;
  std::vector<uint8_t> prev_part, cur_part;
  for (int n = 2; n <= c.order(); ++n) {
    const TrieLevel& level = c.trie.levels[n - 1];
    cur.resize(level.size());
    cur_part.resize(level.size());
    inserter_.StartOrder(n, &cur);
    for (size_t i = 0; i < level.size(); ++i) {
      const EntryIndex fp = level.parents[i];
      const int part = n == 2 ? count::BucketOf(word_map[fp]) : prev_part[fp];
      const uint32_t parent = n == 2 ? word_map[fp] : prev[fp];
      inserter_.Add(static_cast<uint32_t>(i), part, parent, word_map[level.words[i]],
                    c.counts[n - 1][i]);
      cur_part[i] = static_cast<uint8_t>(part);
    }
    inserter_.Flush();
    prev.swap(cur);
    prev_part.swap(cur_part);
  }
  sentences_ += c.sentences;
  tokens_counted_ += c.tokens;
  if (inserter_.overflow()) {
    return ResourceExhausted(
        "too many counts to merge in memory: an n-gram count or the number "
        "of distinct n-grams of one order exceeds 2^32-1");
  }
  return MaybeSpill();
}

namespace {

// The info entry `key` of a header, or null.
const std::string* InfoOf(const FileHeader& header, std::string_view key) {
  for (const auto& [k, v] : header.info)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace

// Reads a counts file as a stream: header, vocabulary and order 1 into the
// counting vocabulary and unigram counts, then (count/shard_spill.h) its
// n-grams into a spill of their own.
Status CounterImpl::MergeCountsFile(std::unique_ptr<BinaryFileReader> reader, Pass pass) {
  GRAMS_RETURN_IF_ERROR(invalid_);
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  if (const std::string* slice = InfoOf(header, "slice")) {
    return InvalidArgument(name + ": is slice " + *slice +
                           " of a partitioned merge, not counts to merge (grams-count --join "
                           "joins the slices)");
  }
  auto settings = TokenizerSettings::FromKeyValues(header.settings);
  if (!settings.ok()) return settings.status().WithContext(name);
  GRAMS_RETURN_IF_ERROR(CheckMergeable(static_cast<int>(header.order), *settings, name));
  const std::array<uint64_t, 3> totals = {header.vocab_size, header.sentences, header.tokens};
  FirstReading scratch, *reading = &scratch;
  if (pass == Pass::kNgrams) {
    const size_t i = second_pass_files_++;
    if (i >= first_pass_.size() || first_pass_[i].totals != totals) {
      return InvalidArgument(name +
                             ": changed between the two readings of a partitioned merge (its "
                             "vocabulary size or totals differ)");
    }
    reading = &first_pass_[i];
  } else if (pass == Pass::kUnigrams) {
    reading = &first_pass_.emplace_back();
    reading->totals = totals;
  }
  std::vector<WordId> word_map;
  GRAMS_RETURN_IF_ERROR(MapFileWords(reader.get(), pass, reading, &word_map));
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kCounts, 1), &raw));
  if (pass != Pass::kNgrams) {
    if (unigram_counts_.size() < vocab_.size()) unigram_counts_.resize(vocab_.size(), 0);
    GRAMS_RETURN_IF_ERROR(VisitCounts(name, 1, raw, word_map.size(), [&](uint64_t i, Count c) {
      unigram_counts_[word_map[i]] += c;
    }));
    sentences_ += header.sentences;
    tokens_counted_ += header.tokens;
  }
  if (pass == Pass::kUnigrams) {
    // The bigram types of each first word, to cut the slices by (PlanSlice).
    if (header.order >= 2) return AddBigramTypes(reader.get(), word_map);
    return Status::OK();
  }
  std::string().swap(raw);
  GRAMS_RETURN_IF_ERROR(
      AddFileNgrams(reader.get(), word_map, pass == Pass::kNgrams ? &keep_ : nullptr));
  return reader->Finish();
}

// The file's vocabulary read, each word's counting id in *word_map: added
// to the vocabulary, each id once (a word twice in one file is a corrupt
// file); or in a slice's second reading, as the first found them.
Status CounterImpl::MapFileWords(BinaryFileReader* reader, Pass pass, FirstReading* reading,
                                 std::vector<WordId>* word_map) {
  const std::string& name = reader->name();
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kVocab, 0), &raw));
  // A slice's readings compare the section by hash (a whole merge reads it once).
  const size_t hash = pass == Pass::kWhole ? 0 : std::hash<std::string_view>()(raw);
  if (pass == Pass::kNgrams) {
    if (hash != reading->vocab_hash) {
      return InvalidArgument(name +
                             ": changed between the two readings of a partitioned merge (its "
                             "vocabulary differs)");
    }
    if (reading->kept) {
      kept_map_bytes_ -= reading->word_map.capacity() * sizeof(WordId);
      word_map->swap(reading->word_map);
      std::vector<WordId>().swap(reading->word_map);
      reading->kept = false;
      return Status::OK();
    }
  }
  std::vector<std::string_view> words;
  GRAMS_RETURN_IF_ERROR(DecodeVocabWords(name, reader->header(), raw, &words));
  word_map->resize(words.size());
  if (pass == Pass::kNgrams) {
    // Every word was added in the first reading, the vocabulary the same.
    for (WordId id = 0; id < words.size(); ++id) {
      (*word_map)[id] = vocab_.Find(words[id]);
      if ((*word_map)[id] == Vocabulary::kNotFound) {
        return InvalidArgument(name + ": changed between the two readings of a partitioned merge");
      }
    }
    return Status::OK();
  }
  const uint32_t file = ++files_mapped_;
  // The words' hashes first, each one's slot prefetched 16 words ahead of
  // its lookup: the merged vocabulary's slots are mostly not in cache.
  constexpr size_t kAhead = 16;
  std::vector<uint64_t> hashes(words.size());
  for (size_t id = 0; id < words.size(); ++id) hashes[id] = Vocabulary::Hash(words[id]);
  for (WordId id = 0; id < words.size(); ++id) {
    if (id + kAhead < words.size()) vocab_.Prefetch(hashes[id + kAhead]);
    const WordId w = vocab_.FindOrInsert(words[id], hashes[id]);
    if (w == Vocabulary::kNotFound) {
      return ResourceExhausted(name + ": merging its vocabulary makes " +
                               Vocabulary::TooManyWords());
    }
    if (w >= word_stamp_.size()) word_stamp_.resize(std::max<size_t>(2 * w, 1024), 0);
    if (word_stamp_[w] == file) {
      return CorruptionError(name + ": the word '" + std::string(words[id]) +
                             "' is twice in its vocabulary (the file is corrupted)");
    }
    word_stamp_[w] = file;
    (*word_map)[id] = w;
  }
  if (pass == Pass::kUnigrams) {
    reading->vocab_hash = hash;
    const uint64_t bytes = word_map->size() * sizeof(WordId);
    if (options_.memory == 0 || kept_map_bytes_ + bytes <= options_.memory / 16) {
      reading->word_map = *word_map;
      reading->kept = true;
      kept_map_bytes_ += reading->word_map.capacity() * sizeof(WordId);
    }
  }
  return Status::OK();
}

// Order 2's child counts: the bigram types of each first word, added up.
Status CounterImpl::AddBigramTypes(BinaryFileReader* reader, const std::vector<WordId>& word_map) {
  std::string raw;
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kChildCounts, 2), &raw));
  if (bigram_types_.size() < vocab_.size()) bigram_types_.resize(vocab_.size(), 0);
  VarintCursor in(raw);
  for (WordId id = 0; id < word_map.size(); ++id) {
    uint64_t c;
    if (!in.Next(&c)) {
      return CorruptionError(reader->name() +
                             ": order 2 has a malformed structure (the file is corrupted)");
    }
    bigram_types_[word_map[id]] += c;
  }
  return Status::OK();
}

// Orders 2..N of the file. A file small beside the budget is added to the
// tables, where the n-grams it shares with the files before it take no
// more room (many small shards then make a few spills of the tables); a
// larger one goes to a spill of its own straight away, a piece at a time.
Status CounterImpl::AddFileNgrams(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                                  const std::vector<uint8_t>* keep) {
  const FileHeader& header = reader->header();
  uint64_t entries = 0, largest = 0;
  for (size_t n = 1; n < header.ngram_counts.size(); ++n) {
    entries += header.ngram_counts[n];
    largest = std::max(largest, header.ngram_counts[n]);
  }
  // With the inserter's buffers (a fixed megabyte or two) and the parents
  // of the order being decoded (AddOrdersToTables).
  const uint64_t table_bytes =
      entries * kTableBytesPerEntry + inserter_.bytes() + largest * sizeof(EntryIndex);
  if (options_.memory == 0 || table_bytes <= options_.memory / 4) {
    if (options_.memory > 0 && TableBytes() + VocabBytes() + table_bytes > options_.memory) {
      GRAMS_RETURN_IF_ERROR(Spill());
    }
    return AddOrdersToTables(reader, word_map, keep);
  }
  // Pieces of a sixteenth of the budget, within [1 MB, 64 MB].
  const uint64_t piece_bytes =
      std::clamp<uint64_t>(options_.memory / 16, uint64_t{1} << 20, uint64_t{64} << 20);
  return count::SpillCountsFile(reader, word_map, keep, piece_bytes, &spills_);
}

// Adds orders 2..N of a counts file read as a stream to the tables (as
// AddCounts does from one in memory), the n-grams of the first words in
// `keep` only when it is given. The file is decoded here, an order at a
// time, and its entries added to the tables on the counting threads
// (count/counts_inserter.h).
Status CounterImpl::AddOrdersToTables(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                                      const std::vector<uint8_t>* keep) {
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  // The file's order n-1 / n entries -> (bucket or kSkippedBucket, index in its table).
  std::vector<uint32_t> prev, cur;
  std::vector<uint16_t> prev_part, cur_part;
  std::string child_counts, words, counts;
  for (int n = 2; n <= static_cast<int>(header.order); ++n) {
    const uint32_t un = static_cast<uint32_t>(n);
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kChildCounts, un), &child_counts));
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kWords, un), &words));
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kCounts, un), &counts));
    GRAMS_RETURN_IF_ERROR(CheckTrieClaims(name, header, n, child_counts, words));
    const uint64_t m = header.ngram_counts[n - 1];
    cur.resize(m);
    cur_part.resize(m);
    // The structure first, with the two-pass decoder (format/order_sections.h):
    // each entry's parent in merge_parents_ (its scratch) and its word's
    // counting id in cur (until its table index replaces it). Were the
    // decoder to start again on its slow path, it only writes these again.
    merge_parents_.resize(m + 1);
    GRAMS_RETURN_IF_ERROR(DecodeTrieLevelFast<false>(
        name, header, n, child_counts, words, merge_parents_.data(),
        [&](WordId fw) { Prefetch(&word_map[fw]); },
        [&](EntryIndex k, EntryIndex fp, WordId fw) {
          merge_parents_[k] = fp;
          cur[k] = word_map[fw];
        }));
    // Then the counts, and the entries to the tables.
    inserter_.StartOrder(n, &cur);
    VarintCursor in_counts(counts);
    bool malformed = false, zero = false;
    // (On corruption the inserts made so far are left: the merge fails.)
    for (uint64_t k = 0; k < m; ++k) {
      uint64_t c;
      if (!in_counts.Next(&c)) {
        malformed = true;
        break;
      }
      zero = zero || c == 0;
      uint32_t parent = 0;
      const uint16_t part =
          count::RouteEntry(n, merge_parents_[k], word_map, keep, prev_part, prev, &parent);
      cur_part[k] = part;
      if (part == count::kSkippedBucket) continue;
      inserter_.Add(static_cast<uint32_t>(k), part, parent, cur[k], c);
    }
    inserter_.Flush();
    if (malformed || !in_counts.at_end()) return MalformedCounts(name, n);
    if (zero) return ZeroCount(name, n);
    prev.swap(cur);
    prev_part.swap(cur_part);
  }
  if (inserter_.overflow()) {
    return ResourceExhausted(
        "too many counts to merge in memory: an n-gram count or the number "
        "of distinct n-grams of one order exceeds 2^32-1");
  }
  return Status::OK();
}

// Slice i of K: the canonical words r whose weights before them (C(r), of
// total T) give floor(C(r) * K / T) = i - 1. A word's weight estimates the
// n-grams it starts: the geometric mean of its count (which overstates
// them for frequent words, whose n-grams repeat) and its bigram types
// summed over the files (which understates them at the higher orders):
// on scale.txt at order 5 (64 shards) the four slices then hold 4.27M to
// 4.72M n-grams, against 2.0M to 6.6M when cut by counts alone. The
// cut depends on the merged counts only, so every
// reducer cuts at the same words; the slices are ranges of the canonical
// order, as the join needs.
Status CounterImpl::PlanSlice(const MergeSlice& slice) {
  // The second reading adds no words and no unigram counts: Finish takes
  // this order as it is.
  slice_by_rank_ = CanonicalOrder();
  const std::vector<WordId>& by_rank = slice_by_rank_;
  bigram_types_.resize(vocab_.size(), 0);
  std::vector<uint64_t> weight(by_rank.size());
  Wide total = 0;
  for (WordId r = 0; r < by_rank.size(); ++r) {
    const WordId w = by_rank[r];
    weight[r] = SqrtFloor(static_cast<Wide>(unigram_counts_[w]) * bigram_types_[w]);
    total += weight[r];
  }
  std::vector<uint64_t>().swap(bigram_types_);
  std::vector<uint32_t>().swap(word_stamp_);  // the second reading adds no words
  const uint64_t K = static_cast<uint64_t>(slice.count);
  keep_.assign(by_rank.size(), 0);
  Wide before = 0;
  const uint64_t mine = static_cast<uint64_t>(slice.index - 1);
  uint64_t lo = 0, hi = 0;  // the ranks in slices before this one, and up to its end
  for (WordId r = 0; r < by_rank.size(); ++r) {
    const uint64_t part =
        total == 0 ? 0 : std::min<uint64_t>(K - 1, static_cast<uint64_t>(before * K / total));
    if (part == mine) keep_[by_rank[r]] = 1;
    lo += part < mine;
    hi += part <= mine;
    before += weight[r];
  }
  info_ = {{"slice", std::to_string(slice.index) + "/" + std::to_string(slice.count)},
           {"slice_words", std::to_string(lo) + " " + std::to_string(hi)}};
  return Status::OK();
}

namespace {

// A counts file to merge, which may itself be compressed (gzip, bzip2, xz,
// zstd: a counts file kept as FILE.counts.zst, or sent through a pipe).
StatusOr<std::unique_ptr<BinaryFileReader>> OpenCountsStream(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  return BinaryFileReader::Open(std::move(in), FileKind::kCounts);
}

// The streaming merge (CounterImpl::MergeCountsFile) of `paths`, of the
// whole or of a slice, then `finish` of the counter. The counter takes its
// order and tokenization from the first file's header (read once: it may
// be standard input). Without a budget (options.memory = 0) every file
// goes to the tables and the counts are sorted in memory.
Status StreamMerge(const std::vector<std::string>& paths, const CountOptions& base,
                   const MergeSlice& slice, const std::function<Status(CounterImpl*)>& finish) {
  if (paths.empty()) return InvalidArgument("no counts files to merge");
  const bool sliced = slice.count > 0;
  if (sliced && (slice.index < 1 || slice.index > slice.count)) {
    return InvalidArgument("slice " + std::to_string(slice.index) + " of " +
                           std::to_string(slice.count) + " does not exist");
  }
  size_t stdin_uses = 0;
  for (const auto& path : paths) stdin_uses += path == "-";
  if (stdin_uses > 1) return InvalidArgument("standard input ('-') given more than once");
  if (sliced && !base.shared_vocab.empty()) {
    return InvalidArgument(
        "a partitioned merge numbers the words canonically: --shared-vocab cannot be given "
        "with it");
  }
  if (sliced && stdin_uses > 0) {
    return InvalidArgument(
        "a partitioned merge reads each counts file twice: standard input cannot be one");
  }
  GRAMS_ASSIGN_OR_RETURN(auto first, OpenCountsStream(paths[0]));
  auto settings = TokenizerSettings::FromKeyValues(first->header().settings);
  if (!settings.ok()) return settings.status().WithContext(first->name());
  CountOptions options = base;
  options.order = std::clamp<int>(static_cast<int>(first->header().order), 1, kMaxOrder);
  options.tokenizer = *settings;
  CounterImpl counter(options);
  // Progress: files read, over both passes of a slice.
  const uint64_t total = paths.size() * (sliced ? 2 : 1);
  uint64_t done = 0;
  auto read = [&](std::unique_ptr<BinaryFileReader> reader, CounterImpl::Pass pass) -> Status {
    if (options.progress) options.progress(Progress{"merging counts files", done, total, "files"});
    GRAMS_RETURN_IF_ERROR(counter.MergeCountsFile(std::move(reader), pass));
    ++done;
    return Status::OK();
  };
  const auto pass1 = sliced ? CounterImpl::Pass::kUnigrams : CounterImpl::Pass::kWhole;
  GRAMS_RETURN_IF_ERROR(read(std::move(first), pass1));
  for (size_t i = 1; i < paths.size(); ++i) {
    GRAMS_ASSIGN_OR_RETURN(auto reader, OpenCountsStream(paths[i]));
    GRAMS_RETURN_IF_ERROR(read(std::move(reader), pass1));
  }
  if (sliced) {
    GRAMS_RETURN_IF_ERROR(counter.PlanSlice(slice));
    for (const auto& path : paths) {
      GRAMS_ASSIGN_OR_RETURN(auto reader, OpenCountsStream(path));
      GRAMS_RETURN_IF_ERROR(read(std::move(reader), CounterImpl::Pass::kNgrams));
    }
  }
  if (options.progress) options.progress(Progress{"merging counts files", done, total, "files"});
  return finish(&counter);
}

}  // namespace

StatusOr<NgramCounts> MergeCountFiles(const std::vector<std::string>& paths,
                                      const CountOptions& options) {
  return GuardAlloc("merging counts files", [&]() -> StatusOr<NgramCounts> {
    count::MemorySink sink;
    GRAMS_RETURN_IF_ERROR(StreamMerge(paths, options, MergeSlice{}, [&](CounterImpl* counter) {
      return counter->Finish(&sink);
    }));
    return std::move(sink.result());
  });
}

Status MergeCountFilesToFile(const std::vector<std::string>& paths, const std::string& out,
                             const CountOptions& options) {
  return MergeCountFilesToFile(paths, out, options, MergeSlice{});
}

Status MergeCountFilesToFile(const std::vector<std::string>& paths, const std::string& out,
                             const CountOptions& options, const MergeSlice& slice) {
  return GuardAlloc("merging counts files", [&] {
    if (slice.count == 0) {
      // Shards numbered alike merge as sorted streams (count/trie_merge.h).
      bool merged = false;
      GRAMS_RETURN_IF_ERROR(count::TrieMergeToFile(paths, out, options, &merged));
      if (merged) return Status::OK();
    }
    return StreamMerge(paths, options, slice, [&](CounterImpl* counter) {
      count::FileSink sink(out, counter->threads());
      sink.set_info(counter->info());
      GRAMS_RETURN_IF_ERROR(counter->Finish(&sink));
      return sink.Finish();
    });
  });
}

}  // namespace grams
