#include "matchers/colocation_model.h"

#include <algorithm>
#include <cmath>

#include "absl/base/macros.h"

namespace idstitch {
namespace {

// Phone vs desktop of one vendor: the phone's OS decides the ecosystem.
UaRelation RelatePhoneAndDesktop(const UserAgentFamily& phone,
                                 const UserAgentFamily& desktop) {
  if (phone.os == OsFamily::kUnknown || desktop.os == OsFamily::kUnknown) {
    return UaRelation::kUnknown;
  }
  if (phone.os == OsFamily::kIos && desktop.os == OsFamily::kMacos) {
    return UaRelation::kEcosystemMatch;
  }
  if (phone.os == OsFamily::kAndroid && desktop.os == OsFamily::kMacos) {
    return UaRelation::kEcosystemMismatch;
  }
  return UaRelation::kNeutral;
}

}  // namespace

std::string_view UaRelationName(UaRelation relation) {
  switch (relation) {
    case UaRelation::kCookieChurn: return "cookie_churn";
    case UaRelation::kSamePhone: return "same_phone";
    case UaRelation::kEcosystemMatch: return "ecosystem_match";
    case UaRelation::kNeutral: return "neutral";
    case UaRelation::kEcosystemMismatch: return "ecosystem_mismatch";
    case UaRelation::kSharedTablet: return "shared_tablet";
    case UaRelation::kConcurrentTwin: return "concurrent_twin";
    case UaRelation::kPhoneConflict: return "phone_conflict";
    case UaRelation::kUnknown: break;
  }
  return "unknown";
}

double EstimatePersonsBehindIp(const ColocationModel& model, uint32_t devices,
                               double census_persons) {
  return std::max({model.min_persons_per_ip,
                   static_cast<double>(devices) / model.devices_per_person,
                   census_persons, 1.0});
}

double ExtraPlaceLlr(const ColocationModel& model, uint32_t devices_on_ip,
                     uint64_t devices_total) {
  if (devices_on_ip == 0) return 0;
  const double llr = std::log(model.second_place_rate *
                              static_cast<double>(devices_total) /
                              static_cast<double>(devices_on_ip));
  return std::clamp(llr, 0.0, model.max_place_llr);
}

UaRelation RelateUserAgents(const UserAgentFamily& a, const UserAgentFamily& b,
                            bool same_agent, bool lifetimes_disjoint) {
  // An identical agent is the same build on the same hardware: one browser
  // whose cookie was replaced, or two people with the same device.
  if (same_agent && a.device_class != DeviceClass::kUnknown) {
    return lifetimes_disjoint ? UaRelation::kCookieChurn
                              : UaRelation::kConcurrentTwin;
  }
  if (a.device_class == DeviceClass::kUnknown ||
      b.device_class == DeviceClass::kUnknown) {
    return UaRelation::kUnknown;
  }
  if (a.device_class == DeviceClass::kTablet ||
      b.device_class == DeviceClass::kTablet) {
    return UaRelation::kSharedTablet;
  }
  if (a.device_class == DeviceClass::kPhone &&
      b.device_class == DeviceClass::kPhone) {
    if (a.os != b.os) return UaRelation::kPhoneConflict;
    if (!a.model.empty() && !b.model.empty() && a.model != b.model) {
      return UaRelation::kPhoneConflict;
    }
    // Two cookies of one phone browser with different agents are an update
    // or a second browser: the same phone either way.
    return UaRelation::kSamePhone;
  }
  if (a.device_class == DeviceClass::kPhone) return RelatePhoneAndDesktop(a, b);
  if (b.device_class == DeviceClass::kPhone) return RelatePhoneAndDesktop(b, a);
  // Two desktops: a home computer and a work laptop are common, and so is a
  // shared family PC; nothing to learn either way.
  return UaRelation::kNeutral;
}

double CookieChurnLlr(const ColocationModel& model, uint64_t agent_devices,
                      uint64_t devices_with_agent) {
  const double share =
      (static_cast<double>(agent_devices) +
       model.agent_share_pseudo * model.agent_share_prior) /
      (static_cast<double>(devices_with_agent) + model.agent_share_pseudo);
  return std::clamp(std::log(model.churn_rate / share), 0.0,
                    model.max_cookie_churn_llr);
}

double UaRelationLlr(const ColocationModel& model, UaRelation relation,
                     uint64_t agent_devices, uint64_t devices_with_agent) {
  switch (relation) {
    case UaRelation::kCookieChurn:
      return CookieChurnLlr(model, agent_devices, devices_with_agent);
    case UaRelation::kSamePhone: return model.same_phone_llr;
    case UaRelation::kEcosystemMatch: return model.ecosystem_match_llr;
    case UaRelation::kEcosystemMismatch: return model.ecosystem_mismatch_llr;
    case UaRelation::kSharedTablet: return model.shared_tablet_llr;
    case UaRelation::kConcurrentTwin: return model.concurrent_twin_llr;
    case UaRelation::kPhoneConflict: return model.phone_conflict_llr;
    case UaRelation::kNeutral:
    case UaRelation::kUnknown: break;
  }
  return 0;
}

ColocationScore ScoreColocation(const ColocationModel& model,
                                const ColocationEvidence& evidence) {
  // A caller passing m < 1 broke EstimatePersonsBehindIp's contract.
  ABSL_ASSERT(evidence.seed_ip_persons >= 1);
  ColocationScore s;
  const double prior =
      std::min(model.max_prior, 1.0 / std::max(1.0, evidence.seed_ip_persons));
  s.prior_log_odds = std::log(prior / (1.0 - prior));
  s.ip_llr = evidence.extra_place_llr;
  s.ua_llr = UaRelationLlr(model, evidence.ua_relation, evidence.agent_devices,
                           evidence.devices_with_agent);
  if (evidence.ua_relation == UaRelation::kCookieChurn &&
      evidence.concurrent_browsers > 1) {
    s.ua_llr -= std::log(static_cast<double>(evidence.concurrent_browsers));
  }
  if (evidence.shared_days > 1) {
    s.time_llr = std::min(model.max_time_llr,
                          model.shared_day_llr * (evidence.shared_days - 1));
  }
  s.log_likelihood_ratio = s.ip_llr + s.ua_llr + s.time_llr;
  s.log_odds = s.prior_log_odds + s.log_likelihood_ratio;
  s.probability = 1.0 / (1.0 + std::exp(-s.log_odds));
  return s;
}

}  // namespace idstitch
