// The 64-bit n-gram key shared by the query tables: a polynomial hash over
// random per-word values, K(w1..wn) = sum_i R(wi) * P^(n-i) (mod 2^64).
// It extends to the right from a trie parent (K(h w) = K(h) P + R(w)) and to
// the left from a query history (K(v h) = R(v) P^|h| + K(h)), so both loading
// and scoring compute every order's key with one multiply-add each.
#ifndef GRAMS_QUERY_NGRAM_HASH_H_
#define GRAMS_QUERY_NGRAM_HASH_H_

#include <cstdint>

namespace grams::query {

inline constexpr uint64_t kPolyBase = 0x9E3779B97F4A7C15ULL;  // odd

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Final mix of a key before it picks a bucket.
inline uint64_t MixKey(uint64_t k) {
  k ^= k >> 32;
  k *= 0xD6E8FEB86659FD93ULL;
  k ^= k >> 32;
  return k;
}

// Maps h uniformly onto [0, size) (Lemire's multiply-shift).
inline uint64_t Reduce(uint64_t h, uint64_t size) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(h) * size) >> 64);
}

}  // namespace grams::query

#endif  // GRAMS_QUERY_NGRAM_HASH_H_
