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

// Adds one frame's content into `tables`; prev and cur are scratch.
Status DecodeBucket(const std::string& raw, BucketTables* tables, std::vector<uint32_t>* prev,
                    std::vector<uint32_t>* cur, const std::string& dir) {
  const char* p = raw.data();
  const char* end = p + raw.size();
  bool overflow = false;
  for (size_t k = 0; k < tables->size(); ++k) {
    OrderTable& table = (*tables)[k];
    uint64_t m;
    if (!GetVarint64(&p, end, &m))
      return CorruptionError("a temporary file in " + dir + " is corrupted");
    cur->resize(m);
    for (uint64_t i = 0; i < m; ++i) {
      uint64_t parent, word, count;
      if (!GetVarint64(&p, end, &parent) || !GetVarint64(&p, end, &word) ||
          !GetVarint64(&p, end, &count) || (k > 0 && parent >= prev->size())) {
        return CorruptionError("a temporary file in " + dir + " is corrupted");
      }
      // An entry index of this frame becomes one of the tables.
      const uint32_t par = k == 0 ? static_cast<uint32_t>(parent) : (*prev)[parent];
      const uint32_t w = static_cast<uint32_t>(word);
      (*cur)[i] = table.Increment(par, w, KeyHash(par, w), &overflow, count);
    }
    prev->swap(*cur);
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
        spill[b].frame = *ref;
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

Status SpillStore::Load(int b, BucketTables* tables) const {
  std::string raw;
  std::vector<uint32_t> prev, cur;
  for (const auto& spill : spills_) {
    const Spilled& s = spill[b];
    if (s.entries == 0) continue;
    GRAMS_RETURN_IF_ERROR(io::ReadFrame(*file_, s.frame, &raw));
    GRAMS_RETURN_IF_ERROR(DecodeBucket(raw, tables, &prev, &cur, file_->dir()));
  }
  return Status::OK();
}

void SpillStore::Clear() {
  file_.reset();
  spills_.clear();
}

}  // namespace grams::count
