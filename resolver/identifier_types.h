// File: resolver/identifier_types.h
// The registry of identifier types: the six built-in types of the input contract
// (account_id, email, phone, loyalty_card, social, device_id) plus user-defined
// ones from the config. Each type has a normalizer, a priority (lower = more
// trusted, its links applied first), a per-identity limit and a hub cap.
// Thread safety: immutable after construction; const methods are thread-safe.
#ifndef IDSTITCH_RESOLVER_IDENTIFIER_TYPES_H_
#define IDSTITCH_RESOLVER_IDENTIFIER_TYPES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "resolver/types.h"

namespace idstitch {

struct IdentifierTypeSpec {
  std::string name;  // also the input field name, e.g. "email"
  NormalizerKind normalizer = NormalizerKind::kExact;
  // Lower priorities are more trusted: links touching them are applied first and
  // the identity's canonical member is its lowest-priority identifier.
  int priority = 100;
  // At most this many identifiers of this type in one identity; a merge that
  // would exceed it is refused. 0: unlimited.
  int max_per_identity = 0;
  // An identifier linked to more than this many distinct identifiers of this
  // type is a hub (a kiosk tablet, a shared test card) and is quarantined.
  // 0: no cap.
  int hub_cap = 0;
};

// The built-in type of profile records without identifiers (see WithBuiltins).
inline constexpr std::string_view kRecordTypeName = "record";

class IdentifierTypeRegistry {
 public:
  // The built-in types with their documented defaults (README, "Merge protection").
  static IdentifierTypeRegistry WithBuiltins();

  // Adds a user-defined type. InvalidArgument if the name is empty, not
  // [a-z0-9_]+, already registered, or if the registry is full (255 types).
  absl::StatusOr<TypeId> Add(IdentifierTypeSpec spec);

  std::optional<TypeId> Find(std::string_view name) const;
  const IdentifierTypeSpec& spec(TypeId type) const { return specs_[type]; }
  IdentifierTypeSpec& mutable_spec(TypeId type) { return specs_[type]; }
  size_t size() const { return specs_.size(); }

  // Each type's place (0, 1, ...) in (priority, name) order, by TypeId: the
  // order of identifiers within a record and an identity is (rank, value).
  std::vector<uint8_t> OrderRanks() const;

 private:
  std::vector<IdentifierTypeSpec> specs_;
};

// Parses "exact", "lowercase", "digits", "email", "phone", "device", "social".
absl::StatusOr<NormalizerKind> ParseNormalizerKind(std::string_view name);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_IDENTIFIER_TYPES_H_
