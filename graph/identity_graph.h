// File: graph/identity_graph.h
// Merges accepted links into identities (connected components) with merge
// protection, as customer-data platforms do:
//  - hubs: an identifier linked to more distinct identifiers of one type than
//    that type's hub_cap (a kiosk tablet, a shared test card) is quarantined;
//    its links are not applied and it stays an identity of its own. Only
//    neighbor types at least as trusted (priority <= the node's) count;
//    less trusted neighbors beyond a limit are refused by the limits instead;
//  - limits: a merge that would put more identifiers of a type into one
//    identity than the type's max_per_identity is refused and recorded;
//  - order: links are applied in a canonical order (deterministic before
//    probabilistic, then by the better type priority of the two ends, then the
//    other end's, then score, then the identifiers' hashes and values), so the
//    result depends neither on input order nor on thread count.
// Thread safety: Build() is a pure function of its inputs; its sorts run in
// parallel in the caller's TBB arena.
#ifndef IDSTITCH_GRAPH_IDENTITY_GRAPH_H_
#define IDSTITCH_GRAPH_IDENTITY_GRAPH_H_

#include <cstdint>
#include <vector>

#include "graph/identifier_dictionary.h"
#include "graph/union_find.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {

// A link the graph would not apply because of a per-identity limit.
struct RefusedMerge {
  Link link;
  TypeId limited_type = 0;  // the type whose limit the merge would exceed
  uint32_t count_a = 0;     // identifiers of that type on a's side
  uint32_t count_b = 0;     // ... and on b's side
};

// A quarantined hub identifier.
struct Hub {
  NodeId node = 0;
  TypeId neighbor_type = 0;     // the type whose hub_cap it exceeds
  uint32_t distinct_neighbors = 0;
};

// What the graph did with one link.
enum class LinkOutcome : uint8_t {
  kApplied,    // joined two identities
  kRedundant,  // both ends were already in one identity
  kRefused,    // would break a per-identity limit
  kHub,        // an end is a quarantined hub
};

struct IdentityGraphResult {
  UnionFind components;
  std::vector<LinkOutcome> outcomes;  // parallel to the sorted links
  std::vector<RefusedMerge> refused;
  std::vector<Hub> hubs;      // sorted by node hash
  std::vector<bool> quarantined;  // per node
  uint64_t links_redundant = 0;    // both ends already in one identity
  uint64_t links_skipped_hub = 0;  // an end is a quarantined hub
};

// Whether `x` comes before `y` in the canonical merge order (file comment).
bool CanonicalLinkLess(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                       const Link& x, const Link& y);

// Orients `link` so that `a` is the end with the smaller (hash, type, value).
void OrientLinkCanonically(const IdentifierDictionary& dictionary, Link& link);

// Sorts `links` into the canonical merge order (see file comment) and orients
// each so that `a` is the end with the smaller (hash, type, value). `seen`
// (may be null or empty) is parallel to `links` and is permuted with them.
void SortLinksCanonically(const IdentifierDictionary& dictionary,
                          const IdentifierTypeRegistry& types,
                          std::vector<Link>& links, std::vector<LinkSeen>* seen = nullptr);

// Builds identities over all nodes of `dictionary` from `links`. `links` (and
// `seen`, if given and not empty) are sorted in place into the canonical order.
IdentityGraphResult BuildIdentityGraph(const IdentifierDictionary& dictionary,
                                       const IdentifierTypeRegistry& types,
                                       std::vector<Link>& links,
                                       std::vector<LinkSeen>* seen = nullptr);

}  // namespace idstitch

#endif  // IDSTITCH_GRAPH_IDENTITY_GRAPH_H_
