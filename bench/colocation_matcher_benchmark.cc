// BM_Colocation_Match: the co-location matcher on a synthetic world of
// households (home IPs with a few devices each, cookies that churn), offices
// and a few public IPs. Reports sightings/s and candidate pairs scored/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "matchers/colocation_input.h"
#include "matchers/colocation_matcher.h"

namespace idstitch {
namespace {

constexpr int64_t kT0 = 1767225600;
constexpr int64_t kDay = 86400;

// About 10 sightings per household member over 90 days.
ColocationInput MakeWorld(int64_t sightings) {
  std::mt19937_64 rng(7);
  ColocationInput input;
  std::vector<std::string> agents;
  for (int v = 0; v < 200; ++v) {
    agents.push_back(absl::StrFormat(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/%d.0.0.0 Safari/537.36", v));
  }
  const int64_t households = std::max<int64_t>(1, sightings / 25);
  NodeId next = 0;
  for (int64_t h = 0; h < households; ++h) {
    const std::string home = absl::StrFormat("h%d", h);
    const std::string office = absl::StrFormat("o%d", h / 20);
    const int browsers = 1 + static_cast<int>(rng() % 3);
    for (int b = 0; b < browsers; ++b) {
      const std::string& agent = agents[rng() % agents.size()];
      for (int cookie = 0; cookie < 3; ++cookie, ++next) {
        for (int s = 0; s < 3; ++s) {
          const int64_t ts = kT0 + (cookie * 30 + static_cast<int64_t>(rng() % 30)) * kDay;
          const uint64_t where = rng() % 10;
          input.Add(next, where < 7 ? home : where < 9 ? office : "wifi", ts, agent);
        }
      }
    }
  }
  return input;
}

void BM_Colocation_Match(benchmark::State& state) {
  const ColocationInput input = MakeWorld(state.range(0));
  ColocationOptions options;
  options.max_threads = 1;  // per core
  ColocationStats stats;
  for (auto _ : state) {
    auto links = MatchColocation(input.sightings(), input.user_agents(), options, &stats);
    benchmark::DoNotOptimize(links);
  }
  state.counters["sightings/s"] = benchmark::Counter(
      static_cast<double>(input.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pairs/s"] = benchmark::Counter(
      static_cast<double>(stats.candidate_pairs), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["links"] = static_cast<double>(stats.links);
}
BENCHMARK(BM_Colocation_Match)->Range(1 << 12, 1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace idstitch
