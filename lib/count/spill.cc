#include "count/spill.h"

#include <mutex>

#include "util/coding.h"
#include "util/threads.h"

namespace grams::count {
namespace {

constexpr int kSpillZstdLevel = 1;

// Appends one table's part of a frame (the layout in spill.h).
void EncodeTable(const OrderTable& table, std::string* raw) {
  PutVarint64(raw, table.size());
  for (const CountEntry& e : table.entries()) {
    PutVarint64(raw, e.parent);
    PutVarint64(raw, e.word);
    PutVarint64(raw, e.count);
  }
}

// Entries of one order's part of a piece, decoded before they are added,
// kChunk at a time.
constexpr uint64_t kChunk = uint64_t{1} << 16;
struct Decoded {
  uint32_t parent, word, hash;
  uint64_t count;
};

// Adds one spill's pieces of a bucket into `tables`; prev and cur are
// scratch (the spill's entries of the order before and of this one ->
// entries of the tables), and so is `part`. Each order's part of a piece
// is decoded a chunk at a time, then added with the slots kPrefetchDistance
// keys ahead prefetched (the keys of one part are independent): the reload was
// a third of the external merge's time, waiting on each probe in turn.
Status DecodeBucket(const io::TempFile& file, const std::vector<SpillStore::Piece>& pieces,
                    BucketTables* tables, std::string* raw, std::vector<uint32_t>* prev,
                    std::vector<uint32_t>* cur, std::vector<Decoded>* part) {
  const std::string& dir = file.dir();
  auto corrupt = [&dir] { return CorruptionError("a temporary file in " + dir + " is corrupted"); };
  bool overflow = false;
  int order = 1;  // of the part read last
  prev->clear();
  cur->clear();
  for (const SpillStore::Piece& piece : pieces) {
    GRAMS_RETURN_IF_ERROR(io::ReadFrame(file, piece.frame, raw));
    const char* p = raw->data();
    const char* end = p + raw->size();
    for (int n = piece.first_order; p != end; ++n) {
      if (n != order) {  // a new order: this one's entries become the parents
        if (n != order + 1) return corrupt();
        prev->swap(*cur);
        cur->clear();
        order = n;
      }
      if (n - 2 >= static_cast<int>(tables->size())) return corrupt();
      OrderTable& table = (*tables)[n - 2];
      uint64_t m;
      // At least 3 bytes an entry.
      if (!GetVarint64(&p, end, &m) || m > static_cast<uint64_t>(end - p) / 3) return corrupt();
      // In chunks of 64K entries, so that `part` stays small (1.5 MB)
      // whatever the piece.
      for (uint64_t from = 0; from < m; from += kChunk) {
        const uint64_t size = std::min<uint64_t>(kChunk, m - from);
        part->resize(size);
        for (uint64_t i = 0; i < size; ++i) {
          uint64_t parent, word, count;
          if (!GetVarint64(&p, end, &parent) || !GetVarint64(&p, end, &word) ||
              !GetVarint64(&p, end, &count) || (n > 2 && parent >= prev->size()) ||
              parent > UINT32_MAX || word > UINT32_MAX) {
            return corrupt();
          }
          // An entry index of this spill becomes one of the tables.
          Decoded& d = (*part)[i];
          d.parent = n == 2 ? static_cast<uint32_t>(parent) : (*prev)[parent];
          d.word = static_cast<uint32_t>(word);
          d.hash = KeyHash(d.parent, d.word);
          d.count = count;
        }
        const Decoded* keys = part->data();
        for (uint64_t i = 0; i < size; ++i) {
          if (i + kPrefetchDistance < size) table.Prefetch(keys[i + kPrefetchDistance].hash);
          if (i + kPrefetchDistance / 2 < size)
            table.PrefetchEntry(keys[i + kPrefetchDistance / 2].hash);
          const Decoded& d = keys[i];
          cur->push_back(table.Increment(d.parent, d.word, d.hash, &overflow, d.count));
        }
      }
    }
  }
  if (overflow) {
    return ResourceExhausted(
        "too many counts: an n-gram count or the number of distinct "
        "n-grams of one order exceeds 2^32-1");
  }
  return Status::OK();
}

}  // namespace

Status SpillStore::Spill(std::vector<BucketTables>* buckets, int threads, uint64_t reserve) {
  if (!file_) {
    GRAMS_ASSIGN_OR_RETURN(file_, io::TempFile::Create(temp_dir_));
  }
  spills_.emplace_back(kBuckets);
  std::vector<Spilled>& spill = spills_.back();
  std::mutex mu;
  std::vector<Status> status(threads);
  RunOnThreads(threads, [&](int t) {
    std::string raw;
    for (int b = t; b < kBuckets && status[t].ok(); b += threads) {
      raw.clear();
      uint64_t entries = 0;
      for (OrderTable& table : (*buckets)[b]) {  // each freed once encoded
        EncodeTable(table, &raw);
        entries += table.size();
        table = OrderTable();
        table.Reserve(reserve);
      }
      spill[b].entries = entries;
      if (spill[b].entries == 0) continue;
      std::lock_guard<std::mutex> lock(mu);
      auto ref = io::AppendFrame(file_.get(), raw, kSpillZstdLevel);
      if (!ref.ok()) {
        status[t] = ref.status();
      } else {
        spill[b].pieces.push_back({*ref, 2});
      }
    }
  });
  for (const Status& s : status) GRAMS_RETURN_IF_ERROR(s);
  return Status::OK();
}

uint64_t SpillStore::Entries(int b) const {
  uint64_t entries = 0;
  for (const auto& spill : spills_) entries += spill[b].entries;
  return entries;
}

Status SpillStore::BeginSpill() {
  if (!file_) {
    GRAMS_ASSIGN_OR_RETURN(file_, io::TempFile::Create(temp_dir_));
  }
  spills_.emplace_back(kBuckets);
  return Status::OK();
}

Status SpillStore::AddPiece(int b, int first_order, const std::string& raw, uint64_t entries) {
  GRAMS_ASSIGN_OR_RETURN(io::FrameRef ref, io::AppendFrame(file_.get(), raw, kSpillZstdLevel));
  Spilled& s = spills_.back()[b];
  s.pieces.push_back({ref, first_order});
  s.entries += entries;
  return Status::OK();
}

Status SpillStore::Load(int b, BucketTables* tables) const {
  std::string raw;
  std::vector<uint32_t> prev, cur;
  std::vector<Decoded> part;
  for (const auto& spill : spills_) {
    const Spilled& s = spill[b];
    if (s.pieces.empty()) continue;
    GRAMS_RETURN_IF_ERROR(DecodeBucket(*file_, s.pieces, tables, &raw, &prev, &cur, &part));
  }
  return Status::OK();
}

void SpillStore::Clear() {
  file_.reset();
  spills_.clear();
}

}  // namespace grams::count
