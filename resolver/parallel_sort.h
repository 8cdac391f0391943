// File: resolver/parallel_sort.h
// ParallelSort(first, last, less): sorts a range on the current TBB arena's
// threads. Not stable: for orders where no two elements compare equal, or
// where equal elements are interchangeable.
//
// Why not tbb::parallel_sort: it is quicksort down to std::sort, whose
// branchy comparisons mispredict on random keys. Here a few levels of
// quicksort partitioning hand about four ranges per thread to Boost's
// pattern-defeating quicksort (branchless partitioning). Against
// tbb::parallel_sort (bench/parallel_sort_benchmark.cc, one run on the 2-core
// VM): 2^22 packed 64-bit edges 2.94x / 2.07x the rate on one / two threads,
// 2^21 32-byte link keys 1.95x / 1.58x. Sorting std::pair gained nothing in a
// throwaway test (its lexicographic comparison branches): pack such keys into
// one integer.
#ifndef IDSTITCH_RESOLVER_PARALLEL_SORT_H_
#define IDSTITCH_RESOLVER_PARALLEL_SORT_H_

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <boost/sort/pdqsort/pdqsort.hpp>
#include <cstddef>
#include <functional>

namespace idstitch {
namespace parallel_sort_internal {

template <typename It, typename Less>
It MedianOf3(It a, It b, It c, const Less& less) {
  if (less(*a, *b)) return less(*b, *c) ? b : (less(*a, *c) ? c : a);
  return less(*a, *c) ? a : (less(*b, *c) ? c : b);
}

// Partitions [first, last) `levels` times, each upper part sorted by a task
// of `group`, then sorts what is left on this thread.
template <typename It, typename Less>
void SortLevels(It first, It last, const Less& less, int levels, tbb::task_group& group) {
  // Below this, a task costs more than it saves.
  constexpr std::ptrdiff_t kMinParallel = std::ptrdiff_t{1} << 14;
  while (levels > 0 && last - first > kMinParallel) {
    // Pivot: median of three medians of three, spread over the range, so
    // that sorted and reverse-sorted input split evenly.
    const std::ptrdiff_t step = (last - first) / 8;
    It m1 = MedianOf3(first, first + step, first + 2 * step, less);
    It m2 = MedianOf3(first + 3 * step, first + 4 * step, first + 5 * step, less);
    It m3 = MedianOf3(first + 6 * step, first + 7 * step, last - 1, less);
    const auto pivot = *MedianOf3(m1, m2, m3, less);
    It split = std::partition(first, last, [&](const auto& x) { return less(x, pivot); });
    if (split == first) {
      // Nothing is below the pivot: its equals go first, already in order,
      // and the rest is partitioned again (the range shrinks every time).
      first = std::partition(first, last, [&](const auto& x) { return !less(pivot, x); });
      continue;
    }
    --levels;
    group.run([split, last, &less, levels, &group] { SortLevels(split, last, less, levels, group); });
    last = split;
  }
  boost::sort::pdqsort_branchless(first, last, less);
}

}  // namespace parallel_sort_internal

template <typename It, typename Less = std::less<>>
void ParallelSort(It first, It last, Less less = {}) {
  const int threads = tbb::this_task_arena::max_concurrency();
  // About four ranges per thread, so that uneven splits still even out.
  int levels = 0;
  while (threads > 1 && (1 << levels) < 4 * threads) ++levels;
  tbb::task_group group;
  parallel_sort_internal::SortLevels(first, last, less, levels, group);
  group.wait();
}

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_PARALLEL_SORT_H_
