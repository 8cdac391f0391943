// IdentifierNormalizer cost per identifier for each built-in identifier type
// (normalizer taken from the default type registry), cycling through 2^12
// distinct raw values in the messy formats real feeds send. Every input
// identifier is normalized once, so this bounds ingest. Phones also run on
// 2^17 values: more than the per-thread phone cache holds, so every call
// parses (US numbers in plain NANP shapes take the fast path; the
// WithoutFastPath case shows libphonenumber's own cost).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "matchers/identifier_normalizer.h"
#include "resolver/identifier_types.h"

namespace idstitch {
namespace {

std::string RawValue(std::string_view type, std::string_view region,
                     std::mt19937_64& rng) {
  auto num = [&rng](uint64_t below) { return rng() % below; };
  const int style = static_cast<int>(num(5));
  if (type == "email") {
    static const char* const kDomains[] = {"example.com", "Gmail.com",
                                           "googlemail.com", "yahoo.co.uk",
                                           "outlook.com"};
    // Gmail folding only kicks in for dots and +tags at gmail/googlemail.
    switch (style) {
      case 0:
        return absl::StrFormat("user%d@%s", num(1000000), kDomains[num(5)]);
      case 1:
        return absl::StrFormat(" Jane.Doe%d@%s ", num(100000),
                               kDomains[num(5)]);
      case 2:
        return absl::StrFormat("john.smith+promo%d@gmail.com", num(100000));
      case 3:
        return absl::StrFormat("J.O.H.N%d@GoogleMail.com", num(100000));
      default:
        return absl::StrFormat("ALICE_%d@Outlook.COM", num(1000000));
    }
  }
  if (type == "phone" && region == "GB") {
    // London numbers, 020 7xxx xxxx and 020 8xxx xxxx.
    const uint64_t block = 7000 + num(2000), line = num(10000);
    switch (style) {
      case 0:
        return absl::StrFormat("020 %04d %04d", block, line);
      case 1:
        return absl::StrFormat("+44 20 %04d %04d", block, line);
      case 2:
        return absl::StrFormat("(020) %04d-%04d", block, line);
      case 3:
        return absl::StrFormat("0044 20 %04d %04d", block, line);
      default:
        return absl::StrFormat("07700 9%05d", num(100000));
    }
  }
  if (type == "phone") {
    const uint64_t area = 201 + num(700), line = num(10000);
    switch (style) {
      case 0:
        return absl::StrFormat("(%d) 555-%04d", area, line);
      case 1:
        return absl::StrFormat("+1 %d-555-%04d", area, line);
      case 2:
        return absl::StrFormat("%d.555.%04d", area, line);
      case 3:
        return absl::StrFormat("1-%d-123-%04d", area, line);
      default:  // foreign: parsed by its country code, not the region
        return absl::StrFormat("+44 20 7946 %04d", line);
    }
  }
  if (type == "loyalty_card") {
    if (style < 3) {
      return absl::StrFormat("6011-%04d %04d %04d", num(10000), num(10000),
                             num(10000));
    }
    return absl::StrFormat(" LC %010d ", num(10000000000));
  }
  if (type == "social") {
    static const char* const kPlatforms[] = {"Twitter", "instagram", "TikTok",
                                             "facebook"};
    if (style < 3)
      return absl::StrFormat("%s:@JaneDoe%d", kPlatforms[num(4)], num(1000000));
    return absl::StrFormat(" %s : @ jane_doe_%d ", kPlatforms[num(4)],
                           num(1000000));
  }
  if (type == "device_id") {
    const std::string uuid = absl::StrFormat(
        "%08X-%04X-4%03X-A%03X-%012X", num(1ULL << 32), num(1 << 16),
        num(1 << 12), num(1 << 12), num(1ULL << 48));
    if (style < 3) return uuid;  // IDFA: uppercase
    std::string lower;
    for (char c : uuid)
      lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return " " + lower + " ";  // GAID
  }
  // account_id: CRM keys, trimmed only.
  if (style < 3) return absl::StrFormat("  CRM-%08d ", num(100000000));
  return absl::StrFormat("acct_%016x", rng());
}

// One normalizer call per iteration, cycling through range(0) distinct values.
void NormalizeLoop(benchmark::State& state, const char* type_name, const char* region,
                   bool phone_fast_path) {
  const IdentifierTypeRegistry registry =
      IdentifierTypeRegistry::WithBuiltins();
  const NormalizerKind kind =
      registry.spec(*registry.Find(type_name)).normalizer;
  NormalizerOptions options;
  options.phone_default_region = region;
  options.phone_fast_path = phone_fast_path;
  absl::StatusOr<std::unique_ptr<IdentifierNormalizer>> normalizer =
      IdentifierNormalizer::Create(options);
  if (!normalizer.ok()) {
    state.SkipWithError(normalizer.status().ToString().c_str());
    return;
  }
  std::mt19937_64 rng(3);
  std::set<std::string> seen;
  std::vector<std::string> values;
  // A power of two: cycled through with a mask.
  const size_t num_values = static_cast<size_t>(state.range(0));
  while (values.size() < num_values) {
    std::string value = RawValue(type_name, region, rng);
    if (seen.insert(value).second) values.push_back(std::move(value));
  }
  std::string out;
  size_t i = 0;
  uint64_t ok = 0;
  for (auto _ : state) {
    ok += (*normalizer)
              ->Normalize(kind, values[i++ & (num_values - 1)], &out,
                          nullptr) == NormalizeOutcome::kOk;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  // Catches inputs that silently stopped normalizing (then the cost is of a
  // rejection).
  state.counters["ok_fraction"] =
      static_cast<double>(ok) / static_cast<double>(state.iterations());
}

void BM_Normalize(benchmark::State& state, const char* type_name, const char* region) {
  NormalizeLoop(state, type_name, region, /*phone_fast_path=*/true);
}

// US phones through libphonenumber only: what the NANP fast path saves.
void BM_NormalizePhoneWithoutFastPath(benchmark::State& state) {
  NormalizeLoop(state, "phone", "US", /*phone_fast_path=*/false);
}

BENCHMARK_CAPTURE(BM_Normalize, email, "email", "US")->Arg(1 << 12);
BENCHMARK(BM_NormalizePhoneWithoutFastPath)->Arg(1 << 17);
BENCHMARK_CAPTURE(BM_Normalize, phone_us, "phone", "US")
    ->Arg(1 << 12)
    ->Arg(1 << 17);
BENCHMARK_CAPTURE(BM_Normalize, phone_gb, "phone", "GB")
    ->Arg(1 << 12)
    ->Arg(1 << 17);
BENCHMARK_CAPTURE(BM_Normalize, loyalty_card, "loyalty_card", "US")
    ->Arg(1 << 12);
BENCHMARK_CAPTURE(BM_Normalize, social, "social", "US")->Arg(1 << 12);
BENCHMARK_CAPTURE(BM_Normalize, device_id, "device_id", "US")->Arg(1 << 12);
BENCHMARK_CAPTURE(BM_Normalize, account_id, "account_id", "US")->Arg(1 << 12);

}  // namespace
}  // namespace idstitch
