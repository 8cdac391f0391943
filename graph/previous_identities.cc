#include "graph/previous_identities.h"

#include "absl/strings/str_cat.h"

namespace idstitch {

absl::StatusOr<PreviousIdentities::IdIndex> PreviousIdentities::AddId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("empty identity_id");
  if (id.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity_id of ", id.size(), " bytes (at most ", kMaxIdLength, ")"));
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
