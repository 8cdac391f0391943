// Attribute matcher (Fellegi-Sunter) benchmarks on synthetic profiles:
// pairs compared and weighed per second on one core, and the whole
// blocking + scoring pass (all cores).
#include <benchmark/benchmark.h>

#include <vector>

#include "matchers/attribute_blocking.h"
#include "matchers/attribute_matcher.h"
#include "matchers/attribute_synthetic.h"

namespace idstitch {
namespace {

constexpr uint64_t kSeed = 17;

// One core: comparison levels, term frequencies and weight of each blocked pair.
void BM_AttributeMatcher_ScorePairs(benchmark::State& state) {
  const SyntheticProfiles data = MakeSyntheticProfiles(static_cast<size_t>(state.range(0)), kSeed);
  const PreparedAttributes prepared(data.profiles);
  const std::vector<CandidatePair> pairs =
      GenerateCandidatePairs(prepared, DefaultBlockingRules(), 2000, false, nullptr);
  AttributeModel model;
  int8_t levels[kNumAttributeFields];
  for (auto _ : state) {
    double total = 0;
    for (const CandidatePair& pair : pairs) {
      CompareAttributes(prepared, pair.a, pair.b, levels);
      total += model.MatchWeight(absl::MakeConstSpan(levels, kNumAttributeFields),
                                 ExactValueFrequencies(prepared, pair.a, levels));
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pairs.size()));
  state.counters["pairs"] = static_cast<double>(pairs.size());
}
BENCHMARK(BM_AttributeMatcher_ScorePairs)->Range(1 << 10, 1 << 12)->Unit(benchmark::kMillisecond);

// MatchAttributes end to end (prepare, block, score in parallel, filter).
void BM_AttributeMatcher_Match(benchmark::State& state) {
  const SyntheticProfiles data = MakeSyntheticProfiles(static_cast<size_t>(state.range(0)), kSeed);
  const AttributeMatcherOptions options;
  const AttributeModel model;
  BlockingStats stats;
  for (auto _ : state) {
    auto links = MatchAttributes(data.profiles, model, options, &stats);
    benchmark::DoNotOptimize(links);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stats.candidate_pairs));
  state.counters["profiles"] = static_cast<double>(data.profiles.size());
}
BENCHMARK(BM_AttributeMatcher_Match)->Range(1 << 10, 1 << 12)->Unit(benchmark::kMillisecond);

// Blocking alone on ~1M profiles (2^19 people): the candidate pairs streamed
// in chunks (what the matcher does) against collecting them in one vector.
// Run each in its own process (bench/blocking_memory.sh) to read its peak
// RSS; pairs/s is the blocking throughput.
void BM_AttributeBlocking_Stream(benchmark::State& state) {
  const SyntheticProfiles data = MakeSyntheticProfiles(static_cast<size_t>(state.range(0)), kSeed);
  const PreparedAttributes prepared(data.profiles);
  BlockingStats stats;
  for (auto _ : state) {
    uint64_t pairs = 0;
    ForEachCandidateChunk(prepared, DefaultBlockingRules(), 2000, false, size_t{1} << 20,
                          [&](absl::Span<const CandidatePair> chunk) { pairs += chunk.size(); },
                          &stats);
    benchmark::DoNotOptimize(pairs);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stats.candidate_pairs));
  state.counters["profiles"] = static_cast<double>(data.profiles.size());
  state.counters["pairs"] = static_cast<double>(stats.candidate_pairs);
}
BENCHMARK(BM_AttributeBlocking_Stream)->Arg(1 << 19)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_AttributeBlocking_Collect(benchmark::State& state) {
  const SyntheticProfiles data = MakeSyntheticProfiles(static_cast<size_t>(state.range(0)), kSeed);
  const PreparedAttributes prepared(data.profiles);
  BlockingStats stats;
  for (auto _ : state) {
    auto pairs = GenerateCandidatePairs(prepared, DefaultBlockingRules(), 2000, false, &stats);
    benchmark::DoNotOptimize(pairs);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stats.candidate_pairs));
  state.counters["profiles"] = static_cast<double>(data.profiles.size());
  state.counters["pairs"] = static_cast<double>(stats.candidate_pairs);
}
BENCHMARK(BM_AttributeBlocking_Collect)->Arg(1 << 19)->Iterations(1)->Unit(benchmark::kMillisecond);

// Training: u from 1M random pairs, EM sessions, prior.
void BM_AttributeMatcher_Train(benchmark::State& state) {
  const SyntheticProfiles data = MakeSyntheticProfiles(static_cast<size_t>(state.range(0)), kSeed);
  const AttributeMatcherOptions options;
  for (auto _ : state) {
    auto model = TrainAttributeModel(data.profiles, options);
    benchmark::DoNotOptimize(model);
  }
}
BENCHMARK(BM_AttributeMatcher_Train)->Arg(1 << 12)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace idstitch
