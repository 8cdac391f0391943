// IdentifierDictionary: interning new emails, and Find / Intern of existing
// ones in random order, with 2^14 keys (cache-resident) and 2^22 keys (table
// and arena in DRAM); every identifier of a run goes through Intern once per
// record. Also HashIdentifier alone, and the dictionary's bytes per identifier.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "graph/identifier_dictionary.h"
#include "resolver/identifier_types.h"

namespace idstitch {
namespace {

// Keys packed in one buffer in the order they are used, so reading the next
// key is a sequential access and the misses measured are the dictionary's.
struct Keys {
  std::string bytes;
  std::vector<uint32_t> offsets;  // size() + 1 entries

  size_t size() const { return offsets.size() - 1; }
  std::string_view operator[](size_t i) const {
    return std::string_view(bytes).substr(offsets[i],
                                          offsets[i + 1] - offsets[i]);
  }
};

Keys Pack(const std::vector<uint32_t>& users) {
  Keys keys;
  keys.offsets.push_back(0);
  for (uint32_t user : users) {
    keys.bytes += "user" + std::to_string(user) + "@example.com";
    keys.offsets.push_back(static_cast<uint32_t>(keys.bytes.size()));
  }
  return keys;
}

struct Fixture {
  TypeId email = 0;
  Keys in_order;  // insertion order
  Keys shuffled;  // the same keys, random lookup order
  IdentifierDictionary filled;
};

// Built once per size; 2^22 keys take seconds to generate and intern.
Fixture& GetFixture(size_t n) {
  static std::map<size_t, std::unique_ptr<Fixture>> cache;
  std::unique_ptr<Fixture>& fixture = cache[n];
  if (fixture == nullptr) {
    fixture = std::make_unique<Fixture>();
    fixture->email = *IdentifierTypeRegistry::WithBuiltins().Find("email");
    // Six-digit-and-up user numbers, spread out so keys are not a dense run.
    std::vector<uint32_t> users(n);
    for (size_t i = 0; i < n; ++i)
      users[i] = static_cast<uint32_t>(100000 + i * 7);
    fixture->in_order = Pack(users);
    std::shuffle(users.begin(), users.end(), std::mt19937_64(11));
    fixture->shuffled = Pack(users);
    for (size_t i = 0; i < n; ++i)
      fixture->filled.Intern(fixture->email, fixture->in_order[i]);
  }
  return *fixture;
}

void Finish(benchmark::State& state, int64_t ops_per_iteration,
            const IdentifierDictionary& dict) {
  state.SetItemsProcessed(state.iterations() * ops_per_iteration);
  state.counters["bytes_per_identifier"] =
      static_cast<double>(dict.MemoryBytes()) /
      static_cast<double>(dict.size());
}

// A fresh dictionary per iteration: includes the table's growth, as in a run.
void BM_IdentifierDictionary_InternNew(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<size_t>(state.range(0)));
  std::unique_ptr<IdentifierDictionary> dict;
  for (auto _ : state) {
    dict = std::make_unique<IdentifierDictionary>();
    for (size_t i = 0; i < f.shuffled.size(); ++i) {
      benchmark::DoNotOptimize(dict->Intern(f.email, f.shuffled[i]));
    }
  }
  Finish(state, static_cast<int64_t>(f.shuffled.size()), *dict);
}

void BM_IdentifierDictionary_Find(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    for (size_t i = 0; i < f.shuffled.size(); ++i) {
      benchmark::DoNotOptimize(f.filled.Find(f.email, f.shuffled[i]));
    }
  }
  Finish(state, static_cast<int64_t>(f.shuffled.size()), f.filled);
}

void BM_IdentifierDictionary_InternExisting(benchmark::State& state) {
  Fixture& f = GetFixture(static_cast<size_t>(state.range(0)));
  // Interning existing keys leaves the shared dictionary as it was.
  IdentifierDictionary& dict = f.filled;
  for (auto _ : state) {
    for (size_t i = 0; i < f.shuffled.size(); ++i) {
      benchmark::DoNotOptimize(dict.Intern(f.email, f.shuffled[i]));
    }
  }
  Finish(state, static_cast<int64_t>(f.shuffled.size()), dict);
}

void BM_HashIdentifier(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    for (size_t i = 0; i < f.in_order.size(); ++i) {
      benchmark::DoNotOptimize(HashIdentifier(f.email, f.in_order[i]));
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(f.in_order.size()));
}

BENCHMARK(BM_IdentifierDictionary_InternNew)
    ->Arg(1 << 14)
    ->Arg(1 << 22)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IdentifierDictionary_Find)
    ->Arg(1 << 14)
    ->Arg(1 << 22)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IdentifierDictionary_InternExisting)
    ->Arg(1 << 14)
    ->Arg(1 << 22)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HashIdentifier)->Arg(1 << 14)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace idstitch
