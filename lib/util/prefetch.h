// Prefetch(p): asks the CPU to start loading the cache line at p.
//
// Not plain __builtin_prefetch: GCC's IPA pure-const pass takes a helper
// whose only effect is a prefetch for a pure function and deletes the calls,
// so table helpers like Table::Prefetch() silently compiled to nothing. An
// asm volatile statement is never removed.
#ifndef GRAMS_UTIL_PREFETCH_H_
#define GRAMS_UTIL_PREFETCH_H_

namespace grams {

inline void Prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
  asm volatile("" : : "r"(p) : "memory");
#endif
}

}  // namespace grams

#endif  // GRAMS_UTIL_PREFETCH_H_
