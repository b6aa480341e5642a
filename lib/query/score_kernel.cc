// LanguageModel::ScoreImpl: whole sentences scored against the hash tables
// (language_model_impl.h), their lookups in chunks, order by order, each
// order's slots prefetched together so that the cache misses of a chunk
// overlap. Every probe address of a sentence is known in advance: scoring a
// word probes orders 2, 3, ... until the first miss (models are
// suffix-closed). A KenLM binary hands over to its backend first.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "grams/language_model.h"
#include "query/language_model_impl.h"
#include "query/ngram_hash.h"
#include "query/score_chunks.h"
#include "util/prefetch.h"

namespace grams {

using query::kSlotBytes;
using query::kTopSlotBytes;
using query::MixKey;
using query::NonZero;

namespace {

// Tokens looked up at once by ScoreImpl. An order's prefetched lines (up to
// two a token) must still be in the L1 cache (48 KiB here) when the scans
// read them: 128 tokens prefetch about 14 KiB, 256 about 28 KiB, and were
// 2% slower on the Brown order-5 model (1024: 4% slower; 64: 1% slower).
constexpr size_t kChunk = 128;

// The slot holding `mixed`, scanning from its home slot `s`, or nullptr
// (query::FindSlot, from a home already found). The keys of a scan that
// are below `mixed` come first, so the first `avail` slots (2 to 4: those
// whose lines were prefetched, SlotsPrefetched) are compared at once,
// without a branch whose outcome the processor could not predict. The
// rarer scan that goes further (one probe in five on the Brown order-5
// model) is left to the caller: nullptr, and *further set to the slot
// after them (FindFurther). A pointer with its low bit set is a home
// within four slots of the table's end: it is scanned one slot at a time.
template <size_t kStride>
inline const unsigned char* FindFrom(const unsigned char* s, uint64_t mixed, size_t avail,
                                     const unsigned char** further) {
  const uint64_t m1 = mixed - 1;
  if (__builtin_expect(reinterpret_cast<uintptr_t>(s) & 1, 0)) {
    for (s -= 1;; s += kStride) {
      const uint64_t k = query::LoadKey(s);
      if (k - 1 >= m1) return k == mixed ? s : nullptr;
    }
  }
  // k - 1 < mixed - 1: a key below mixed (0, the empty slot, wraps around).
  // (Slots past `avail` are not read: the last two loads fall back on the
  // last slot fetched, and their compare is masked.)
  const uint64_t k0 = query::LoadKey(s), k1 = query::LoadKey(s + kStride);
  const uint64_t k2 = query::LoadKey(s + std::min<size_t>(2, avail - 1) * kStride);
  const uint64_t k3 = query::LoadKey(s + (avail - 1) * kStride);
  const size_t below = static_cast<size_t>(k0 - 1 < m1) + static_cast<size_t>(k1 - 1 < m1) +
                       (static_cast<size_t>(k2 - 1 < m1) & (avail > 2)) +
                       (static_cast<size_t>(k3 - 1 < m1) & (avail >> 2));
  if (__builtin_expect(below == avail, 0)) {
    *further = s + avail * kStride;
    return nullptr;
  }
  s += below * kStride;
  return query::LoadKey(s) == mixed ? s : nullptr;
}

// Prefetches the lines of a scan from slot `p` and returns how many of
// its slots FindFrom may read. Most scans end within two slots of their
// home (load factor 0.75), so the second line is fetched only when the
// first holds fewer than two whole slots, and the scan then reads four;
// otherwise it reads the two or three slots of the first line, or four
// if the home is at the line's start. Fetching both lines for every probe
// (1.75 lines a probe instead of 1.26 and one in five scans finished
// later, counted on 5x brown train) was 10% slower on the Brown order-5
// model: the lookups are bound by how many misses are under way at once.
inline size_t SlotsPrefetched(const unsigned char* p, size_t stride) {
  ::grams::Prefetch(p);
  const size_t whole = (64 - (reinterpret_cast<uintptr_t>(p) & 63)) / stride;
  if (whole < 2) {
    ::grams::Prefetch(p + 64);
    return 4;
  }
  return std::min<size_t>(whole, 4);
}

// The rest of a scan FindFrom left at `s`, one slot at a time.
template <size_t kStride>
inline const unsigned char* FindFurther(const unsigned char* s, uint64_t mixed) {
  for (const uint64_t m1 = mixed - 1;; s += kStride) {
    const uint64_t k = query::LoadKey(s);
    if (k - 1 >= m1) return k == mixed ? s : nullptr;
  }
}

// A shard as the lookups see it: where its scans may read four slots.
struct ShardScan {
  const unsigned char* slots;
  uint64_t homes;
  uint64_t fast_homes;  // homes h with h + 4 <= slot count
};

// ScoreImpl's scratch, one per thread.
struct ScoreScratch {
  std::vector<ShardScan> shards;
  std::vector<WordId> ext;
  std::vector<uint64_t> rnd;
  std::vector<float> uprob, ubo;
  std::vector<uint32_t> pos;
  std::vector<uint8_t> ctx;
  uint64_t key[kChunk], mixed[kChunk];
  const unsigned char* slot[kChunk];
  uint32_t active[kChunk], next[kChunk], deferred[kChunk];
  uint8_t matched[kChunk + 1], avail[kChunk];
  float prob[kChunk];
  std::vector<float> bo;
};

// The calling thread's scratch. Not inlined: the thread_local's address is
// then taken once a call and kept in a plain reference; inlined, in a
// shared library, the compiler called __tls_get_addr again after every
// call ScoreImpl makes (38 calls, 8% of a short sentence's time).
__attribute__((noinline)) ScoreScratch& ThreadScratch() {
  thread_local ScoreScratch scratch;
  return scratch;
}

}  // namespace

// Long but left whole: the scoring loop, profiled as one piece. Its phases
// (the sentences' unigram records gathered, each chunk's lookups order by
// order with their prefetches) share the chunk's scratch arrays and loop
// state, and split into functions they would pass a dozen pointers each;
// each phase is introduced by a comment. What ScoreTrie does the same way
// is in query/score_chunks.h.
void LanguageModel::ScoreImpl(const WordId* ids, const size_t* ends, size_t count, bool bos,
                              float* out, uint8_t* ngram_length) const {
  const Impl& m = *impl_;
  if (m.kenlm) return m.kenlm->ScoreSentences(ids, ends, count, bos, out, ngram_length);
  if (m.mixture) return m.mixture->ScoreSentences(ids, ends, count, bos, out, ngram_length);
  if (__builtin_expect(!m.tables_ready.load(std::memory_order_acquire), 0)) {
    if (m.packed) return m.ScoreTrie(*m.packed, ids, ends, count, bos, out, ngram_length);
    if (const auto trie = m.TrieUntilReady()) {
      m.NoteTrieTokens(count ? ends[count - 1] : 0);
      return m.ScoreTrie(*trie, ids, ends, count, bos, out, ngram_length);
    }
  }
  const int N = m.order;
  const Unigram* const uni = m.uni;
  const size_t total = count ? ends[count - 1] : 0;
  if (total == 0) return;
  ScoreScratch& z = ThreadScratch();
  // The tokens laid out (query/score_chunks.h), and rnd, uprob and ubo the
  // unigram record of each word of ext, read once.
  query::LayOutTokens(ids, ends, count, bos, N, m.vocab_size, &z.ext, &z.pos, &z.ctx);
  const size_t E = z.ext.size();
  z.rnd.resize(E);
  z.uprob.resize(E);
  z.ubo.resize(E);
  WordId* const ext = z.ext.data();
  uint64_t* const rnd = z.rnd.data();
  float* const uprob = z.uprob.data();
  float* const ubo = z.ubo.data();
  uint32_t* const pos = z.pos.data();
  uint8_t* const ctx = z.ctx.data();
  {
    size_t e;
    constexpr size_t kAhead = 16;
    for (e = 0; e < E && e < kAhead; ++e) ::grams::Prefetch(&uni[ext[e]]);
    for (e = 0; e < E; ++e) {
      if (e + kAhead < E) ::grams::Prefetch(&uni[ext[e + kAhead]]);
      const Unigram& u = uni[ext[e]];
      rnd[e] = u.rand;
      uprob[e] = u.prob;
      ubo[e] = u.backoff;
    }
  }
  z.shards.resize(2 * static_cast<size_t>(std::max(0, N - 1)));
  ShardScan* const shards = z.shards.data();
  for (size_t k = 0; k < z.shards.size(); ++k) {
    const MappedModelParts::Shard& sh = m.shards[k];
    shards[k] = ShardScan{sh.slots, sh.homes,
                          std::min(sh.homes, sh.slot_count >= 3 ? sh.slot_count - 3 : 0)};
  }

  // The tokens are looked up in chunks, order by order: every key of an
  // order is computed and its slot prefetched, then the slots are read, so
  // that the cache misses of a chunk overlap (a few hundred lookups are
  // under way where one token's would be). As before, a token's lookups stop
  // at its first miss; and a token is looked up at order j+1 only if the
  // token before it matched order j or more. That skips only lookups that
  // would miss: if the (i+1)-gram ending at t is in the model for every i <
  // j+1, so is its prefix, the i-gram ending at t-1 (a model is a trie:
  // every prefix of an n-gram is in it), so t-1 matched order j.
  query::BackoffAdder adder(N, kChunk, &z.bo, uni[kBosId].backoff, bos, m.stupid,
                            m.stupid_log_alpha);
  float* const bo = adder.rows();  // token i's backoffs at bo + i * row
  const size_t row = adder.row();
  uint64_t* const key = z.key;
  uint64_t* const mixed = z.mixed;
  const unsigned char** const slot = z.slot;
  // matched[i + 1]: the order token i of the chunk matched; matched[0]: the
  // token before the chunk's (0 at the start: never looked at).
  uint8_t* const matched = z.matched;
  uint8_t* const avail = z.avail;
  float* const prob = z.prob;
  uint32_t* active = z.active;
  uint32_t* next = z.next;
  uint32_t* const deferred = z.deferred;

  matched[0] = 0;
  for (size_t c0 = 0; c0 < total; c0 += kChunk) {
    const size_t B = std::min(total - c0, kChunk);
    // Order 1, and the tokens that may match order 2.
    size_t na = 0;
    for (size_t i = 0; i < B; ++i) {
      const size_t e = pos[c0 + i];
      key[i] = rnd[e];
      prob[i] = uprob[e];
      bo[i * row] = ubo[e];
      matched[i + 1] = 1;
      active[na] = static_cast<uint32_t>(i);
      na += ctx[c0 + i] >= 1;
    }
    for (int j = 2; j <= N && na > 0; ++j) {
      const size_t stride = j == N ? kTopSlotBytes : kSlotBytes;
      const ShardScan* const shard = &shards[2 * (j - 2)];
      const uint64_t power = m.powers[j - 1];
      for (size_t a = 0; a < na; ++a) {
        const uint32_t i = active[a];
        const uint64_t k = NonZero(rnd[pos[c0 + i] - j + 1] * power + key[i]);
        key[i] = k;
        const uint64_t x = MixKey(k);
        const ShardScan& sh = shard[x & 1];
        const uint64_t home = query::Reduce(x, sh.homes);
        const unsigned char* p = sh.slots + home * stride;
        avail[a] = static_cast<uint8_t>(SlotsPrefetched(p, stride));
        // A home near the table's end is marked (its low bit, slots being
        // 4-aligned) for the scan that reads one slot at a time.
        slot[a] = reinterpret_cast<const unsigned char*>(reinterpret_cast<uintptr_t>(p) |
                                                         (home >= sh.fast_homes));
        mixed[a] = x;
      }
      const bool top = j == N;
      float* const bo_j = bo + (j - 1);
      auto found = [&](uint32_t i, const unsigned char* p) {
        prob[i] = query::LoadFloat(p + 8);
        if (!top) bo_j[i * row] = query::LoadFloat(p + 12);
        matched[i + 1] = static_cast<uint8_t>(j);
      };
      // A scan that goes past the slots prefetched would wait there for a
      // line that was not prefetched: that line is prefetched, and the scan
      // finished after the others, its miss overlapping theirs (the
      // scans had waited one after the other: 6% of the time on the Brown
      // order-5 model).
      size_t nf = 0;
      for (size_t a = 0; a < na; ++a) {
        const uint32_t i = active[a];
        const unsigned char* further = nullptr;
        const unsigned char* p =
            top ? FindFrom<kTopSlotBytes>(slot[a], mixed[a], avail[a], &further)
                : FindFrom<kSlotBytes>(slot[a], mixed[a], avail[a], &further);
        if (__builtin_expect(further != nullptr, 0)) {
          ::grams::Prefetch(further);
          ::grams::Prefetch(further + 2 * stride + 7);
          slot[nf] = further;
          mixed[nf] = mixed[a];
          deferred[nf++] = i;
          continue;
        }
        if (p) found(i, p);
      }
      for (size_t d = 0; d < nf; ++d) {
        const unsigned char* p = top ? FindFurther<kTopSlotBytes>(slot[d], mixed[d])
                                     : FindFurther<kSlotBytes>(slot[d], mixed[d]);
        if (p) found(deferred[d], p);
      }
      const size_t nn = query::GoOn(j, active, na, matched, ctx + c0, next);
      std::swap(active, next);
      na = nn;
    }
    adder.Chunk(c0, B, ends, count, ctx, matched, prob, out, ngram_length);
    matched[0] = matched[B];
  }
}

}  // namespace grams
