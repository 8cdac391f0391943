#include "resolver/parallel_sort.h"

#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace idstitch {
namespace {

// Large enough that the parallel partitioning runs (ranges over 2^14).
constexpr size_t kLarge = 200000;

std::vector<uint64_t> RandomKeys(size_t n, uint64_t modulus, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> keys(n);
  for (uint64_t& key : keys) key = rng() % modulus;
  return keys;
}

// Sorts a copy with ParallelSort on `threads` threads; expects std::sort's result.
template <typename T, typename Less = std::less<>>
void ExpectSortsLikeStdSort(std::vector<T> values, int threads, Less less = {}) {
  std::vector<T> expected = values;
  std::sort(expected.begin(), expected.end(), less);
  tbb::task_arena(threads).execute([&] { ParallelSort(values.begin(), values.end(), less); });
  EXPECT_EQ(values, expected) << threads << " threads, " << values.size() << " values";
}

class ParallelSortTest : public testing::TestWithParam<int> {};

TEST_P(ParallelSortTest, RandomKeys) {
  ExpectSortsLikeStdSort(RandomKeys(kLarge, UINT64_MAX, 1), GetParam());
}

TEST_P(ParallelSortTest, FewDistinctKeys) {
  ExpectSortsLikeStdSort(RandomKeys(kLarge, 3, 2), GetParam());
}

TEST_P(ParallelSortTest, AllEqual) {
  ExpectSortsLikeStdSort(std::vector<uint64_t>(kLarge, 7), GetParam());
}

TEST_P(ParallelSortTest, MostlyTheSmallestKey) {
  // The pivot (a median of nine samples) is then the smallest key: the
  // partition below it is empty, which must still make progress.
  std::vector<uint64_t> keys = RandomKeys(kLarge, 1000, 3);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 10 != 0) keys[i] = 0;
  }
  ExpectSortsLikeStdSort(keys, GetParam());
}

TEST_P(ParallelSortTest, SortedAndReversed) {
  std::vector<uint64_t> keys(kLarge);
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = i;
  ExpectSortsLikeStdSort(keys, GetParam());
  std::reverse(keys.begin(), keys.end());
  ExpectSortsLikeStdSort(keys, GetParam());
}

TEST_P(ParallelSortTest, SmallInputs) {
  for (size_t n : {0, 1, 2, 3, 17, 16385}) {
    ExpectSortsLikeStdSort(RandomKeys(n, 100, n), GetParam());
  }
}

TEST_P(ParallelSortTest, CustomOrderOnStrings) {
  // Moves strings (not trivially copyable) and uses a caller's comparator.
  std::vector<std::string> values;
  for (uint64_t key : RandomKeys(50000, 1000000, 4)) values.push_back(std::to_string(key));
  ExpectSortsLikeStdSort(values, GetParam(), [](const std::string& x, const std::string& y) {
    return x.size() != y.size() ? x.size() > y.size() : x < y;
  });
}

INSTANTIATE_TEST_SUITE_P(Threads, ParallelSortTest, testing::Values(1, 2, 4));

}  // namespace
}  // namespace idstitch
