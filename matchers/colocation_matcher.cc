#include "matchers/colocation_matcher.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "matchers/user_agent_family.h"
#include "resolver/parallel_sort.h"
#include "resolver/thread_arena.h"
#include "tbb/blocked_range.h"
#include "tbb/enumerable_thread_specific.h"
#include "tbb/parallel_for.h"
#include "tbb/parallel_sort.h"
#include "xxhash.h"

namespace idstitch {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr uint32_t kNoAgent = std::numeric_limits<uint32_t>::max();

// One (ip, device, UTC day) observation; sorted runs of these are the only
// index the matcher builds.
struct Hit {
  uint64_t ip = 0;
  uint32_t device = 0;  // dense index into Run::devices_
  int32_t day = 0;
  friend bool operator<(const Hit& x, const Hit& y) {
    return std::tie(x.ip, x.device, x.day) < std::tie(y.ip, y.device, y.day);
  }
  friend bool operator==(const Hit& x, const Hit& y) {
    return x.ip == y.ip && x.device == y.device && x.day == y.day;
  }
};

struct IpInfo {
  uint64_t hash = 0;
  uint32_t devices = 0;
  int32_t first_day = 0, last_day = 0;
  double persons = 1;  // EstimatePersonsBehindIp
};

// A device's days on one IP: days_[day_begin, day_begin + day_count).
struct Entry {
  uint32_t device = 0;
  uint32_t ip = 0;  // index into Run::ips_
  uint32_t day_begin = 0;
  uint32_t day_count = 0;
};

struct DeviceInfo {
  NodeId node = 0;
  uint32_t agent = kNoAgent;  // canonical agent (rank by text)
  int64_t first_ts = std::numeric_limits<int64_t>::max();
  int64_t last_ts = std::numeric_limits<int64_t>::min();
  uint32_t entry_begin = 0, entry_count = 0;  // into Run::by_device_
};

// A shared IP of one candidate pair.
struct SharedIp {
  const IpInfo* ip = nullptr;
  bool operator<(const SharedIp& o) const {
    return std::tie(ip->persons, ip->devices, ip->hash) <
           std::tie(o.ip->persons, o.ip->devices, o.ip->hash);
  }
};

// Smallest distance in days between two sorted day lists.
int64_t MinGapDays(const int32_t* a, uint32_t na, const int32_t* b, uint32_t nb) {
  int64_t best = std::numeric_limits<int64_t>::max();
  uint32_t i = 0, j = 0;
  while (i < na && j < nb) {
    best = std::min<int64_t>(best, std::abs(int64_t{a[i]} - b[j]));
    if (a[i] < b[j]) ++i; else ++j;
  }
  return best;
}

// State of one MatchColocation call: Ingest, then Index, Pairs, Score.
class Run {
 public:
  Run(const ColocationOptions& options, ColocationStats& stats)
      : options_(options),
        stats_(stats),
        window_days_((options.window_seconds + kSecondsPerDay - 1) / kSecondsPerDay) {}

  absl::Status Ingest(absl::Span<const DeviceSighting> sightings,
                      absl::Span<const std::string> user_agents);
  void Index();
  void Pairs();
  std::vector<ColocationLink> Score() const;

 private:
  void RankAgents(absl::Span<const std::string> user_agents);
  void PickDeviceAgents(std::vector<std::pair<uint32_t, uint32_t>>& agents);
  double CensusPersons(const Entry* entries, uint32_t count) const;
  bool Evaluate(uint32_t x, uint32_t y, ColocationLink* link) const;
  uint32_t ConcurrentBrowsers(const IpInfo* ip, uint32_t agent) const;
  std::vector<ColocationLink> DropSharedDevices(
      std::vector<ColocationLink> links) const;

  const ColocationOptions& options_;
  ColocationStats& stats_;
  const int64_t window_days_;
  std::vector<uint32_t> agent_rank_;           // user_agent_id -> rank
  std::vector<UserAgentFamily> families_;      // by rank
  std::vector<uint64_t> agent_devices_;        // by rank: devices carrying it
  uint64_t devices_with_agent_ = 0;
  std::vector<DeviceInfo> devices_;            // sorted by node
  std::vector<Hit> hits_;
  std::vector<IpInfo> ips_;
  std::vector<int32_t> days_;
  std::vector<Entry> by_ip_, by_device_;
  std::vector<uint64_t> pairs_;  // (x << 32) | y, x < y, dense indices
  std::vector<uint32_t> ip_begin_;  // by_ip_ entries of ip i: [ip_begin_[i], ip_begin_[i+1])
};

void Run::RankAgents(absl::Span<const std::string> user_agents) {
  // Ranks by text so that the caller's numbering of agents cannot reach any
  // decision (the canonical agent of a device breaks ties by rank).
  std::vector<uint32_t> order(user_agents.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return user_agents[a] < user_agents[b];
  });
  agent_rank_.assign(user_agents.size(), 0);
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || user_agents[order[i]] != user_agents[order[i - 1]]) {
      families_.push_back(ParseUserAgent(user_agents[order[i]]));
    }
    agent_rank_[order[i]] = static_cast<uint32_t>(families_.size() - 1);
  }
}

absl::Status Run::Ingest(absl::Span<const DeviceSighting> sightings,
                         absl::Span<const std::string> user_agents) {
  for (const DeviceSighting& s : sightings) {
    if (s.user_agent_id != kNoUserAgent && s.user_agent_id >= user_agents.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("user_agent_id ", s.user_agent_id, " of device ", s.device,
                       " is not an index into ", user_agents.size(), " agents"));
    }
  }
  RankAgents(user_agents);
  stats_.sightings = sightings.size();
  std::vector<const DeviceSighting*> kept;
  kept.reserve(sightings.size());
  std::vector<NodeId> nodes;
  for (const DeviceSighting& s : sightings) {
    if (s.ts == kNoTimestamp) { ++stats_.sightings_untimed; continue; }
    const uint32_t agent =
        s.user_agent_id == kNoUserAgent ? kNoAgent : agent_rank_[s.user_agent_id];
    if (agent != kNoAgent && (families_[agent].bot || families_[agent].kiosk)) {
      ++stats_.sightings_automated;
      continue;
    }
    kept.push_back(&s);
    nodes.push_back(s.device);
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  absl::flat_hash_map<NodeId, uint32_t> dense;
  dense.reserve(nodes.size());
  devices_.resize(nodes.size());
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    devices_[i].node = nodes[i];
    dense.emplace(nodes[i], i);
  }
  hits_.reserve(kept.size());
  std::vector<std::pair<uint32_t, uint32_t>> agents;  // (device, rank)
  agents.reserve(kept.size());
  for (const DeviceSighting* s : kept) {
    const uint32_t d = dense.find(s->device)->second;
    DeviceInfo& info = devices_[d];
    info.first_ts = std::min(info.first_ts, s->ts);
    info.last_ts = std::max(info.last_ts, s->ts);
    // Floor division: days before 1970 stay ordered.
    const int64_t day = s->ts / kSecondsPerDay - (s->ts % kSecondsPerDay < 0 ? 1 : 0);
    hits_.push_back({s->ip_hash, d, static_cast<int32_t>(day)});
    if (s->user_agent_id != kNoUserAgent) {
      agents.emplace_back(d, agent_rank_[s->user_agent_id]);
    }
  }
  PickDeviceAgents(agents);
  agent_devices_.assign(families_.size(), 0);
  for (const DeviceInfo& info : devices_) {
    if (info.agent == kNoAgent) continue;
    ++agent_devices_[info.agent];
    ++devices_with_agent_;
  }
  stats_.devices = devices_.size();
  return absl::OkStatus();
}

void Run::PickDeviceAgents(std::vector<std::pair<uint32_t, uint32_t>>& agents) {
  // A device's agent is its most frequent one; ties go to the smaller rank.
  tbb::parallel_sort(agents.begin(), agents.end());
  uint32_t best_count = 0;
  for (size_t i = 0; i < agents.size();) {
    size_t j = i;
    while (j < agents.size() && agents[j] == agents[i]) ++j;
    const uint32_t count = static_cast<uint32_t>(j - i);
    DeviceInfo& info = devices_[agents[i].first];
    if (info.agent == kNoAgent || count > best_count) {
      info.agent = agents[i].second;
      best_count = count;
    }
    if (j < agents.size() && agents[j].first != agents[i].first) best_count = 0;
    i = j;
  }
}

double Run::CensusPersons(const Entry* entries, uint32_t count) const {
  // A person carries one phone app and one phone browser build; two desktop
  // agents (home and work) per person at most.
  std::vector<uint32_t> apps, browsers, desktops;
  for (uint32_t k = 0; k < count; ++k) {
    const uint32_t agent = devices_[entries[k].device].agent;
    if (agent == kNoAgent) continue;
    const UserAgentFamily& f = families_[agent];
    if (f.device_class == DeviceClass::kPhone) {
      (f.browser == BrowserFamily::kApp ? apps : browsers).push_back(agent);
    } else if (f.device_class == DeviceClass::kDesktop) {
      desktops.push_back(agent);
    }
  }
  auto distinct = [](std::vector<uint32_t>& v) {
    std::sort(v.begin(), v.end());
    return static_cast<double>(std::unique(v.begin(), v.end()) - v.begin());
  };
  return std::max({distinct(apps), distinct(browsers), distinct(desktops) / 2.0});
}

void Run::Index() {
  tbb::parallel_sort(hits_.begin(), hits_.end());
  hits_.erase(std::unique(hits_.begin(), hits_.end()), hits_.end());
  for (size_t i = 0; i < hits_.size();) {
    size_t end = i;
    uint32_t devices = 0;
    for (; end < hits_.size() && hits_[end].ip == hits_[i].ip; ++end) {
      if (end == i || hits_[end].device != hits_[end - 1].device) ++devices;
    }
    if (devices > options_.max_devices_per_ip) {
      ++stats_.ips_blocked_over_cap;  // its device list is never materialized
      i = end;
      continue;
    }
    IpInfo ip{hits_[i].ip, devices, hits_[i].day, hits_[i].day, 1};
    const uint32_t ip_index = static_cast<uint32_t>(ips_.size());
    const size_t first_entry = by_ip_.size();
    for (size_t k = i; k < end; ++k) {
      if (k == i || hits_[k].device != hits_[k - 1].device) {
        by_ip_.push_back({hits_[k].device, ip_index,
                          static_cast<uint32_t>(days_.size()), 0});
      }
      days_.push_back(hits_[k].day);
      ++by_ip_.back().day_count;
      ip.first_day = std::min(ip.first_day, hits_[k].day);
      ip.last_day = std::max(ip.last_day, hits_[k].day);
    }
    ip.persons = EstimatePersonsBehindIp(
        options_.model, devices,
        CensusPersons(&by_ip_[first_entry], devices));
    ips_.push_back(ip);
    i = end;
  }
  std::vector<Hit>().swap(hits_);
  stats_.ips = ips_.size();
  by_device_ = by_ip_;
  tbb::parallel_sort(by_device_.begin(), by_device_.end(),
                     [](const Entry& a, const Entry& b) {
                       return std::tie(a.device, a.ip) < std::tie(b.device, b.ip);
                     });
  for (uint32_t k = 0; k < by_device_.size(); ++k) {
    DeviceInfo& info = devices_[by_device_[k].device];
    if (info.entry_count == 0) info.entry_begin = k;
    ++info.entry_count;
  }
}

void Run::Pairs() {
  // Entries of one IP are contiguous in by_ip_; find each IP's run.
  ip_begin_.assign(ips_.size() + 1, 0);
  for (const Entry& e : by_ip_) ++ip_begin_[e.ip + 1];
  std::partial_sum(ip_begin_.begin(), ip_begin_.end(), ip_begin_.begin());
  const std::vector<uint32_t>& ip_begin = ip_begin_;
  tbb::enumerable_thread_specific<std::vector<uint64_t>> local;
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, ips_.size()),
      [&](const tbb::blocked_range<size_t>& range) {
        std::vector<uint64_t>& out = local.local();
        for (size_t ip = range.begin(); ip != range.end(); ++ip) {
          if (ips_[ip].devices > options_.max_seed_ip_devices) continue;
          for (uint32_t i = ip_begin[ip]; i < ip_begin[ip + 1]; ++i) {
            const Entry& x = by_ip_[i];
            for (uint32_t j = i + 1; j < ip_begin[ip + 1]; ++j) {
              const Entry& y = by_ip_[j];
              if (MinGapDays(&days_[x.day_begin], x.day_count,
                             &days_[y.day_begin], y.day_count) > window_days_) {
                continue;
              }
              // Entries of an IP are sorted by device, so x.device < y.device.
              out.push_back(uint64_t{x.device} << 32 | y.device);
            }
          }
        }
      });
  for (const IpInfo& ip : ips_) {
    if (ip.devices <= options_.max_seed_ip_devices && ip.devices >= 2) ++stats_.seed_ips;
  }
  size_t total = 0;
  for (const auto& v : local) total += v.size();
  pairs_.reserve(total);
  for (auto& v : local) {
    pairs_.insert(pairs_.end(), v.begin(), v.end());
    std::vector<uint64_t>().swap(v);
  }
  ParallelSort(pairs_.begin(), pairs_.end());
  pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
  stats_.candidate_pairs = pairs_.size();
}

uint32_t Run::ConcurrentBrowsers(const IpInfo* ip, uint32_t agent) const {
  // One browser's cookies live one after the other; same-agent devices on
  // one IP alive at the same time are that many browsers with one build.
  const uint32_t index = static_cast<uint32_t>(ip - ips_.data());
  std::vector<std::pair<int64_t, int>> events;  // (time, +1 start / -1 end)
  for (uint32_t k = ip_begin_[index]; k < ip_begin_[index + 1]; ++k) {
    const DeviceInfo& d = devices_[by_ip_[k].device];
    if (d.agent != agent) continue;
    events.emplace_back(d.first_ts, +1);
    events.emplace_back(d.last_ts + 1, -1);
  }
  std::sort(events.begin(), events.end());
  int depth = 0, best = 1;
  for (const auto& [ts, delta] : events) best = std::max(best, depth += delta);
  return static_cast<uint32_t>(best);
}

bool Run::Evaluate(uint32_t x, uint32_t y, ColocationLink* link) const {
  const DeviceInfo& dx = devices_[x];
  const DeviceInfo& dy = devices_[y];
  std::vector<SharedIp> shared;
  std::vector<int32_t> shared_days;
  const Entry* ex = &by_device_[dx.entry_begin];
  const Entry* ey = &by_device_[dy.entry_begin];
  for (uint32_t i = 0, j = 0; i < dx.entry_count && j < dy.entry_count;) {
    if (ex[i].ip != ey[j].ip) {
      if (ex[i].ip < ey[j].ip) {
        ++i;
      } else {
        ++j;
      }
      continue;
    }
    const int32_t* a = &days_[ex[i].day_begin];
    const int32_t* b = &days_[ey[j].day_begin];
    if (MinGapDays(a, ex[i].day_count, b, ey[j].day_count) <= window_days_) {
      shared.push_back({&ips_[ex[i].ip]});
      std::set_intersection(a, a + ex[i].day_count, b, b + ey[j].day_count,
                            std::back_inserter(shared_days));
    }
    ++i, ++j;
  }
  if (shared.empty()) return false;
  std::sort(shared.begin(), shared.end());
  std::sort(shared_days.begin(), shared_days.end());
  ColocationEvidence ev;
  ev.shared_ips = static_cast<uint32_t>(shared.size());
  ev.shared_days = static_cast<uint32_t>(
      std::unique(shared_days.begin(), shared_days.end()) - shared_days.begin());
  ev.seed_ip_devices = shared[0].ip->devices;
  ev.seed_ip_persons = shared[0].ip->persons;
  // A further IP is a further place only if it was active while every place
  // taken so far was: an ISP renumbering a home gives two IPs used one after
  // the other, which is one place.
  std::vector<const IpInfo*> places = {shared[0].ip};
  for (size_t k = 1; k < shared.size(); ++k) {
    const IpInfo* ip = shared[k].ip;
    if (ip->devices > options_.max_place_devices) continue;
    const bool concurrent = std::all_of(places.begin(), places.end(), [&](const IpInfo* p) {
      return ip->first_day <= p->last_day && p->first_day <= ip->last_day;
    });
    if (!concurrent) continue;
    places.push_back(ip);
    ev.extra_place_llr += ExtraPlaceLlr(options_.model, ip->devices, devices_.size());
  }
  ev.places = static_cast<uint32_t>(places.size());
  if (dx.agent != kNoAgent && dy.agent != kNoAgent) {
    const bool disjoint = dx.last_ts < dy.first_ts || dy.last_ts < dx.first_ts;
    ev.ua_relation = RelateUserAgents(families_[dx.agent], families_[dy.agent],
                                      dx.agent == dy.agent, disjoint);
    ev.agent_devices = agent_devices_[dx.agent];
    ev.devices_with_agent = devices_with_agent_;
    if (ev.ua_relation == UaRelation::kCookieChurn) {
      ev.concurrent_browsers = ConcurrentBrowsers(shared[0].ip, dx.agent);
    }
  }
  const ColocationScore s = ScoreColocation(options_.model, ev);
  if (s.probability < options_.threshold) return false;
  *link = ColocationLink{dx.node, dy.node, s.probability, s.log_likelihood_ratio,
                         s.log_odds, s.prior_log_odds, s.ip_llr, s.ua_llr,
                         s.time_llr, ev.shared_ips, ev.places, ev.shared_days,
                         ev.seed_ip_devices, ev.ua_relation,
                         std::min(dx.first_ts, dy.first_ts),
                         std::max(dx.last_ts, dy.last_ts)};
  return true;
}

std::vector<ColocationLink> Run::DropSharedDevices(
    std::vector<ColocationLink> links) const {
  absl::flat_hash_map<NodeId, uint32_t> partners;
  for (const ColocationLink& l : links) {
    ++partners[l.a];
    ++partners[l.b];
  }
  for (const auto& [node, count] : partners) {
    if (count > options_.max_partners_per_device) ++stats_.devices_over_partner_cap;
  }
  auto shared = [&](NodeId n) {
    return partners.find(n)->second > options_.max_partners_per_device;
  };
  links.erase(std::remove_if(links.begin(), links.end(),
                             [&](const ColocationLink& l) {
                               return shared(l.a) || shared(l.b);
                             }),
              links.end());
  return links;
}

std::vector<ColocationLink> Run::Score() const {
  // One slot per pair, so the order of the output is the pairs' sorted order
  // whatever the scheduling.
  std::vector<ColocationLink> scored(pairs_.size());
  std::vector<uint8_t> accepted(pairs_.size(), 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, pairs_.size()),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t p = range.begin(); p != range.end(); ++p) {
                        accepted[p] = Evaluate(static_cast<uint32_t>(pairs_[p] >> 32),
                                               static_cast<uint32_t>(pairs_[p]),
                                               &scored[p]);
                      }
                    });
  std::vector<ColocationLink> links;
  for (size_t p = 0; p < pairs_.size(); ++p) {
    if (accepted[p]) links.push_back(scored[p]);
  }
  stats_.pairs_over_threshold = links.size();
  links = DropSharedDevices(std::move(links));
  stats_.links = links.size();
  return links;
}

}  // namespace

uint64_t HashIp(std::string_view ip, uint64_t seed) {
  return XXH3_64bits_withSeed(ip.data(), ip.size(), seed);
}

absl::Status ValidateColocationOptions(const ColocationOptions& o) {
  if (o.window_seconds <= 0) {
    return absl::InvalidArgumentError("window_seconds must be > 0");
  }
  if (o.max_devices_per_ip < 2) {
    return absl::InvalidArgumentError("max_devices_per_ip must be >= 2");
  }
  if (o.max_seed_ip_devices < 2 || o.max_seed_ip_devices > o.max_devices_per_ip) {
    return absl::InvalidArgumentError(
        "max_seed_ip_devices must be in [2, max_devices_per_ip]");
  }
  if (o.max_place_devices < 2 || o.max_place_devices > o.max_devices_per_ip) {
    return absl::InvalidArgumentError(
        "max_place_devices must be in [2, max_devices_per_ip]");
  }
  if (!(o.threshold > 0 && o.threshold < 1)) {
    return absl::InvalidArgumentError("threshold must be in (0, 1)");
  }
  if (o.max_partners_per_device < 1) {
    return absl::InvalidArgumentError("max_partners_per_device must be >= 1");
  }
  if (o.max_threads < 0) return absl::InvalidArgumentError("max_threads must be >= 0");
  const ColocationModel& m = o.model;
  if (!(m.min_persons_per_ip >= 1) || !(m.devices_per_person > 0) ||
      !(m.max_prior > 0 && m.max_prior < 1) || !(m.second_place_rate > 0)) {
    return absl::InvalidArgumentError(
        "model: min_persons_per_ip >= 1, devices_per_person > 0, max_prior in "
        "(0, 1) and second_place_rate > 0 are required");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ColocationLink>> MatchColocation(
    absl::Span<const DeviceSighting> sightings,
    absl::Span<const std::string> user_agents, const ColocationOptions& options,
    ColocationStats* stats) {
  absl::Status status = ValidateColocationOptions(options);
  if (!status.ok()) return status;
  ColocationStats local_stats;
  Run run(options, local_stats);
  std::vector<ColocationLink> links;
  tbb::task_arena arena = ThreadArena(options.max_threads);
  arena.execute([&] {
    status = run.Ingest(sightings, user_agents);
    if (!status.ok()) return;
    run.Index();
    run.Pairs();
    links = run.Score();
  });
  if (!status.ok()) return status;
  if (stats != nullptr) *stats = local_stats;
  return links;
}

}  // namespace idstitch
