// LanguageModel::Impl::ScoreTrie: ScoreImpl's work (score_kernel.cc) done
// on a model file's trie (query/model_trie.h), while its tables are built.
//
// The structure is the kernel's: the tokens in chunks, looked up order by
// order, a token going on to order j+1 under the same conditions (it
// matched order j, and so did the token before), the backoffs added in
// input order. So a token matches the same orders and gets the same float.
// Only the lookup differs: the n-gram of order j ending at a token is a
// child of the one of order j-1 ending at the token before, found in the
// pass before, and is looked for among that parent's children (their words
// ascend) by binary search. One search at a time would wait on each step's
// cache miss; the chunk's searches go step by step together instead, each
// step's line prefetched a step ahead, so that their misses overlap. The
// values are read last, only those the backoff phase adds.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "grams/language_model.h"
#include "query/language_model_impl.h"
#include "query/model_trie.h"
#include "query/packed_trie.h"
#include "query/score_chunks.h"
#include "util/prefetch.h"

namespace grams {

namespace {

// Tokens looked up at once: each has a search under way at every step.
constexpr size_t kChunk = 256;

struct TrieScratch {
  std::vector<WordId> ext;
  std::vector<uint32_t> pos;
  std::vector<uint8_t> ctx;
  std::vector<EntryIndex> entries;
  std::vector<float> bo;
  WordId word[kChunk];
  uint32_t active[kChunk], next[kChunk];
  uint32_t who[kChunk], lo[kChunk], size[kChunk];  // the searches under way
  uint32_t done[kChunk], at[kChunk];               // the searches ended, and where
  uint8_t matched[kChunk + 1];
  float prob[kChunk];
  std::vector<const float*> need;  // the values to read, and whose (token << 8 | order)
  std::vector<uint32_t> need_at;
};

// Not inlined, for the reason ThreadScratch in score_kernel.cc gives.
__attribute__((noinline)) TrieScratch& ThreadTrieScratch() {
  thread_local TrieScratch scratch;
  return scratch;
}

}  // namespace

// Long but left whole, as ScoreImpl is: the phases share the chunk's
// scratch and loop state.
template <class Trie>
void LanguageModel::Impl::ScoreTrie(const Trie& t, const WordId* ids, const size_t* ends,
                                    size_t count, bool bos, float* out,
                                    uint8_t* ngram_length) const {
  const int N = order;
  const size_t total = count ? ends[count - 1] : 0;
  if (total == 0) return;
  TrieScratch& z = ThreadTrieScratch();
  query::LayOutTokens(ids, ends, count, bos, N, vocab_size, &z.ext, &z.pos, &z.ctx);
  const WordId* const ext = z.ext.data();
  const uint32_t* const pos = z.pos.data();
  const uint8_t* const ctx = z.ctx.data();
  query::BackoffAdder adder(N, kChunk, &z.bo, uni[kBosId].backoff, bos, stupid, stupid_log_alpha);
  float* const bo = adder.rows();  // token i's backoffs at bo + i * row
  const size_t row = adder.row();
  // entries[j * stride + i + 1]: the entry of order j that token i of the
  // chunk matched; entries[j * stride]: the token before the chunk's.
  const size_t stride = kChunk + 1;
  z.entries.resize(static_cast<size_t>(N + 1) * stride);
  EntryIndex* const entries = z.entries.data();
  WordId* const word = z.word;
  uint8_t* const matched = z.matched;
  float* const prob = z.prob;
  uint32_t* active = z.active;
  uint32_t* next = z.next;
  uint32_t* const who = z.who;
  uint32_t* const lo = z.lo;
  uint32_t* const size = z.size;
  uint32_t* const done = z.done;
  uint32_t* const at = z.at;
  z.need.resize(kChunk * static_cast<size_t>(N));
  z.need_at.resize(kChunk * static_cast<size_t>(N));
  const float** const need = z.need.data();
  uint32_t* const need_at = z.need_at.data();

  matched[0] = 0;
  for (size_t c0 = 0; c0 < total; c0 += kChunk) {
    const size_t B = std::min(total - c0, kChunk);
    // Order 1, and the tokens that may match order 2.
    for (size_t i = 0; i < B; ++i) {
      word[i] = ext[pos[c0 + i]];
      ::grams::Prefetch(&uni[word[i]]);
    }
    size_t na = 0;
    for (size_t i = 0; i < B; ++i) {
      const Unigram& u = uni[word[i]];
      prob[i] = u.prob;
      bo[i * row] = u.backoff;
      matched[i + 1] = 1;
      entries[stride + i + 1] = word[i];
      active[na] = static_cast<uint32_t>(i);
      na += ctx[c0 + i] >= 1;
    }
    for (int j = 2; j <= N && na > 0; ++j) {
      const typename Trie::Level& level = t.level(j);
      // The parents: order 1's is the word before (<s> for a sentence's
      // first token), the others what the token before matched.
      const EntryIndex* const up = entries + static_cast<size_t>(j - 1) * stride;
      for (size_t a = 0; a < na; ++a) {
        const uint32_t i = active[a];
        const EntryIndex p = j == 2 ? ext[pos[c0 + i] - 1] : up[i];
        lo[a] = p;
        level.PrefetchChildren(p);
      }
      // Each parent's children, and the first step of each search.
      size_t ns = 0, nd = 0;
      // A parent of one child is done at once in the trie layout (without a
      // branch: the outcome is stored both ways), and after a step like the
      // others in a ModelTrie: measured on 5x brown train, the trie layout
      // 0.79 -> 0.73 s, a ModelTrie 0.83 -> 0.89 s when done at once.
      for (size_t a = 0; a < na; ++a) {
        uint32_t b, n;
        level.Children(lo[a], &b, &n);
        const uint32_t i = active[a];
        who[ns] = i;
        lo[ns] = b;
        size[ns] = n;
        if constexpr (Trie::Level::kOneChildDoneAtOnce) {
          const bool more = n > 1;
          level.PrefetchWord(b + (n >> 1) - more);
          ns += more;
          done[nd] = i;
          at[nd] = b;
          nd += n == 1;
        } else {
          level.PrefetchWord(b + (n > 1 ? n / 2 - 1 : 0));
          ns += n > 0;
        }
      }
      // The searches, a step each in turn; a search of one word left is done.
      while (ns > 0) {
        size_t kept = 0;
        for (size_t q = 0; q < ns; ++q) {
          uint32_t b = lo[q], n = size[q];
          const uint32_t i = who[q];
          if (n > 1) {
            const uint32_t half = n / 2;
            b = level.Word(b + half - 1) < word[i] ? b + half : b;
            n -= half;
          }
          if (n > 1) {
            level.PrefetchWord(b + n / 2 - 1);
            who[kept] = i;
            lo[kept] = b;
            size[kept++] = n;
          } else {
            level.PrefetchWord(b);
            done[nd] = i;
            at[nd++] = b;
          }
        }
        ns = kept;
      }
      // The searches that found their word; their values are read below.
      EntryIndex* const entries_j = entries + static_cast<size_t>(j) * stride + 1;
      for (size_t d = 0; d < nd; ++d) {
        const uint32_t i = done[d], e = at[d];
        if (level.Word(e) != word[i]) continue;
        matched[i + 1] = static_cast<uint8_t>(j);
        entries_j[i] = e;
      }
      const size_t nn = query::GoOn(j, active, na, matched, ctx + c0, next);
      std::swap(active, next);
      na = nn;
    }
    // The values the adder reads, and only those: each token's longest
    // match's probability, and the backoffs of the orders of its n-grams
    // that the next token did not extend (all of them for the chunk's last
    // token, whose next is in the next chunk). The others would cost a
    // cache line each for nothing (most tokens match three orders or more).
    size_t nv = 0;
    for (size_t i = 0; i < B; ++i) {
      const int m = matched[i + 1];
      if (m < 2) continue;
      const int from = std::max(2, i + 1 < B ? static_cast<int>(matched[i + 2]) : 2);
      for (int j = std::min(from, m); j <= m; ++j) {
        const EntryIndex e = entries[static_cast<size_t>(j) * stride + i + 1];
        const float* const v = t.level(j).Values(e);
        ::grams::Prefetch(v);
        need[nv] = v;
        need_at[nv++] = static_cast<uint32_t>(i) << 8 | static_cast<uint32_t>(j);
      }
    }
    for (size_t k = 0; k < nv; ++k) {
      const uint32_t i = need_at[k] >> 8;
      const int j = static_cast<int>(need_at[k] & 255);
      const float* const v = need[k];
      if (j == matched[i + 1]) prob[i] = v[0];
      if (j < N) bo[i * row + j - 1] = v[1];
    }
    adder.Chunk(c0, B, ends, count, ctx, matched, prob, out, ngram_length);
    matched[0] = matched[B];
    for (int j = 1; j <= N; ++j) entries[j * stride] = entries[j * stride + B];
  }
}

template void LanguageModel::Impl::ScoreTrie(const query::ModelTrie&, const WordId*, const size_t*,
                                             size_t, bool, float*, uint8_t*) const;
template void LanguageModel::Impl::ScoreTrie(const query::PackedTrie&, const WordId*, const size_t*,
                                             size_t, bool, float*, uint8_t*) const;

}  // namespace grams
