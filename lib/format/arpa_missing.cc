// The n-grams an ARPA file lacks but lookups need, added with the values
// the backoff rule gives them (format/arpa_parser.h): the log10 probability
// of backing off to the longest n-gram present, and a zero backoff.
//
// Contexts: an n-gram is filed under its first n-1 words, which must be
// an entry of the order below; missing ones are added as lines are read.
//
// Blanks: a lookup lengthens a match one word to the left (the suffix
// "would consider", then "also would consider") and stops at the first
// miss, so every suffix of an n-gram must be present for the n-gram to be
// reached. Files pruned by other toolkits lack some (KenLM's "blanks").
// Once every order is read, each entry's suffix is found through its
// parent's suffix link (the suffix of (p, w) is (link(p), w)), order by
// order from 3 up, and a missing one is added, with its own suffix if that
// is missing too. A blank is never a context of what the file holds, and
// its values are those of backing off, so it changes no score: the ARPA
// writer leaves it out (Model::blanks). The values are computed from the
// file's n-grams alone, as added n-grams back off exactly as their absence
// would (their probability is that of backing off, their backoff 0).
#include <algorithm>
#include <cstdint>
#include <string>

#include "util/alloc_guard.h"
#include "util/prefetch.h"

#include "format/arpa_parser.h"

namespace grams::arpa {

uint32_t ArpaParser::Lookup(const WordId* w, int len) const {
  uint32_t index = w[0];
  for (int k = 2; k <= len && index != kNone; ++k) {
    index = levels_[k - 1].map.Find(Key(index, w[k - 1]));
  }
  return index;
}

double ArpaParser::BackoffProb(const WordId* w, int len) const {
  double backoffs = 0.0;
  for (;; ++w, --len) {
    if (len == 1) return backoffs + ProbOf(1, w[0]);
    const uint32_t context = Lookup(w, len - 1);
    if (context != kNone) {
      const uint32_t full = levels_[len - 1].map.Find(Key(context, w[len - 1]));
      if (full != kNone) return backoffs + ProbOf(len, full);
      backoffs += BackoffOf(len - 1, context);
    }
  }
}

Status ArpaParser::ResolveContext(int n, const WordId* w, uint64_t line, uint32_t* context) {
  uint32_t index = w[0];
  int k = 2;
  for (; k <= n - 1; ++k) {
    const uint32_t next = levels_[k - 1].map.Find(Key(index, w[k - 1]));
    if (next == kNone) break;
    index = next;
  }
  // Add w[0..j) to order j for j = k..n-1: none of them is in the file.
  for (; k <= n - 1; ++k) {
    PendingLevel& level = levels_[k - 1];
    if (level.words.size() >= kMaxEntries) {
      return Err(line, "too many " + std::to_string(k) + "-grams");
    }
    const float prob = static_cast<float>(BackoffProb(w, k));
    const uint32_t added = static_cast<uint32_t>(level.words.size());
    level.words.push_back(w[k - 1]);
    level.parents.push_back(index);
    level.prob.push_back(prob);
    level.backoff.push_back(0.0f);
    level.map.Insert(Key(index, w[k - 1]), added);
    index = added;
    if (added_contexts_++ == 0) first_added_line_ = line;
  }
  *context = index;
  return Status::OK();
}

void ArpaParser::WordsOf(int n, uint32_t index, WordId* w) const {
  for (int k = n; k >= 2; --k) {
    w[k - 1] = levels_[k - 1].words[index];
    index = levels_[k - 1].parents[index];
  }
  w[0] = index;
}

Status ArpaParser::AddBlanks() {
  const int N = order_;
  blank_from_.assign(N + 1, 0);
  for (int n = 2; n <= N; ++n) blank_from_[n] = levels_[n - 1].words.size();
  if (N < 3) return Status::OK();  // the suffix of a 2-gram is a word
  links_.resize(N);
  for (int n = 3; n <= N; ++n) GRAMS_RETURN_IF_ERROR(LinkOrder(n));
  std::vector<std::vector<uint32_t>>().swap(links_);
  return Status::OK();
}

Status ArpaParser::LinkOrder(int n) {
  // Order n itself never grows here: blanks go to the orders below.
  const PendingLevel& level = levels_[n - 1];
  ContextMap& map = levels_[n - 2].map;  // order n-1's, where the suffixes are
  const size_t m = level.words.size();
  std::vector<uint32_t>* links = n < order_ ? &links_[n] : nullptr;
  if (links) SizedAllocation(m * sizeof(uint32_t), [&] { links->reserve(m); });
  uint64_t keys[kBatch];
  size_t homes[kBatch];
  for (size_t begin = 0; begin < m; begin += kBatch) {
    const size_t end = std::min(m, begin + kBatch);
    // The parents' links first (files in suffix order put parents anywhere),
    // then the slots of the keys they make.
    const uint32_t* up = n - 1 == 2 ? levels_[1].words.data() : links_[n - 1].data();
    for (size_t i = begin; i < end; ++i) Prefetch(up + level.parents[i]);
    for (size_t i = begin; i < end; ++i) {
      keys[i - begin] = Key(LinkOf(n - 1, level.parents[i]), level.words[i]);
      homes[i - begin] = map.Home(keys[i - begin]);
      map.Prefetch(homes[i - begin]);
    }
    bool grown = false;  // the map may have grown: the homes are stale
    for (size_t i = begin; i < end; ++i) {
      const uint64_t key = keys[i - begin];
      uint32_t suffix = grown ? map.Find(key) : map.FindFrom(homes[i - begin], key);
      if (suffix == kNone) {
        if (first_blank_line_ == 0 && i < level.in_file) first_blank_line_ = LineOf(n, i);
        GRAMS_RETURN_IF_ERROR(
            InsertBlank(n - 1, LinkOf(n - 1, level.parents[i]), level.words[i], &suffix));
        grown = true;
      }
      if (links) links->push_back(suffix);
    }
  }
  return Status::OK();
}

Status ArpaParser::InsertBlank(int k, uint32_t context, WordId w, uint32_t* index) {
  PendingLevel& level = levels_[k - 1];
  if (level.words.size() >= kMaxEntries) {
    return CorruptionError(name_ + ": too many " + std::to_string(k) + "-grams");
  }
  WordId words[kMaxOrder];
  WordsOf(k - 1, context, words);
  words[k - 1] = w;
  const float prob = static_cast<float>(BackoffProb(words, k));
  const uint32_t added = static_cast<uint32_t>(level.words.size());
  level.words.push_back(w);
  level.parents.push_back(context);
  level.prob.push_back(prob);
  level.backoff.push_back(0.0f);  // k < order_: blanks have longer n-grams
  level.map.Insert(Key(context, w), added);
  ++added_blanks_;
  if (k >= 3) {  // its own suffix, at order k-1
    const uint32_t s = LinkOf(k - 1, context);
    uint32_t link = levels_[k - 2].map.Find(Key(s, w));
    if (link == kNone) GRAMS_RETURN_IF_ERROR(InsertBlank(k - 1, s, w, &link));
    links_[k].push_back(link);
  }
  *index = added;
  return Status::OK();
}

}  // namespace grams::arpa
