// SortSuffixes: ids -> byte codes -> libdivsufsort -> token suffix array,
// on one thread or on two.
//
// One thread: each id is written in a prefix-free, order-preserving byte
// code (index::EncodeId), the bytes are suffix-sorted by libdivsufsort (its
// 32-bit variant up to 2^31 - 1 bytes, its 64-bit one beyond), and the
// suffixes that start at the start of a code are kept, renumbered as token
// positions. They are in token order: two of them agree up to some token,
// whose two codes differ, and as neither code is a prefix of the other,
// their first differing byte lies within both and orders them as their ids
// (a suffix that ends first is a prefix of the other, and sorts first in
// both orders). With canonical ids the codes average 1.5-2 bytes per token
// in natural text, against 3 for fixed-width bytes with a large vocabulary,
// and the sort's work is proportional to the bytes.
//
// Two threads (libdivsufsort has no threads of its own): the stream T of N
// tokens is cut at h = N / 2.
//   1. At once: the suffix array of T[h, N) alone, which is exact (its
//      suffixes are T's); and that of T[0, h + overlap) alone, whose order
//      of the positions below h is T's wherever two neighbours differ
//      before that text's end.
//   2. That is checked for every pair of neighbours below h; a pair whose
//      comparison reaches the end (a repeat of `overlap` tokens or more
//      across the cut) sends the whole sort back to one thread.
//   3. The two lists are merged: a position a < h against a position b >=
//      h compares tokens until they differ, b's suffix ends (it is then a
//      prefix of a's: b first), or a reaches h, where the rest is two
//      suffixes of T[h, N), ordered by their ranks there.
// Steps 2 and 3 read the tokens for about the length of the common prefix
// of neighbours: little in text, but a budget of 16 N each bounds them on
// highly repetitive input, which one thread then sorts again.
#include "index/suffix_sort.h"

#include <divsufsort.h>
#include <divsufsort64.h>

#include <algorithm>
#include <bit>

#include "index/index_format.h"
#include "util/prefetch.h"
#include "util/threads.h"

namespace grams::index {
namespace {

// The byte codes of ids[0, n); *starts has a bit per byte, set where a code
// starts, and *rank the set bits before each 64-bit word of it.
void ByteCodes(const uint32_t* ids, uint64_t n, std::vector<unsigned char>* text,
               std::vector<uint64_t>* starts, std::vector<uint64_t>* rank) {
  uint64_t bytes = 0;
  unsigned char code[8];
  for (uint64_t i = 0; i < n; ++i) bytes += static_cast<uint64_t>(EncodeId(ids[i], code));
  text->assign(bytes, 0);
  starts->assign(bytes / 64 + 1, 0);
  rank->assign(bytes / 64 + 1, 0);
  uint64_t at = 0;
  for (uint64_t i = 0; i < n; ++i) {
    (*starts)[at >> 6] |= uint64_t{1} << (at & 63);
    at += static_cast<uint64_t>(EncodeId(ids[i], text->data() + at));
  }
  for (size_t w = 1; w < rank->size(); ++w) {
    (*rank)[w] = (*rank)[w - 1] + std::popcount((*starts)[w - 1]);
  }
}

// Calls emit(token position) for the token suffixes of the byte suffix
// array, in its order.
template <typename Sa, typename Emit>
void KeepTokenStarts(const std::vector<Sa>& sa, const std::vector<uint64_t>& starts,
                     const std::vector<uint64_t>& rank, Emit&& emit) {
  for (Sa s : sa) {
    const uint64_t p = static_cast<uint64_t>(s);
    const uint64_t word = starts[p >> 6], bit = uint64_t{1} << (p & 63);
    if (word & bit) emit(rank[p >> 6] + std::popcount(word & (bit - 1)));
  }
}

// Suffix-sorts the byte codes of ids[0, n) and calls emit(token position)
// for each token suffix, in order.
template <typename Emit>
Status SortCodes(const uint32_t* ids, uint64_t n, Emit&& emit) {
  std::vector<unsigned char> text;
  std::vector<uint64_t> starts, rank;
  ByteCodes(ids, n, &text, &starts, &rank);
  const uint64_t bytes = text.size();
  if (bytes <= static_cast<uint64_t>(INT32_MAX)) {
    std::vector<saidx_t> sa(bytes);
    if (divsufsort(text.data(), sa.data(), static_cast<saidx_t>(bytes)) != 0) {
      return InternalError("divsufsort failed");
    }
    std::vector<unsigned char>().swap(text);
    KeepTokenStarts(sa, starts, rank, emit);
  } else {
    std::vector<saidx64_t> sa(bytes);
    if (divsufsort64(text.data(), sa.data(), static_cast<saidx64_t>(bytes)) != 0) {
      return InternalError("divsufsort64 failed");
    }
    std::vector<unsigned char>().swap(text);
    KeepTokenStarts(sa, starts, rank, emit);
  }
  return Status::OK();
}

Status SortOnOneThread(const std::vector<uint32_t>& stream, int pos_bits, std::string* packed) {
  const uint64_t N = stream.size();
  packed->assign(PackedBytes(N, pos_bits), '\0');
  auto* out = reinterpret_cast<unsigned char*>(packed->data());
  uint64_t next = 0;
  GRAMS_RETURN_IF_ERROR(SortCodes(stream.data(), N, [&](uint64_t token) {
    if (next < N) PutPacked(out, pos_bits, next++, token);
  }));
  if (next != N) return InternalError("suffix array has the wrong size");
  return Status::OK();
}

// The token suffix array of ids[0, n) as a text of its own, into *sa;
// false if divsufsort fails.
bool TokenSuffixArray(const uint32_t* ids, uint64_t n, std::vector<uint32_t>* sa) {
  sa->clear();
  sa->reserve(n);
  const Status status =
      SortCodes(ids, n, [&](uint64_t token) { sa->push_back(static_cast<uint32_t>(token)); });
  return status.ok() && sa->size() == n;
}

// The two-thread sort (see the top of the file); false when it cannot
// vouch for its order, *packed then to be overwritten.
bool SortOnTwoThreads(const std::vector<uint32_t>& stream, int pos_bits, uint64_t overlap,
                      std::string* packed) {
  const uint64_t N = stream.size();
  const uint64_t h = N / 2;
  const uint64_t n1 = std::min<uint64_t>(N, h + std::max<uint64_t>(overlap, 1));
  const uint32_t* const T = stream.data();
  std::vector<uint32_t> first, second;  // positions below h; positions - h
  bool first_ok = false, second_ok = false;
  RunOnThreads(2, [&](int t) {
    if (t == 0) {
      first_ok = TokenSuffixArray(T, n1, &first);
    } else {
      second_ok = TokenSuffixArray(T + h, N - h, &second);
    }
  });
  if (!first_ok || !second_ok) return false;
  first.erase(std::remove_if(first.begin(), first.end(), [h](uint32_t p) { return p >= h; }),
              first.end());

  // Step 2, each thread checking half of the neighbours. A comparison that
  // runs to n1 < N is the only one T[0, n1) may have got wrong.
  // Tokens compared, for steps 2 and 3 each: 16 a token costs far less than
  // the one-thread sort saved (about 50 ns a token on scale.txt); text whose
  // neighbours share more (long repeats) is sorted on one thread.
  const uint64_t budget = 16 * N + 1024;
  bool checked[2] = {false, false};
  RunOnThreads(2, [&](int t) {
    const size_t pairs = first.size() > 0 ? first.size() - 1 : 0;
    const size_t from = pairs * t / 2, to = pairs * (t + 1) / 2;
    uint64_t left = budget / 2;
    for (size_t r = from; r < to; ++r) {
      const uint64_t a = first[r], b = first[r + 1];
      uint64_t k = 0;
      while (a + k < n1 && b + k < n1 && T[a + k] == T[b + k] && k < left) ++k;
      if (k == left) return;
      left -= k;
      if (n1 < N && (a + k == n1 || b + k == n1)) return;
    }
    checked[t] = true;
  });
  if (!checked[0] || !checked[1]) return false;

  // Step 3.
  std::vector<uint32_t> rank(N - h);
  for (size_t r = 0; r < second.size(); ++r) rank[second[r]] = static_cast<uint32_t>(r);
  // 1 if the suffix at a < h comes before the one at b >= h, 0 if not, -1
  // when *left, the tokens that may still be compared, runs out.
  auto before = [&](uint64_t a, uint64_t b, uint64_t* left) -> int {
    for (uint64_t k = 0;; ++k) {
      if (k == *left) return -1;
      if (b + k == N || a + k == h || T[a + k] != T[b + k]) {
        *left -= k;
        if (b + k == N) return 0;  // b's suffix is a prefix of a's
        if (a + k == h) return rank[0] < rank[b + k - h] ? 1 : 0;
        return T[a + k] < T[b + k] ? 1 : 0;
      }
    }
  };
  // The merge in two: first[i0] and its place j0 among the second half's
  // positions (a binary search) cut it into two merges, one a thread.
  uint64_t left[2] = {budget / 2, budget / 2};
  const size_t i0 = first.size() / 2;
  size_t j0 = 0;
  if (i0 < first.size()) {
    size_t lo = 0, hi = second.size();
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      const int c = before(first[i0], h + second[mid], &left[0]);
      if (c < 0) return false;
      if (c) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    j0 = lo;
  }
  packed->assign(PackedBytes(N, pos_bits), '\0');
  auto* out = reinterpret_cast<unsigned char*>(packed->data());
  // Thread 0 holds back its last 64 positions, whose packed bits may share
  // a 64-bit word with thread 1's first: they are written after the join.
  const uint64_t cut = i0 + j0, held_from = cut > 64 ? cut - 64 : 0;
  std::vector<uint32_t> held;
  bool merged[2] = {false, false};
  RunOnThreads(2, [&](int t) {
    size_t i = t ? i0 : 0, j = t ? j0 : 0;
    const size_t i_end = t ? first.size() : i0, j_end = t ? second.size() : j0;
    uint64_t next = t ? cut : 0;
    auto emit = [&](uint64_t position) {
      if (t == 0 && next >= held_from) {
        held.push_back(static_cast<uint32_t>(position));
      } else {
        PutPacked(out, pos_bits, next, position);
      }
      ++next;
    };
    constexpr size_t kAhead = 8;  // the tokens of later candidates, on their way
    while (i < i_end && j < j_end) {
      if (i + kAhead < i_end) Prefetch(T + first[i + kAhead]);
      if (j + kAhead < j_end) Prefetch(T + h + second[j + kAhead]);
      const uint64_t a = first[i], b = h + second[j];
      const int c = before(a, b, &left[t]);
      if (c < 0) return;
      if (c) {
        emit(a);
        ++i;
      } else {
        emit(b);
        ++j;
      }
    }
    for (; i < i_end; ++i) emit(first[i]);
    for (; j < j_end; ++j) emit(h + second[j]);
    merged[t] = true;
  });
  if (!merged[0] || !merged[1]) return false;
  for (size_t k = 0; k < held.size(); ++k) PutPacked(out, pos_bits, held_from + k, held[k]);
  return true;
}

}  // namespace

Status SortSuffixes(const std::vector<uint32_t>& stream, int pos_bits, int threads,
                    std::string* packed, uint64_t min_parallel, uint64_t overlap,
                    bool* two_threads) {
  const uint64_t N = stream.size();
  const bool parallel = threads >= 2 && N >= 2 && N >= min_parallel && N <= UINT32_MAX;
  if (parallel && SortOnTwoThreads(stream, pos_bits, overlap, packed)) {
    if (two_threads) *two_threads = true;
    return Status::OK();
  }
  if (two_threads) *two_threads = false;
  return SortOnOneThread(stream, pos_bits, packed);
}

}  // namespace grams::index
