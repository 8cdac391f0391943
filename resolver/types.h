// File: resolver/types.h
// The engine's vocabulary: identifier types, identifiers, records and links.
// Every component (readers, normalizers, matchers, the identity graph, outputs)
// speaks in these types; none of them carries a dependency's type.
#ifndef IDSTITCH_RESOLVER_TYPES_H_
#define IDSTITCH_RESOLVER_TYPES_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace idstitch {

// Dense index of an identifier in the dictionary (graph/identifier_dictionary.h).
using NodeId = uint32_t;
// Index of an identifier type in the IdentifierTypeRegistry.
using TypeId = uint8_t;

inline constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// How an identifier type's raw values are turned into canonical keys.
enum class NormalizerKind : uint8_t {
  kExact,      // trimmed, otherwise as given (a CRM key, a national ID)
  kLowercase,  // trimmed and ASCII-lowercased
  kDigits,     // digits only (loyalty cards)
  kEmail,      // trimmed, lowercased, optional Gmail dot/plus folding
  kPhone,      // E.164 through libphonenumber with a default region
  kDevice,     // lowercased; opt-out all-zero IDFA/GAID blocked
  kSocial,     // "platform:handle", lowercase, no '@'
};

// Link kinds rank links in the identity graph: every deterministic link is
// applied before any probabilistic one.
enum class LinkKind : uint8_t { kDeterministic = 0, kProbabilistic = 1 };

// Standard (non-identifier) fields of the input contract.
enum class StandardField : uint8_t {
  kRecordId,
  kTimestamp,
  kEvent,
  kIp,
  kUserAgent,
  kFirstName,
  kLastName,
  kDob,
  kPostcode,
  kAddress,
  kCity,
  kIdentifier,  // an identifier field; FieldTarget::type says which type
  kIgnored,     // an unknown column: ignored and counted
};
inline constexpr int kNumPersonAttributes = 6;  // first_name .. city

// Where one input column goes.
struct FieldTarget {
  StandardField field = StandardField::kIgnored;
  TypeId type = 0;  // meaningful only for kIdentifier
};

// A normalized identifier: its type and canonical value.
struct Identifier {
  TypeId type = 0;
  std::string value;

  friend bool operator==(const Identifier& a, const Identifier& b) {
    return a.type == b.type && a.value == b.value;
  }
};

// One input observation after parsing and normalization. Identifiers are
// deduplicated and sorted by (type priority, value), so identifiers[0] is the
// record's anchor: the identifier whose identity the record is assigned to.
struct Record {
  std::string record_id;
  int64_t ts = kNoTimestamp;  // Unix seconds, or kNoTimestamp
  std::string event;          // lowercased event name, may be empty
  std::vector<Identifier> identifiers;
  std::string ip;
  std::string user_agent;
  // Person attributes, indexed by StandardField::kFirstName + i; empty = missing.
  std::string attributes[kNumPersonAttributes];
};

// An edge between two identifiers, aggregated over all the records that gave
// the same matcher the same evidence. Ingest keeps a < b; the identity graph
// re-orients each link canonically (graph/identity_graph.h). 20 bytes: a batch
// run holds one per distinct (a, b, matcher), so its size is part of the
// graph's bytes per identifier.
struct Link {
  NodeId a = 0;
  NodeId b = 0;
  uint8_t matcher = 0;  // index into the run's matcher list
  LinkKind kind = LinkKind::kDeterministic;
  float score = 1.0f;
  uint32_t evidence = 0;  // records that produced this link
};

// When a link's records were seen. Kept beside the links (a parallel vector,
// or in the service's link entry) only where it is shown: links.csv and the
// service store; a batch run without --links does not hold it.
// The unordered pair {x, y} as one 64-bit key: (min << 32) | max.
inline uint64_t NodePairKey(NodeId x, NodeId y) {
  return x < y ? (uint64_t{x} << 32) | y : (uint64_t{y} << 32) | x;
}

struct LinkSeen {
  int64_t first = kNoTimestamp;
  int64_t last = kNoTimestamp;

  // One more record seen at `ts` (kNoTimestamp: unknown).
  void Add(int64_t ts) {
    if (ts == kNoTimestamp) return;
    if (first == kNoTimestamp || ts < first) first = ts;
    if (last == kNoTimestamp || ts > last) last = ts;
  }
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_TYPES_H_
