// File: matchers/colocation_model.h
// The scoring model of the device co-location matcher: how the evidence that
// two devices share (IPs, days, user agents) becomes a log-likelihood ratio
// and a probability. Kept apart from the pair generation
// (matchers/colocation_matcher.h) so that every term can be unit-tested and
// explained link by link.
//
// Model (naive Bayes in natural-log units, "nats"):
//   log_odds = prior_log_odds + ip_llr + ua_llr + time_llr
//   probability = 1 / (1 + exp(-log_odds))
// * prior_log_odds: the pair's most specific shared IP fixes the prior. An IP
//   behind which about m people are active makes a random pair of its devices
//   one user's with probability ~1/m; m is the largest of a floor
//   (`min_persons_per_ip`: households rarely have one person), the IP's
//   device count over `devices_per_person`, and a census of its user agents
//   (distinct phone apps, distinct phone browsers, half the desktop agents).
// * ip_llr: every further shared IP that is a *different place* (active at
//   the same time as the others, so not an ISP renumbering the home) adds
//   log(second_place_rate * devices_total / devices_on_ip), clamped to
//   [0, max_place_llr]: two strangers share a second IP about as often as a
//   random device is seen there, one user's devices about second_place_rate.
// * ua_llr: the user-agent relation (UaRelation below), one term. Cookie
//   churn (an identical agent, lifetimes one after the other) is weighed by
//   how rare the agent is: log(churn_rate / share), where share is the
//   agent's smoothed share of all devices, since a stranger carries the same
//   agent about `share` of the time (a corporate Chrome build is common, a
//   given iOS Safari build is not).
// * time_llr: each further UTC day on which both were seen on a shared IP.
// The weights are set by hand (reasons beside each field) and checked against
// the generator's ground truth in matchers/colocation_matcher_test.cc.
#ifndef IDSTITCH_MATCHERS_COLOCATION_MODEL_H_
#define IDSTITCH_MATCHERS_COLOCATION_MODEL_H_

#include <cstdint>
#include <string_view>

#include "matchers/user_agent_family.h"

namespace idstitch {

// How the two devices' user agents relate; each has one LLR in
// ColocationModel. Listed from the strongest evidence for to the strongest
// against.
enum class UaRelation : uint8_t {
  kUnknown,         // one agent missing or unrecognized: no evidence
  kCookieChurn,     // identical agent, lifetimes one after the other
  kSamePhone,       // app + browser (or two browsers) of one phone OS, models
                    // not in conflict
  kEcosystemMatch,  // phone and desktop of one vendor (iPhone + Mac)
  kNeutral,         // e.g. two desktops, Android phone + Windows PC
  kEcosystemMismatch,  // Android phone + Mac
  kSharedTablet,       // one side is a tablet: households share those
  kConcurrentTwin,     // identical agent, both in use at the same time
  kPhoneConflict,      // two phones of different OS or different models
};

std::string_view UaRelationName(UaRelation relation);

// Hand-set weights of the co-location model. Thread safety: a plain value.
struct ColocationModel {
  // People assumed behind any IP at least (the prior of an IP seen with one
  // person's devices only is 1 / this). 3.0: measured on the generator, two
  // devices met on a home IP are one person's ~25-35% of the time (US homes
  // average ~2.5 people, and one-person homes cannot be told from the devices
  // alone), so a home IP by itself never links two different devices
  // (prior 1/3, log-odds -0.69). Lower it only where IPs are single-user.
  double min_persons_per_ip = 3.0;
  // Distinct device IDs one person shows on one IP inside the data's span
  // (an app, a browser whose cookie churns every few weeks, a laptop).
  double devices_per_person = 4.0;
  // Upper bound of the prior (a single-user IP still leaves doubt).
  double max_prior = 0.9;
  // P(one user's two devices also share another place) in the IP term; 0.3:
  // a phone and a work laptop both at home and at the office.
  double second_place_rate = 0.3;
  // Cap on one extra place's LLR (nats): a tiny place is still one place.
  double max_place_llr = 4.0;
  // UA terms (nats). Churn: ~30% of one user's device pairs on an IP are
  // successive cookies of one browser (churn_rate); a stranger's device has
  // the identical agent with probability `share`, the agent's share of all
  // devices, smoothed towards agent_share_prior with agent_share_pseudo
  // pseudo-devices so that a small input does not make every agent look
  // common (or unique). The term is clamped to [0, max_cookie_churn_llr].
  double churn_rate = 0.3;
  double agent_share_prior = 0.01;
  double agent_share_pseudo = 100;
  double max_cookie_churn_llr = 5.0;
  // App and web on one phone: certain for one user vs ~50% for strangers
  // (iOS/Android split).
  double same_phone_llr = 0.7;
  double ecosystem_match_llr = 0.4;
  double ecosystem_mismatch_llr = -0.8;
  // A household tablet is used by several members: linking it to one of them
  // is right only for its main user.
  double shared_tablet_llr = -1.0;
  // Identical agent, both alive at once: two people on the same build.
  double concurrent_twin_llr = -1.5;
  // One person rarely carries two phones (different OS or model).
  double phone_conflict_llr = -2.5;
  // Per UTC day shared beyond the first, capped: repeated co-presence.
  double shared_day_llr = 0.25;
  double max_time_llr = 1.0;
};

// What one candidate pair shares, as gathered by the matcher.
struct ColocationEvidence {
  uint32_t shared_ips = 0;     // non-blocked IPs both used within the window
  uint32_t places = 0;         // distinct concurrent places among them
  uint32_t shared_days = 0;    // UTC days with both on one shared IP
  uint32_t seed_ip_devices = 0;  // devices on the most specific shared IP
  // Devices carrying the pair's (identical) agent, and devices with any
  // agent; used for kCookieChurn only.
  uint64_t agent_devices = 0;
  uint64_t devices_with_agent = 0;
  // Most same-agent devices alive at once on the seed IP (>= 1): with k
  // browsers of one build there, a pair of their cookies is one browser's
  // about 1/k of the time, so the churn term loses log(k).
  uint32_t concurrent_browsers = 1;
  double seed_ip_persons = 0;    // estimated people behind that IP (m)
  double extra_place_llr = 0;    // summed IP terms of the other places
  UaRelation ua_relation = UaRelation::kUnknown;
};

// The terms of one pair's score.
struct ColocationScore {
  double prior_log_odds = 0;
  double ip_llr = 0;
  double ua_llr = 0;
  double time_llr = 0;
  double log_likelihood_ratio = 0;  // ip_llr + ua_llr + time_llr
  double log_odds = 0;              // prior_log_odds + log_likelihood_ratio
  double probability = 0;           // logistic(log_odds)
};

// Estimated people behind an IP with `devices` distinct devices and a user-
// agent census lower bound `census_persons` (>= 0).
double EstimatePersonsBehindIp(const ColocationModel& model, uint32_t devices,
                               double census_persons);

// The LLR (>= 0) of sharing one more concurrent place seen with
// `devices_on_ip` devices, among `devices_total` in the input.
double ExtraPlaceLlr(const ColocationModel& model, uint32_t devices_on_ip,
                     uint64_t devices_total);

// Classifies the relation of two devices' agents. `same_agent` says the two
// agent strings are identical; `lifetimes_disjoint` that one device's last
// sighting precedes the other's first.
UaRelation RelateUserAgents(const UserAgentFamily& a, const UserAgentFamily& b,
                            bool same_agent, bool lifetimes_disjoint);

// The term of `relation`; kCookieChurn needs the agent's counts.
double UaRelationLlr(const ColocationModel& model, UaRelation relation,
                     uint64_t agent_devices = 0, uint64_t devices_with_agent = 0);

// The churn term for an agent carried by `agent_devices` of
// `devices_with_agent` devices.
double CookieChurnLlr(const ColocationModel& model, uint64_t agent_devices,
                      uint64_t devices_with_agent);

// Scores `evidence`. REQUIRES: evidence.seed_ip_persons >= 1.
ColocationScore ScoreColocation(const ColocationModel& model,
                                const ColocationEvidence& evidence);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_COLOCATION_MODEL_H_
