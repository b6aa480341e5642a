// KenlmBinary::Check (every structure of a binary, for grams-info --check)
// and ListNgrams (a trie's n-grams, for conversion); kenlm_binary.h.
#include "format/kenlm_binary.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "format/kenlm_layout.h"

namespace grams {

using namespace kenlm_layout;  // NOLINT: this file is the layout's reader

Status KenlmBinary::Check() const {
  auto fail = [&](const std::string& what) {
    return CorruptionError(name_ + ": damaged KenLM binary: " + what);
  };
  // Vocabulary: every word finds its own id.
  if (is_trie()) {
    for (uint64_t i = 1; i + 1 < bound_; ++i) {
      if (Load64(sorted_vocab_ + 8 * (i - 1)) >= Load64(sorted_vocab_ + 8 * i)) {
        return fail("the vocabulary hashes are not sorted (at word " + std::to_string(i + 1) + ")");
      }
    }
  }
  for (uint32_t id = 1; id < bound_; ++id) {
    if (Index(Word(id)) != id) {
      return fail("word " + std::to_string(id) + " ('" + std::string(Word(id).substr(0, 40)) +
                  "') is not found in the vocabulary index");
    }
  }
  for (uint32_t id = 0; id < bound_; ++id) {
    const float p = UnigramProb(id), b = UnigramBackoff(id);
    if (std::isnan(p) || p > 0 || std::isnan(b)) {
      return fail("unigram " + std::to_string(id) + " has log10 probability " + std::to_string(p) +
                  " and backoff " + std::to_string(b));
    }
  }
  return is_trie() ? CheckTrie() : CheckProbing();
}

Status KenlmBinary::CheckProbing() const {
  const int N = order();
  for (int n = 2; n <= N; ++n) {
    const Table& t = tables_[n - 2];
    uint64_t used = 0;
    for (uint64_t i = 0; i < t.buckets; ++i) {
      const unsigned char* s = t.slots + i * t.stride;
      const uint64_t key = Load64(s);
      if (key == 0) continue;
      ++used;
      if (FindSlot(t, key) != s) {
        return CorruptionError(name_ + ": damaged KenLM binary: the " + std::to_string(n) +
                               "-gram hash table does not find its slot " + std::to_string(i));
      }
      const float p = LoadF(s + 8);
      if (std::isnan(p) || (n == N && p > 0) || (n < N && std::isnan(LoadF(s + 12)))) {
        return CorruptionError(name_ + ": damaged KenLM binary: a " + std::to_string(n) +
                               "-gram has an invalid value");
      }
    }
    // Below the highest order, build_binary may add context n-grams the
    // ARPA lacked; the highest order holds exactly the counted ones.
    if (used >= t.buckets || used < counts_[n - 1] || (n == N && used != counts_[n - 1])) {
      return CorruptionError(name_ + ": damaged KenLM binary: the " + std::to_string(n) +
                             "-gram hash table holds " + std::to_string(used) + " n-grams for " +
                             std::to_string(counts_[n - 1]) + " counted");
    }
  }
  return Status::OK();
}

Status KenlmBinary::TrieDamaged(int n, const std::string& what) const {
  return CorruptionError(name_ + ": damaged KenLM binary: order " + std::to_string(n) + ": " +
                         what);
}

Status KenlmBinary::CheckTrie() const {
  const int N = order();
  // Unigram pointers: from 0, never decreasing, to the bigram count.
  uint64_t prev = 0;
  for (uint64_t id = 0; id <= counts_[0]; ++id) {
    const uint64_t next = Load64(unigrams_ + kTrieUnigram * id + 8);
    if (next < prev || (id == 0 && next != 0)) return TrieDamaged(1, "child pointers out of order");
    prev = next;
  }
  if (prev != levels_[0].entries) return TrieDamaged(1, "child pointers do not end at the 2-grams");
  for (int n = 2; n <= N; ++n) GRAMS_RETURN_IF_ERROR(CheckTrieLevel(n));
  for (int n = 2; n <= N; ++n) GRAMS_RETURN_IF_ERROR(CheckTrieChildrenSorted(n));
  return Status::OK();
}

Status KenlmBinary::CheckTrieLevel(int n) const {
  const int N = order();
  const Level& l = levels_[n - 2];
  if (l.offsets) {
    for (uint64_t j = 1; j < l.offset_count; ++j) {
      if (Load64(l.offsets + 8 * j) < Load64(l.offsets + 8 * (j - 1))) {
        return TrieDamaged(n, "compressed pointer array out of order");
      }
    }
  }
  if (n < N) {
    uint64_t last = 0;
    for (uint64_t i = 0; i <= l.entries; ++i) {
      uint64_t v = ReadBits(l.base, i * l.total_bits + l.word_bits + l.value_bits, l.next_bits);
      if (l.offsets) {
        uint64_t lo = 1, hi = l.offset_count;
        while (lo < hi) {
          const uint64_t mid = lo + (hi - lo) / 2;
          if (Load64(l.offsets + 8 * mid) <= i) {
            lo = mid + 1;
          } else {
            hi = mid;
          }
        }
        v |= (lo - 1) << l.next_bits;
      }
      if (v < last || (i == 0 && v != 0) || v > l.next_entries) {
        return TrieDamaged(n, "child pointers out of order");
      }
      last = v;
    }
    if (last != l.next_entries) {
      return TrieDamaged(n, "child pointers do not end at the next order");
    }
  }
  for (uint64_t i = 0; i < l.entries; ++i) {
    if (LevelWord(l, i) >= bound_) return TrieDamaged(n, "word id out of range");
    const float p = LevelProb(l, i, n == N);
    if (std::isnan(p)) return TrieDamaged(n, "invalid probability");
    if (n < N && std::isnan(LevelBackoff(l, i))) return TrieDamaged(n, "invalid backoff");
  }
  return Status::OK();
}

Status KenlmBinary::CheckTrieChildrenSorted(int n) const {
  const Level& l = levels_[n - 2];
  auto sorted = [&](Range r) {
    for (uint64_t i = r.begin + 1; i < r.end; ++i) {
      if (LevelWord(l, i - 1) >= LevelWord(l, i)) return false;
    }
    return true;
  };
  if (n == 2) {
    for (uint32_t id = 0; id < counts_[0]; ++id) {
      if (!sorted(UnigramRange(id))) return TrieDamaged(n, "children not sorted by word");
    }
    return Status::OK();
  }
  const Level& parent = levels_[n - 3];
  for (uint64_t i = 0; i < parent.entries; ++i) {
    if (!sorted(LevelNext(parent, i))) return TrieDamaged(n, "children not sorted by word");
  }
  return Status::OK();
}

Status KenlmBinary::ListNgrams(const NgramVisitor& visit) const {
  if (!is_trie()) return ProbingNotListable(name_);
  const int N = order();
  auto fail = [&](int n, const std::string& what) {
    return CorruptionError(name_ + ": damaged KenLM binary: order " + std::to_string(n) + ": " +
                           what);
  };
  std::vector<uint32_t> prev_words, words;
  std::vector<float> probs, backoffs;
  // Order 1: every word.
  prev_words.resize(bound_);
  probs.resize(bound_);
  backoffs.resize(bound_);
  for (uint32_t id = 0; id < bound_; ++id) {
    prev_words[id] = id;
    probs[id] = UnigramProb(id);
    backoffs[id] = UnigramBackoff(id);
  }
  GRAMS_RETURN_IF_ERROR(visit(1, prev_words, probs, backoffs));
  // Order n: the children of each entry of order n - 1, in order, each
  // range starting where the last one ended. A child's words: its own, then
  // its parent's (the trie reads n-grams right to left).
  for (int n = 2; n <= N; ++n) {
    const Level& l = levels_[n - 2];
    const uint64_t parents = n == 2 ? counts_[0] : levels_[n - 3].entries;
    words.assign(Size::Mul(l.entries, static_cast<uint64_t>(n)), 0);
    probs.assign(l.entries, 0.0f);
    backoffs.assign(l.entries, 0.0f);
    uint64_t expect = 0;
    for (uint64_t p = 0; p < parents; ++p) {
      Range r;
      if (n == 2) {
        r = Range{Load64(unigrams_ + kTrieUnigram * p + 8),
                  Load64(unigrams_ + kTrieUnigram * (p + 1) + 8)};
      } else {
        r = LevelNext(levels_[n - 3], p);
      }
      if (r.begin != expect || r.end < r.begin || r.end > l.entries) {
        return fail(n, "child pointers out of order");
      }
      expect = r.end;
      for (uint64_t i = r.begin; i < r.end; ++i) {
        const uint32_t w = LevelWord(l, i);
        if (w >= bound_) return fail(n, "word id out of range");
        uint32_t* out = &words[i * n];
        out[0] = w;
        std::copy(prev_words.begin() + p * (n - 1), prev_words.begin() + (p + 1) * (n - 1),
                  out + 1);
        probs[i] = LevelProb(l, i, n == N);
        backoffs[i] = n == N ? 0.0f : LevelBackoff(l, i);
      }
    }
    if (expect != l.entries) return fail(n, "child pointers do not cover the order");
    GRAMS_RETURN_IF_ERROR(visit(n, words, probs, backoffs));
    prev_words.swap(words);
  }
  return Status::OK();
}

}  // namespace grams
