// File: graph/identity_assignment.h
// Turns the identity graph's components into identities with stable IDs.
// An identity's ID derives from its canonical member (the member with the
// lowest type priority, then type name, then value) hashed with XXH3 and a
// fixed seed, so the same input gives the same IDs in every run. Given the
// previous run's map, an identity keeps the ID it had; when identities merge,
// the oldest ID survives (earliest first_seen, then the smaller ID); when an
// identity splits, the part holding most of its old members keeps the ID and
// the other parts get new ones. Every such move is reported as a change.
// Thread safety: pure functions; AssignIdentities runs parallel loops in the
// caller's TBB arena.
#ifndef IDSTITCH_GRAPH_IDENTITY_ASSIGNMENT_H_
#define IDSTITCH_GRAPH_IDENTITY_ASSIGNMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "graph/identifier_dictionary.h"
#include "graph/previous_identities.h"
#include "graph/union_find.h"
#include "resolver/identifier_types.h"

namespace idstitch {

struct Identity {
  std::string id;
  NodeId canonical = 0;
  // New to this run: none of its members was in the previous run's map (so
  // every identity of a run without one). changes.jsonl says "new" for it.
  bool is_new = false;
  std::vector<NodeId> members;  // canonical order: priority, type name, value
};

enum class ChangeKind { kNew, kMerged, kSplit };

struct IdentityChange {
  ChangeKind kind = ChangeKind::kNew;
  std::string identity_id;           // new: the ID; merged: the survivor; split: the old ID
  std::vector<std::string> others;   // merged: IDs merged away; split: new IDs of the parts
  std::string kept_by;               // split: the identity that kept the most members
};

struct IdentityAssignment {
  std::vector<Identity> identities;          // sorted by id
  std::vector<uint32_t> identity_of_node;    // index into identities
  // Merges and splits, sorted by (kind, identity_id). New identities are
  // flagged in `identities` instead: a fresh run of ten million events would
  // otherwise copy 1.4M IDs into change records.
  std::vector<IdentityChange> changes;
};

// The ID an identity whose canonical member is (type_name, value) gets when
// nothing else decides: "id-" and 16 hex digits. `salt` > 0 only to resolve
// the (astronomically rare) case of two identities hashing alike.
std::string DeriveIdentityId(std::string_view type_name, std::string_view value,
                             uint32_t salt = 0);
// Its two halves: the 64-bit hash, and "id-" + 16 lowercase hex digits of it.
uint64_t IdentityIdHash(std::string_view type_name, std::string_view value, uint32_t salt);
std::string FormatIdentityId(uint64_t hash);

// The canonical member order: type priority, then type name, then value.
// An identity's canonical member (whose key names it) is its first.
bool CanonicalMemberLess(const IdentifierDictionary& dictionary,
                         const IdentifierTypeRegistry& types, NodeId x, NodeId y);

IdentityAssignment AssignIdentities(const IdentifierDictionary& dictionary,
                                    const IdentifierTypeRegistry& types,
                                    UnionFind& components,
                                    const PreviousIdentities* previous);

}  // namespace idstitch

#endif  // IDSTITCH_GRAPH_IDENTITY_ASSIGNMENT_H_
