// KenlmBinary's lookups: words, probing slots, trie records, and scoring
// by KenLM's rules in both layouts (kenlm_binary.h).
#include "format/kenlm_binary.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "format/kenlm_layout.h"

namespace grams {

using namespace kenlm_layout;  // NOLINT: this file is the layout's reader

uint32_t KenlmBinary::Index(std::string_view word) const {
  const uint64_t h = KenlmWordHash(word);
  if (is_trie()) {
    // Interpolation search over the sorted hashes (uniform by nature).
    uint64_t lo = 0, hi = static_cast<uint64_t>(bound_) - 1;  // [lo, hi)
    uint64_t lo_v = 0, hi_v = UINT64_MAX;
    while (lo < hi) {
      if (h < lo_v || h > hi_v) return 0;
      __extension__ typedef unsigned __int128 Wide;
      const Wide span = static_cast<Wide>(hi_v - lo_v) + 1;
      const uint64_t pivot =
          lo + static_cast<uint64_t>(static_cast<Wide>(h - lo_v) * (hi - lo) / span);
      const uint64_t v = Load64(sorted_vocab_ + 8 * pivot);
      if (v < h) {
        lo = pivot + 1;
        lo_v = v + 1;
      } else if (v > h) {
        hi = pivot;
        hi_v = v - 1;
      } else {
        return static_cast<uint32_t>(pivot + 1);
      }
    }
    return 0;
  }
  const unsigned char* slot = FindSlot(vocab_table_, h);
  if (!slot) return 0;
  const uint32_t id = Load32(slot + 8);
  return id < bound_ ? id : 0;
}

const unsigned char* KenlmBinary::FindSlot(const Table& t, uint64_t key) const {
  uint64_t i = key % t.buckets;
  // Bounded by the bucket count: a damaged table with no empty slot ends.
  for (uint64_t probes = 0; probes < t.buckets; ++probes) {
    const unsigned char* s = t.slots + i * t.stride;
    const uint64_t k = Load64(s);
    if (k == key) return s;
    if (k == 0) return nullptr;
    if (++i == t.buckets) i = 0;
  }
  return nullptr;
}

float KenlmBinary::UnigramProb(uint32_t id) const {
  if (is_trie()) return LoadF(unigrams_ + kTrieUnigram * id);
  // The probing layout keeps "extends left" in the sign bit: the
  // probability is the value with its sign set.
  return FromBits(Load32(unigrams_ + kProbingUnigram * id) | kSignBit);
}

float KenlmBinary::UnigramBackoff(uint32_t id) const {
  return LoadF(unigrams_ + (is_trie() ? kTrieUnigram : kProbingUnigram) * id + 4);
}

KenlmBinary::Range KenlmBinary::UnigramRange(uint32_t id) const {
  const uint64_t limit = levels_[0].entries;
  uint64_t end = std::min(Load64(unigrams_ + kTrieUnigram * (id + 1) + 8), limit);
  uint64_t begin = std::min(Load64(unigrams_ + kTrieUnigram * id + 8), end);
  return Range{begin, end};
}

uint32_t KenlmBinary::LevelWord(const Level& l, uint64_t i) const {
  return static_cast<uint32_t>(ReadBits(l.base, i * l.total_bits, l.word_bits));
}

KenlmBinary::Range KenlmBinary::LevelNext(const Level& l, uint64_t i) const {
  const uint64_t off = static_cast<uint64_t>(l.word_bits) + l.value_bits;
  uint64_t begin = ReadBits(l.base, i * l.total_bits + off, l.next_bits);
  uint64_t end = ReadBits(l.base, (i + 1) * l.total_bits + off, l.next_bits);
  if (l.offsets) {
    // The high bits of record j's pointer: how many offsets after the
    // first are <= j (the offsets are the first records of each run of
    // equal high bits).
    auto high = [&](uint64_t j) {
      uint64_t lo = 1, hi = l.offset_count;  // first offset > j in [1, count)
      while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (Load64(l.offsets + 8 * mid) <= j) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo - 1;
    };
    begin |= high(i) << l.next_bits;
    end |= high(i + 1) << l.next_bits;
  }
  end = std::min(end, l.next_entries);
  begin = std::min(begin, end);
  return Range{begin, end};
}

float KenlmBinary::LevelProb(const Level& l, uint64_t i, bool longest) const {
  const uint64_t bit = i * l.total_bits + l.word_bits;
  if (l.prob_table) {
    const uint64_t at = longest ? bit : bit + static_cast<uint64_t>(backoff_bits_);
    return LoadF(l.prob_table + 4 * ReadBits(l.base, at, static_cast<unsigned>(prob_bits_)));
  }
  // 31 bits: the probability without its sign, which is always set.
  return FromBits(static_cast<uint32_t>(ReadBits(l.base, bit, 31)) | kSignBit);
}

float KenlmBinary::LevelBackoff(const Level& l, uint64_t i) const {
  const uint64_t bit = i * l.total_bits + l.word_bits;
  if (l.backoff_table) {
    return LoadF(l.backoff_table + 4 * ReadBits(l.base, bit, static_cast<unsigned>(backoff_bits_)));
  }
  return FromBits(static_cast<uint32_t>(ReadBits(l.base, bit + 31, 32)));
}

// Children are sorted by word id and their ids spread evenly (the trie's ids
// are hash order): interpolation search, as bounded as binary search on
// damaged data (each step leaves a strictly smaller range).
bool KenlmBinary::FindChild(const Level& l, Range r, uint32_t word, uint64_t* at) const {
  uint64_t lo = r.begin, hi = r.end;
  uint64_t lo_v = 0, hi_v = bound_;
  while (lo < hi) {
    if (word < lo_v || word > hi_v) return false;
    __extension__ typedef unsigned __int128 Wide;
    const uint64_t pivot = lo + static_cast<uint64_t>(static_cast<Wide>(word - lo_v) * (hi - lo) /
                                                      (static_cast<Wide>(hi_v - lo_v) + 1));
    const uint32_t v = LevelWord(l, pivot);
    if (v < word) {
      lo = pivot + 1;
      lo_v = static_cast<uint64_t>(v) + 1;
    } else if (v > word) {
      hi = pivot;
      hi_v = static_cast<uint64_t>(v) - 1;
    } else {
      *at = pivot;
      return true;
    }
  }
  return false;
}

KenlmBinary::Match KenlmBinary::Score(uint32_t word, const uint32_t* context, int context_length,
                                      float* backoffs) const {
  return is_trie() ? ScoreTrie(word, context, context_length, backoffs)
                   : ScoreProbing(word, context, context_length, backoffs);
}

// KenLM's query: the unigram, then longer and longer n-grams ending in the
// word, one context word at a time, until one is missing or cannot be
// extended further (no longer n-gram ends in it); the highest order has no
// backoff and never extends.
KenlmBinary::Match KenlmBinary::ScoreTrie(uint32_t word, const uint32_t* context,
                                          int context_length, float* backoffs) const {
  const int N = order();
  Match m{UnigramProb(word), 1, 0};
  backoffs[0] = UnigramBackoff(word);
  if (HasExtension(backoffs[0])) m.state_length = 1;
  Range node = UnigramRange(word);
  for (int i = 0; i < context_length && node.begin < node.end; ++i) {
    const Level& l = levels_[i];
    uint64_t at;
    if (!FindChild(l, node, context[i], &at)) break;
    if (i + 2 == N) {
      m.prob = LevelProb(l, at, /*longest=*/true);
      m.length = N;
      break;
    }
    node = LevelNext(l, at);
    backoffs[i + 1] = LevelBackoff(l, at);
    m.prob = LevelProb(l, at, /*longest=*/false);
    m.length = i + 2;
    if (HasExtension(backoffs[i + 1])) m.state_length = i + 2;
  }
  return m;
}

KenlmBinary::Match KenlmBinary::ScoreProbing(uint32_t word, const uint32_t* context,
                                             int context_length, float* backoffs) const {
  const int N = order();
  const uint32_t raw = Load32(unigrams_ + kProbingUnigram * word);
  Match m{FromBits(raw | kSignBit), 1, 0};
  backoffs[0] = UnigramBackoff(word);
  if (HasExtension(backoffs[0])) m.state_length = 1;
  // The sign bit of a stored probability set: no longer n-gram ends in it.
  bool independent = (raw & kSignBit) != 0;
  uint64_t key = word;
  for (int i = 0; i < context_length && !independent; ++i) {
    // The hash of the n-gram, extended one word to the left.
    key = (key * 8978948897894561157ULL) ^
          ((static_cast<uint64_t>(context[i]) + 1) * 17894857484156487943ULL);
    const unsigned char* slot = FindSlot(tables_[i], key);
    if (!slot) break;
    if (i + 2 == N) {
      m.prob = LoadF(slot + 8);
      m.length = N;
      break;
    }
    const uint32_t p = Load32(slot + 8);
    backoffs[i + 1] = LoadF(slot + 12);
    m.prob = FromBits(p | kSignBit);
    m.length = i + 2;
    if (HasExtension(backoffs[i + 1])) m.state_length = i + 2;
    independent = (p & kSignBit) != 0;
  }
  return m;
}

}  // namespace grams
