// File: matchers/colocation_input.h
// Collects the co-location matcher's input while records stream by: one
// DeviceSighting per (device identifier, record) with an IP, the IP hashed
// (HashIp) and the user agent interned. Memory: 24 bytes per sighting plus
// each distinct agent string once. The lead's ingest calls Add() for every
// record that has a device identifier and an `ip`, then hands sightings()
// and user_agents() to MatchColocation().
#ifndef IDSTITCH_MATCHERS_COLOCATION_INPUT_H_
#define IDSTITCH_MATCHERS_COLOCATION_INPUT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "matchers/colocation_matcher.h"

namespace idstitch {

// Thread safety: not thread-safe; one writer (ingest absorbs in input order).
class ColocationInput {
 public:
  explicit ColocationInput(uint64_t ip_hash_seed = kDefaultIpHashSeed)
      : ip_hash_seed_(ip_hash_seed) {}

  // Records that `device` was seen on `ip` at `ts` (Unix seconds or
  // kNoTimestamp) with `user_agent` (empty: none). Returns false, recording
  // nothing, when `ip` is empty: a sighting without an IP says nothing about
  // co-location.
  bool Add(NodeId device, std::string_view ip, int64_t ts,
           std::string_view user_agent);

  absl::Span<const DeviceSighting> sightings() const { return sightings_; }
  absl::Span<const std::string> user_agents() const { return user_agents_; }
  size_t size() const { return sightings_.size(); }

 private:
  uint64_t ip_hash_seed_;
  std::vector<DeviceSighting> sightings_;
  std::vector<std::string> user_agents_;
  absl::flat_hash_map<std::string, uint32_t> agent_ids_;
};

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_COLOCATION_INPUT_H_
