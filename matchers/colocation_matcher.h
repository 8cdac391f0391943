// File: matchers/colocation_matcher.h
// The device co-location matcher (cross-device, issue 3): links device IDs
// (cookies, IDFA/GAID) that one user uses, from the IPs, times and user
// agents they were seen with. Candidate pairs are devices seen on one
// specific IP within a time window, generated per IP from sorted
// (ip, device, day) runs, never as an all-pairs scan; each pair is scored by
// the calibrated model of matchers/colocation_model.h (a log-likelihood ratio
// and a probability) and accepted above a threshold.
//
// What it cannot tell apart: members of one household on one home IP look
// alike (same IP, same days, often the same phone brand). The model therefore
// never links two different devices on a home IP alone (prior 1/3 by
// default): it needs cookie churn (one browser's successive cookies, weighed
// by how rare the exact agent is), or a second specific place shared at the
// same time (home and office). Even so, two members who run the identical
// browser build look like one browser's churn: ~5% of links at the default
// threshold join two members of a household (measured on the generator,
// matchers/colocation_matcher_test.cc). The identity graph is expected to
// refuse joining two identities that each hold their own account through
// probabilistic links alone, and to rank these links below every
// deterministic one.
#ifndef IDSTITCH_MATCHERS_COLOCATION_MATCHER_H_
#define IDSTITCH_MATCHERS_COLOCATION_MATCHER_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "matchers/colocation_model.h"
#include "resolver/types.h"

namespace idstitch {

// `user_agent_id` of a sighting without a user agent.
inline constexpr uint32_t kNoUserAgent = std::numeric_limits<uint32_t>::max();
// Seed of HashIp (any fixed value; stable across runs and platforms).
inline constexpr uint64_t kDefaultIpHashSeed = 0x636f'6c6f'6361'7465ull;  // "colocate"

// One sighting of a device: the device's node, its IP (pre-hashed, see
// HashIp), when (Unix seconds or kNoTimestamp) and which user agent (an index
// into the `user_agents` span given to MatchColocation, or kNoUserAgent).
struct DeviceSighting {
  NodeId device = 0;
  uint64_t ip_hash = 0;
  int64_t ts = kNoTimestamp;
  uint32_t user_agent_id = kNoUserAgent;
};

// XXH3-64 of the IP text with `seed`. Callers normalize the text first if
// they want "1.2.3.4" and " 1.2.3.4" to be one IP.
uint64_t HashIp(std::string_view ip, uint64_t seed = kDefaultIpHashSeed);

struct ColocationOptions {
  // Two devices co-occur on an IP when they were seen there at most this far
  // apart. Resolution is one UTC day (rounded up). Default 28 days: cookies
  // churn every 2-6 weeks, so a browser's next cookie often appears weeks
  // after the last sighting of the previous one; a shorter window loses those
  // pairs, a longer one adds strangers who used an IP months apart. > 0.
  int64_t window_seconds = 28 * 86400;
  // IPs seen with more distinct devices than this (carrier NAT, public
  // Wi-Fi) are blocked: no evidence at all, and their device lists are not
  // kept. Default 1000: far above an office (~50 people, a few hundred
  // cookies). >= 2.
  uint32_t max_devices_per_ip = 1000;
  // Only IPs with at most this many devices seed candidate pairs; larger
  // ones may still corroborate a pair as a second place. Bounds the pairs to
  // ips * C(cap, 2). Default 64: a pair whose most specific IP has more
  // devices starts at prior <= 1/16 and cannot reach the default threshold on
  // the evidence the model knows. In [2, max_devices_per_ip].
  uint32_t max_seed_ip_devices = 64;
  // A further shared IP counts as a second place (home and office) only if
  // at most this many devices used it. Default 64: an office, not a store or
  // a café, which household members visit together (their sharing one says
  // little about being one person). In [2, max_devices_per_ip].
  uint32_t max_place_devices = 64;
  // Links with probability >= threshold are returned. Default 0.9 (log-odds
  // 2.2): cookie churn on a home IP passes, a home IP alone does not. (0, 1).
  double threshold = 0.9;
  // A device with more accepted partners than this is a shared device (a
  // kiosk, a family PC, a bot farm): none of its links is returned. Default
  // 32: well above one user's cookies in a quarter. >= 1.
  uint32_t max_partners_per_device = 32;
  // Threads for sorting and scoring; 0: all cores. Results do not depend on
  // it. >= 0.
  int max_threads = 0;
  ColocationModel model;
};

// An accepted link between two devices, with its evidence for explanations.
struct ColocationLink {
  NodeId a = 0;  // a < b
  NodeId b = 0;
  double score = 0;                 // calibrated probability, >= threshold
  double log_likelihood_ratio = 0;  // evidence only, without the prior (nats)
  double log_odds = 0;              // prior + LLR
  double prior_log_odds = 0;
  double ip_llr = 0;
  double ua_llr = 0;
  double time_llr = 0;
  uint32_t shared_ips = 0;
  uint32_t shared_places = 0;
  uint32_t shared_days = 0;
  uint32_t seed_ip_devices = 0;  // devices on the most specific shared IP
  UaRelation ua_relation = UaRelation::kUnknown;
  int64_t first_seen = kNoTimestamp;  // earliest sighting of either device
  int64_t last_seen = kNoTimestamp;   // latest sighting of either device
};

struct ColocationStats {
  uint64_t sightings = 0;            // given
  uint64_t sightings_untimed = 0;    // dropped: kNoTimestamp
  uint64_t sightings_automated = 0;  // dropped: bot or kiosk user agent
  uint64_t devices = 0;              // distinct devices kept
  uint64_t ips = 0;                  // distinct IPs kept
  uint64_t ips_blocked_over_cap = 0;
  uint64_t seed_ips = 0;             // IPs that generated candidate pairs
  uint64_t candidate_pairs = 0;      // distinct pairs scored
  uint64_t pairs_over_threshold = 0;
  uint64_t devices_over_partner_cap = 0;
  uint64_t links = 0;                // returned
};

// Scores every candidate pair of `sightings` and returns the accepted links
// sorted by (a, b). The result is the same for any order of `sightings`, any
// numbering of `user_agents` (agents are compared by text) and any
// max_threads. `stats` may be null.
// Returns InvalidArgument for options out of range or a user_agent_id that is
// neither kNoUserAgent nor an index into `user_agents`.
absl::StatusOr<std::vector<ColocationLink>> MatchColocation(
    absl::Span<const DeviceSighting> sightings,
    absl::Span<const std::string> user_agents, const ColocationOptions& options,
    ColocationStats* stats = nullptr);

// Checks `options`; OK or InvalidArgument naming the field.
absl::Status ValidateColocationOptions(const ColocationOptions& options);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_COLOCATION_MATCHER_H_
