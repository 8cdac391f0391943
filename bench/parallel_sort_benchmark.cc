// idstitch::ParallelSort against tbb::parallel_sort on the key shapes the
// batch job sorts: packed 64-bit (node, neighbor) edges as the hub counting
// sorts them, and 32-byte link order keys compared field by field, on one and
// two threads. Random keys: the case where std::sort's branches mispredict.
#include <benchmark/benchmark.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_arena.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "resolver/parallel_sort.h"

namespace idstitch {
namespace {

struct LinkKey {  // the shape of identity_graph.cc's LinkOrderKey
  uint64_t head;
  uint64_t hash_low;
  uint64_t hash_high;
  uint32_t index;
  uint32_t rest;
};

bool LinkKeyLess(const LinkKey& x, const LinkKey& y) {
  if (x.head != y.head) return x.head < y.head;
  if (x.hash_low != y.hash_low) return x.hash_low < y.hash_low;
  if (x.hash_high != y.hash_high) return x.hash_high < y.hash_high;
  return x.index < y.index;
}

std::vector<uint64_t> PackedEdges(size_t count) {
  std::mt19937_64 rng(7);
  // Node ids below 2^23, as at ten million events (4.7M identifiers).
  std::vector<uint64_t> edges(count);
  for (uint64_t& edge : edges) edge = (rng() & ((1u << 23) - 1)) << 32 | (rng() & ((1u << 23) - 1));
  return edges;
}

std::vector<LinkKey> LinkKeys(size_t count) {
  std::mt19937_64 rng(7);
  std::vector<LinkKey> keys(count);
  for (size_t i = 0; i < count; ++i) {
    // A few link kinds and priority pairs share each head; the hashes decide.
    keys[i] = {(rng() % 4) << 56 | (rng() % 3) << 48, rng(), rng(), static_cast<uint32_t>(i), 0};
  }
  return keys;
}

template <typename T, typename Sort>
void RunSort(benchmark::State& state, const std::vector<T>& input, Sort sort) {
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  std::vector<T> values;
  for (auto _ : state) {
    state.PauseTiming();
    values = input;
    state.ResumeTiming();
    arena.execute([&] { sort(values); });
    benchmark::DoNotOptimize(values.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void BM_ParallelSort_Ours_PackedEdges(benchmark::State& state) {
  static const std::vector<uint64_t> input = PackedEdges(size_t{1} << 22);
  RunSort(state, input, [](std::vector<uint64_t>& v) { ParallelSort(v.begin(), v.end()); });
}
void BM_ParallelSort_Tbb_PackedEdges(benchmark::State& state) {
  static const std::vector<uint64_t> input = PackedEdges(size_t{1} << 22);
  RunSort(state, input, [](std::vector<uint64_t>& v) { tbb::parallel_sort(v.begin(), v.end()); });
}
void BM_ParallelSort_Ours_LinkKeys(benchmark::State& state) {
  static const std::vector<LinkKey> input = LinkKeys(size_t{1} << 21);
  RunSort(state, input, [](std::vector<LinkKey>& v) {
    ParallelSort(v.begin(), v.end(), [](const LinkKey& x, const LinkKey& y) { return LinkKeyLess(x, y); });
  });
}
void BM_ParallelSort_Tbb_LinkKeys(benchmark::State& state) {
  static const std::vector<LinkKey> input = LinkKeys(size_t{1} << 21);
  RunSort(state, input, [](std::vector<LinkKey>& v) {
    tbb::parallel_sort(v.begin(), v.end(), [](const LinkKey& x, const LinkKey& y) { return LinkKeyLess(x, y); });
  });
}

// Args: {elements, threads}; the element count is fixed by the input. Real
// time: the sort's other thread is not in the calling thread's CPU time.
BENCHMARK(BM_ParallelSort_Ours_PackedEdges)->ArgNames({"", "threads"})->Args({1 << 22, 1})->Args({1 << 22, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParallelSort_Tbb_PackedEdges)->ArgNames({"", "threads"})->Args({1 << 22, 1})->Args({1 << 22, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParallelSort_Ours_LinkKeys)->ArgNames({"", "threads"})->Args({1 << 21, 1})->Args({1 << 21, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParallelSort_Tbb_LinkKeys)->ArgNames({"", "threads"})->Args({1 << 21, 1})->Args({1 << 21, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace idstitch
