#include "count/group_run.h"

#include "util/coding.h"

namespace grams::count {

std::string GroupRunWriter::Encode(int n, const TrieLevel& level,
                                   const std::vector<Count>& counts) {
  std::string out;
  std::vector<uint64_t> block;  // the open block's entries, three varints each
  auto close_block = [&] {
    if (blocks_.empty()) return;
    const uint32_t before = blocks_.size() >= 2 ? blocks_[blocks_.size() - 2].first : 0;
    PutVarint64(&out, blocks_.back().first - before);
    PutVarint64(&out, block.size() / 3);
    for (uint64_t v : block) PutVarint64(&out, v);
    block.clear();
  };
  blocks_.clear();
  uint32_t last_offset = 0;
  WordId last_word = 0;
  size_t lb = 0;  // the block of lower_ that holds the parent
  for (size_t k = 0; k < level.size(); ++k) {
    const uint32_t parent = level.parents[k];
    uint32_t first = parent, offset = 0;
    if (n > 2) {
      while (lb + 1 < lower_.size() && lower_[lb + 1].second <= parent) ++lb;
      first = lower_[lb].first;
      offset = parent - lower_[lb].second;
    }
    bool new_parent = offset != last_offset;
    if (blocks_.empty() || first != blocks_.back().first) {
      close_block();
      blocks_.emplace_back(first, static_cast<uint32_t>(k));
      last_offset = 0;
      new_parent = true;
    }
    const WordId word = level.words[k];
    block.push_back(offset - last_offset);
    block.push_back(new_parent ? word : word - last_word - 1);
    block.push_back(counts[k]);
    last_offset = offset;
    last_word = word;
  }
  close_block();
  lower_.swap(blocks_);
  return out;
}

GroupRunReader::GroupRunReader(const io::TempFile* file, const io::FrameRef& frame,
                               uint64_t vocab_size)
    : reader_(file, frame), dir_(file->dir()), vocab_size_(vocab_size) {}

bool GroupRunReader::Corrupt() {
  status_ = reader_.status();
  if (status_.ok()) status_ = CorruptionError("a temporary file in " + dir_ + " is corrupted");
  return false;
}

bool GroupRunReader::NextBlock() {
  uint64_t delta = 0;
  if (!reader_.Varint(&delta)) {
    status_ = reader_.status();  // OK at the end of the run
    return false;
  }
  first_word_ = first_block_ ? delta : first_word_ + delta;
  first_block_ = false;
  if (!reader_.Varint(&size_) || first_word_ >= vocab_size_) return Corrupt();
  first_entry_ = true;
  offset_ = 0;
  return true;
}

bool GroupRunReader::NextEntry(uint64_t* offset, WordId* word, Count* count) {
  uint64_t offset_delta = 0, word_code = 0;
  if (!reader_.Varints(&offset_delta, &word_code, count)) {
    return Corrupt();
  }
  if (word_code >= vocab_size_) return Corrupt();
  const bool new_parent = first_entry_ || offset_delta != 0;
  first_entry_ = false;
  offset_ += offset_delta;
  word_ = new_parent ? word_code : word_ + word_code + 1;
  if (word_ >= vocab_size_) return Corrupt();
  *offset = offset_;
  *word = static_cast<WordId>(word_);
  return true;
}

}  // namespace grams::count
