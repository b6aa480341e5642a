#include "count/shard_spill.h"

#include <string>

#include "count/order_table.h"
#include "format/order_sections.h"
#include "util/coding.h"

namespace grams::count {
namespace {

// The entries of one order of one file, per bucket, as spill parts.
class PieceBuffers {
 public:
  PieceBuffers(SpillStore* spills, uint64_t piece_bytes)
      : spills_(spills), piece_bytes_(piece_bytes), buf_(kBuckets), entries_(kBuckets, 0) {}

  void StartOrder(int n) {
    n_ = n;
    numbered_.assign(kBuckets, 0);
  }
  // Adds an entry to bucket b; returns its index in the bucket's order.
  uint32_t Add(int b, uint64_t parent, uint64_t word, uint64_t count) {
    std::string& s = buf_[b];
    const size_t before = s.size();
    PutVarint64(&s, parent);
    PutVarint64(&s, word);
    PutVarint64(&s, count);
    buffered_ += s.size() - before;
    ++entries_[b];
    return numbered_[b]++;
  }
  bool full() const { return buffered_ >= piece_bytes_; }
  // Writes every bucket's buffered entries as a piece.
  Status Flush() {
    std::string raw;
    for (int b = 0; b < kBuckets; ++b) {
      if (entries_[b] == 0) continue;
      raw.clear();
      PutVarint64(&raw, entries_[b]);
      raw += buf_[b];
      GRAMS_RETURN_IF_ERROR(spills_->AddPiece(b, n_, raw, entries_[b]));
      buf_[b].clear();
      entries_[b] = 0;
    }
    buffered_ = 0;
    return Status::OK();
  }

 private:
  SpillStore* spills_;
  uint64_t piece_bytes_;
  int n_ = 2;
  std::vector<std::string> buf_;
  std::vector<uint64_t> entries_;   // buffered, per bucket
  std::vector<uint32_t> numbered_;  // of the order so far, per bucket
  uint64_t buffered_ = 0;
};

}  // namespace

Status SpillCountsFile(BinaryFileReader* reader, const std::vector<WordId>& word_map,
                       const std::vector<uint8_t>* keep, uint64_t piece_bytes, SpillStore* spills) {
  const FileHeader& header = reader->header();
  const std::string& name = reader->name();
  const int N = static_cast<int>(header.order);
  if (N < 2) return Status::OK();
  GRAMS_RETURN_IF_ERROR(spills->BeginSpill());
  PieceBuffers pieces(spills, piece_bytes);
  // Per entry of the file's order n-1 (prev) and n (cur): its bucket (or
  // kSkippedBucket) and its index there.
  std::vector<uint16_t> prev_bucket, cur_bucket;
  std::vector<uint32_t> prev_index, cur_index;
  std::string child_counts, words, counts;
  for (int n = 2; n <= N; ++n) {
    GRAMS_RETURN_IF_ERROR(reader->Next(
        SectionId(SectionType::kChildCounts, static_cast<uint32_t>(n)), &child_counts));
    GRAMS_RETURN_IF_ERROR(
        reader->Next(SectionId(SectionType::kWords, static_cast<uint32_t>(n)), &words));
    GRAMS_RETURN_IF_ERROR(
        reader->Next(SectionId(SectionType::kCounts, static_cast<uint32_t>(n)), &counts));
    GRAMS_RETURN_IF_ERROR(CheckTrieClaims(name, header, n, child_counts, words));
    const uint64_t size = header.ngram_counts[n - 1];
    cur_bucket.resize(size);
    cur_index.resize(size);
    pieces.StartOrder(n);
    VarintCursor in_counts(counts);
    bool malformed = false, zero = false;
    Status flushed;
    GRAMS_RETURN_IF_ERROR(VisitTrieLevel(
        name, header, n, child_counts, words, [&](EntryIndex k, EntryIndex parent, WordId word) {
          uint64_t c = 1;
          if (!in_counts.Next(&c)) malformed = true;
          zero = zero || c == 0;
          uint32_t key = 0;  // the parent as spilled
          const uint16_t b = RouteEntry(n, parent, word_map, keep, prev_bucket, prev_index, &key);
          cur_bucket[k] = b;
          if (b == kSkippedBucket) return;
          cur_index[k] = pieces.Add(b, key, word_map[word], c);
          if (pieces.full() && flushed.ok()) flushed = pieces.Flush();
        }));
    if (malformed || !in_counts.at_end()) return MalformedCounts(name, n);
    if (zero) return ZeroCount(name, n);
    GRAMS_RETURN_IF_ERROR(flushed);
    GRAMS_RETURN_IF_ERROR(pieces.Flush());
    prev_bucket.swap(cur_bucket);
    prev_index.swap(cur_index);
  }
  return Status::OK();
}

}  // namespace grams::count
