// The end of reading an ARPA file (format/arpa_parser.h): the sections in
// turn and the checks between them, the warnings, then every order put in
// trie order and the Model made; and ReadArpa, the entry point.
#include <algorithm>
#include <bit>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "format/arpa_parser.h"
#include "format/arpa_text.h"
#include "format/model_file.h"
#include "grams/escape.h"
#include "grams/model_io.h"
#include "util/alloc_guard.h"
#include "util/radix_sort.h"

namespace grams {
namespace arpa {

Status ArpaParser::CheckUnique(int n, const Model& model,
                               const std::vector<KeyValue>& items) const {
  const PendingLevel& in = levels_[n - 1];
  for (size_t j = 1; j < items.size(); ++j) {
    if (items[j].key != items[j - 1].key) continue;
    // Only possible at the highest order (the others are checked while
    // reading); the sort is stable, so items[j] is the later line.
    std::vector<WordId> w(n);
    model.trie.Ngram(n - 1, in.parents[items[j].value], w.data());
    w[n - 1] = in.words[items[j].value];
    return Err(LineOf(n, items[j].value), "duplicate " + std::to_string(n) + "-gram " +
                                              Quote(NgramText(n, w.data())) + " (first at line " +
                                              std::to_string(LineOf(n, items[j - 1].value)) + ")");
  }
  return Status::OK();
}

Status ArpaParser::SortLevel(int n, Model* model, std::vector<EntryIndex>* perm) {
  const int N = order_;
  const int word_bits = std::max(1, static_cast<int>(std::bit_width(vocab_.size() - 1)));
  PendingLevel& in = levels_[n - 1];
  in.map.Clear();
  const size_t m = in.words.size();
  if (!perm->empty()) {
    for (EntryIndex& p : in.parents) p = (*perm)[p];
  }
  std::vector<EntryIndex>().swap(*perm);
  auto key = [&](size_t i) {
    return (static_cast<uint64_t>(in.parents[i]) << word_bits) | in.words[i];
  };
  bool sorted = true;
  for (size_t i = 1; i < m; ++i) {
    if (key(i) <= key(i - 1)) {
      sorted = false;
      break;
    }
  }
  TrieLevel& out = model->trie.levels[n - 1];
  if (sorted) {
    out.words = std::move(in.words);
    out.parents = std::move(in.parents);
    model->log_prob[n - 1] = std::move(in.prob);
    if (n < N) model->log_backoff[n - 1] = std::move(in.backoff);
    return Status::OK();
  }
  std::vector<KeyValue> items;
  SizedAllocation(m * sizeof(KeyValue), [&] { items.resize(m); });
  for (size_t i = 0; i < m; ++i) items[i] = KeyValue{key(i), static_cast<uint32_t>(i)};
  RadixSortByKey(&items);
  GRAMS_RETURN_IF_ERROR(CheckUnique(n, *model, items));
  std::vector<float>& prob = model->log_prob[n - 1];
  std::vector<float>* backoff = n < N ? &model->log_backoff[n - 1] : nullptr;
  SizedAllocation(m * (backoff ? 20 : 16), [&] {
    perm->resize(m);
    out.words.resize(m);
    out.parents.resize(m);
    prob.resize(m);
    if (backoff) backoff->resize(m);
  });
  for (size_t j = 0; j < m; ++j) {
    const uint32_t i = items[j].value;
    out.words[j] = in.words[i];
    out.parents[j] = static_cast<EntryIndex>(items[j].key >> word_bits);
    prob[j] = in.prob[i];
    if (backoff) (*backoff)[j] = in.backoff[i];
    (*perm)[i] = static_cast<EntryIndex>(j);
  }
  in = PendingLevel();
  return Status::OK();
}

Status ArpaParser::TakeVocabulary(Model* model) {
  // Units written escaped (<0x0A>, <sp>: grams/escape.h) become the units
  // they stand for; parsing matched the escaped text throughout.
  // Only files grams marked: a foreign word model may have words such as
  // <0x0A> (SentencePiece byte fallback) that stand for themselves.
  if (escaped_units_) {
    std::vector<std::string> units(vocab_.size());
    std::vector<std::string_view> views(vocab_.size());
    for (WordId id = 0; id < vocab_.size(); ++id) {
      units[id] = UnescapeUnit(vocab_.Word(id));
      views[id] = units[id];
    }
    if (!Vocabulary::FromWords(views, &model->vocab)) {
      return InvalidArgument(name_ + ": two 1-grams stand for the same unit once unescaped");
    }
  } else {
    model->vocab = std::move(vocab_);
  }
  return Status::OK();
}

StatusOr<Model> ArpaParser::Finish() {
  const int N = order_;
  const size_t V = vocab_.size();
  Model model;
  model.trie.levels.resize(N);
  model.log_prob.resize(N);
  model.log_backoff.resize(N);
  TrieLevel& unigrams = model.trie.levels[0];
  unigrams.words.resize(V);
  std::iota(unigrams.words.begin(), unigrams.words.end(), WordId{0});
  model.log_prob[0] = std::move(prob1_);
  if (N > 1) model.log_backoff[0] = std::move(bo1_);
  // perm[i]: the final index of entry i (file order) of the order below;
  // empty when that order was already in trie order.
  std::vector<EntryIndex> perm;
  for (int n = 2; n <= N; ++n) {
    const size_t m = levels_[n - 1].words.size();
    GRAMS_RETURN_IF_ERROR(SortLevel(n, &model, &perm));
    // The blanks of order n are its last entries in file order.
    if (static_cast<size_t>(n) < blank_from_.size() && blank_from_[n] < m) {
      if (model.blanks.empty()) model.blanks.resize(N);
      std::vector<EntryIndex>& blanks = model.blanks[n - 1];
      for (size_t i = blank_from_[n]; i < m; ++i) {
        blanks.push_back(perm.empty() ? static_cast<EntryIndex>(i) : perm[i]);
      }
      std::sort(blanks.begin(), blanks.end());
    }
  }
  model.settings = settings_;
  GRAMS_RETURN_IF_ERROR(TakeVocabulary(&model));
  model.info = std::move(model_info_);
  model.info.emplace_back("source", "arpa");
  return model;
}

StatusOr<Model> ArpaParser::Run() {
  std::string_view header;
  GRAMS_RETURN_IF_ERROR(ReadHeader(&header));
  for (int n = 1; n <= order_; ++n) {
    const uint64_t got = SectionOrder(header);
    if (got != static_cast<uint64_t>(n)) {
      std::string expected = "\\";  // appended: GCC 12's -Wrestrict false positive on +
      expected.append(std::to_string(n)).append("-grams:");
      if (header == "\\end\\") {
        return ErrHere("\\end\\ before the " + expected + " section (\\data\\ declares order " +
                       std::to_string(order_) + ")");
      }
      return ErrHere("expected " + expected + ", found " + Quote(header));
    }
    GRAMS_RETURN_IF_ERROR(ReadSection(n, &header));
    if (n == 1) GRAMS_RETURN_IF_ERROR(FinishUnigrams());
  }
  if (header != "\\end\\") {
    const uint64_t got = SectionOrder(header);
    if (got > static_cast<uint64_t>(order_)) {
      return ErrHere("section " + Quote(header) + " is not declared in \\data\\ (highest order " +
                     std::to_string(order_) + ")");
    }
    return ErrHere("expected \\end\\, found " + Quote(header));
  }
  if (added_contexts_ > 0) {
    Warn(name_ + ":" + std::to_string(first_added_line_) + ": added " +
         std::to_string(added_contexts_) +
         " n-grams missing from the file that are contexts of longer n-grams (the first needed "
         "here), with backed-off log probabilities and zero backoffs");
  }
  GRAMS_RETURN_IF_ERROR(AddBlanks());
  if (added_blanks_ > 0) {
    const std::string where =
        first_blank_line_ > 0 ? ":" + std::to_string(first_blank_line_) + ": " : ": ";
    Warn(name_ + where + "added " + std::to_string(added_blanks_) +
         " n-grams missing from the file that end longer n-grams (their last words" +
         (first_blank_line_ > 0 ? ", the first needed here" : "") +
         "), so that lookups reach those, with backed-off log probabilities and zero backoffs; "
         "ARPA output leaves them out");
  }
  if (clamped_ > 0) {
    Warn(name_ + ": clamped " + std::to_string(clamped_) +
         " positive log probabilities to 0 (--lenient-arpa); the largest was " +
         worst_clamped_text_ + ", at line " + std::to_string(worst_clamped_line_));
  }
  if (top_backoffs_ > 0) {
    Warn(name_ + ":" + std::to_string(first_top_backoff_line_) + ": ignored " +
         std::to_string(top_backoffs_) + " backoffs on " + std::to_string(order_) +
         "-grams, the highest order (the first here)");
  }
  return Finish();
}

}  // namespace arpa

StatusOr<Model> ReadArpa(io::InputStream* in, const std::function<void(const std::string&)>& warn,
                         bool lenient) {
  return GuardAlloc("reading the ARPA file " + in->name(), MemoryHint::kNone,
                    [&]() -> StatusOr<Model> {
                      auto parser = std::make_unique<arpa::ArpaParser>(in, warn, lenient);
                      return parser->Run();
                    });
}

StatusOr<Model> ReadArpa(const std::string& path,
                         const std::function<void(const std::string&)>& warn) {
  GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
  return ReadArpa(in.get(), warn);
}

StatusOr<Model> ReadArpa(const std::string& path) { return ReadArpa(path, nullptr); }

}  // namespace grams
