// File: resolver/thread_arena.h
// The TBB arena every parallel stage runs in: --threads N caps it at N
// workers, 0 means all cores. Results never depend on the count.
#ifndef IDSTITCH_RESOLVER_THREAD_ARENA_H_
#define IDSTITCH_RESOLVER_THREAD_ARENA_H_

#include <tbb/task_arena.h>

namespace idstitch {

inline tbb::task_arena ThreadArena(int max_threads) {
  return max_threads > 0 ? tbb::task_arena(max_threads) : tbb::task_arena();
}

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_THREAD_ARENA_H_
