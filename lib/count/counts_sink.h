// Where a counter's finished counts go: a counts file (FileSink) or an
// NgramCounts in memory (MemorySink). The counter hands over the
// vocabulary first, then the sorted orders 2, 3, ... in turn, each either
// as arrays (sorted in memory) or entry by entry in trie order (the external
// merge, which never holds an order's arrays).
#ifndef GRAMS_COUNT_COUNTS_SINK_H_
#define GRAMS_COUNT_COUNTS_SINK_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/count_file.h"
#include "format/order_sections.h"
#include "grams/counts.h"

namespace grams::count {

class CountsSink {
 public:
  virtual ~CountsSink() = default;
  // First, once the size of every order is known (sizes[n-1]: the n-grams
  // of order n): `out` holds the settings, totals and unigram counts (which
  // the sink may take), `words` the vocabulary in canonical order.
  virtual Status Start(NgramCounts* out, const std::vector<std::string_view>& words,
                       const std::vector<uint64_t>& sizes) = 0;
  // Then each order n = 2, 3, ... in turn, either whole (the sink may take
  // the arrays) ...
  virtual Status Order(int n, TrieLevel* level, std::vector<Count>* counts) = 0;
  // ... or, to a sink that TakesEncoded(), as its counts-file sections
  // (EncodeOrder's) ...
  virtual bool TakesEncoded() const { return false; }
  virtual Status OrderEncoded(int n, OrderSections sections);
  // ... or as BeginOrder(n), then Add() for each of its sizes[n-1] entries
  // in trie order, then EndOrder(). REQUIRES: parent < sizes[n-2], and
  // (parent, word) strictly ascending.
  virtual void BeginOrder(int n) = 0;
  virtual void Add(uint64_t parent, WordId word, Count count) = 0;
  virtual Status EndOrder() = 0;
};

// Writes the counts file order by order (CountsFileWriter), so that an order
// is released as soon as it is written.
class FileSink : public CountsSink {
 public:
  // `threads` encode each order given whole.
  FileSink(const std::string& path, int threads) : path_(path), threads_(threads) {}
  // The header's info entries (a slice's), before Start.
  void set_info(std::vector<std::pair<std::string, std::string>> info) { info_ = std::move(info); }
  Status Start(NgramCounts* out, const std::vector<std::string_view>& words,
               const std::vector<uint64_t>& sizes) override;
  Status Order(int n, TrieLevel* level, std::vector<Count>* counts) override;
  bool TakesEncoded() const override { return true; }
  Status OrderEncoded(int n, OrderSections sections) override;
  void BeginOrder(int n) override;
  void Add(uint64_t parent, WordId word, Count count) override {
    encoder_->Add(parent, word, count);
  }
  Status EndOrder() override;
  // Last: finishes the file (and renames it into place).
  Status Finish();

 private:
  std::string path_;
  int threads_;
  std::vector<uint64_t> sizes_;
  std::vector<std::pair<std::string, std::string>> info_;
  std::unique_ptr<CountsFileWriter> writer_;
  std::unique_ptr<OrderSectionsEncoder> encoder_;  // the order being added
};

// Collects the counts into an NgramCounts.
class MemorySink : public CountsSink {
 public:
  Status Start(NgramCounts* out, const std::vector<std::string_view>& words,
               const std::vector<uint64_t>& sizes) override;
  Status Order(int n, TrieLevel* level, std::vector<Count>* counts) override;
  void BeginOrder(int n) override;
  void Add(uint64_t parent, WordId word, Count count) override {
    level_->parents.push_back(static_cast<EntryIndex>(parent));
    level_->words.push_back(word);
    counts_->push_back(count);
  }
  Status EndOrder() override;
  NgramCounts& result() { return result_; }

 private:
  NgramCounts result_;
  std::vector<uint64_t> sizes_;
  int n_ = 0;  // the order being added
  TrieLevel* level_ = nullptr;
  std::vector<Count>* counts_ = nullptr;
};

}  // namespace grams::count

#endif  // GRAMS_COUNT_COUNTS_SINK_H_
