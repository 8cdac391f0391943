#include "resolver/run_report.h"

#include <sys/resource.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "resolver/absl_compat.h"

namespace idstitch {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxListed = 100;  // hubs and refused merges listed in full up to this

std::string Describe(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                     NodeId node) {
  return absl::StrCat(types.spec(dictionary.type(node)).name, ":", AsAbsl(dictionary.value(node)));
}

Json SizeHistogram(const IdentityAssignment& assignment, const Identity** largest) {
  static constexpr std::pair<size_t, const char*> kBuckets[] = {
      {1, "1"}, {2, "2"}, {5, "3-5"}, {10, "6-10"}, {100, "11-100"}, {SIZE_MAX, "101+"}};
  uint64_t counts[std::size(kBuckets)] = {};
  *largest = nullptr;
  for (const Identity& identity : assignment.identities) {
    size_t size = identity.members.size();
    for (size_t b = 0; b < std::size(kBuckets); ++b) {
      if (size <= kBuckets[b].first) {
        ++counts[b];
        break;
      }
    }
    // Identities are sorted by ID, so the first of the largest size wins.
    if (*largest == nullptr || size > (*largest)->members.size()) *largest = &identity;
  }
  Json histogram = Json::object();
  for (size_t b = 0; b < std::size(kBuckets); ++b) histogram[kBuckets[b].second] = counts[b];
  return histogram;
}

Json LinksSection(const RunReportInputs& in) {
  const IngestResult& ingest = *in.ingest;
  const auto& matchers = *in.matcher_names;
  std::vector<uint64_t> distinct(matchers.size(), 0), applied(matchers.size(), 0),
      refused(matchers.size(), 0);
  for (size_t i = 0; i < ingest.links.size(); ++i) {
    uint8_t m = ingest.links[i].matcher;
    ++distinct[m];
    if (in.graph->outcomes[i] == LinkOutcome::kApplied) ++applied[m];
    if (in.graph->outcomes[i] == LinkOutcome::kRefused) ++refused[m];
  }
  Json by_matcher = Json::object();
  for (size_t m = 0; m < matchers.size(); ++m) {
    uint64_t record_links =
        m < ingest.record_links_by_matcher.size() ? ingest.record_links_by_matcher[m] : 0;
    by_matcher[matchers[m]] = {
        {"record_links", record_links},
        {"distinct", distinct[m]},
        {"applied", applied[m]},
        {"refused", refused[m]}};
  }
  uint64_t applied_total = 0;
  for (uint64_t a : applied) applied_total += a;
  return {{"distinct", ingest.links.size()},
          {"applied", applied_total},
          {"redundant", in.graph->links_redundant},
          {"refused", in.graph->refused.size()},
          {"skipped_hub", in.graph->links_skipped_hub},
          {"by_matcher", by_matcher}};
}

Json ProtectionSection(const RunReportInputs& in) {
  const IdentifierDictionary& dictionary = in.ingest->dictionary;
  const IdentifierTypeRegistry& types = *in.types;
  Json refused_by_type = Json::object();
  for (const RefusedMerge& refused : in.graph->refused) {
    std::string name = types.spec(refused.limited_type).name;
    refused_by_type[name] = refused_by_type.value(name, 0) + 1;
  }
  Json refused_examples = Json::array();
  for (size_t i = 0; i < std::min(kMaxListed, in.graph->refused.size()); ++i) {
    const RefusedMerge& refused = in.graph->refused[i];
    refused_examples.push_back(
        {{"a", Describe(dictionary, types, refused.link.a)},
         {"b", Describe(dictionary, types, refused.link.b)},
         {"matcher", (*in.matcher_names)[refused.link.matcher]},
         {"limit", types.spec(refused.limited_type).name},
         {"count_a", refused.count_a},
         {"count_b", refused.count_b}});
  }
  Json hubs = Json::array();
  for (size_t i = 0; i < std::min(kMaxListed, in.graph->hubs.size()); ++i) {
    const Hub& hub = in.graph->hubs[i];
    hubs.push_back({{"identifier", Describe(dictionary, types, hub.node)},
                    {"linked_type", types.spec(hub.neighbor_type).name},
                    {"distinct_linked", hub.distinct_neighbors},
                    {"hub_cap", types.spec(hub.neighbor_type).hub_cap}});
  }
  return {{"refused_merges", in.graph->refused.size()},
          {"refused_by_limit", refused_by_type},
          {"refused_examples", refused_examples},
          {"quarantined_hubs", in.graph->hubs.size()},
          {"hubs", hubs}};
}

Json ProbabilisticSection(const RunReportInputs& in) {
  const ProbabilisticResult& result = *in.probabilistic;
  const ProbabilisticInputs& inputs = in.ingest->probabilistic;
  const BlockingStats& blocking = result.blocking;
  const ColocationStats& colocation = result.colocation;
  return {{"attribute",
           {{"profiles", inputs.profiles.size()},
            {"candidate_pairs", blocking.candidate_pairs},
            {"pairs_per_rule", blocking.pairs_per_rule},
            {"blocks_capped", blocking.blocks_capped},
            {"pairs_lost_to_cap", blocking.pairs_lost_to_cap},
            {"largest_block", blocking.largest_block},
            {"pair_links", result.attribute_pair_links},
            {"household_guarded", result.attribute_household_guarded}}},
          {"colocation",
           {{"sightings", colocation.sightings},
            {"sightings_untimed", colocation.sightings_untimed},
            {"sightings_automated", colocation.sightings_automated},
            {"devices", colocation.devices},
            {"ips", colocation.ips},
            {"ips_blocked_over_cap", colocation.ips_blocked_over_cap},
            {"candidate_pairs", colocation.candidate_pairs},
            {"pairs_over_threshold", colocation.pairs_over_threshold},
            {"devices_over_partner_cap", colocation.devices_over_partner_cap},
            {"pair_links", result.colocation_pair_links}}}};
}

}  // namespace

uint64_t PeakRssBytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string BuildReportJson(const RunReportInputs& in) {
  const IngestResult& ingest = *in.ingest;
  const InputCounters& counters = ingest.counters;
  const IdentifierTypeRegistry& types = *in.types;

  Json distinct_by_type = Json::object(), occurrences = Json::object(), blocked = Json::object();
  std::vector<uint64_t> distinct(types.size(), 0);
  for (NodeId node = 0; node < ingest.dictionary.size(); ++node) {
    ++distinct[ingest.dictionary.type(node)];
  }
  for (TypeId type = 0; type < types.size(); ++type) {
    const std::string& name = types.spec(type).name;
    distinct_by_type[name] = distinct[type];
    occurrences[name] = type < counters.identifiers_by_type.size() ? counters.identifiers_by_type[type] : 0;
    blocked[name] = type < counters.blocked_by_type.size() ? counters.blocked_by_type[type] : 0;
  }
  Json file_issues = Json::array();
  for (const InputIssue& issue : ingest.file_issues) {
    file_issues.push_back({{"file", issue.file}, {"reason", issue.reason}, {"message", issue.message}});
  }
  const Identity* largest = nullptr;
  Json histogram = SizeHistogram(*in.assignment, &largest);
  Json largest_json = nullptr;
  if (largest != nullptr) {
    largest_json = {{"identity_id", largest->id},
                    {"identifiers", largest->members.size()},
                    {"canonical", Describe(ingest.dictionary, types, largest->canonical)}};
  }
  uint64_t changes[3] = {0, 0, 0};
  for (const Identity& identity : in.assignment->identities) changes[0] += identity.is_new;
  for (const IdentityChange& change : in.assignment->changes) ++changes[static_cast<int>(change.kind)];

  Json report;
  report["inputs"] = *in.inputs;
  report["records"] = {
      {"read", counters.records_read},
      {"rejected", counters.records_rejected},
      {"rejected_by_reason", counters.rejected_by_reason},
      {"without_identifiers", counters.records_without_identifiers},
      {"profiles_without_identifiers", counters.profile_records},
      {"assigned", in.activity->records_assigned}};
  report["field_errors_by_reason"] = counters.field_errors_by_reason;
  report["issues_total"] = in.issues_total;
  report["ignored_fields"] = counters.ignored_fields;
  report["file_issues"] = file_issues;
  report["identifiers"] = {{"distinct", ingest.dictionary.size()},
                           {"distinct_by_type", distinct_by_type},
                           {"occurrences_by_type", occurrences},
                           {"blocked_by_type", blocked}};
  report["links"] = LinksSection(in);
  report["merge_protection"] = ProtectionSection(in);
  report["probabilistic"] = ProbabilisticSection(in);
  report["identities"] = {{"count", in.assignment->identities.size()},
                          {"size_histogram", histogram},
                          {"largest", largest_json}};
  report["changes"] = {{"new", changes[0]}, {"merged", changes[1]}, {"split", changes[2]}};
  if (in.previous != nullptr) {
    report["previous"] = {{"rows", in.previous->rows},
                          {"matched", in.previous->matched},
                          {"unknown_types", in.previous->unknown_types}};
  }
  Json timing = Json::object(), cpu = Json::object();
  double total = 0, cpu_total = 0;
  for (const StageTime& stage : in.stage_times) {
    timing[stage.stage] = stage.wall_seconds;
    cpu[stage.stage] = stage.cpu_seconds;
    total += stage.wall_seconds;
    cpu_total += stage.cpu_seconds;
  }
  timing["total"] = total;
  cpu["total"] = cpu_total;
  report["timing_seconds"] = timing;
  report["timing_cpu_seconds"] = cpu;
  report["pipeline_busy_seconds"] = {{"read", ingest.busy.read},
                                     {"parse", ingest.busy.parse},
                                     {"absorb", ingest.busy.absorb},
                                     {"spill", ingest.busy.spill}};
  // The resolved graph's own footprint (allocated capacity): what must stay
  // in memory per distinct identifier as the graph grows.
  const uint64_t dictionary_bytes = ingest.dictionary.MemoryBytes();
  const uint64_t union_find_bytes = in.graph->components.MemoryBytes();
  const uint64_t links_bytes =
      ingest.links.capacity() * sizeof(Link) + ingest.link_seen.capacity() * sizeof(LinkSeen);
  const uint64_t graph_bytes = dictionary_bytes + union_find_bytes + links_bytes;
  report["memory"] = {
      {"dictionary_bytes", dictionary_bytes},
      {"union_find_bytes", union_find_bytes},
      {"links_bytes", links_bytes},
      {"graph_bytes_per_identifier",
       ingest.dictionary.size() == 0
           ? 0.0
           : static_cast<double>(graph_bytes) / static_cast<double>(ingest.dictionary.size())},
      {"peak_rss_bytes", PeakRssBytes()}};
  // Header names and paths are not validated as UTF-8; replace rather than throw.
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string BuildTextSummary(const RunReportInputs& in) {
  const InputCounters& counters = in.ingest->counters;
  double total = 0;
  std::string stages;
  for (const StageTime& stage : in.stage_times) {
    total += stage.wall_seconds;
    absl::StrAppendFormat(&stages, " %s %.2fs", stage.stage, stage.wall_seconds);
  }
  std::string text;
  absl::StrAppendFormat(&text, "records    %d read, %d rejected, %d without identifiers, %d assigned\n",
                        counters.records_read, counters.records_rejected,
                        counters.records_without_identifiers, in.activity->records_assigned);
  uint64_t blocked = 0;
  for (uint64_t b : counters.blocked_by_type) blocked += b;
  absl::StrAppendFormat(&text, "identifiers %d distinct, %d blocked values\n",
                        in.ingest->dictionary.size(), blocked);
  absl::StrAppendFormat(&text, "links      %d distinct, %d refused merges, %d quarantined hubs\n",
                        in.ingest->links.size(), in.graph->refused.size(), in.graph->hubs.size());
  const Identity* largest = nullptr;
  SizeHistogram(*in.assignment, &largest);
  absl::StrAppendFormat(&text, "identities %d (largest: %d identifiers)\n",
                        in.assignment->identities.size(),
                        largest ? largest->members.size() : 0);
  absl::StrAppendFormat(&text, "time       %.2fs:%s (%.0f records/s)\n", total, stages,
                        total > 0 ? counters.records_read / total : 0.0);
  return text;
}

}  // namespace idstitch
