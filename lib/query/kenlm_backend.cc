// Scoring with a KenLM binary; see kenlm_backend.h.
#include "query/kenlm_backend.h"

#include <algorithm>

namespace grams::query {

namespace {

// A KenLM state: the words (KenLM ids, most recent first) and backoffs of
// the context that longer n-grams can extend.
struct KState {
  uint32_t words[kMaxStateWords];
  float backoff[kMaxStateWords];
  int length = 0;
};

// Scores `word` after `in` into *out: KenLM's FullScore. Its probability is
// that of the longest n-gram found, plus the backoffs of the context's
// n-grams from that length on, added one by one in increasing order.
inline KenlmBinary::Match Step(const KenlmBinary& f, const KState& in, uint32_t word, KState* out) {
  KenlmBinary::Match m = f.Score(word, in.words, in.length, out->backoff);
  for (int j = m.length - 1; j < in.length; ++j) m.prob += in.backoff[j];
  out->words[0] = word;
  for (int j = 1; j < m.state_length; ++j) out->words[j] = in.words[j - 1];
  out->length = m.state_length;
  return m;
}

}  // namespace

KenlmBackend::KenlmBackend(std::unique_ptr<KenlmBinary> file)
    : file_(std::move(file)), ids_(MapKenlmIds(*file_)) {}

const Vocabulary& KenlmBackend::vocab() const {
  std::call_once(vocab_once_, [this] {
    // A damaged file (words repeated) keeps the reserved words only.
    if (!Vocabulary::FromWords(KenlmWords(*file_, ids_), &vocab_)) vocab_ = Vocabulary();
  });
  return vocab_;
}

State KenlmBackend::BeginSentenceState() const {
  State s;
  s.words[0] = kBosId;
  s.backoff[0] = file_->UnigramBackoff(ToKenlm(kBosId));
  s.length = 1;
  return s;
}

FullScoreResult KenlmBackend::FullScore(const State& in, WordId word, State* out) const {
  KState kin, kout;
  kin.length = std::min<int>(in.length, order() - 1);
  for (int j = 0; j < kin.length; ++j) {
    kin.words[j] = ToKenlm(in.words[j]);
    kin.backoff[j] = in.backoff[j];
  }
  const uint32_t k = ToKenlm(word);
  const KenlmBinary::Match m = Step(*file_, kin, k, &kout);
  State next;
  next.words[0] = ids_.to_grams[k];
  for (int j = 1; j < kout.length; ++j) next.words[j] = in.words[j - 1];
  // The backoffs of every n-gram found, not only those the state keeps
  // (a lookup of one n-gram reads its backoff from here).
  const int found = std::min(m.length, order() - 1);
  for (int j = 0; j < found; ++j) next.backoff[j] = kout.backoff[j];
  next.length = static_cast<uint8_t>(kout.length);
  *out = next;
  FullScoreResult r;
  r.log_prob = m.prob;
  r.ngram_length = static_cast<uint8_t>(m.length);
  r.oov = k == 0;
  return r;
}

void KenlmBackend::ScoreSentences(const WordId* ids, const size_t* ends, size_t count, bool bos,
                                  float* out, uint8_t* ngram_length) const {
  const KenlmBinary& f = *file_;
  KState begin;
  if (bos) {
    const uint32_t b = ToKenlm(kBosId);
    begin.words[0] = b;
    begin.backoff[0] = f.UnigramBackoff(b);
    begin.length = 1;
  }
  KState states[2];
  size_t t = 0;
  for (size_t s = 0; s < count; ++s) {
    int cur = 0;
    states[0] = begin;
    for (; t < ends[s]; ++t) {
      const KenlmBinary::Match m = Step(f, states[cur], ToKenlm(ids[t]), &states[cur ^ 1]);
      cur ^= 1;
      out[t] = m.prob;
      if (ngram_length) ngram_length[t] = static_cast<uint8_t>(m.length);
    }
  }
}

}  // namespace grams::query
