// File: resolver/probabilistic_stage.h
// The probabilistic matchers of a batch run, after ingestion: the attribute
// matcher (Fellegi-Sunter over person profiles) and the device co-location
// matcher (devices seen on the same specific IPs). Ingestion collects their
// inputs (ProbabilisticInputs); this stage runs them and turns their links
// into identity-graph links between identifiers, of kind probabilistic, which
// the graph applies after every deterministic link and under the same merge
// protection (so two identities that each hold an account never join).
// Thread safety: RunProbabilisticMatchers is not reentrant (it parallelizes
// internally).
#ifndef IDSTITCH_RESOLVER_PROBABILISTIC_STAGE_H_
#define IDSTITCH_RESOLVER_PROBABILISTIC_STAGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "matchers/attribute_matcher.h"
#include "matchers/colocation_matcher.h"
#include "resolver/types.h"

namespace idstitch {

// Matcher ids of the probabilistic links, after the deterministic matchers.
inline constexpr std::string_view kAttributeMatcherName = "attribute_fellegi_sunter";
inline constexpr std::string_view kColocationMatcherName = "device_colocation";

inline AttributeMatcherOptions PipelineAttributeOptions() {
  AttributeMatcherOptions options;
  options.match_probability_threshold = 0.99;
  return options;
}

struct ProbabilisticOptions {
  // Measured on the generator's data (README): co-location raises F1 (it
  // links churned cookies), so it is on; the attribute matcher's unsupervised
  // model links household members there (shared surname, address, postcode)
  // and lowers F1, so it is off. On person-record data (Febrl, Splink's
  // examples) the attribute matcher is what links at all: --attribute-matcher.
  bool attribute_matching = false;
  bool colocation = true;
  // The pipeline accepts attribute links at match probability >= 0.99, above
  // the matcher's own 0.9: links are clustered transitively, and on larger
  // name-heavy data (Splink's historical_50k: F1 0.52 at 0.9, 0.91 at 0.99)
  // a few wrong links chain whole groups; see README.
  AttributeMatcherOptions attribute = PipelineAttributeOptions();
  ColocationOptions colocation_options;
  // Household guard: refuse an attribute link whose first names and birth
  // dates are both present and both disagree. Household members share
  // surname, address, postcode and city, whose agreement alone would
  // otherwise outweigh everything (the model assumes independent fields).
  bool require_person_evidence = true;
  // A trained model to use instead of training on this run's profiles.
  std::optional<AttributeModel> attribute_model;
};

// Collected by ingestion, in input order.
struct ProbabilisticInputs {
  std::vector<AttributeProfile> profiles;  // id = index
  std::vector<NodeId> profile_anchor;      // the identifier each profile belongs to
  std::vector<DeviceSighting> sightings;   // one per (device, ip, day)
  std::vector<std::string> user_agents;    // DeviceSighting::user_agent_id -> text
  absl::flat_hash_map<std::string, uint32_t> user_agent_ids;
  // (device, ip, day) -> its sighting; repeats keep the earliest time and the
  // smallest user agent, so the result does not depend on input order.
  absl::flat_hash_map<std::tuple<NodeId, uint64_t, int64_t>, size_t> sighting_index;

  // Adds `record`'s profile and sightings; `nodes` are its identifiers' nodes.
  void Collect(const Record& record, absl::Span<const NodeId> nodes, uint32_t source,
               std::optional<TypeId> email_type, std::optional<TypeId> device_type,
               const ProbabilisticOptions& options);
};

struct ProbabilisticResult {
  std::vector<Link> links;  // aggregated per (a, b, matcher), a < b, first appearance first
  std::vector<LinkSeen> link_seen;  // parallel to links
  // Why each link was made, keyed by (a, b, matcher): shown in links.csv.
  absl::flat_hash_map<std::tuple<NodeId, NodeId, uint8_t>, std::string> explanations;
  std::optional<AttributeModel> model;  // trained or given
  BlockingStats blocking;
  ColocationStats colocation;
  uint64_t attribute_pair_links = 0;   // profile pairs accepted
  uint64_t attribute_household_guarded = 0;  // of those, dropped by the household guard
  uint64_t colocation_pair_links = 0;  // device pairs accepted
};

// Runs the enabled matchers. `attribute_matcher` and `colocation_matcher` are
// the matcher ids to give their links. Errors: InvalidArgument for bad
// options or a model that does not fit this build.
absl::StatusOr<ProbabilisticResult> RunProbabilisticMatchers(
    const ProbabilisticOptions& options, const ProbabilisticInputs& inputs,
    uint8_t attribute_matcher, uint8_t colocation_matcher);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_PROBABILISTIC_STAGE_H_
