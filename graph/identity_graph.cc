#include "graph/identity_graph.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <tuple>

#include "resolver/parallel_sort.h"
#include "resolver/prefetch.h"
#include "tbb/parallel_for.h"

namespace idstitch {
namespace {

// A link's place in the canonical order, precomputed so the comparator
// touches no strings unless two hashes are equal. 32 bytes with the link's
// index (at ten million events the sort moves 3.5M of them): kind, the two
// priorities (as ranks) and the score (descending) share one word.
struct LinkOrderKey {
  uint64_t head;  // kind << 56 | low priority rank << 48 | high rank << 40 | score << 8
  uint64_t hash_low;
  uint64_t hash_high;
  uint32_t index;   // of the link in the unsorted vector
  uint8_t matcher;
  bool b_first;  // b is the canonically smaller end: orient by swapping
};
static_assert(sizeof(LinkOrderKey) == 32);

// A type's priority as a rank: how many types have a lower priority. Ranks
// order (and tie) exactly as the priorities do, and fit 8 bits (at most 256
// types). Computed without allocating: CanonicalLinkLess needs two per call.
uint8_t PriorityRank(const IdentifierTypeRegistry& types, TypeId type) {
  const int priority = types.spec(type).priority;
  size_t lower = 0;
  for (TypeId other = 0; other < types.size(); ++other) lower += types.spec(other).priority < priority;
  return static_cast<uint8_t>(lower);
}

// Every type's PriorityRank, for sorting many links.
std::vector<uint8_t> PriorityRanks(const IdentifierTypeRegistry& types) {
  std::vector<uint8_t> ranks(types.size());
  for (TypeId type = 0; type < types.size(); ++type) ranks[type] = PriorityRank(types, type);
  return ranks;
}

// 32 bits that order as the scores do, descending (-0 as +0, as floats compare).
uint32_t DescendingScoreBits(float score) {
  if (score == 0.0f) score = 0.0f;
  uint32_t bits;
  std::memcpy(&bits, &score, sizeof(bits));
  const uint32_t ascending = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  return ~ascending;
}

// Identifiers ordered by (hash, type, value): never by NodeId, which depends
// on input order.
bool NodeLess(const IdentifierDictionary& dictionary, NodeId x, NodeId y) {
  return std::make_tuple(dictionary.hash(x), dictionary.type(x), dictionary.value(x)) <
         std::make_tuple(dictionary.hash(y), dictionary.type(y), dictionary.value(y));
}

// `rank_a` / `rank_b`: PriorityRank of the two ends' types.
LinkOrderKey MakeOrderKey(const IdentifierDictionary& dictionary, uint8_t rank_a, uint8_t rank_b,
                          const Link& link, uint32_t index) {
  uint64_t hash_a = dictionary.hash(link.a);
  uint64_t hash_b = dictionary.hash(link.b);
  bool b_first = hash_b < hash_a || (hash_b == hash_a && NodeLess(dictionary, link.b, link.a));
  const uint64_t head = uint64_t{static_cast<uint8_t>(link.kind)} << 56 |
                        uint64_t{std::min(rank_a, rank_b)} << 48 |
                        uint64_t{std::max(rank_a, rank_b)} << 40 |
                        uint64_t{DescendingScoreBits(link.score)} << 8;
  return {head, std::min(hash_a, hash_b), std::max(hash_a, hash_b), index, link.matcher, b_first};
}

std::vector<bool> FindHubs(const IdentifierDictionary& dictionary,
                           const IdentifierTypeRegistry& types,
                           const std::vector<Link>& links, std::vector<Hub>* hubs) {
  // Distinct (node, neighbor) pairs, then neighbors counted per (node, type).
  // Packed as node << 32 | neighbor: one integer compare per step of the sort.
  std::vector<uint64_t> edges;
  edges.reserve(links.size() * 2);
  for (const Link& link : links) {
    edges.push_back(uint64_t{link.a} << 32 | link.b);
    edges.push_back(uint64_t{link.b} << 32 | link.a);
  }
  ParallelSort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  auto node_of = [](uint64_t edge) { return static_cast<NodeId>(edge >> 32); };
  auto neighbor_of = [](uint64_t edge) { return static_cast<NodeId>(edge); };

  // Each node's distinct neighbors are one run of `edges`: count them per
  // neighbor type, then look at the types in increasing order.
  std::vector<bool> quarantined(dictionary.size(), false);
  std::vector<uint32_t> per_type(types.size(), 0);
  std::vector<TypeId> seen_types;
  for (size_t begin = 0; begin < edges.size();) {
    const NodeId node = node_of(edges[begin]);
    size_t end = begin;
    for (; end < edges.size() && node_of(edges[end]) == node; ++end) {
      const TypeId neighbor_type = dictionary.type(neighbor_of(edges[end]));
      if (per_type[neighbor_type]++ == 0) seen_types.push_back(neighbor_type);
    }
    std::sort(seen_types.begin(), seen_types.end());
    for (TypeId neighbor_type : seen_types) {
      const uint32_t count = per_type[neighbor_type];
      per_type[neighbor_type] = 0;
      int cap = types.spec(neighbor_type).hub_cap;
      // Only neighbors at least as trusted as the node make it a hub: a kiosk
      // device with many emails is one, but an account with many churned
      // cookies is a heavy user, whose extra cookies the per-identity limit
      // refuses instead.
      bool counts =
          types.spec(neighbor_type).priority <= types.spec(dictionary.type(node)).priority;
      if (counts && cap > 0 && count > static_cast<uint32_t>(cap) && !quarantined[node]) {
        quarantined[node] = true;
        hubs->push_back({node, neighbor_type, count});
      }
    }
    seen_types.clear();
    begin = end;
  }
  std::sort(hubs->begin(), hubs->end(), [&](const Hub& x, const Hub& y) {
    return NodeLess(dictionary, x.node, y.node);
  });
  return quarantined;
}

// Per-identity counts of the types that have a limit, stored at each root.
class LimitCounter {
 public:
  LimitCounter(const IdentifierDictionary& dictionary,
               const IdentifierTypeRegistry& types)
      : limited_index_(types.size(), -1) {
    for (TypeId type = 0; type < types.size(); ++type) {
      int limit = types.spec(type).max_per_identity;
      if (limit > 0) {
        limited_index_[type] = static_cast<int>(limits_.size());
        limits_.push_back(static_cast<uint32_t>(limit));
        limited_types_.push_back(type);
      }
    }
    counts_.assign(dictionary.size() * limits_.size(), 0);
    for (NodeId node = 0; node < dictionary.size(); ++node) {
      int index = limited_index_[dictionary.type(node)];
      if (index >= 0) counts_[node * limits_.size() + index] = 1;
    }
  }

  // Returns the index of a limit that merging roots x and y would exceed, or -1.
  int Violation(NodeId x, NodeId y) const {
    for (size_t i = 0; i < limits_.size(); ++i) {
      if (count(x, i) + count(y, i) > limits_[i]) return static_cast<int>(i);
    }
    return -1;
  }

  void Merge(NodeId into, NodeId from) {
    for (size_t i = 0; i < limits_.size(); ++i) {
      counts_[into * limits_.size() + i] += counts_[from * limits_.size() + i];
    }
  }

  void Prefetch(NodeId root) const {
    if (!limits_.empty()) PrefetchForRead(counts_.data() + root * limits_.size());
  }

  uint32_t count(NodeId root, size_t index) const {
    return counts_[root * limits_.size() + index];
  }
  TypeId limited_type(size_t index) const { return limited_types_[index]; }

 private:
  std::vector<int> limited_index_;  // per TypeId, -1 if unlimited
  std::vector<uint32_t> limits_;
  std::vector<TypeId> limited_types_;
  std::vector<uint32_t> counts_;  // node-major
};

}  // namespace

namespace {

bool KeyedLinkLess(const IdentifierDictionary& dictionary, const LinkOrderKey& kx, const Link& x,
                   const LinkOrderKey& ky, const Link& y) {
  if (kx.head != ky.head) return kx.head < ky.head;
  if (kx.hash_low != ky.hash_low) return kx.hash_low < ky.hash_low;
  if (kx.hash_high != ky.hash_high) return kx.hash_high < ky.hash_high;
  if (kx.matcher != ky.matcher) return kx.matcher < ky.matcher;
  // Equal 64-bit hashes of different identifiers: order by the full keys.
  auto low = [&](const Link& l) {
    return NodeLess(dictionary, l.a, l.b) ? std::pair(l.a, l.b) : std::pair(l.b, l.a);
  };
  auto [x_low, x_high] = low(x);
  auto [y_low, y_high] = low(y);
  if (x_low != y_low) return NodeLess(dictionary, x_low, y_low);
  return NodeLess(dictionary, x_high, y_high);
}

}  // namespace

bool CanonicalLinkLess(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                       const Link& x, const Link& y) {
  auto key = [&](const Link& link) {
    return MakeOrderKey(dictionary, PriorityRank(types, dictionary.type(link.a)),
                        PriorityRank(types, dictionary.type(link.b)), link, 0);
  };
  return KeyedLinkLess(dictionary, key(x), x, key(y), y);
}

void OrientLinkCanonically(const IdentifierDictionary& dictionary, Link& link) {
  if (NodeLess(dictionary, link.b, link.a)) std::swap(link.a, link.b);
}

void SortLinksCanonically(const IdentifierDictionary& dictionary,
                          const IdentifierTypeRegistry& types,
                          std::vector<Link>& links, std::vector<LinkSeen>* seen) {
  // Keys and indices are sorted, then links gathered: moving 20-byte links
  // (and their seen times) once instead of at every swap.
  const std::vector<uint8_t> ranks = PriorityRanks(types);
  std::vector<LinkOrderKey> keyed(links.size());
  tbb::parallel_for(size_t{0}, links.size(), [&](size_t i) {
    const Link& link = links[i];
    keyed[i] = MakeOrderKey(dictionary, ranks[dictionary.type(link.a)],
                            ranks[dictionary.type(link.b)], link, static_cast<uint32_t>(i));
  });
  // Links are distinct, so the order is total and any correct sort gives it.
  ParallelSort(keyed.begin(), keyed.end(), [&](const LinkOrderKey& x, const LinkOrderKey& y) {
    return KeyedLinkLess(dictionary, x, links[x.index], y, links[y.index]);
  });
  std::vector<Link> sorted(links.size());
  tbb::parallel_for(size_t{0}, links.size(), [&](size_t i) {
    sorted[i] = links[keyed[i].index];
    // Orient every link by (hash, type, value) too: NodeIds follow input
    // order, and a link's ends are printed in links.csv and the report.
    if (keyed[i].b_first) std::swap(sorted[i].a, sorted[i].b);
  });
  links.swap(sorted);
  if (seen != nullptr && !seen->empty()) {
    // Parallel by contract (callers fill both or leave `seen` empty).
    assert(seen->size() == links.size());
    std::vector<LinkSeen> sorted_seen(seen->size());
    for (size_t i = 0; i < keyed.size(); ++i) sorted_seen[i] = (*seen)[keyed[i].index];
    seen->swap(sorted_seen);
  }
}

IdentityGraphResult BuildIdentityGraph(const IdentifierDictionary& dictionary,
                                       const IdentifierTypeRegistry& types,
                                       std::vector<Link>& links,
                                       std::vector<LinkSeen>* seen) {
  IdentityGraphResult result;
  result.components.Resize(dictionary.size());
  result.quarantined = FindHubs(dictionary, types, links, &result.hubs);
  SortLinksCanonically(dictionary, types, links, seen);

  LimitCounter limits(dictionary, types);
  result.outcomes.reserve(links.size());
  // Links are in canonical (hash) order, so their ends are random nodes: the
  // parents of links a few ahead are fetched while this one is decided, then
  // (fewer ahead) the parents' own entries, set sizes and limit counts.
  constexpr size_t kPrefetchParentAhead = 16;
  constexpr size_t kPrefetchRootAhead = 8;
  for (size_t i = 0; i < links.size(); ++i) {
    if (i + kPrefetchParentAhead < links.size()) {
      result.components.Prefetch(links[i + kPrefetchParentAhead].a);
      result.components.Prefetch(links[i + kPrefetchParentAhead].b);
    }
    if (i + kPrefetchRootAhead < links.size()) {
      limits.Prefetch(result.components.PrefetchParent(links[i + kPrefetchRootAhead].a));
      limits.Prefetch(result.components.PrefetchParent(links[i + kPrefetchRootAhead].b));
    }
    const Link& link = links[i];
    if (result.quarantined[link.a] || result.quarantined[link.b]) {
      ++result.links_skipped_hub;
      result.outcomes.push_back(LinkOutcome::kHub);
      continue;
    }
    NodeId root_a = result.components.Find(link.a);
    NodeId root_b = result.components.Find(link.b);
    if (root_a == root_b) {
      ++result.links_redundant;
      result.outcomes.push_back(LinkOutcome::kRedundant);
      continue;
    }
    int violated = limits.Violation(root_a, root_b);
    if (violated >= 0) {
      result.refused.push_back({link, limits.limited_type(violated),
                                limits.count(root_a, violated),
                                limits.count(root_b, violated)});
      result.outcomes.push_back(LinkOutcome::kRefused);
      continue;
    }
    NodeId root = result.components.Union(root_a, root_b);
    limits.Merge(root, root == root_a ? root_b : root_a);
    result.outcomes.push_back(LinkOutcome::kApplied);
  }
  return result;
}

}  // namespace idstitch
