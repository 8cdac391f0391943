#include "matchers/colocation_input.h"


namespace idstitch {

bool ColocationInput::Add(NodeId device, std::string_view ip, int64_t ts,
                          std::string_view user_agent) {
  if (ip.empty()) return false;
  uint32_t agent = kNoUserAgent;
  if (!user_agent.empty()) {
    // Ids follow first appearance; MatchColocation compares agents by text,
    // so this numbering never reaches its output.
    const auto [it, inserted] = agent_ids_.try_emplace(
        std::string(user_agent), static_cast<uint32_t>(user_agents_.size()));
    if (inserted) user_agents_.emplace_back(user_agent);
    agent = it->second;
  }
  sightings_.push_back({device, HashIp(ip, ip_hash_seed_), ts, agent});
  return true;
}

}  // namespace idstitch
