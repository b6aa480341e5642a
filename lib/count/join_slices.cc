// JoinCountSlices: the K slices of a partitioned merge (grams/counts.h,
// docs/SCALING.md) into the whole counts file. Each slice holds the whole
// vocabulary and order 1, and orders 2..N for a range of first words
// (canonical ids [lo, hi), the ranges of slices 1..K following one
// another). A counts file lists every order by first word first, so the
// whole order n is the slices' order n one after the other: its WORDS and
// COUNTS are their payloads concatenated, and its CHILD_COUNTS too (they
// run over the slices' order n-1, concatenated the same way), except at
// order 2, whose child counts run over the whole vocabulary: there each
// word's count comes from the slice that holds the word. The sections are
// compressed again as the counter compresses them, so the file is the
// merge's, byte for byte.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "format/binary_file.h"
#include "format/count_file.h"
#include "format/order_sections.h"
#include "grams/counts.h"
#include "io/file.h"
#include "util/alloc_guard.h"
#include "util/coding.h"

namespace grams {
namespace {

struct Slice {
  std::unique_ptr<BinaryFileReader> reader;
  uint64_t index = 0, count = 0, lo = 0, hi = 0;
};

const std::string* InfoOf(const FileHeader& header, std::string_view key) {
  for (const auto& [k, v] : header.info)
    if (k == key) return &v;
  return nullptr;
}

// "A/B" or "A B" into two numbers.
bool ParsePair(const std::string& s, char sep, uint64_t* a, uint64_t* b) {
  const size_t at = s.find(sep);
  if (at == std::string::npos) return false;
  const char* end = s.data() + s.size();
  auto r1 = std::from_chars(s.data(), s.data() + at, *a);
  auto r2 = std::from_chars(s.data() + at + 1, end, *b);
  return r1.ec == std::errc() && r1.ptr == s.data() + at && r2.ec == std::errc() && r2.ptr == end;
}

Status NotSlice(const std::string& name, const std::string& why) {
  return InvalidArgument(name + ": " + why);
}

// The number of varints in `raw` and their sum; false if malformed.
bool CountVarints(std::string_view raw, uint64_t* n, uint64_t* sum) {
  VarintCursor in(raw);
  *n = 0;
  *sum = 0;
  uint64_t v;
  while (!in.at_end()) {
    if (!in.Next(&v)) return false;
    ++*n;
    *sum += v;
  }
  return true;
}

// The number of varints in `raw` alone, without decoding them: a byte
// below 0x80 ends one. False where GetVarint64 would fail: a varint cut
// off at the end, or whose tenth byte is above 1 (util/coding.h). One
// branch-free pass, several times faster than decoding (order 5's words
// and counts are most of what the join reads).
bool CountVarintsOnly(std::string_view raw, uint64_t* n) {
  uint64_t count = 0;
  uint64_t run = 0;  // continuation bytes since the last end
  bool bad = false;
  for (const char ch : raw) {
    const auto b = static_cast<unsigned char>(ch);
    const bool more = b >= 0x80;
    bad |= run == 9 && b > 1;
    count += !more;
    run = more ? run + 1 : 0;
  }
  *n = count;
  return !bad && run == 0;
}

// Opens the slices of `paths` and reads their slice entries.
Status OpenSlices(const std::vector<std::string>& paths, std::vector<Slice>* out) {
  std::vector<Slice>& slices = *out;
  for (const auto& path : paths) {
    Slice s;
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));  // may be compressed
    GRAMS_ASSIGN_OR_RETURN(s.reader, BinaryFileReader::Open(std::move(in), FileKind::kCounts));
    const FileHeader& h = s.reader->header();
    const std::string& name = s.reader->name();
    const std::string* slice = InfoOf(h, "slice");
    const std::string* range = InfoOf(h, "slice_words");
    if (slice == nullptr || range == nullptr) {
      return NotSlice(name,
                      "is not a slice of a partitioned merge (grams-count --merge --partition "
                      "I/K makes them)");
    }
    if (!ParsePair(*slice, '/', &s.index, &s.count) || s.count < 1 || s.index < 1 ||
        s.index > s.count || !ParsePair(*range, ' ', &s.lo, &s.hi) || s.lo > s.hi ||
        s.hi > h.vocab_size) {
      return NotSlice(name, "has a malformed slice entry (the file is corrupted)");
    }
    slices.push_back(std::move(s));
  }
  return Status::OK();
}

// Sorts the slices and checks that they are the K slices of one merge,
// each once, their word ranges end to end.
Status CheckSlices(std::vector<Slice>* all) {
  std::vector<Slice>& slices = *all;
  std::sort(slices.begin(), slices.end(),
            [](const Slice& a, const Slice& b) { return a.index < b.index; });
  const FileHeader& h0 = slices[0].reader->header();
  const uint64_t K = slices[0].count;
  for (size_t i = 0; i < slices.size(); ++i) {
    const Slice& s = slices[i];
    const FileHeader& h = s.reader->header();
    const std::string& name = s.reader->name();
    if (s.count != K) {
      return NotSlice(name, "is slice " + std::to_string(s.index) + "/" + std::to_string(s.count) +
                                ", but " + slices[0].reader->name() + " is of " +
                                std::to_string(K) + " slices");
    }
    if (i > 0 && s.index == slices[i - 1].index) {
      return NotSlice(name, "is slice " + std::to_string(s.index) + "/" + std::to_string(K) +
                                " again (so is " + slices[i - 1].reader->name() + ")");
    }
    if (s.index != i + 1) break;  // a missing slice, reported below
    if (h.order != h0.order || h.vocab_size != h0.vocab_size || h.sentences != h0.sentences ||
        h.tokens != h0.tokens || h.settings != h0.settings) {
      return NotSlice(name, "is not a slice of the same merge as " + slices[0].reader->name() +
                                " (its order, settings, vocabulary or totals differ)");
    }
    const uint64_t expected_lo = i == 0 ? 0 : slices[i - 1].hi;
    if (s.lo != expected_lo || (s.index == K && s.hi != h.vocab_size)) {
      return NotSlice(name, "does not start where slice " + std::to_string(i) +
                                " ends, or does not end at the last word (the file is corrupted)");
    }
  }
  for (uint64_t i = 0; i < K; ++i) {
    if (i >= slices.size() || slices[i].index != i + 1) {
      return InvalidArgument("slice " + std::to_string(i + 1) + "/" + std::to_string(K) +
                             " is missing (" + std::to_string(slices.size()) + " given)");
    }
  }
  return Status::OK();
}

// Order 1, the same in every slice: the vocabulary and unigram count
// sections of the first, checked against the others'.
Status ReadUnigrams(std::vector<Slice>* all, std::string* vocab_out, std::string* unigrams_out) {
  std::vector<Slice>& slices = *all;
  std::string& vocab = *vocab_out;
  std::string& unigrams = *unigrams_out;
  std::string raw;
  for (size_t i = 0; i < slices.size(); ++i) {
    BinaryFileReader& r = *slices[i].reader;
    std::string* v = i == 0 ? &vocab : &raw;
    GRAMS_RETURN_IF_ERROR(r.Next(SectionId(SectionType::kVocab, 0), v));
    if (i > 0 && raw != vocab) {
      return NotSlice(r.name(), "is not a slice of the same merge as " + slices[0].reader->name() +
                                    " (its vocabulary differs)");
    }
    std::string* c = i == 0 ? &unigrams : &raw;
    GRAMS_RETURN_IF_ERROR(r.Next(SectionId(SectionType::kCounts, 1), c));
    if (i > 0 && raw != unigrams) {
      return NotSlice(r.name(), "is not a slice of the same merge as " + slices[0].reader->name() +
                                    " (its unigram counts differ)");
    }
  }
  return Status::OK();
}

// Order n (>= 2) of the whole: the slices' sections end to end, but for
// order 2's child counts, which are per word and combined word by word.
Status JoinOrder(int n, std::vector<Slice>* all, uint64_t vocab_size, OrderSections* out) {
  std::vector<Slice>& slices = *all;
  OrderSections& joined = *out;
  std::string raw;
  const uint32_t un = static_cast<uint32_t>(n);
  std::vector<uint64_t> child2;  // order 2: per word
  if (n == 2) child2.assign(vocab_size, 0);
  for (Slice& s : slices) {
    BinaryFileReader& r = *s.reader;
    const FileHeader& h = r.header();
    auto corrupt = [&] {
      return CorruptionError(r.name() + ": order " + std::to_string(n) +
                             " of the slice is malformed (the file is corrupted)");
    };
    GRAMS_RETURN_IF_ERROR(r.Next(SectionId(SectionType::kChildCounts, un), &raw));
    uint64_t m, sum;
    if (!CountVarints(raw, &m, &sum) || m != h.ngram_counts[n - 2] ||
        sum != h.ngram_counts[n - 1]) {
      return corrupt();
    }
    if (n == 2) {
      VarintCursor in(raw);
      for (uint64_t w = 0; w < m; ++w) {
        uint64_t c = 0;
        in.Next(&c);
        if (c == 0) continue;
        if (w < s.lo || w >= s.hi) return corrupt();  // a first word of another slice
        child2[w] = c;
      }
    } else {
      joined.child_counts += raw;
    }
    GRAMS_RETURN_IF_ERROR(r.Next(SectionId(SectionType::kWords, un), &raw));
    if (!CountVarintsOnly(raw, &m) || m != h.ngram_counts[n - 1]) return corrupt();
    joined.words += raw;
    GRAMS_RETURN_IF_ERROR(r.Next(SectionId(SectionType::kCounts, un), &raw));
    if (!CountVarintsOnly(raw, &m) || m != h.ngram_counts[n - 1]) return corrupt();
    joined.counts += raw;
  }
  if (n == 2) {
    for (uint64_t c : child2) PutVarint64(&joined.child_counts, c);
  }
  return Status::OK();
}

Status Join(const std::vector<std::string>& paths, const std::string& out) {
  if (paths.empty()) return InvalidArgument("no slices to join");
  if (std::count(paths.begin(), paths.end(), "-") > 1) {
    return InvalidArgument("standard input ('-') given more than once");
  }
  std::vector<Slice> slices;
  GRAMS_RETURN_IF_ERROR(OpenSlices(paths, &slices));
  GRAMS_RETURN_IF_ERROR(CheckSlices(&slices));
  const FileHeader& h0 = slices[0].reader->header();
  const int N = static_cast<int>(h0.order);
  std::vector<uint64_t> sizes(N, 0);
  sizes[0] = h0.vocab_size;
  for (const Slice& s : slices)
    for (int n = 2; n <= N; ++n) sizes[n - 1] += s.reader->header().ngram_counts[n - 1];
  auto settings = TokenizerSettings::FromKeyValues(h0.settings);
  if (!settings.ok()) return settings.status().WithContext(slices[0].reader->name());
  std::string vocab, unigrams;
  GRAMS_RETURN_IF_ERROR(ReadUnigrams(&slices, &vocab, &unigrams));
  GRAMS_ASSIGN_OR_RETURN(auto writer,
                         CountsFileWriter::Open(out, *settings, sizes, h0.sentences, h0.tokens));
  writer->AddUnigramsEncoded(std::move(vocab), std::move(unigrams));
  for (int n = 2; n <= N; ++n) {
    OrderSections joined;
    GRAMS_RETURN_IF_ERROR(JoinOrder(n, &slices, sizes[0], &joined));
    writer->AddOrderEncoded(std::move(joined));
  }
  for (Slice& s : slices) GRAMS_RETURN_IF_ERROR(s.reader->Finish());
  return writer->Finish();
}

}  // namespace

Status RefuseCountSlice(const FileHeader& header, const std::string& name) {
  const std::string* slice = InfoOf(header, "slice");
  if (slice == nullptr) return Status::OK();
  uint64_t index = 0, count = 0;
  const std::string which = ParsePair(*slice, '/', &index, &count)
                                ? "slice " + std::to_string(index) + " of " + std::to_string(count)
                                : "a slice ('" + *slice + "')";
  return InvalidArgument(name + ": is " + which +
                         " of a partitioned merge (grams-count --merge --partition), only part of "
                         "the counts: join the slices with grams-count --join first");
}

Status JoinCountSlices(const std::vector<std::string>& slices, const std::string& path) {
  return GuardAlloc("joining counts slices", [&] { return Join(slices, path); });
}

}  // namespace grams
