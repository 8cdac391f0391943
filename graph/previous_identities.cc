#include "graph/previous_identities.h"

#include <simdjson.h>

#include "absl/strings/str_cat.h"

namespace idstitch {

absl::StatusOr<PreviousIdentities::IdIndex> PreviousIdentities::AddId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("empty identity_id");
  if (id.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity_id of ", id.size(), " bytes (at most ", kMaxIdLength, ")"));
  }
  // The ID goes into JSON outputs (which need UTF-8) and into maps that
  // other readers split by line.
  if (!simdjson::validate_utf8(id.data(), id.size())) {
    return absl::InvalidArgumentError("identity_id is not valid UTF-8");
  }
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return absl::InvalidArgumentError("identity_id holds a control character");
  }
  const IdIndex index = ids_.Intern(kIdType, id);
  if (index == first_seen_.size()) first_seen_.push_back(kNoTimestamp);
  return index;
}

void PreviousIdentities::SetIdOfNode(NodeId node, IdIndex index) {
  if (node >= id_of_node_.size()) id_of_node_.resize(node + 1, kNoId);
  id_of_node_[node] = index;
}

std::optional<PreviousIdentities::IdIndex> PreviousIdentities::Find(std::string_view id) const {
  return ids_.Find(kIdType, id);
}

}  // namespace idstitch
