// The four deterministic matchers (MakeDeterministicMatchers) over 2^16
// synthetic records shaped like a real event mix: signed-in events, loyalty
// scans, social logins, email clicks and single-identifier page views.
// Reports links emitted/s and records/s on one core (the resolver runs one
// such pass per chunk per thread).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "matchers/matcher.h"
#include "resolver/identifier_types.h"

namespace idstitch {
namespace {

std::vector<Record> MakeRecords(const IdentifierTypeRegistry& types, size_t n) {
  std::mt19937_64 rng(5);
  std::vector<Record> records(n);
  for (size_t i = 0; i < n; ++i) {
    Record& record = records[i];
    record.record_id = absl::StrCat("r", i);
    auto add = [&](std::string_view type, std::string value) {
      record.identifiers.push_back({*types.Find(type), std::move(value)});
    };
    const uint64_t person = rng() % (n / 4 + 1), shape = rng() % 20;
    add("device_id", absl::StrCat("dev-", person, "-", rng() % 3));
    if (shape < 6) {  // signed-in event
      add("account_id", absl::StrCat("acct", person));
      add("email", absl::StrCat("user", person, "@example.com"));
    } else if (shape < 9) {  // loyalty scan
      add("loyalty_card", absl::StrCat(6011000000ULL + person));
      add("phone", absl::StrCat("+1415", 1000000 + person));
    } else if (shape < 11) {  // social login
      add("social", absl::StrCat("twitter:user", person));
      add("email", absl::StrCat("user", person, "@example.com"));
    } else if (shape < 16) {  // email click
      add("email", absl::StrCat("user", person, "@example.com"));
    }  // else: a page view with only its device
    // The resolver's record invariant: sorted by (type priority, value).
    std::sort(record.identifiers.begin(), record.identifiers.end(),
              [&types](const Identifier& a, const Identifier& b) {
                const int pa = types.spec(a.type).priority,
                          pb = types.spec(b.type).priority;
                return pa != pb ? pa < pb : a.value < b.value;
              });
  }
  return records;
}

void BM_DeterministicMatchers(benchmark::State& state) {
  const IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  const std::vector<Record> records =
      MakeRecords(types, static_cast<size_t>(state.range(0)));
  const std::vector<std::unique_ptr<Matcher>> matchers =
      MakeDeterministicMatchers(types);
  std::vector<RecordLink> links;
  size_t emitted = 0;
  for (auto _ : state) {
    emitted = 0;
    for (const std::unique_ptr<Matcher>& matcher : matchers) {
      links.clear();  // keeps capacity, like the resolver's chunk buffers
      matcher->Match(records, &links);
      emitted += links.size();
    }
    benchmark::DoNotOptimize(links.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * emitted));
  state.counters["records_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * records.size()),
      benchmark::Counter::kIsRate);
  state.counters["links_per_record"] =
      static_cast<double>(emitted) / static_cast<double>(records.size());
}
BENCHMARK(BM_DeterministicMatchers)
    ->Arg(1 << 16)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace idstitch
