// File: resolver/prefetch.h
// PrefetchForRead(p): asks the CPU to bring p's cache line in, for loops that
// know a few iterations ahead which scattered data they will read.
//
// Why not plain __builtin_prefetch: GCC 12 at -O2 and above (with C++'s
// -ffinite-loops) deletes a loop whose body only prefetches, and with it
// other prefetches of the same helper: measured on output_writers.cc, where
// every such prefetch vanished from the object code. An asm statement is
// kept. Elsewhere than x86-64 the builtin is the fallback.
#ifndef IDSTITCH_RESOLVER_PREFETCH_H_
#define IDSTITCH_RESOLVER_PREFETCH_H_

namespace idstitch {

inline void PrefetchForRead(const void* address) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(address)));
#else
  __builtin_prefetch(address);
#endif
}

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_PREFETCH_H_
