#include "count/counts_sink.h"

#include <string>

namespace grams::count {

Status FileSink::Start(NgramCounts* out, const std::vector<std::string_view>& words,
                       const std::vector<uint64_t>& sizes) {
  sizes_ = sizes;
  GRAMS_ASSIGN_OR_RETURN(writer_, CountsFileWriter::Open(path_, out->settings, sizes,
                                                         out->sentences, out->tokens, info_));
  writer_->AddUnigrams(words, out->counts[0]);
  std::vector<Count>().swap(out->counts[0]);
  return Status::OK();
}

Status FileSink::Order(int n, TrieLevel* level, std::vector<Count>* counts) {
  writer_->AddOrder(sizes_[n - 2], *level, *counts, threads_);
  *level = TrieLevel();
  std::vector<Count>().swap(*counts);
  return Status::OK();
}

Status CountsSink::OrderEncoded(int n, OrderSections) {
  return InternalError("order " + std::to_string(n) + " given encoded to a sink that takes arrays");
}

Status FileSink::OrderEncoded(int, OrderSections sections) {
  writer_->AddOrderEncoded(std::move(sections));
  return Status::OK();
}

void FileSink::BeginOrder(int n) {
  encoder_ = std::make_unique<OrderSectionsEncoder>(sizes_[n - 2]);
}

Status FileSink::EndOrder() {
  writer_->AddOrderEncoded(encoder_->Finish());
  encoder_.reset();
  // The external merge's orders come under a budget: the next one is not
  // encoded while this one is compressed (one order's sections in memory
  // at a time, docs/RELIABILITY.md).
  writer_->Flush();
  return Status::OK();
}

Status FileSink::Finish() {
  if (!writer_) return InternalError("counts writer never opened");
  return writer_->Finish();
}

Status MemorySink::Start(NgramCounts* out, const std::vector<std::string_view>& words,
                         const std::vector<uint64_t>& sizes) {
  if (!Vocabulary::FromWords(words, &out->vocab)) return InternalError("vocabulary remap failed");
  sizes_ = sizes;
  result_ = std::move(*out);
  return Status::OK();
}

Status MemorySink::Order(int n, TrieLevel* level, std::vector<Count>* counts) {
  result_.trie.levels[n - 1] = std::move(*level);
  result_.counts[n - 1] = std::move(*counts);
  return Status::OK();
}

void MemorySink::BeginOrder(int n) {
  n_ = n;
  level_ = &result_.trie.levels[n - 1];
  counts_ = &result_.counts[n - 1];
  *level_ = TrieLevel();
  counts_->clear();
  level_->parents.reserve(sizes_[n - 1]);
  level_->words.reserve(sizes_[n - 1]);
  counts_->reserve(sizes_[n - 1]);
}

Status MemorySink::EndOrder() {
  if (level_->size() != sizes_[n_ - 1]) {
    return InternalError("order " + std::to_string(n_) + " has " + std::to_string(level_->size()) +
                         " n-grams, not the " + std::to_string(sizes_[n_ - 1]) + " announced");
  }
  level_ = nullptr;
  counts_ = nullptr;
  return Status::OK();
}

}  // namespace grams::count
