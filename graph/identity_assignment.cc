#include "graph/identity_assignment.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
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

// A sort key for text ordered byte by byte: a rank byte and the text's first
// 15 bytes, zero-padded, as two big-endian words (24 bytes with the index). Keys that differ order as
// the (rank, text) pairs do; equal keys need the full texts compared.
struct PrefixKey {
  uint64_t high;
  uint64_t low;
  uint32_t index;  // of the identity
};

uint64_t BigEndianWord(const unsigned char bytes[8]) {
  uint64_t word = 0;
  for (int i = 0; i < 8; ++i) word = word << 8 | bytes[i];
  return word;
}

PrefixKey MakePrefixKey(uint8_t rank, std::string_view text, uint32_t index) {
  unsigned char bytes[16] = {rank};
  if (!text.empty()) std::memcpy(bytes + 1, text.data(), std::min<size_t>(text.size(), 15));
  return {BigEndianWord(bytes), BigEndianWord(bytes + 8), index};
}

// Puts `identities` in the order of `text(identity)` = (rank, bytes), ties
// (only possible between erased members, whose values are empty) by current
// position: a total order, so the result does not depend on the thread
// count. Sorting 24-byte keys and moving each identity once avoids the
// string comparisons' cache misses on most steps: at ten million events
// they were ~8% of a --previous run's samples.
template <typename Text>
void SortByText(std::vector<Identity>& identities, Text text) {
  std::vector<PrefixKey> keys(identities.size());
  tbb::parallel_for(size_t{0}, identities.size(), [&](size_t i) {
    const auto [rank, bytes] = text(identities[i]);
    keys[i] = MakePrefixKey(rank, bytes, static_cast<uint32_t>(i));
  });
  ParallelSort(keys.begin(), keys.end(), [&](const PrefixKey& x, const PrefixKey& y) {
    if (x.high != y.high) return x.high < y.high;
    if (x.low != y.low) return x.low < y.low;
    const auto [rank_x, text_x] = text(identities[x.index]);
    const auto [rank_y, text_y] = text(identities[y.index]);
    return std::tie(rank_x, text_x, x.index) < std::tie(rank_y, text_y, y.index);
  });
  std::vector<Identity> sorted(identities.size());
  tbb::parallel_for(size_t{0}, identities.size(),
                    [&](size_t i) { sorted[i] = std::move(identities[keys[i].index]); });
  identities.swap(sorted);
}

// Canonical order of identities, independent of NodeIds: by canonical member
// (canonical members are distinct, so this is one order).
void SortCanonically(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                     std::vector<Identity>& identities) {
  const std::vector<uint8_t> rank = types.OrderRanks();
  SortByText(identities, [&](const Identity& identity) {
    return std::pair(rank[dictionary.type(identity.canonical)], dictionary.value(identity.canonical));
  });
}

// IDs are unique: one order.
void SortById(std::vector<Identity>& identities) {
  SortByText(identities, [](const Identity& identity) {
    return std::pair(uint8_t{0}, std::string_view(identity.id));
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

// Fresh IDs, derived from the canonical member with salt 0, 1, ... until the
// ID is neither a previous one nor one already issued by this allocator.
// Called in canonical order, so which identity gets a salt is deterministic.
class IdAllocator {
 public:
  IdAllocator(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
              const PreviousIdentities* previous)
      : dictionary_(dictionary), types_(types), previous_(previous) {}

  std::string Fresh(const Identity& identity) {
    const std::string& type_name = types_.spec(dictionary_.type(identity.canonical)).name;
    for (uint32_t salt = 0;; ++salt) {
      // Fresh IDs are equal exactly when their hashes are.
      const uint64_t hash = IdentityIdHash(type_name, dictionary_.value(identity.canonical), salt);
      if (issued_.contains(hash)) continue;
      std::string id = FormatIdentityId(hash);
      if (previous_ != nullptr && previous_->Find(id).has_value()) continue;
      issued_.insert(hash);
      return id;
    }
  }

 private:
  const IdentifierDictionary& dictionary_;
  const IdentifierTypeRegistry& types_;
  const PreviousIdentities* previous_;
  absl::flat_hash_set<uint64_t> issued_;
};

using IdIndex = PreviousIdentities::IdIndex;

// (previous ID, members of the identity that had it), by ID.
using PreviousParts = absl::InlinedVector<std::pair<IdIndex, uint32_t>, 2>;

PreviousParts CountPreviousIds(const PreviousIdentities& previous, const Identity& identity) {
  absl::InlinedVector<IdIndex, 8> ids;
  for (NodeId node : identity.members) {
    const IdIndex id = previous.id_of_node(node);
    if (id != PreviousIdentities::kNoId) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  PreviousParts parts;
  for (size_t begin = 0, end; begin < ids.size(); begin = end) {
    for (end = begin + 1; end < ids.size() && ids[end] == ids[begin]; ++end) {}
    parts.emplace_back(ids[begin], static_cast<uint32_t>(end - begin));
  }
  return parts;
}

// Assigns IDs when a previous map exists; see the file comment for the rules.
// `identities` are in canonical order, so "the first with the most members"
// is a deterministic tie-break.
void AssignWithPrevious(const PreviousIdentities& previous, IdAllocator& ids,
                        std::vector<Identity>& identities,
                        std::vector<IdentityChange>& changes) {
  const size_t identity_count = identities.size();
  std::vector<PreviousParts> held(identity_count);
  tbb::parallel_for(size_t{0}, identity_count,
                    [&](size_t i) { held[i] = CountPreviousIds(previous, identities[i]); });

  // Each previous ID's parts, (identity, members), in identity order: one
  // flat array, the parts of ID k at [part_begin[k], part_begin[k + 1]).
  std::vector<uint32_t> part_begin(previous.id_count() + 1, 0);
  for (const PreviousParts& parts : held) {
    for (const auto& [id, count] : parts) ++part_begin[id + 1];
  }
  for (size_t k = 1; k < part_begin.size(); ++k) part_begin[k] += part_begin[k - 1];
  std::vector<std::pair<uint32_t, uint32_t>> parts(part_begin.back());
  {
    std::vector<uint32_t> next(part_begin.begin(), part_begin.end() - 1);
    for (uint32_t index = 0; index < identity_count; ++index) {
      for (const auto& [id, count] : held[index]) parts[next[id]++] = {index, count};
    }
  }
  held = {};

  // Each previous ID is claimed by its part with the most members.
  std::vector<std::pair<uint32_t, IdIndex>> claims;  // (identity, ID)
  std::vector<std::pair<IdIndex, uint32_t>> splits;  // (ID, the identity that kept it)
  std::vector<bool> has_previous(identity_count, false);
  for (IdIndex id = 0; id < previous.id_count(); ++id) {
    const auto begin = parts.begin() + part_begin[id];
    const auto end = parts.begin() + part_begin[id + 1];
    if (begin == end) continue;
    // max_element returns the first of equals: the canonically first part.
    const auto best = std::max_element(
        begin, end, [](const auto& x, const auto& y) { return x.second < y.second; });
    claims.emplace_back(best->first, id);
    if (end - begin > 1) splits.emplace_back(id, best->first);
    for (auto part = begin; part != end; ++part) has_previous[part->first] = true;
  }
  std::sort(claims.begin(), claims.end());

  auto older = [&](IdIndex x, IdIndex y) {
    auto age = [&](IdIndex id) {
      const int64_t first_seen = previous.first_seen(id);
      return first_seen == kNoTimestamp ? INT64_MAX : first_seen;
    };
    return std::make_pair(age(x), previous.id(x)) < std::make_pair(age(y), previous.id(y));
  };
  std::vector<IdIndex> claimed;
  auto claim = claims.begin();
  for (uint32_t index = 0; index < identity_count; ++index) {
    claimed.clear();
    for (; claim != claims.end() && claim->first == index; ++claim) claimed.push_back(claim->second);
    if (claimed.empty()) {
      identities[index].id = ids.Fresh(identities[index]);
      identities[index].is_new = !has_previous[index];
      continue;
    }
    std::sort(claimed.begin(), claimed.end(), older);
    identities[index].id = std::string(previous.id(claimed.front()));
    if (claimed.size() > 1) {
      IdentityChange merged{ChangeKind::kMerged, identities[index].id, {}, ""};
      for (size_t k = 1; k < claimed.size(); ++k) {
        merged.others.emplace_back(previous.id(claimed[k]));
      }
      changes.push_back(std::move(merged));
    }
  }
  for (const auto& [id, kept_by] : splits) {
    IdentityChange split{ChangeKind::kSplit, std::string(previous.id(id)), {},
                         identities[kept_by].id};
    for (uint32_t k = part_begin[id]; k < part_begin[id + 1]; ++k) {
      if (parts[k].first != kept_by) split.others.push_back(identities[parts[k].first].id);
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
  const bool fresh = previous == nullptr;
  if (!fresh) {
    SortCanonically(dictionary, types, result.identities);
    IdAllocator ids(dictionary, types, previous);
    AssignWithPrevious(*previous, ids, result.identities, result.changes);
    SortById(result.identities);
  } else if (!AssignUnsaltedIds(dictionary, types, result.identities)) {
    SortCanonically(dictionary, types, result.identities);
    IdAllocator ids(dictionary, types, nullptr);
    for (Identity& identity : result.identities) identity.id = ids.Fresh(identity);
    SortById(result.identities);
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
