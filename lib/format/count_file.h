// Internal: writing a counts file order by order, so that a counter can
// write each order as soon as it is sorted and release it (peak memory: one
// order, not all). The one place that knows the counts file's section order:
// vocabulary, order 1's counts, then for each order n >= 2 its child counts,
// words and counts (docs/FORMAT.md).
#ifndef GRAMS_FORMAT_COUNT_FILE_H_
#define GRAMS_FORMAT_COUNT_FILE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "format/binary_file.h"
#include "format/order_sections.h"
#include "grams/counts.h"

namespace grams {

// ReadCountsFile on a stream already open (whose first bytes a caller may
// have peeked at, io::PeekHead).
StatusOr<NgramCounts> ReadCountsFile(std::unique_ptr<io::InputStream> in);
// The same from a reader whose header a caller has already checked.
StatusOr<NgramCounts> ReadCountsFile(std::unique_ptr<BinaryFileReader> reader);

// InvalidArgument, naming the file, when the header is a slice of a
// partitioned merge (its `slice` info entry): a part of the counts that
// only grams-count --join reads (defined in count/join_slices.cc).
Status RefuseCountSlice(const FileHeader& header, const std::string& name);

// A section of a counts file compressed as CountsFileWriter would, before
// the file is open (CountsFileWriter::AddCompressedFrom writes them). Any
// thread.
StatusOr<CompressedSection> CompressCountsSection(uint32_t id, std::string_view raw);

class CountsFileWriter {
 public:
  // `ngram_counts[n-1]`: the number of n-grams order n will have. `info`:
  // the header's info entries (none in a whole counts file; a slice of a
  // partitioned merge has its own, docs/FORMAT.md).
  static StatusOr<std::unique_ptr<CountsFileWriter>> Open(
      const std::string& path, const TokenizerSettings& settings,
      const std::vector<uint64_t>& ngram_counts, uint64_t sentences, uint64_t tokens,
      const std::vector<std::pair<std::string, std::string>>& info = {});

  // First: the vocabulary and the unigram counts (order 1).
  void AddUnigrams(const Vocabulary& vocab, const std::vector<Count>& counts);
  // The same with the words in id order.
  void AddUnigrams(const std::vector<std::string_view>& words, const std::vector<Count>& counts);
  // The same with the two sections already encoded (VOCAB, COUNTS(1)).
  void AddUnigramsEncoded(std::string vocab, std::string counts);
  // Then each order n = 2, 3, ... in turn, encoded on `threads` threads
  // (two at least).
  void AddOrder(size_t lower_size, const TrieLevel& level, const std::vector<Count>& counts,
                int threads = 1);
  // The same with the three sections already encoded (OrderSectionsEncoder).
  void AddOrderEncoded(OrderSections sections);
  // Sections CompressCountsSection made, in their place in the order
  // above, kept in a file (BinaryFileWriter::AddCompressedFrom).
  Status AddCompressedFrom(const io::TempFile& file, uint64_t begin, uint64_t end,
                           uint64_t sections) {
    return writer_->AddCompressedFrom(file, begin, end, sections);
  }
  // Waits for the sections in flight and writes them (BinaryFileWriter::Flush).
  void Flush() { writer_->Flush(); }
  Status Finish() { return writer_->Finish(); }

 private:
  explicit CountsFileWriter(std::unique_ptr<BinaryFileWriter> w) : writer_(std::move(w)) {}
  std::unique_ptr<BinaryFileWriter> writer_;
  int next_order_ = 1;
};

}  // namespace grams

#endif  // GRAMS_FORMAT_COUNT_FILE_H_
