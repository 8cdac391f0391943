// File: graph/incremental_graph.h
// The identity graph kept current one record at a time, for the service.
// It applies the batch graph's rules (identity_graph.h) to each new link as
// it arrives: a link touching a quarantined hub is not applied, a link inside
// one identity is redundant, a merge that would break a per-identity limit is
// refused, anything else joins two identities (the older identity's ID
// survives: earliest first_seen, then the smaller ID). A record's new links
// are applied in the canonical order. Where batch and incremental can differ
// is where order decides (a limit reached by different links first, a hub
// discovered after its links were applied); an identifier that becomes a hub
// is quarantined and its identity recomputed without it.
// Erase() removes an identifier and its links and recomputes its identity
// from the links that remain: the largest part keeps the ID, the others get
// new ones. Every operation reports its identity changes, and the graph keeps
// a dirty set (nodes, links, erased keys) that the store persists.
// Thread safety: const methods may run concurrently with each other; the
// mutating ones need exclusive access (the service holds a lock).
#ifndef IDSTITCH_GRAPH_INCREMENTAL_GRAPH_H_
#define IDSTITCH_GRAPH_INCREMENTAL_GRAPH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "graph/identifier_dictionary.h"
#include "graph/identity_graph.h"
#include "graph/union_find.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {

enum class ServiceChangeKind : uint8_t { kCreated, kMerged, kSplit, kErased };

// One entry of the change feed. Values of erased identifiers never appear.
struct ServiceChange {
  ServiceChangeKind kind = ServiceChangeKind::kCreated;
  std::string identity_id;          // created/merged: the survivor; split/erased: the old ID
  std::vector<std::string> others;  // merged: IDs merged away; split: IDs of the new parts
};

// Per-identifier activity: when it was seen, and how many records it anchored.
struct NodeActivity {
  int64_t first_seen = kNoTimestamp;
  int64_t last_seen = kNoTimestamp;
  uint64_t records = 0;
};

// A link between two nodes with the record evidence behind it.
struct GraphLink {
  Link link;
  LinkSeen seen;
  LinkOutcome outcome = LinkOutcome::kApplied;
  bool alive = true;
  bool pending = false;  // added by the record being applied, not yet decided
};

// The ends of a link removed by an erasure, by value (the store's key).
struct RemovedLink {
  TypeId type_a = 0;
  std::string value_a;
  TypeId type_b = 0;
  std::string value_b;
  uint8_t matcher = 0;
};

// A record's contribution: its identifiers (normalized, in Record order) and
// the links the matchers found between them, by slot.
struct RecordLinks {
  uint8_t matcher = 0;
  uint8_t from_slot = 0;
  uint8_t to_slot = 0;
};

struct ApplyResult {
  std::string identity_id;          // the identity of the record's anchor
  std::vector<std::string> merged;  // IDs merged into it by this record
  bool created = false;             // the anchor's identity was new
};

class IncrementalGraph {
 public:
  // `matcher_kinds` and `matcher_scores` are indexed by matcher id.
  IncrementalGraph(const IdentifierTypeRegistry& types, std::vector<LinkKind> matcher_kinds,
                   std::vector<float> matcher_scores);

  // Adds one record. REQUIRES: identifiers non-empty, sorted as Record's are.
  ApplyResult AddRecord(absl::Span<const Identifier> identifiers, int64_t ts,
                        absl::Span<const RecordLinks> links, std::vector<ServiceChange>* changes);

  // Removes an identifier, its links and activity; recomputes its identity.
  // False if it is not in the graph.
  bool Erase(TypeId type, std::string_view value, std::vector<ServiceChange>* changes);

  // Lookups (alive identifiers only).
  std::optional<NodeId> Find(TypeId type, std::string_view value) const;
  const std::string& IdentityIdOf(NodeId node) const;
  // The identity's members, canonical order (type priority, type name, value).
  std::vector<NodeId> MembersOf(NodeId node) const;
  // Root of a live identity ID, or nullopt (merged away: see SurvivorOf).
  std::optional<NodeId> RootOfId(std::string_view identity_id) const;
  // For an ID merged away (or split off and then merged), the live ID that
  // holds its members now; nullopt if the ID was never issued.
  std::optional<std::string> SurvivorOf(std::string_view identity_id) const;
  NodeActivity IdentityActivity(NodeId node) const;
  // Live links with `node` at either end.
  std::vector<const GraphLink*> IncidentLinks(NodeId node) const;
  // Live links of the identity of `node`, each once (for explain).
  std::vector<const GraphLink*> LinksOf(NodeId node) const;
  bool quarantined(NodeId node) const { return quarantined_[node]; }

  const IdentifierDictionary& dictionary() const { return dictionary_; }
  const IdentifierTypeRegistry& types() const { return types_; }
  size_t num_identifiers() const { return alive_count_; }
  size_t num_identities() const { return root_id_.size(); }
  // Identities merged into another (not counting new identifiers joining).
  uint64_t merges() const { return merges_; }
  uint64_t refused_merges() const { return refused_; }

  // --- Persistence -------------------------------------------------------
  // What changed since the last TakeDirty(): nodes whose identity ID or
  // activity changed, links added or updated, identifiers erased (their
  // keys), and identity IDs retired into another (old -> survivor).
  struct Dirty {
    std::vector<NodeId> nodes;
    std::vector<uint32_t> links;  // indices for link(i)
    std::vector<std::pair<TypeId, std::string>> erased;
    std::vector<RemovedLink> removed_links;
    std::vector<std::pair<std::string, std::string>> retired;
    std::vector<std::string> issued;  // new identity IDs
  };
  Dirty TakeDirty();
  // Every live row, as if all were dirty (to persist a seeded graph).
  Dirty Everything() const;
  const GraphLink& link(uint32_t index) const { return links_[index]; }
  const NodeActivity& activity(NodeId node) const { return activity_[node]; }
  bool alive(NodeId node) const { return alive_[node]; }

  // Rebuilding from a store: identifiers with their identity ID and
  // activity, then links, then retired IDs and every ID ever issued.
  // Call FinishRestore() after the last one.
  void RestoreNode(TypeId type, std::string_view value, const std::string& identity_id,
                   const NodeActivity& activity, bool quarantined);
  void RestoreLink(TypeId type_a, std::string_view value_a, TypeId type_b,
                   std::string_view value_b, const Link& fields, const LinkSeen& seen,
                   LinkOutcome outcome);
  void RestoreRetired(const std::string& old_id, const std::string& survivor);
  // An identity's activity known only as a whole (a batch run's
  // identities.jsonl): credited to its canonical member. False if the ID is
  // not a live identity.
  bool RestoreIdentityActivity(std::string_view identity_id, const NodeActivity& activity);
  void RestoreIssued(const std::string& id);
  void FinishRestore();

 private:
  NodeId Intern(const Identifier& id);
  void Revive(NodeId node);
  uint32_t AddOrUpdateLink(NodeId a, NodeId b, uint8_t matcher, int64_t ts, bool* added);
  // Applies one new link with the batch rules; returns true if it merged.
  bool ApplyLink(uint32_t index, std::vector<ServiceChange>* changes,
                 std::vector<std::string>* merged_ids);
  bool BecomesHub(NodeId node, TypeId neighbor_type) const;
  void Quarantine(NodeId node, std::vector<ServiceChange>* changes);
  // Recomputes the identity that held `members` (one whole set) from their
  // live links; the largest part keeps `old_id`.
  void Recompute(std::vector<NodeId> members, const std::string& old_id,
                 std::vector<ServiceChange>* changes);
  NodeId Merge(NodeId root_a, NodeId root_b);
  int LimitViolation(NodeId root_a, NodeId root_b) const;
  std::string FreshId(NodeId canonical);
  NodeId Canonical(const std::vector<NodeId>& members) const;
  bool MemberLess(NodeId x, NodeId y) const;
  void SetRootId(NodeId root, std::string id);
  void MarkMembersDirty(NodeId root);

  const IdentifierTypeRegistry types_;
  std::vector<LinkKind> matcher_kinds_;
  std::vector<float> matcher_scores_;
  std::vector<int> limited_index_;  // per type, -1 if unlimited
  std::vector<uint32_t> limits_;

  IdentifierDictionary dictionary_;
  UnionFind forest_;
  std::vector<bool> alive_;
  std::vector<bool> quarantined_;
  std::vector<NodeActivity> activity_;
  std::vector<std::vector<uint32_t>> adjacency_;    // link indices per node
  std::vector<std::vector<NodeId>> members_;        // at roots
  std::vector<NodeActivity> identity_activity_;     // at roots
  std::vector<uint32_t> limit_counts_;              // node-major, at roots
  std::vector<GraphLink> links_;
  absl::flat_hash_map<std::tuple<NodeId, NodeId, uint8_t>, uint32_t> link_index_;
  absl::flat_hash_map<NodeId, std::string> root_id_;
  absl::flat_hash_map<std::string, NodeId> id_root_;
  absl::flat_hash_map<std::string, std::string> retired_;  // old -> the ID it went into
  absl::flat_hash_set<std::string> issued_;
  size_t alive_count_ = 0;
  uint64_t merges_ = 0;
  uint64_t refused_ = 0;
  absl::flat_hash_set<NodeId> dirty_nodes_;
  absl::flat_hash_set<uint32_t> dirty_links_;
  Dirty dirty_;
};

}  // namespace idstitch

#endif  // IDSTITCH_GRAPH_INCREMENTAL_GRAPH_H_
