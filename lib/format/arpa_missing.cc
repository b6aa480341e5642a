// The n-grams an ARPA file lacks but lookups need, added with the values
// the backoff rule gives them (format/arpa_parser.h): the log10 probability
// of backing off to the longest n-gram present, and a zero backoff.
#include <cstdint>
#include <string>

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

}  // namespace grams::arpa
