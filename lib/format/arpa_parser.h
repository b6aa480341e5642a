// The ARPA reader's parser, in one streaming pass (ReadArpa, grams/model_io.h,
// is its entry point). Its parts, one file each:
//
//   arpa_header.cc    the comment lines before \data\ (grams' tokenizer and
//                     provenance lines) and the \data\ counts
//   arpa_sections.cc  the n-gram sections: the 1-grams build the vocabulary;
//                     lines of higher orders are parsed (fields, numbers,
//                     word hashes) into a batch of a few hundred, and the
//                     batch then looks up its words and, order by order, the
//                     index of each line's context (first n-1 words) in the
//                     order below through a (parent, word) -> index hash map
//                     (arpa_tables.h), prefetching every lookup of the batch
//                     before making any, so the cache misses of these large
//                     tables overlap; entries are appended in file order
//   arpa_missing.cc   the n-grams the file lacks but lookups need, added with
//                     the probabilities the backoff rule gives them: the
//                     contexts (first n-1 words) of longer n-grams, while
//                     reading; then, once every section is read, the
//                     suffixes (last n-1 words) of longer n-grams, the
//                     blanks (Model::blanks), found through suffix links
//   arpa_reader.cc    the checks between sections, then each order put in
//                     trie order (by parent, then word) with a radix sort,
//                     order by order, remapping the parents of the next order
//                     through the permutation of the one below (orders
//                     already in trie order, as our writer makes them, are
//                     kept); the Model; ReadArpa
//
// No per-line allocation: lines are views into the reader's buffer, fields
// are views into the line, numbers go through std::from_chars. Not
// thread-safe: one parser reads one file.
#ifndef GRAMS_FORMAT_ARPA_PARSER_H_
#define GRAMS_FORMAT_ARPA_PARSER_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/arpa_tables.h"
#include "grams/model.h"
#include "grams/status.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "util/radix_sort.h"

namespace grams::arpa {

// Entries per order (and words): EntryIndex range, kNone kept free.
inline constexpr uint64_t kMaxEntries = UINT32_MAX - 1;
// Reservations from the \data\ counts are capped, so a damaged header cannot
// make us allocate huge buffers up front (vectors still grow as needed).
// When the input size is known, an order-n section cannot hold more than
// size / (2n + 1) lines ("p w1 ... wn\n"); otherwise this many are reserved.
inline constexpr uint64_t kMaxReserveUnknownSize = uint64_t{1} << 21;

// One order's n-grams in file order, while reading.
struct PendingLevel {
  std::vector<WordId> words;
  std::vector<EntryIndex> parents;
  std::vector<float> prob;
  std::vector<float> backoff;  // not for the highest order
  ContextMap map;              // not for the highest order
  uint64_t declared = 0;       // count declared in the header
  uint64_t declared_line = 0;  // the line that declared it
  uint64_t header_line = 0;    // line of "\N-grams:"
  uint64_t in_file = 0;        // n-grams read from the section
  // For each empty line inside the section, the n-grams read before it.
  std::vector<uint64_t> empty_lines;
};

class ArpaParser {
 public:
  // lenient: positive log probabilities (IRSTLM's rounding) are clamped to
  // 0 with one warning instead of being an error.
  ArpaParser(io::InputStream* in, const std::function<void(const std::string&)>& warn,
             bool lenient = false)
      : reader_(in, size_t{4} << 20),
        name_(in->name()),
        input_size_(in->size_hint()),
        warn_(warn),
        lenient_(lenient) {}

  StatusOr<Model> Run();

 private:
  Status Err(uint64_t line, const std::string& msg) const {
    return CorruptionError(name_ + ":" + std::to_string(line) + ": " + msg);
  }
  Status ErrHere(const std::string& msg) const { return Err(reader_.line_number(), msg); }
  void Warn(const std::string& msg) const {
    if (warn_) warn_(msg);
  }
  // A positive log probability: clamped to 0 (lenient) or an error.
  Status PositiveLogProb(std::string_view field, float* prob);
  // The end of input before \end\: an I/O error, or a truncated file.
  Status EndOfInput(const std::string& where) const;

  // arpa_header.cc. The lines up to \data\, then its counts; *first_section
  // is the line that ends the \data\ section.
  Status ReadHeader(std::string_view* first_section);
  Status ReadComments();
  Status ReadCounts(std::string_view* first_section);
  Status ParseCountLine(std::string_view t, uint64_t* order, uint64_t* count) const;

  // arpa_sections.cc. Reads the data lines of order n up to the next line
  // starting with '\'.
  Status ReadSection(int n, std::string_view* next_header);
  void ReserveSection(int n);
  Status FinishUnigrams();
  Status SplitFields(int n, std::string_view line, size_t* count);
  Status ParseUnigram(std::string_view line);
  // Parses a line of order n >= 2 into the batch.
  Status ParseNgram(int n, std::string_view line);
  // Looks up the contexts of the batched lines (prefetching a batch ahead)
  // and appends them to order n in file order.
  Status FlushBatch(int n);
  Status AppendBatch(int n, size_t size);

  // arpa_missing.cc. The index of the context w[0..n-1) in order n-1,
  // adding the missing context n-grams. `line` is that of w, for messages.
  Status ResolveContext(int n, const WordId* w, uint64_t line, uint32_t* context);
  // log10 p(w[len-1] | w[0..len-1)) by backing off through the orders read.
  double BackoffProb(const WordId* w, int len) const;
  // Index of the n-gram w[0..len) in order len (file order), or kNone.
  uint32_t Lookup(const WordId* w, int len) const;
  // Once every section is read: the blanks. The suffix of every entry of
  // orders >= 3 (file order) is looked up through its parent's suffix link,
  // and added where missing (InsertBlank); blank_from_ says where each
  // order's blanks start.
  Status AddBlanks();
  // Order n's suffix links, a batch of entries at a time, prefetched.
  Status LinkOrder(int n);
  // Adds the blank whose context is entry `context` of order k-1 (a word id
  // for k = 2) and whose last word is w to order k, with its own suffix
  // (and that one's, if missing); its index in *index.
  Status InsertBlank(int k, uint32_t context, WordId w, uint32_t* index);
  // The suffix link of entry i of order n >= 2 (file order): the index of
  // its last n-1 words at order n-1 (their word id at n = 2).
  uint32_t LinkOf(int n, uint32_t i) const { return n == 2 ? levels_[1].words[i] : links_[n][i]; }
  // The words of entry `index` of order n (file order) into w[0..n).
  void WordsOf(int n, uint32_t index, WordId* w) const;

  float ProbOf(int n, uint32_t index) const {
    return n == 1 ? prob1_[index] : levels_[n - 1].prob[index];
  }
  float BackoffOf(int n, uint32_t index) const {
    return n == 1 ? bo1_[index] : levels_[n - 1].backoff[index];
  }
  // The line of entry `index` of order n. REQUIRES: index < levels_[n-1].in_file.
  uint64_t LineOf(int n, uint64_t index) const {
    const PendingLevel& l = levels_[n - 1];
    auto empty_before =
        std::upper_bound(l.empty_lines.begin(), l.empty_lines.end(), index) - l.empty_lines.begin();
    return l.header_line + 1 + index + static_cast<uint64_t>(empty_before);
  }
  std::string NgramText(int n, const WordId* w) const {
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i) s.push_back(' ');
      s.append(vocab_.Word(w[i]));
    }
    return s;
  }

  // arpa_reader.cc. Every order in trie order, then the Model.
  StatusOr<Model> Finish();
  // Puts order n in trie order into `model`, remapping its parents through
  // *perm (the order below's permutation, empty if it was kept), and leaves
  // its own permutation in *perm.
  Status SortLevel(int n, Model* model, std::vector<EntryIndex>* perm);
  // The keys of order n, sorted (parent, word), must differ.
  Status CheckUnique(int n, const Model& model, const std::vector<KeyValue>& items) const;
  // The vocabulary, unescaped if the file is marked as escaped.
  Status TakeVocabulary(Model* model);

  io::LineReader reader_;
  std::string name_;
  TokenizerSettings settings_;  // from "# grams-tokenizer:" lines, else words
  bool escaped_units_ = false;  // a "# grams-escaped-units:" line was seen
  std::vector<std::pair<std::string, std::string>> model_info_;  // "# grams-model:" items
  int64_t input_size_;                                           // -1 if unknown
  const std::function<void(const std::string&)>& warn_;

  int order_ = 0;
  // levels_[n-1]: order n. For n = 1 only the section bookkeeping (counts,
  // lines) is used; the 1-grams live in vocab_, prob1_ and bo1_.
  std::vector<PendingLevel> levels_;

  Vocabulary vocab_;
  bool reserved_seen_[kNumReservedWords] = {false, false, false};
  std::vector<float> prob1_, bo1_;  // by word id
  std::vector<uint32_t> uni_pos_;   // by word id: position in the 1-gram section

  // The fields of the current line.
  std::string_view fields_[kMaxOrder + 2];
  WordIndex words_;  // built after the 1-grams

  // Lines of the current order parsed but not yet appended. Row b holds its
  // words in batch_text_ at batch_word_[b*n .. b*n+n), then their ids in
  // batch_ids_; lookups go a batch at a time, prefetched.
  static constexpr size_t kBatch = 256;
  struct WordRef {
    uint32_t offset;
    uint32_t size;
    uint64_t hash;
  };
  size_t batch_size_ = 0;
  std::string batch_text_;
  std::vector<WordRef> batch_word_;
  std::vector<uint8_t> batch_has_bo_;
  std::vector<WordId> batch_ids_;
  std::vector<float> batch_prob_, batch_bo_;
  std::vector<uint64_t> batch_line_;
  std::vector<uint32_t> batch_ctx_;
  std::vector<size_t> batch_home_;
  std::vector<uint8_t> batch_found_;

  uint64_t added_contexts_ = 0;
  uint64_t first_added_line_ = 0;
  // The blanks: suffix links (links_[n] for orders 3..N-1, file order),
  // where each order's blanks start (blank_from_[n]; none at orders 1 and
  // N), how many were added and the first line that needed one (0: none or
  // only added n-grams did).
  std::vector<std::vector<uint32_t>> links_;
  std::vector<size_t> blank_from_;
  uint64_t added_blanks_ = 0;
  uint64_t first_blank_line_ = 0;
  const bool lenient_;
  uint64_t clamped_ = 0;             // positive log probabilities set to 0
  uint64_t worst_clamped_line_ = 0;  // the line of the largest
  float worst_clamped_ = 0.0f;
  std::string worst_clamped_text_;
  uint64_t top_backoffs_ = 0;
  uint64_t first_top_backoff_line_ = 0;
};

}  // namespace grams::arpa

#endif  // GRAMS_FORMAT_ARPA_PARSER_H_
