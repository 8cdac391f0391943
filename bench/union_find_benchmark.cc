// idstitch::UnionFind against boost::disjoint_sets (union by rank, full path
// compression) on the same random edge list, 4 edges per node, at 2^20 nodes
// (mostly cache-resident) and 2^25 nodes (DRAM-bound): is our forest at least
// as fast as the textbook library? Reports unions/s and the number of sets.
#include <benchmark/benchmark.h>

#include <boost/pending/disjoint_sets.hpp>
#include <boost/property_map/property_map.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "graph/union_find.h"

namespace idstitch {
namespace {

constexpr int kEdgesPerNode = 4;

struct EdgeList {
  std::vector<std::pair<uint32_t, uint32_t>> edges;
  // Set count of the first run at this size (either implementation), so every
  // later run is checked against it (both run in one process under
  // bench/micro.sh).
  std::optional<uint64_t> sets;
};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Built once per size: 2^25 nodes is 1 GiB of edges, too slow to regenerate.
EdgeList& Edges(uint32_t num_nodes) {
  static std::map<uint32_t, EdgeList> cache;
  EdgeList& list = cache[num_nodes];
  if (list.edges.empty()) {
    uint64_t seed = 42;
    const uint32_t mask = num_nodes - 1;  // num_nodes is a power of two
    list.edges.resize(size_t{num_nodes} * kEdgesPerNode);
    for (auto& edge : list.edges) {
      const uint64_t r = SplitMix64(seed);
      edge = {static_cast<uint32_t>(r) & mask,
              static_cast<uint32_t>(r >> 32) & mask};
    }
  }
  return list;
}

void Report(benchmark::State& state, EdgeList& list, uint64_t sets) {
  state.SetItemsProcessed(
      static_cast<int64_t>(state.iterations() * list.edges.size()));
  state.counters["sets"] = static_cast<double>(sets);
  if (!list.sets.has_value()) list.sets = sets;
  if (*list.sets != sets) {
    state.SkipWithError(("set count " + std::to_string(sets) +
                         " differs from the first run's " +
                         std::to_string(*list.sets))
                            .c_str());
  }
}

void BM_UnionFind_Ours(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  EdgeList& list = Edges(n);
  uint64_t sets = 0;
  for (auto _ : state) {
    UnionFind uf(n);
    for (const auto& [a, b] : list.edges) uf.Union(a, b);
    sets = 0;
    for (NodeId node = 0; node < n; ++node) sets += uf.Find(node) == node;
    if (sets != uf.num_sets())
      state.SkipWithError("num_sets() disagrees with the roots found");
  }
  Report(state, list, sets);
}

void BM_UnionFind_Boost(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  EdgeList& list = Edges(n);
  uint64_t sets = 0;
  for (auto _ : state) {
    // uint32_t rank and parent: the same 8 bytes per node as ours.
    std::vector<uint32_t> rank(n), parent(n);
    boost::disjoint_sets ds(
        boost::make_iterator_property_map(
            rank.begin(), boost::typed_identity_property_map<uint32_t>()),
        boost::make_iterator_property_map(
            parent.begin(), boost::typed_identity_property_map<uint32_t>()));
    for (uint32_t node = 0; node < n; ++node) ds.make_set(node);
    for (const auto& [a, b] : list.edges) ds.union_set(a, b);
    sets = 0;
    for (uint32_t node = 0; node < n; ++node) sets += ds.find_set(node) == node;
  }
  Report(state, list, sets);
}

// 2^20 runs to a minimum time; 2^25 one pass (over 10^8 cache-missing
// unions, several seconds) per repetition: bench/micro.sh repeats.
BENCHMARK(BM_UnionFind_Ours)
    ->Arg(1 << 20)
    ->MinTime(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UnionFind_Ours)
    ->Arg(1 << 25)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UnionFind_Boost)
    ->Arg(1 << 20)
    ->MinTime(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UnionFind_Boost)
    ->Arg(1 << 25)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace idstitch
