// Prefetch(p): asks the CPU to start loading the cache line at p.
//
// Not plain __builtin_prefetch: GCC's IPA pure-const pass takes a helper
// whose only effect is a prefetch for a pure function and deletes the calls,
// so table helpers like Table::Prefetch() silently compiled to nothing. An
// asm volatile statement is never removed.
//
// PrefetchAhead(p, bytes): the same for the line `bytes` past p, which may
// lie past the end of p's array (a prefetch never faults): the address is
// computed as an integer, never as a pointer out of its array. For streams
// the hardware prefetcher does not follow well enough on the machines we
// measure on: a loop reading or writing several arrays at once (the model
// loader's table build, query/ngram_hash.h, gained 14% from them).
#ifndef GRAMS_UTIL_PREFETCH_H_
#define GRAMS_UTIL_PREFETCH_H_

#include <cstddef>
#include <cstdint>

namespace grams {

inline void Prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
  asm volatile("" : : "r"(p) : "memory");
#endif
}

inline void PrefetchAhead(const void* p, size_t bytes) {
  Prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + bytes));
}

}  // namespace grams

#endif  // GRAMS_UTIL_PREFETCH_H_
