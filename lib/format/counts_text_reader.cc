// ReadCountsText: "w1 ... wn<TAB>count" lines (grams-count --text, SRILM's
// counts files) back into NgramCounts (docs/FORMAT.md, "Counts text").
//
// The lines may come in any order and an n-gram may be listed more than once
// (its counts add up, as SRILM's ngram-count -read adds them). The counts are
// taken as given: nothing is derived, so every listed n-gram's prefix and
// suffix must be listed too (the counts file is a trie, and the estimators
// need the suffixes); the error names the line that lacks one.
#include <algorithm>
#include <charconv>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "grams/counts.h"
#include "grams/escape.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "util/alloc_guard.h"
#include "vocab/canonical_order.h"

namespace grams {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The n-grams of one order as read: n ids per entry (reading ids, then
// canonical ones), their counts and the line each came from.
struct OrderLines {
  std::vector<WordId> ids;
  std::vector<Count> counts;
  std::vector<uint64_t> lines;
  std::vector<uint32_t> file;  // index into the file names
  size_t size() const { return counts.size(); }
};

// True if `unit` is one unit of `unit_kind` as the tokenizer makes it, as
// far as can be told from the unit alone (bytes: one byte; chars: one code
// point).
bool PlausibleUnit(Unit unit_kind, std::string_view unit) {
  if (unit_kind == Unit::kByte) return unit.size() == 1;
  if (unit_kind == Unit::kChar) {
    if (unit.empty() || !IsValidUtf8(unit)) return false;
    size_t code_points = 0;
    for (char c : unit) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return code_points == 1;
  }
  return !unit.empty();
}

class TextCountsReader {
 public:
  explicit TextCountsReader(const ReadCountsTextOptions& options) : options_(options) {}

  Status ReadFile(const std::string& path) {
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
    io::LineReader reader(in.get());
    names_.push_back(reader.name());
    std::string_view line;
    while (reader.Next(&line)) {
      GRAMS_RETURN_IF_ERROR(AddLine(line, reader.line_number()));
    }
    return reader.status();
  }

  StatusOr<NgramCounts> Finish();

 private:
  std::string Where(uint32_t file, uint64_t line) const {
    return names_[file] + ":" + std::to_string(line) + ": ";
  }
  Status Bad(uint64_t line, const std::string& what) const {
    return InvalidArgument(Where(static_cast<uint32_t>(names_.size() - 1), line) + what);
  }
  Status AddLine(std::string_view line, uint64_t line_no);
  // AddLine's steps: the line's units and count; a unit's reading id (k of
  // n), added to the vocabulary if new.
  Status SplitLine(std::string_view line, uint64_t line_no, std::vector<std::string_view>* units,
                   Count* count) const;
  Status UnitId(std::string_view field, int k, int n, uint64_t line_no, WordId* id);
  std::string NgramString(const OrderLines& o, int n, size_t i, int from, int to) const;
  // Index of the n-gram ids[0..n-1] among the sorted, distinct entries of
  // order n, or -1.
  int64_t Find(int n, const WordId* ids) const;
  // Finish's steps.
  Status CheckUnigrams() const;
  std::vector<WordId> CanonicalIds(std::vector<std::string_view>* words) const;
  Status SortOrder(int n, const std::vector<WordId>& to_canonical);
  Status LinkOrder(int n, TrieLevel* level) const;

  const ReadCountsTextOptions& options_;
  std::vector<std::string> names_;
  Vocabulary vocab_;                  // reading ids
  std::vector<Count> unigram_;        // by reading id
  std::vector<uint8_t> has_unigram_;  // by reading id: listed as a unigram
  std::vector<uint64_t> first_line_;  // by reading id: where first seen
  std::vector<uint32_t> first_file_;
  std::vector<OrderLines> orders_;  // orders_[n-1]: n >= 2
  bool any_ = false;                // a count was read
};

Status TextCountsReader::SplitLine(std::string_view line, uint64_t line_no,
                                   std::vector<std::string_view>* units, Count* count) const {
  // Fields at ASCII whitespace: the units, then the count.
  std::vector<std::string_view>& fields = *units;
  fields.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  if (fields.empty()) return Status::OK();  // a blank line
  if (fields.size() < 2) {
    return Bad(line_no, "not an n-gram and its count (\"w1 ... wn<TAB>count\"): '" +
                            std::string(line.substr(0, 80)) + "'");
  }
  const std::string_view count_text = fields.back();
  auto r = std::from_chars(count_text.data(), count_text.data() + count_text.size(), *count);
  if (r.ec != std::errc() || r.ptr != count_text.data() + count_text.size()) {
    return Bad(line_no, "the count '" + std::string(count_text.substr(0, 40)) +
                            "' is not a whole number" +
                            (r.ec == std::errc::result_out_of_range ? " below 2^64" : ""));
  }
  fields.pop_back();
  return Status::OK();
}

Status TextCountsReader::UnitId(std::string_view field, int k, int n, uint64_t line_no,
                                WordId* out) {
  const bool escaped = UnitsNeedEscaping(options_.settings);
  const std::string unit = escaped ? UnescapeUnit(field) : std::string(field);
  WordId id = vocab_.Find(unit);
  if (id == Vocabulary::kNotFound) {
    if (!PlausibleUnit(options_.settings.unit, unit)) {
      return Bad(line_no, "'" + std::string(field) + "' is not one " +
                              UnitName(options_.settings.unit) +
                              " unit (are these counts of another --unit?)");
    }
    id = vocab_.FindOrInsert(unit);
    if (id == Vocabulary::kNotFound) {
      return ResourceExhausted(Where(static_cast<uint32_t>(names_.size() - 1), line_no) +
                               Vocabulary::TooManyWords());
    }
  }
  if (id >= unigram_.size()) {
    unigram_.resize(id + 1, 0);
    has_unigram_.resize(id + 1, 0);
    first_line_.resize(id + 1, line_no);
    first_file_.resize(id + 1, static_cast<uint32_t>(names_.size() - 1));
  }
  if ((id == kBosId && k != 0) || (id == kEosId && k != n - 1)) {
    return Bad(line_no, std::string(id == kBosId ? "<s> may only begin" : "</s> may only end") +
                            " an n-gram");
  }
  *out = id;
  return Status::OK();
}

Status TextCountsReader::AddLine(std::string_view line, uint64_t line_no) {
  std::vector<std::string_view> fields;
  Count count = 0;
  GRAMS_RETURN_IF_ERROR(SplitLine(line, line_no, &fields, &count));
  if (fields.empty()) return Status::OK();  // a blank line
  const int n = static_cast<int>(std::min<size_t>(fields.size(), kMaxOrder + 1));
  if (n > kMaxOrder) {
    return Bad(line_no, "an n-gram of more than " + std::to_string(kMaxOrder) + " units");
  }
  if (options_.max_order > 0 && n > options_.max_order) return Status::OK();  // as SRILM -order
  if (count == 0) return Status::OK();  // not seen: as if not listed
  any_ = true;
  WordId ids[kMaxOrder];
  for (int k = 0; k < n; ++k) GRAMS_RETURN_IF_ERROR(UnitId(fields[k], k, n, line_no, &ids[k]));
  if (n == 1) {
    if (unigram_[ids[0]] > ~Count{0} - count) return Bad(line_no, "the counts add up past 2^64");
    unigram_[ids[0]] += count;
    has_unigram_[ids[0]] = 1;
    return Status::OK();
  }
  if (orders_.size() < static_cast<size_t>(n)) orders_.resize(n);
  OrderLines& o = orders_[n - 1];
  o.ids.insert(o.ids.end(), ids, ids + n);
  o.counts.push_back(count);
  o.lines.push_back(line_no);
  o.file.push_back(static_cast<uint32_t>(names_.size() - 1));
  return Status::OK();
}

std::string TextCountsReader::NgramString(const OrderLines& o, int n, size_t i, int from,
                                          int to) const {
  (void)n;
  std::string s;
  for (int k = from; k < to; ++k) {
    if (k > from) s += ' ';
    AppendEscapedUnit(vocab_.Word(o.ids[i * n + k]), &s);
  }
  return s;
}

int64_t TextCountsReader::Find(int n, const WordId* ids) const {
  const OrderLines& o = orders_[n - 1];
  size_t lo = 0, hi = o.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const WordId* m = &o.ids[mid * n];
    if (std::lexicographical_compare(m, m + n, ids, ids + n)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < o.size() && std::equal(ids, ids + n, &o.ids[lo * n])) return static_cast<int64_t>(lo);
  return -1;
}

StatusOr<NgramCounts> TextCountsReader::Finish() {
  int order = options_.max_order;
  if (order == 0) {
    order = static_cast<int>(orders_.size());
    if (order == 0 && any_) order = 1;
    if (order == 0) {
      return InvalidArgument((names_.empty() ? std::string("<stdin>") : names_.back()) +
                             ": no counts (give --order N to make an empty counts file)");
    }
  }
  orders_.resize(order);
  const size_t V = vocab_.size();
  unigram_.resize(V, 0);
  has_unigram_.resize(V, 0);
  GRAMS_RETURN_IF_ERROR(CheckUnigrams());
  std::vector<std::string_view> words;
  const std::vector<WordId> to_canonical = CanonicalIds(&words);

  NgramCounts out;
  out.settings = options_.settings;
  out.trie.levels.resize(order);
  out.counts.resize(order);
  out.trie.levels[0].words.resize(V);
  std::iota(out.trie.levels[0].words.begin(), out.trie.levels[0].words.end(), 0);
  out.counts[0].resize(V);
  for (WordId id = 0; id < V; ++id) out.counts[0][to_canonical[id]] = unigram_[id];
  for (int n = 2; n <= order; ++n) {
    GRAMS_RETURN_IF_ERROR(SortOrder(n, to_canonical));
    GRAMS_RETURN_IF_ERROR(LinkOrder(n, &out.trie.levels[n - 1]));
    out.counts[n - 1] = orders_[n - 1].counts;
    // Order n-1 is no longer looked up.
    if (n >= 3) orders_[n - 2] = OrderLines();
  }
  out.vocab = Vocabulary();
  if (!Vocabulary::FromWords(words, &out.vocab)) return InternalError("vocabulary not distinct");
  // As the counter counts them: one <s> per sentence, and every other unit.
  out.sentences = out.counts[0][kBosId];
  Count total = 0;
  for (Count c : out.counts[0]) total += c;
  out.tokens = total - out.sentences;
  return out;
}

// Every unit must have its unigram line (the reserved words need none).
Status TextCountsReader::CheckUnigrams() const {
  for (WordId id = kNumReservedWords; id < vocab_.size(); ++id) {
    if (!has_unigram_[id]) {
      std::string unit;
      AppendEscapedUnit(vocab_.Word(id), &unit);
      return InvalidArgument(Where(first_file_[id], first_line_[id]) + "the unit '" + unit +
                             "' has no unigram line (the counts are taken as given: list "
                             "every n-gram's prefix and suffix too)");
    }
  }
  return Status::OK();
}

// The canonical id of each reading id, as the counter numbers words; *words
// the units in canonical order.
std::vector<WordId> TextCountsReader::CanonicalIds(std::vector<std::string_view>* words) const {
  const size_t V = vocab_.size();
  const std::vector<uint32_t> rank = SortCanonically(
      V - kNumReservedWords, [&](size_t i) { return unigram_[i + kNumReservedWords]; },
      [&](size_t i) { return vocab_.Word(static_cast<WordId>(i + kNumReservedWords)); });
  std::vector<WordId> to_canonical(V);
  words->assign(V, std::string_view());
  for (WordId id = 0; id < kNumReservedWords; ++id) to_canonical[id] = id;
  for (size_t r = 0; r < rank.size(); ++r) {
    to_canonical[rank[r] + kNumReservedWords] = static_cast<WordId>(r + kNumReservedWords);
  }
  for (WordId id = 0; id < V; ++id) (*words)[to_canonical[id]] = vocab_.Word(id);
  return to_canonical;
}

// Order n in canonical ids, sorted (lexicographic order of the ids is trie
// order), repeated n-grams added up.
Status TextCountsReader::SortOrder(int n, const std::vector<WordId>& to_canonical) {
  OrderLines& o = orders_[n - 1];
  for (WordId& id : o.ids) id = to_canonical[id];
  std::vector<uint32_t> perm(o.size());
  std::iota(perm.begin(), perm.end(), 0);
  const WordId* base = o.ids.data();
  std::stable_sort(perm.begin(), perm.end(), [base, n](uint32_t a, uint32_t b) {
    return std::lexicographical_compare(base + size_t{a} * n, base + size_t{a} * n + n,
                                        base + size_t{b} * n, base + size_t{b} * n + n);
  });
  OrderLines sorted;
  sorted.ids.reserve(o.ids.size());
  for (uint32_t p : perm) {
    const WordId* g = base + size_t{p} * n;
    const size_t m = sorted.size();
    if (m > 0 && std::equal(g, g + n, &sorted.ids[(m - 1) * n])) {
      if (sorted.counts[m - 1] > ~Count{0} - o.counts[p]) {
        return InvalidArgument(Where(o.file[p], o.lines[p]) + "the counts add up past 2^64");
      }
      sorted.counts[m - 1] += o.counts[p];
      continue;
    }
    sorted.ids.insert(sorted.ids.end(), g, g + n);
    sorted.counts.push_back(o.counts[p]);
    sorted.lines.push_back(o.lines[p]);
    sorted.file.push_back(o.file[p]);
  }
  orders_[n - 1] = std::move(sorted);
  return Status::OK();
}

// Each n-gram of sorted order n linked to its prefix in order n-1, whose
// suffix must be there too.
Status TextCountsReader::LinkOrder(int n, TrieLevel* level) const {
  const OrderLines& s = orders_[n - 1];
  level->words.resize(s.size());
  level->parents.resize(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const WordId* g = &s.ids[i * n];
    const int64_t parent = n == 2 ? g[0] : Find(n - 1, g);
    const int64_t suffix = n == 2 ? g[1] : Find(n - 1, g + 1);
    if (parent < 0 || suffix < 0) {
      return InvalidArgument(
          Where(s.file[i], s.lines[i]) + "'" + NgramString(s, n, i, 0, n) + "' is listed but its " +
          (parent < 0 ? "prefix '" + NgramString(s, n, i, 0, n - 1)
                      : "suffix '" + NgramString(s, n, i, 1, n)) +
          "' is not (the counts are taken as given: list every n-gram's prefix and suffix "
          "too)");
    }
    level->parents[i] = static_cast<EntryIndex>(parent);
    level->words[i] = g[n - 1];
  }
  return Status::OK();
}

}  // namespace

StatusOr<NgramCounts> ReadCountsText(const std::vector<std::string>& paths,
                                     const ReadCountsTextOptions& options) {
  if (options.max_order < 0 || options.max_order > kMaxOrder) {
    return InvalidArgument("the order must be between 1 and " + std::to_string(kMaxOrder));
  }
  const std::string what =
      "reading " + (paths.size() == 1 ? (paths[0] == "-" ? "<stdin>" : paths[0])
                                      : std::to_string(paths.size()) + " files");
  return GuardAlloc(what, MemoryHint::kNone, [&]() -> StatusOr<NgramCounts> {
    TextCountsReader reader(options);
    for (const std::string& path : paths) GRAMS_RETURN_IF_ERROR(reader.ReadFile(path));
    return reader.Finish();
  });
}

}  // namespace grams
