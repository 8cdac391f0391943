// File: graph/previous_identities.h
// What a previous run's map said, for keeping identity IDs across runs: the
// previous ID of each identifier this run saw, every previous ID (seen in this
// run or not, so that a fresh ID never reuses one) and each ID's first_seen.
// IDs are numbered densely in the order they were first added; assignment
// (graph/identity_assignment.h) works on those numbers and reads an ID's text
// only to order survivors and to print it. A million-identifier map as
// string-keyed hash maps made a --previous run cost twice a fresh one.
// Thread safety: const methods may run concurrently; the rest need exclusive
// access.
#ifndef IDSTITCH_GRAPH_PREVIOUS_IDENTITIES_H_
#define IDSTITCH_GRAPH_PREVIOUS_IDENTITIES_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/identifier_dictionary.h"
#include "resolver/prefetch.h"
#include "resolver/types.h"

namespace idstitch {

class PreviousIdentities {
 public:
  // The number of a previous ID (AddId's result).
  using IdIndex = uint32_t;
  static constexpr IdIndex kNoId = UINT32_MAX;
  // Longest ID accepted, in bytes (IDs this engine writes have 19).
  static constexpr size_t kMaxIdLength = 4096;

  // `node_count`: the size of this run's dictionary (a hint).
  explicit PreviousIdentities(size_t node_count = 0) : id_of_node_(node_count, kNoId) {}

  // Records `id` as an ID of the previous map and returns its number (the
  // same number for the same text). InvalidArgument if `id` is empty, longer
  // than kMaxIdLength, not UTF-8 or holds a control character.
  absl::StatusOr<IdIndex> AddId(std::string_view id);
  // Identifier `node` (a NodeId of this run's dictionary) had ID `index`.
  void SetIdOfNode(NodeId node, IdIndex index);
  // ID `index` was first seen at `ts` (Unix seconds). Never set: unknown,
  // which counts as younger than any known time.
  void SetFirstSeen(IdIndex index, int64_t ts) { first_seen_[index] = ts; }

  // Hints that SetIdOfNode(node, ...) comes soon (a loader's rows name
  // nodes in no useful order).
  void PrefetchNode(NodeId node) const {
    if (node < id_of_node_.size()) PrefetchForRead(id_of_node_.data() + node);
  }

  std::optional<IdIndex> Find(std::string_view id) const;
  // kNoId if `node` had no previous ID.
  IdIndex id_of_node(NodeId node) const {
    return node < id_of_node_.size() ? id_of_node_[node] : kNoId;
  }
  std::string_view id(IdIndex index) const { return ids_.value(index); }
  int64_t first_seen(IdIndex index) const { return first_seen_[index]; }
  size_t id_count() const { return ids_.size(); }

 private:
  // The ID texts, interned under one type: dense numbers, one arena, an
  // XXH3-keyed table.
  static constexpr TypeId kIdType = 0;
  IdentifierDictionary ids_;
  std::vector<int64_t> first_seen_;     // per IdIndex
  std::vector<IdIndex> id_of_node_;     // per NodeId; grows on demand
};

}  // namespace idstitch

#endif  // IDSTITCH_GRAPH_PREVIOUS_IDENTITIES_H_
