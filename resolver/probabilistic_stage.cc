#include "resolver/probabilistic_stage.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "resolver/absl_compat.h"
#include "resolver/link_aggregator.h"
#include "resolver/status_macros.h"

namespace idstitch {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

// Aggregates pair links onto identifier pairs (several profiles, or one
// profile pair seen twice, may join the same two identifiers): one link per
// (a, b, matcher) from the shared LinkAggregator, keeping the best score.
class ScoredLinks {
 public:
  // Returns true if this (a, b, matcher) is new or beat the previous score,
  // i.e. the caller's explanation should replace the stored one.
  bool Add(NodeId x, NodeId y, uint8_t matcher, double score, int64_t first_seen,
           int64_t last_seen) {
    const uint32_t index =
        links_.Add(x, y, matcher, LinkKind::kProbabilistic, static_cast<float>(score));
    const bool added = index == best_score_.size();
    if (added) {
      best_score_.push_back(score);
      seen_.emplace_back();
    }
    Link& link = links_.links()[index];
    ++link.evidence;
    seen_[index].Add(first_seen);
    seen_[index].Add(last_seen);
    // Compared in double: the float in Link would let a lower score win.
    const bool better = added || score > best_score_[index];
    if (better) {
      best_score_[index] = score;
      link.score = static_cast<float>(score);
    }
    return better;
  }

  void MoveTo(ProbabilisticResult& result) {
    result.links = std::move(links_.links());
    result.link_seen = std::move(seen_);
  }

 private:
  LinkAggregator links_;
  std::vector<double> best_score_;  // parallel to the links
  std::vector<LinkSeen> seen_;
};

std::string ExplainAttributes(const AttributeModel& model, const AttributeLink& link) {
  std::string text = absl::StrFormat("p=%.4f weight=%.2f prior=%.2f", link.match_probability,
                                     link.match_weight, model.PriorWeight());
  for (const FieldExplanation& field : ExplainAttributeLink(model, link)) {
    absl::StrAppendFormat(&text, "; %s=%s(%+.2f)", AsAbsl(field.field), AsAbsl(field.level),
                          field.weight);
  }
  return text;
}

std::string ExplainColocation(const ColocationLink& link) {
  return absl::StrFormat(
      "p=%.4f llr=%.2f prior=%.2f; shared_ips=%d places=%d days=%d; ip=%+.2f ua=%s(%+.2f) "
      "time=%+.2f",
      link.score, link.log_likelihood_ratio, link.prior_log_odds, link.shared_ips,
      link.shared_places, link.shared_days, link.ip_llr, AsAbsl(UaRelationName(link.ua_relation)),
      link.ua_llr, link.time_llr);
}

// Level 0 of every field is "else" (present on both sides and different);
// kNullLevel is missing. Two records whose first names and birth dates are
// both present and both different are two members of one household, however
// much else (surname, address, postcode, city) they share.
bool HasPersonEvidence(const AttributeLink& link) {
  int8_t first_name = link.levels[static_cast<int>(AttributeField::kFirstName)];
  int8_t dob = link.levels[static_cast<int>(AttributeField::kDob)];
  return !(first_name == 0 && dob == 0);
}

// Profiles in a canonical order, so that training (random pairs drawn by
// index) does not depend on input order: sorted by their compared fields;
// profiles equal in all of them compare alike, so their order cannot matter.
void CanonicalProfiles(const ProbabilisticInputs& inputs, std::vector<AttributeProfile>* profiles,
                       std::vector<NodeId>* anchors) {
  auto key = [&](uint32_t i) {
    const AttributeProfile& p = inputs.profiles[i];
    return std::tie(p.source, p.last_name, p.first_name, p.dob, p.postcode, p.address, p.city,
                    p.email);
  };
  std::vector<uint32_t> order(inputs.profiles.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
  for (uint32_t i : order) {
    profiles->push_back(inputs.profiles[i]);
    profiles->back().id = static_cast<uint32_t>(profiles->size() - 1);
    anchors->push_back(inputs.profile_anchor[i]);
  }
}

absl::Status RunAttributeMatcher(const ProbabilisticOptions& options,
                                 const ProbabilisticInputs& inputs, uint8_t matcher,
                                 ScoredLinks& aggregator, ProbabilisticResult& result) {
  if (inputs.profiles.size() < 2) return absl::OkStatus();
  std::vector<AttributeProfile> profiles;
  std::vector<NodeId> anchors;
  CanonicalProfiles(inputs, &profiles, &anchors);
  if (options.attribute_model.has_value()) {
    result.model = options.attribute_model;
  } else {
    ASSIGN_OR_RETURN(result.model, TrainAttributeModel(profiles, options.attribute));
  }
  ASSIGN_OR_RETURN(std::vector<AttributeLink> links,
                   MatchAttributes(profiles, *result.model, options.attribute,
                                   &result.blocking));
  result.attribute_pair_links = links.size();
  for (const AttributeLink& link : links) {
    if (options.require_person_evidence && !HasPersonEvidence(link)) {
      ++result.attribute_household_guarded;
      continue;
    }
    NodeId a = anchors[link.a];
    NodeId b = anchors[link.b];
    if (a == b) continue;  // two profiles of one identifier
    if (aggregator.Add(a, b, matcher, link.match_probability, kNoTimestamp, kNoTimestamp)) {
      result.explanations[{std::min(a, b), std::max(a, b), matcher}] =
          ExplainAttributes(*result.model, link);
    }
  }
  return absl::OkStatus();
}

absl::Status RunColocation(const ProbabilisticOptions& options, const ProbabilisticInputs& inputs,
                           uint8_t matcher, ScoredLinks& aggregator,
                           ProbabilisticResult& result) {
  if (inputs.sightings.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<ColocationLink> links,
                   MatchColocation(inputs.sightings, inputs.user_agents,
                                   options.colocation_options, &result.colocation));
  result.colocation_pair_links = links.size();
  for (const ColocationLink& link : links) {
    if (aggregator.Add(link.a, link.b, matcher, link.score, link.first_seen, link.last_seen)) {
      result.explanations[{std::min(link.a, link.b), std::max(link.a, link.b), matcher}] =
          ExplainColocation(link);
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ProbabilisticInputs::Collect(const Record& record, absl::Span<const NodeId> nodes,
                                  uint32_t source, std::optional<TypeId> email_type,
                                  std::optional<TypeId> device_type,
                                  const ProbabilisticOptions& options) {
  if (options.attribute_matching) {
    bool has_attributes = false;
    for (const std::string& attribute : record.attributes) has_attributes |= !attribute.empty();
    if (has_attributes) {
      AttributeProfile profile;
      profile.id = static_cast<uint32_t>(profiles.size());
      profile.source = source;
      profile.first_name = record.attributes[0];
      profile.last_name = record.attributes[1];
      profile.dob = record.attributes[2];
      profile.postcode = record.attributes[3];
      profile.address = record.attributes[4];
      profile.city = record.attributes[5];
      for (const Identifier& id : record.identifiers) {
        if (email_type.has_value() && id.type == *email_type) {
          profile.email = id.value;
          break;
        }
      }
      profiles.push_back(std::move(profile));
      profile_anchor.push_back(nodes.front());
    }
  }
  if (options.colocation && device_type.has_value() && !record.ip.empty()) {
    uint64_t ip_hash = HashIp(record.ip);
    // Floor division, and untimed sightings in a day of their own.
    int64_t day = record.ts == kNoTimestamp
                      ? INT64_MIN
                      : (record.ts >= 0 ? record.ts / kSecondsPerDay
                                        : -((-record.ts + kSecondsPerDay - 1) / kSecondsPerDay));
    for (size_t slot = 0; slot < record.identifiers.size(); ++slot) {
      if (record.identifiers[slot].type != *device_type) continue;
      // One sighting per device, IP and day: the matcher's resolution, and
      // what keeps this list growing with distinct places, not with events.
      uint32_t ua = kNoUserAgent;
      if (!record.user_agent.empty()) {
        auto [it, added] = user_agent_ids.emplace(record.user_agent, user_agents.size());
        if (added) user_agents.push_back(record.user_agent);
        ua = it->second;
      }
      auto [it, added] = sighting_index.emplace(std::make_tuple(nodes[slot], ip_hash, day),
                                                sightings.size());
      if (added) {
        sightings.push_back({nodes[slot], ip_hash, record.ts, ua});
        continue;
      }
      DeviceSighting& sighting = sightings[it->second];
      if (record.ts != kNoTimestamp && (sighting.ts == kNoTimestamp || record.ts < sighting.ts)) {
        sighting.ts = record.ts;
      }
      if (ua != kNoUserAgent &&
          (sighting.user_agent_id == kNoUserAgent ||
           user_agents[ua] < user_agents[sighting.user_agent_id])) {
        sighting.user_agent_id = ua;
      }
    }
  }
}

absl::StatusOr<ProbabilisticResult> RunProbabilisticMatchers(
    const ProbabilisticOptions& options, const ProbabilisticInputs& inputs,
    uint8_t attribute_matcher, uint8_t colocation_matcher) {
  ProbabilisticResult result;
  ScoredLinks aggregator;
  if (options.attribute_matching) {
    RETURN_IF_ERROR(RunAttributeMatcher(options, inputs, attribute_matcher, aggregator, result));
  }
  if (options.colocation) {
    RETURN_IF_ERROR(RunColocation(options, inputs, colocation_matcher, aggregator, result));
  }
  // In order of first appearance; the identity graph orders them canonically.
  aggregator.MoveTo(result);
  return result;
}

}  // namespace idstitch
