// What the two whole-sentence scorers share: ScoreImpl on the hash tables
// (score_kernel.cc) and ScoreTrie on a model file's trie (score_trie.cc).
// Both lay the sentences out token by token, look the tokens of a chunk up
// order by order, and end each chunk by adding the backoffs in input order;
// only the lookups differ. Sharing the rest is what makes their floats the
// same.
#ifndef GRAMS_QUERY_SCORE_CHUNKS_H_
#define GRAMS_QUERY_SCORE_CHUNKS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "grams/types.h"

namespace grams::query {

// Lays out `count` sentences (sentence i is ids[ends[i-1] .. ends[i])):
// *ext holds each after its own <s> (with bos), token g sits at
// (*ext)[(*pos)[g]] with (*ctx)[g] words of history before it, capped at
// N-1 (0 or 1 for a sentence's first token). Ids outside the vocabulary
// become <unk>. REQUIRES: count > 0.
inline void LayOutTokens(const WordId* ids, const size_t* ends, size_t count, bool bos, int N,
                         uint64_t vocab_size, std::vector<WordId>* ext, std::vector<uint32_t>* pos,
                         std::vector<uint8_t>* ctx) {
  const size_t total = ends[count - 1];
  ext->resize(total + (bos ? count : 0));
  pos->resize(total);
  ctx->resize(total);
  size_t e = 0, g = 0;
  for (size_t s = 0; s < count; ++s) {
    if (bos) (*ext)[e++] = kBosId;
    for (size_t k = 0; g < ends[s]; ++g, ++k) {
      (*pos)[g] = static_cast<uint32_t>(e);
      (*ctx)[g] = static_cast<uint8_t>(std::min<size_t>(N - 1, bos ? k + 1 : k));
      (*ext)[e++] = ids[g] < vocab_size ? ids[g] : kUnkId;
    }
  }
}

// Of the chunk's tokens active[0, na) looked up at order j, those that go
// on to order j+1, into next[]; returns how many. A token goes on if it
// matched order j, its context is that long and the token before it
// matched order j too (a sentence's first token has a context of at most
// 1, so what is before it does not matter). matched[i + 1] is the order
// token i of the chunk matched, matched[0] the token before the chunk's;
// ctx is the chunk's.
inline size_t GoOn(int j, const uint32_t* active, size_t na, const uint8_t* matched,
                   const uint8_t* ctx, uint32_t* next) {
  size_t nn = 0;
  for (size_t a = 0; a < na; ++a) {
    const uint32_t i = active[a];
    next[nn] = i;
    nn += matched[i + 1] == j && std::min<int>(ctx[i], matched[i]) >= j;
  }
  return nn;
}

// The last phase of each chunk: the backoffs, in input order. A token's
// row (`row` floats) holds the backoffs of the n-grams ending at it, for
// the orders it matched (the longer ones are absent, models being
// suffix-closed); a token's score is its longest match's probability plus
// the backoffs of the orders of its context the token before matched
// beyond it.
class BackoffAdder {
 public:
  // The rows live in *rows, laid out here: `chunk` tokens' rows (rows()),
  // then the row where the last token's is kept from one chunk to the next,
  // then the row of <s> (its backoff bos_backoff). A Stupid Backoff model
  // charges log10 alpha for each order of the context not in the model, too.
  BackoffAdder(int N, size_t chunk, std::vector<float>* rows, float bos_backoff, bool bos,
               bool stupid, float stupid_log_alpha)
      : N_(N),
        row_(static_cast<size_t>(std::max(1, N - 1))),  // backoffs of orders 1..N-1
        bos_(bos),
        stupid_(stupid),
        alpha_(stupid_log_alpha) {
    rows->resize((chunk + 2) * row_);
    rows_ = rows->data();
    carry_ = rows_ + chunk * row_;
    bos_row_ = carry_ + row_;
    bos_row_[0] = bos_backoff;
    prev_ = bos_row_;
  }

  // Token i of a chunk's row: rows() + i * row().
  float* rows() const { return rows_; }
  size_t row() const { return row_; }

  // Tokens c0 .. c0 + B - 1 of the `count` sentences ending at ends[]:
  // prob[i] and row i are token c0 + i's, matched as GoOn says;
  // ctx is every token's. Writes out[] and, unless null, ngram_length[].
  void Chunk(size_t c0, size_t B, const size_t* ends, size_t count, const uint8_t* ctx,
             const uint8_t* matched, const float* prob, float* out, uint8_t* ngram_length) {
    const float* const bo = rows_;
    for (size_t i = 0; i < B; ++i) {
      const size_t t = c0 + i;
      while (t == (s_ ? ends[s_ - 1] : 0) && s_ < count) {  // a new sentence: context <s>
        prev_ = bos_row_;
        prev_matched_ = bos_ ? 1 : 0;
        ++s_;
      }
      float p = prob[i];
      const int mt = matched[i + 1];
      const int top = std::min<int>(ctx[t], prev_matched_);
      for (int j = mt; j <= top; ++j) p += prev_[j - 1];
      // Stupid Backoff: the orders of the context beyond what the token
      // before matched are not in the model; each costs alpha all the same.
      if (stupid_) {
        for (int j = std::max(mt, top + 1); j <= ctx[t]; ++j) p += alpha_;
      }
      out[t] = p;
      if (ngram_length) ngram_length[t] = static_cast<uint8_t>(mt);
      prev_ = bo + i * row_;
      prev_matched_ = std::min(mt, N_ - 1);
    }
    if (prev_ != bos_row_) {  // the chunk's rows are reused by the next
      std::memmove(carry_, prev_, sizeof(float) * static_cast<size_t>(prev_matched_));
      prev_ = carry_;
    }
  }

 private:
  const int N_;
  const size_t row_;
  const bool bos_;
  const bool stupid_;
  const float alpha_;
  float* rows_;
  float* carry_;
  float* bos_row_;
  const float* prev_;  // the row of the token before, and its orders in use
  int prev_matched_ = 0;
  size_t s_ = 0;  // sentences begun
};

}  // namespace grams::query

#endif  // GRAMS_QUERY_SCORE_CHUNKS_H_
