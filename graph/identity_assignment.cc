#include "graph/identity_assignment.h"

#include <xxhash.h>

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "resolver/parallel_sort.h"
#include "resolver/prefetch.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"
#include "tbb/parallel_sort.h"

namespace idstitch {
namespace {

// Fixed forever: changing it renames every identity of every user.
constexpr uint64_t kIdentityIdSeed = 0x6964737469746368ULL;  // "idstitch"

// Orders identifiers by (type priority, type name, value). Type names are
// distinct, so (priority, name) ranks the types once and the comparison is
// (rank, value): no type-name comparison per call.
class MemberOrder {
 public:
  MemberOrder(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types)
      : dictionary_(dictionary), rank_(types.OrderRanks()) {}
  bool operator()(NodeId x, NodeId y) const {
    const uint8_t rank_x = rank_[dictionary_.type(x)];
    const uint8_t rank_y = rank_[dictionary_.type(y)];
    if (rank_x != rank_y) return rank_x < rank_y;
    return dictionary_.value(x) < dictionary_.value(y);
  }

 private:
  const IdentifierDictionary& dictionary_;
  std::vector<uint8_t> rank_;  // per TypeId; at most 255 types
};

// Canonical order of identities, independent of NodeIds (canonical members
// are distinct, so any correct sort gives this one order).
void SortCanonically(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                     std::vector<Identity>& identities) {
  MemberOrder order(dictionary, types);
  tbb::parallel_sort(identities.begin(), identities.end(),
                     [&](const Identity& x, const Identity& y) {
                       return order(x.canonical, y.canonical);
                     });
}

// Identities (members sorted, canonical member set) in an unspecified order.
std::vector<Identity> GroupComponents(const IdentifierDictionary& dictionary,
                                      const IdentifierTypeRegistry& types,
                                      UnionFind& components) {
  // Find() compresses paths, so this pass is serial; the sorts after it are not.
  std::vector<uint32_t> index_of_root(dictionary.size(), UINT32_MAX);
  std::vector<uint32_t> index_of_node(dictionary.size());
  std::vector<uint32_t> sizes;
  for (NodeId node = 0; node < dictionary.size(); ++node) {
    NodeId root = components.Find(node);
    if (index_of_root[root] == UINT32_MAX) {
      index_of_root[root] = static_cast<uint32_t>(sizes.size());
      sizes.push_back(0);
    }
    index_of_node[node] = index_of_root[root];
    ++sizes[index_of_root[root]];
  }
  std::vector<Identity> identities(sizes.size());
  for (size_t i = 0; i < identities.size(); ++i) identities[i].members.reserve(sizes[i]);
  for (NodeId node = 0; node < dictionary.size(); ++node) {
    identities[index_of_node[node]].members.push_back(node);
  }
  MemberOrder order(dictionary, types);
  tbb::parallel_for(size_t{0}, identities.size(), [&](size_t i) {
    Identity& identity = identities[i];
    std::sort(identity.members.begin(), identity.members.end(), order);
    identity.canonical = identity.members.front();
  });
  return identities;
}

// Fresh IDs for a run without a previous map: every identity's salt-0 ID,
// derived in parallel, and the identities put in ID order (sorting the
// hashes: FormatIdentityId is fixed-width hex, so hash order is ID order).
// False (nothing changed) if two of them coincide; the caller then allocates
// one by one, which resolves the tie by salt in canonical order.
bool AssignUnsaltedIds(const IdentifierDictionary& dictionary,
                       const IdentifierTypeRegistry& types, std::vector<Identity>& identities) {
  std::vector<std::pair<uint64_t, uint32_t>> by_hash(identities.size());
  tbb::parallel_for(size_t{0}, identities.size(), [&](size_t i) {
    const NodeId canonical = identities[i].canonical;
    by_hash[i] = {IdentityIdHash(types.spec(dictionary.type(canonical)).name,
                                 dictionary.value(canonical), 0),
                  static_cast<uint32_t>(i)};
  });
  // Hash, then index: a total order (equal hashes are caught just below).
  ParallelSort(by_hash.begin(), by_hash.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second < y.second;
  });
  for (size_t i = 1; i < by_hash.size(); ++i) {
    if (by_hash[i].first == by_hash[i - 1].first) return false;
  }
  std::vector<Identity> sorted(identities.size());
  // A gather from random places: identities a few ahead are fetched early.
  constexpr size_t kPrefetchAhead = 8;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, identities.size(), 4096),
                    [&](const tbb::blocked_range<size_t>& range) {
    for (size_t i = range.begin(); i < range.end(); ++i) {
      if (i + kPrefetchAhead < range.end()) {
        PrefetchForRead(&identities[by_hash[i + kPrefetchAhead].second]);
      }
      sorted[i] = std::move(identities[by_hash[i].second]);
      sorted[i].id = FormatIdentityId(by_hash[i].first);
    }
  });
  identities.swap(sorted);
  return true;
}

class IdAllocator {
 public:
  IdAllocator(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
              const PreviousIdentities* previous)
      : dictionary_(dictionary), types_(types) {
    if (previous == nullptr) return;
    for (const auto& [node, id] : previous->id_of_node) used_.insert(id);
    for (const auto& [id, first_seen] : previous->first_seen) used_.insert(id);
    used_.insert(previous->all_ids.begin(), previous->all_ids.end());
  }

  std::string Fresh(const Identity& identity) {
    const std::string& type_name = types_.spec(dictionary_.type(identity.canonical)).name;
    for (uint32_t salt = 0;; ++salt) {
      std::string id =
          DeriveIdentityId(type_name, dictionary_.value(identity.canonical), salt);
      if (used_.insert(id).second) return id;
    }
  }

 private:
  const IdentifierDictionary& dictionary_;
  const IdentifierTypeRegistry& types_;
  absl::flat_hash_set<std::string> used_;
};

// Assigns IDs when a previous map exists; see the file comment for the rules.
void AssignWithPrevious(const PreviousIdentities& previous, IdAllocator& ids,
                        std::vector<Identity>& identities,
                        std::vector<IdentityChange>& changes) {
  // members of each previous ID per identity (identities are in canonical
  // order, so "first with the most" is a deterministic tie-break).
  absl::flat_hash_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> parts;
  for (uint32_t index = 0; index < identities.size(); ++index) {
    absl::flat_hash_map<std::string, uint32_t> counts;
    for (NodeId node : identities[index].members) {
      auto it = previous.id_of_node.find(node);
      if (it != previous.id_of_node.end()) ++counts[it->second];
    }
    for (const auto& [id, count] : counts) parts[id].emplace_back(index, count);
  }
  std::vector<std::vector<std::string>> claims(identities.size());
  std::vector<bool> has_previous(identities.size(), false);
  for (auto& [id, id_parts] : parts) {
    std::sort(id_parts.begin(), id_parts.end());
    auto best = std::max_element(id_parts.begin(), id_parts.end(),
                                 [](const auto& x, const auto& y) { return x.second < y.second; });
    claims[best->first].push_back(id);
    for (const auto& part : id_parts) has_previous[part.first] = true;
  }
  auto older = [&](const std::string& x, const std::string& y) {
    auto age = [&](const std::string& id) {
      auto it = previous.first_seen.find(id);
      return it == previous.first_seen.end() || it->second == kNoTimestamp
                 ? INT64_MAX : it->second;
    };
    return std::make_pair(age(x), x) < std::make_pair(age(y), y);
  };
  for (uint32_t index = 0; index < identities.size(); ++index) {
    std::vector<std::string>& claimed = claims[index];
    if (claimed.empty()) {
      identities[index].id = ids.Fresh(identities[index]);
      identities[index].is_new = !has_previous[index];
      continue;
    }
    std::sort(claimed.begin(), claimed.end(), older);
    identities[index].id = claimed.front();
    if (claimed.size() > 1) {
      changes.push_back({ChangeKind::kMerged, claimed.front(),
                         std::vector<std::string>(claimed.begin() + 1, claimed.end()), ""});
    }
  }
  for (auto& [id, id_parts] : parts) {
    if (id_parts.size() < 2) continue;
    IdentityChange split{ChangeKind::kSplit, id, {}, ""};
    auto best = std::max_element(id_parts.begin(), id_parts.end(),
                                 [](const auto& x, const auto& y) { return x.second < y.second; });
    split.kept_by = identities[best->first].id;
    for (const auto& part : id_parts) {
      if (part.first != best->first) split.others.push_back(identities[part.first].id);
    }
    std::sort(split.others.begin(), split.others.end());
    changes.push_back(std::move(split));
  }
}

}  // namespace

uint64_t IdentityIdHash(std::string_view type_name, std::string_view value, uint32_t salt) {
  // "type:value", on the stack when it fits: a fresh run hashes one per
  // identity, and most keys are short.
  const size_t size = type_name.size() + 1 + value.size();
  absl::InlinedVector<char, 128> key(size);
  char* end = std::copy(type_name.begin(), type_name.end(), key.data());
  *end++ = ':';
  std::copy(value.begin(), value.end(), end);
  return XXH3_64bits_withSeed(key.data(), size, kIdentityIdSeed + salt);
}

std::string FormatIdentityId(uint64_t hash) {
  // "id-%016x" by hand: a fresh run formats one per identity.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "id-0000000000000000";
  for (size_t at = id.size(); at > 3; hash >>= 4) id[--at] = kHex[hash & 0xf];
  return id;
}

std::string DeriveIdentityId(std::string_view type_name, std::string_view value,
                             uint32_t salt) {
  return FormatIdentityId(IdentityIdHash(type_name, value, salt));
}

bool CanonicalMemberLess(const IdentifierDictionary& dictionary,
                         const IdentifierTypeRegistry& types, NodeId x, NodeId y) {
  // MemberOrder's order without its per-type ranking (built once per sort).
  const IdentifierTypeSpec& spec_x = types.spec(dictionary.type(x));
  const IdentifierTypeSpec& spec_y = types.spec(dictionary.type(y));
  return std::tie(spec_x.priority, spec_x.name) < std::tie(spec_y.priority, spec_y.name) ||
         (dictionary.type(x) == dictionary.type(y) && dictionary.value(x) < dictionary.value(y));
}

IdentityAssignment AssignIdentities(const IdentifierDictionary& dictionary,
                                    const IdentifierTypeRegistry& types,
                                    UnionFind& components,
                                    const PreviousIdentities* previous) {
  IdentityAssignment result;
  result.identities = GroupComponents(dictionary, types, components);
  // IDs are unique, and so are (kind, identity_id) of changes: any correct
  // sort gives one order.
  auto by_id = [](const Identity& x, const Identity& y) { return x.id < y.id; };
  const bool fresh = previous == nullptr;
  if (!fresh) {
    SortCanonically(dictionary, types, result.identities);
    IdAllocator ids(dictionary, types, previous);
    AssignWithPrevious(*previous, ids, result.identities, result.changes);
    tbb::parallel_sort(result.identities.begin(), result.identities.end(), by_id);
  } else if (!AssignUnsaltedIds(dictionary, types, result.identities)) {
    SortCanonically(dictionary, types, result.identities);
    IdAllocator ids(dictionary, types, nullptr);
    for (Identity& identity : result.identities) identity.id = ids.Fresh(identity);
    tbb::parallel_sort(result.identities.begin(), result.identities.end(), by_id);
  }
  result.identity_of_node.assign(dictionary.size(), 0);
  tbb::parallel_for(uint32_t{0}, static_cast<uint32_t>(result.identities.size()),
                    [&](uint32_t index) {
                      for (NodeId node : result.identities[index].members) {
                        result.identity_of_node[node] = index;
                      }
                    });
  if (fresh) {
    for (Identity& identity : result.identities) identity.is_new = true;
  } else {
    tbb::parallel_sort(result.changes.begin(), result.changes.end(),
                       [](const IdentityChange& x, const IdentityChange& y) {
                         return std::tie(x.kind, x.identity_id) < std::tie(y.kind, y.identity_id);
                       });
  }
  return result;
}

}  // namespace idstitch
